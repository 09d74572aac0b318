"""Every XO / HTTP failure reaches the assistant as a specific isError answer, and the server stays up."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from xo_mcp.errors import MAX_MESSAGE_CHARS
from xo_mcp.simulator.runner import RunningSimulator

from .conftest import COLON_PASSWORD, COLON_USERNAME, OPS_PASSWORD, OPS_TOKEN, OPS_USERNAME, WRONG_PASSWORD, WRONG_TOKEN
from .mcp_harness import McpSession
from .tls_proxy import make_certificate, tls_front


def first_vm(sim: RunningSimulator, **where: str) -> dict[str, Any]:
    return next(vm for vm in sim.state.inventory.vms.values() if all(vm.get(k) == v for k, v in where.items()))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_short(message: str) -> None:
    assert len(message) <= MAX_MESSAGE_CHARS + len("Error executing tool get_infrastructure_summary: ")
    assert "Traceback" not in message


def test_connection_refused_names_the_url(server_with: Any) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    with server_with(XO_URL=url, XO_TOKEN=OPS_TOKEN) as server:
        # The server started although XO is down: the failure is reported per call.
        message = server.error("get_infrastructure_summary")
        assert "Cannot connect" in message and url in message
        assert_short(message)
        assert "Cannot connect" in server.error("check_connection")


def test_dns_failure(server_with: Any) -> None:
    with server_with(XO_URL="http://xo-does-not-exist.invalid", XO_TOKEN=OPS_TOKEN, XO_TIMEOUT="5") as server:
        message = server.error("list_pools")
        assert "xo-does-not-exist.invalid" in message
        assert "DNS" in message or "Cannot connect" in message


def test_tls_verification_failure_then_ca_bundle_and_verify_off(
    server_with: Any, sim: RunningSimulator, tmp_path: Path
) -> None:
    cert, key = make_certificate(tmp_path)
    with tls_front(sim.port, cert, key) as https_url:
        with server_with(XO_URL=https_url, XO_TOKEN=OPS_TOKEN) as server:
            message = server.error("check_connection")
            assert "TLS certificate verification failed" in message
            assert "XO_CA_BUNDLE" in message and "XO_VERIFY_SSL" in message
        with server_with(XO_URL=https_url, XO_TOKEN=OPS_TOKEN, XO_CA_BUNDLE=str(cert)) as server:
            report = server.ok("check_connection").structured_content
            assert report is not None and "XO_CA_BUNDLE" in report["tls"]
        with server_with(XO_URL=https_url, XO_TOKEN=OPS_TOKEN, XO_VERIFY_SSL="false") as server:
            report = server.ok("check_connection").structured_content
            assert report is not None and report["tls"].startswith("not verified")


def test_timeout_names_the_seconds(server_with: Any, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/vms*", hang=True)
    with server_with(XO_URL=sim.url, XO_TOKEN=OPS_TOKEN, XO_TIMEOUT="1") as server:
        message = server.error("list_vms")
        assert "Timed out after 1 s" in message and "XO_TIMEOUT" in message
        sim.state.faults.clear()
        server.ok("list_vms", {"limit": 1})


def test_wrong_token(server_with: Any, sim: RunningSimulator) -> None:
    with server_with(XO_URL=sim.url, XO_TOKEN=WRONG_TOKEN) as server:
        message = server.error("list_vms")
        assert "rejected the credentials" in message and "XO_TOKEN" in message
        assert "administrators" in message


def test_wrong_password(server_with: Any, sim: RunningSimulator) -> None:
    with server_with(XO_URL=sim.url, XO_USERNAME=OPS_USERNAME, XO_PASSWORD=WRONG_PASSWORD) as server:
        assert "rejected the credentials" in server.error("check_connection")


def test_password_with_a_colon_is_explained(server_with: Any, sim: RunningSimulator) -> None:
    # XO keeps only the part of the password before a second ':', so such an account cannot log in.
    with server_with(XO_URL=sim.url, XO_USERNAME=COLON_USERNAME, XO_PASSWORD=COLON_PASSWORD) as server:
        message = server.error("list_pools")
        assert "contains ':'" in message and "XO_TOKEN" in message


def test_basic_auth_works_and_throttle_is_explained(server_with: Any, sim: RunningSimulator) -> None:
    with server_with(XO_URL=sim.url, XO_USERNAME=OPS_USERNAME, XO_PASSWORD=OPS_PASSWORD) as server:
        report = server.ok("check_connection").structured_content
        assert report is not None and report["auth_method"].startswith("username/password")
        # Someone else fails a login for the same user: XO then refuses even the right password for 2 s.
        httpx.get(f"{sim.url}/rest/v0/pools", auth=(OPS_USERNAME, WRONG_PASSWORD))
        message = server.error("list_pools")
        assert "throttling" in message and "XO_TOKEN" in message


def test_forbidden_names_the_missing_privilege(server_with: Any, sim: RunningSimulator) -> None:
    pools = list(sim.state.inventory.pools)
    other_pool_vm = first_vm(sim, **{"$pool": pools[1]})
    with server_with(XO_URL=sim.url, XO_TOKEN=sim.viewer_token) as server:
        message = server.error("get_vm_details", {"vm_id": other_pool_vm["id"]})
        assert "privileges" in message and "read" in message and other_pool_vm["id"] in message
        # Collections silently hold only what the user may read.
        listed = server.ok("list_vms", {"limit": 1000}).structured_content
        assert listed is not None
        assert listed["total"] == sum(vm["$pool"] == pools[0] for vm in sim.state.inventory.vms.values())


def test_not_found_says_which_id_and_which_tool(xo: McpSession) -> None:
    message = xo.error("get_vm_details", {"vm_id": "0b7c3e4a-0000-4000-8000-00000000dead"})
    assert "0b7c3e4a-0000-4000-8000-00000000dead" in message and "list_vms" in message
    message = xo.error("get_pool_dashboard", {"pool_id": "0b7c3e4a-0000-4000-8000-00000000beef"})
    assert "No pool" in message and "list_pools" in message


def test_template_id_is_not_a_vm(xo: McpSession, sim: RunningSimulator) -> None:
    template = next(iter(sim.state.inventory.vm_templates.values()))
    assert "list_vms" in xo.error("get_vm_details", {"vm_id": template["id"]})


@pytest.mark.parametrize("bad_filter", ["web,db", "name_label:=x", "(power_state:Running", "name_label:/[/"])
def test_unparsable_filter_is_quoted_with_the_syntax(xo: McpSession, bad_filter: str) -> None:
    message = xo.error("list_vms", {"filter": bad_filter})
    assert "could not parse the filter" in message and bad_filter.replace("\\", "\\\\") in message
    assert "power_state:Running" in message
    xo.ok("list_vms", {"limit": 1})


def test_422_is_explained(xo: McpSession, sim: RunningSimulator) -> None:
    body = {"error": {"limit": {"message": "invalid float number", "value": "abc"}}, "data": {}}
    sim.state.faults.add(path="/rest/v0/vms", status=422, body=body, times=1)
    message = xo.error("list_vms")
    assert "422" in message and "limit: invalid float number" in message


def test_kill_switch(xo: McpSession, sim: RunningSimulator) -> None:
    sim.state.mcp_enabled = False
    message = xo.error("list_vms")
    assert "disabled MCP access" in message and "enabled = true" in message
    assert "disabled MCP access" in xo.error("check_connection")
    sim.state.mcp_enabled = True
    xo.ok("check_connection")


def test_truncated_json(xo: McpSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/pools", truncate=40)
    assert "not valid JSON" in xo.error("list_pools")
    sim.state.faults.clear()
    sim.state.faults.add(path="/rest/v0/vms", truncate=150)
    assert "not valid JSON" in xo.error("list_vms")


def test_html_instead_of_the_api(xo: McpSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/pools", status=200, body="<html>login</html>", content_type="text/html")
    message = xo.error("list_pools")
    assert "HTML page" in message and "XO_URL" in message


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors(xo: McpSession, sim: RunningSimulator, status: int) -> None:
    sim.state.faults.add(path="/rest/v0/vms/*", status=status, body={"error": "boom"})
    vm = first_vm(sim)
    message = xo.error("get_vm_details", {"vm_id": vm["id"]})
    assert f"HTTP {status}" in message and "boom" in message
    assert_short(message)


def test_dropped_connection(xo: McpSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/hosts", drop=True)
    message = xo.error("list_hosts")
    assert "closed" in message or "Cannot connect" in message


def test_partial_failure_in_details_is_a_note(xo: McpSession, sim: RunningSimulator) -> None:
    vm = first_vm(sim, power_state="Running")
    sim.state.faults.add(path="/rest/v0/vms/*/vdis", status=500, body={"error": "disk listing failed"})
    result = xo.ok("get_vm_details", {"vm_id": vm["id"]})
    assert result.structured_content is not None
    assert any("disk listing failed" in note for note in result.structured_content["notes"])


@pytest.mark.parametrize("cut", [30, 2000])
def test_truncated_stream_in_summary(xo: McpSession, sim: RunningSimulator, cut: int) -> None:
    sim.state.faults.add(path="/rest/v0/vms", truncate=cut)
    assert "not valid JSON" in xo.error("get_infrastructure_summary")


def test_overloaded_xo_is_not_mistaken_for_the_kill_switch(xo: McpSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/mcp/status", status=503, body={"error": "service unavailable"})
    message = xo.error("check_connection")
    assert "HTTP 503" in message and "disabled" not in message
