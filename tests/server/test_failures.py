"""Every XO / HTTP failure reaches the assistant as a specific isError answer, and the server stays up."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import Connect
from tests.harness import (
    COLON_PASSWORD,
    COLON_USERNAME,
    OPS_PASSWORD,
    OPS_USERNAME,
    WRONG_PASSWORD,
    WRONG_TOKEN,
    XoSession,
)
from xo_mcp.errors import MAX_MESSAGE_CHARS
from xo_mcp.simulator import RunningSimulator
from xo_mcp.tools.base import Answer, ToolDef

from .tls_proxy import make_certificate, tls_front

pytestmark = pytest.mark.anyio


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_short(message: str) -> None:
    assert len(message) <= MAX_MESSAGE_CHARS
    assert "Traceback" not in message and "Error executing tool" not in message


async def test_connection_refused_names_the_url(connect: Connect) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    async with connect(url) as session:
        # The server started although XO is down: the failure is reported per call.
        message = await session.error("get_infrastructure_summary")
        assert "Cannot connect" in message and url in message
        assert_short(message)
        assert "Cannot connect" in await session.error("check_connection")


async def test_dns_failure(connect: Connect) -> None:
    async with connect("http://xo-does-not-exist.invalid") as session:
        message = await session.error("list_pools")
    assert "xo-does-not-exist.invalid" in message
    assert "DNS" in message or "Cannot connect" in message


async def test_tls_verification_failure_then_ca_bundle_and_verify_off(
    connect: Connect, sim: RunningSimulator, tmp_path: Path
) -> None:
    cert, key = make_certificate(tmp_path)
    with tls_front(sim.port, cert, key) as https_url:
        async with connect(https_url) as session:
            message = await session.error("check_connection")
            assert "TLS certificate verification failed" in message
            assert "XO_CA_BUNDLE" in message and "XO_VERIFY_SSL" in message
        async with connect(https_url, ca_bundle=cert) as session:
            report = await session.content("check_connection")
            assert "XO_CA_BUNDLE" in report["tls"]
        async with connect(https_url, verify_ssl=False) as session:
            report = await session.content("check_connection")
            assert report["tls"].startswith("not verified")


async def test_timeout_names_the_seconds(connect: Connect, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/vms*", hang=True)
    async with connect(sim.url, timeout=1.0) as session:
        message = await session.error("list_vms")
        assert "Timed out after 1 s" in message and "XO_TIMEOUT" in message
        sim.state.faults.clear()
        await session.ok("list_vms", {"limit": 1})


async def test_wrong_token(connect: Connect, sim: RunningSimulator) -> None:
    async with connect(sim.url, token=WRONG_TOKEN) as session:
        message = await session.error("list_vms")
    assert "rejected the credentials" in message and "XO_TOKEN" in message


async def test_wrong_password(connect: Connect, sim: RunningSimulator) -> None:
    async with connect(sim.url, username=OPS_USERNAME, password=WRONG_PASSWORD) as session:
        assert "rejected the credentials" in await session.error("check_connection")


async def test_password_with_a_colon_is_explained(connect: Connect, sim: RunningSimulator) -> None:
    # XO keeps only the part of the password before a second ':', so such an account cannot log in.
    async with connect(sim.url, username=COLON_USERNAME, password=COLON_PASSWORD) as session:
        message = await session.error("list_pools")
    assert "contains ':'" in message and "XO_TOKEN" in message


async def test_basic_auth_works_and_throttle_is_explained(connect: Connect, sim: RunningSimulator) -> None:
    async with connect(sim.url, username=OPS_USERNAME, password=OPS_PASSWORD) as session:
        report = await session.content("check_connection")
        assert report["auth_method"].startswith("username/password")
        # Someone else fails a login for the same user: XO then refuses even the right password for 2 s.
        async with httpx.AsyncClient() as other:
            await other.get(f"{sim.url}/rest/v0/pools", auth=(OPS_USERNAME, WRONG_PASSWORD))
        message = await session.error("list_pools")
    assert "throttling" in message and "XO_TOKEN" in message


async def test_422_is_explained(xo: XoSession, sim: RunningSimulator) -> None:
    body = {"error": {"limit": {"message": "invalid float number", "value": "abc"}}, "data": {}}
    sim.state.faults.add(path="/rest/v0/vms", status=422, body=body, times=1)
    message = await xo.error("list_vms")
    assert "422" in message and "limit: invalid float number" in message


async def test_kill_switch_applies_to_every_tool(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.mcp_enabled = False
    message = await xo.error("list_vms")
    assert "disabled MCP access" in message and "enabled = true" in message


async def test_truncated_json(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/pools", truncate=40)
    assert "not valid JSON" in await xo.error("list_pools")
    sim.state.faults.clear()
    sim.state.faults.add(path="/rest/v0/vms", truncate=150)
    assert "not valid JSON" in await xo.error("list_vms")


async def test_html_instead_of_the_api(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/pools", status=200, body="<html>login</html>", content_type="text/html")
    message = await xo.error("list_pools")
    assert "HTML page" in message and "XO_URL" in message


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors(xo: XoSession, sim: RunningSimulator, status: int) -> None:
    sim.state.faults.add(path="/rest/v0/vms/*", status=status, body={"error": "boom"})
    vm = next(iter(sim.state.inventory.vms))
    message = await xo.error("get_vm_details", {"vm_id": vm})
    assert f"HTTP {status}" in message and "boom" in message
    assert_short(message)


async def test_dropped_connection(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/hosts", drop=True)
    message = await xo.error("list_hosts")
    assert "closed" in message or "Cannot connect" in message


async def test_https_on_a_plain_http_port_says_so(connect: Connect, sim: RunningSimulator) -> None:
    https_on_plain_port = f"https://127.0.0.1:{sim.port}"
    async with connect(https_on_plain_port) as session:
        message = await session.error("list_pools")
        assert "does not speak TLS on that port" in message and "http://" in message
        assert "certificate" not in message
    async with connect(https_on_plain_port, verify_ssl=False) as session:
        message = await session.error("list_pools")
        # Never suggest a setting that is already applied.
        assert "does not speak TLS on that port" in message and "XO_VERIFY_SSL" not in message


async def test_a_wrong_path_prefix_says_there_is_no_rest_api_there(connect: Connect, sim: RunningSimulator) -> None:
    async with connect(f"{sim.url}/xo") as session:
        message = await session.error("list_vms")
        report = await session.call("check_connection")
    assert f"There is no XO REST API at {sim.url}/xo/rest/v0" in message and "XO_URL" in message
    assert report.is_error and report.structured_content is not None
    assert report.structured_content["connected"] is True and report.structured_content["authenticated"] is False
    assert "There is no XO REST API" in report.structured_content["error"]


async def test_check_connection_failure_is_structured(connect: Connect) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    async with connect(url) as session:
        result = await session.call("check_connection")
    assert result.is_error and result.structured_content is not None
    report = result.structured_content
    assert report["connected"] is False and report["authenticated"] is False
    assert "Cannot connect" in report["error"] and report["xo_url"] == url
    assert "not reached" in result.content[0].text  # type: ignore[union-attr]


@contextmanager
def redirecting_server(location: str) -> Iterator[str]:
    """An HTTP server on a free loopback port answering every GET with 302 to ``location``."""

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_check_connection_explains_a_redirect_best(connect: Connect) -> None:
    with redirecting_server("https://xo.example.net/rest/v0/pools") as url:
        async with connect(url) as session:
            result = await session.call("check_connection")
            other = await session.error("list_pools")
    text = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error and "redirected" in text and "https://xo.example.net/rest/v0/pools" in text
    assert "Set XO_URL to the final address" in text and "redirected" in other


class Nothing(Answer):
    def render(self) -> str:
        return "nothing"


async def test_an_unexpected_failure_is_short_worded_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(ctx: object) -> Nothing:
        raise RuntimeError("internal detail pw-that-must-not-leak")

    handler = ToolDef(fn=broken, title="Broken", toolset="core").handler()
    result = await handler(ctx=None)
    text = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error and "broken failed unexpectedly (RuntimeError)" in text
    assert "pw-that-must-not-leak" not in text and "Traceback" not in text
    crashes = [record for record in caplog.records if "failed unexpectedly" in record.getMessage()]
    assert len(crashes) == 1 and crashes[0].exc_info is not None
