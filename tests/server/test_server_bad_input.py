"""Bad arguments get a clear isError answer, no request leaves for an id that cannot be valid, and the
server keeps answering."""

from __future__ import annotations

from typing import Any

import pytest

from xo_mcp.simulator.runner import RunningSimulator

from .mcp_harness import McpSession

BAD_IDS = ["", "   ", "a/b", "..", "../pools", "x?y=1", "x#frag", " padded ", "two words", "é-ünïcode", "x" * 10_000]


@pytest.mark.parametrize("bad_id", BAD_IDS, ids=lambda v: repr(v[:20]))
@pytest.mark.parametrize(("tool", "argument"), [("get_vm_details", "vm_id"), ("get_pool_dashboard", "pool_id")])
def test_invalid_ids_never_reach_xo(
    xo: McpSession, sim: RunningSimulator, tool: str, argument: str, bad_id: str
) -> None:
    before = len(sim.state.requests)
    message = xo.error(tool, {argument: bad_id})
    assert "id" in message
    assert len(message) < 600
    assert len(sim.state.requests) == before, "a request left for an id that cannot be valid"


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("list_vms", {"limit": 0}, "limit"),
        ("list_vms", {"limit": -5}, "limit"),
        ("list_vms", {"limit": 10**9}, "limit"),
        ("list_vms", {"limit": "many"}, "limit"),
        ("list_vms", {"limit": 1.5}, "limit"),
        ("list_vms", {"offset": -1}, "offset"),
        ("list_vms", {"filter": 42}, "filter"),
        ("list_vms", {"fields": ["name_label"]}, "fields"),
        ("list_vms", {"filter": "x" * 10_000}, "filter"),
        ("list_vms", {"filtre": "power_state:Running"}, "filtre"),
        ("list_vms", {"fields": "*"}, "fields='*'"),
        ("list_vms", {"fields": "name label"}, "Invalid field name"),
        ("list_hosts", {"fields": "id,../x"}, "Invalid field name"),
        ("list_hosts", {"filter": "name_label:a\x00b"}, "control characters"),
        ("list_pools", {"filter": "x"}, "filter"),
        ("get_vm_details", {}, "vm_id"),
        ("get_vm_details", {"vm_id": None}, "vm_id"),
        ("get_vm_details", {"vm_id": 12}, "vm_id"),
        ("get_pool_dashboard", {"pool_id": ["a"]}, "pool_id"),
        ("check_connection", {"verbose": True}, "verbose"),
        ("search_documentation", {"topic": "cooking"}, "topic"),
        ("search_documentation", {"topic": "backups", "max_results": 99}, "max_results"),
    ],
)
def test_bad_arguments_are_explained(xo: McpSession, tool: str, arguments: dict[str, Any], expected: str) -> None:
    message = xo.error(tool, arguments)
    assert expected in message
    assert len(message) < 600, message
    assert "pydantic.dev" not in message and "Traceback" not in message


def test_server_still_answers_after_bad_input(xo: McpSession) -> None:
    xo.error("list_vms", {"limit": -1})
    xo.error("get_vm_details", {"vm_id": "../../etc/passwd"})
    assert xo.ok("list_vms", {"limit": 1}).structured_content is not None


def test_unknown_tool_is_a_protocol_error_not_a_crash(xo: McpSession) -> None:
    result = xo.call("delete_vm", {"vm_id": "x"})
    assert result.is_error
    xo.ok("check_connection")
