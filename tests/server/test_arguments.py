"""Bad arguments: a clear, short isError answer in one style, nothing sent to XO, and the server keeps answering."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError

from tests.harness import XoSession, server_for, settings_for
from xo_mcp.simulator import RunningSimulator

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("list_vms", {"limit": 0}, "`limit`: input should be greater than or equal to 1 (got 0)"),
        ("list_vms", {"limit": -5}, "`limit`"),
        ("list_vms", {"limit": 10**9}, "`limit`: input should be less than or equal to 1000"),
        ("list_vms", {"limit": "many"}, "`limit`: input should be a valid integer"),
        ("list_vms", {"limit": 1.5}, "`limit`"),
        ("list_vms", {"limit": True}, "`limit`: input should be a valid integer (got True)"),
        ("list_vms", {"offset": -1}, "`offset`"),
        ("list_vms", {"filter": 42}, "`filter`"),
        ("list_vms", {"fields": ["name_label"]}, "`fields`"),
        ("list_vms", {"filter": "x" * 10_000}, "`filter`: the filter is 10000 characters long"),
        ("list_vms", {"filtre": "power_state:Running"}, "Unknown argument `filtre`: list_vms accepts fields, filter"),
        ("list_vms", {"fields": "*"}, "fields='*' would return every property"),
        ("list_vms", {"fields": "name label"}, "invalid field name"),
        ("list_hosts", {"fields": "id,../x"}, "invalid field name"),
        ("list_hosts", {"filter": "name_label:a\x00b"}, "control characters"),
        ("list_pools", {"filter": "x"}, "Unknown argument `filter`: list_pools accepts fields."),
        ("get_vm_details", {}, "`vm_id` is required"),
        ("get_vm_details", {"vm_id": None}, "`vm_id`"),
        ("get_vm_details", {"vm_id": 12}, "`vm_id`"),
        ("get_pool_dashboard", {"pool_id": ["a"]}, "`pool_id`"),
        ("check_connection", {"verbose": True}, "Unknown argument `verbose`: check_connection accepts no arguments"),
        ("search_documentation", {"topic": "cooking"}, "`topic`"),
        ("search_documentation", {"topic": "backups", "max_results": 99}, "`max_results`"),
    ],
)
async def test_bad_arguments_are_explained(
    xo: XoSession, sim: RunningSimulator, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    before = sim.state.requests.counts()["requests"]
    message = await xo.error(tool, arguments)
    assert expected in message
    assert len(message) < 600, message
    assert "pydantic" not in message and "Traceback" not in message and "Error executing tool" not in message
    assert sim.state.requests.counts()["requests"] == before


async def test_the_server_still_answers_after_bad_input(xo: XoSession) -> None:
    await xo.error("list_vms", {"limit": -1})
    await xo.error("get_vm_details", {"vm_id": "../../etc/passwd"})
    assert (await xo.content("list_vms", {"limit": 1}))["returned"] == 1


async def test_unknown_tool_is_refused_not_a_crash(xo: XoSession) -> None:
    result = await xo.call("delete_vm", {"vm_id": "x"})
    assert result.is_error
    await xo.ok("check_connection")


async def test_the_sdk_still_reports_schema_mismatches_as_validation_errors(sim: RunningSimulator) -> None:
    """`XoMcpServer.call_tool` shortens argument errors by catching the SDK's ToolError caused by pydantic's
    ValidationError. If a new SDK reports them another way, this fails first, loudly."""
    server = server_for(settings_for(sim.url))
    with pytest.raises(ToolError) as caught:
        await super(type(server), server).call_tool("list_vms", {"limit": 0})
    assert isinstance(caught.value.__cause__, ValidationError)


async def test_an_unknown_prompt_is_a_protocol_error_not_a_logged_crash(
    xo: XoSession, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(MCPError) as caught:
        await xo.client.get_prompt("no-such-prompt")
    assert "Unknown prompt" in str(caught.value)
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
    prompt = await xo.client.get_prompt("infrastructure-overview")
    assert "get_infrastructure_summary" in str(prompt.messages[0].content)
