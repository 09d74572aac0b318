"""check_connection: reachability, credentials, REST API version, TLS mode and the MCP kill-switch."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import harness
from tests.conftest import Connect
from tests.harness import XoSession, text_of
from xo_mcp.simulator import RunningSimulator

pytestmark = pytest.mark.anyio


async def test_reports_what_it_checked(xo: XoSession, sim: RunningSimulator) -> None:
    result = await xo.ok("check_connection")
    report = result.structured_content
    assert report is not None
    assert report["connected"] and report["authenticated"]
    assert report["xo_url"] == sim.url
    assert report["mcp_access"] == "enabled"
    assert report["auth_method"].startswith("token")
    assert report["tls"] == "none (plain http)"
    assert report["round_trip_ms"] > 0
    assert "Connected to Xen Orchestra" in text_of(result)


async def test_kill_switch(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.mcp_enabled = False
    message = await xo.error("check_connection")
    assert "disabled MCP access" in message and "enabled = true" in message
    sim.state.mcp_enabled = True
    await xo.ok("check_connection")


async def test_overloaded_xo_is_not_mistaken_for_the_kill_switch(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/mcp/status", status=503, body={"error": "service unavailable"})
    message = await xo.error("check_connection")
    assert "HTTP 503" in message and "disabled" not in message


async def test_xo_older_than_the_kill_switch(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/mcp/status", status=404, body={"error": "not found"})
    report = await xo.content("check_connection")
    assert report["mcp_access"].startswith("unknown")


async def test_rest_api_version_from_the_spec(xo: XoSession, sim: RunningSimulator) -> None:
    body = '{\n  "openapi": "3.0.0",\n  "info": {\n    "title": "@xen-orchestra/rest-api",\n    "version": "0.39.0"'
    sim.state.faults.add(path="/rest/v0/docs/swagger.json", status=200, body=body + "}}", content_type="text/json")
    report = await xo.content("check_connection")
    assert report["rest_api_version"] == "0.39.0"
    assert "REST API 0.39.0" in text_of(xo.calls[-1])


async def test_names_the_user_xo_sees(xo: XoSession, connect: Connect, sim: RunningSimulator) -> None:
    admin = await xo.content("check_connection")
    assert admin["user"] == harness.OPS_USERNAME and admin["permission"] == "admin"
    assert admin["limited_by_acls"] is False
    async with connect(sim.url, token=sim.viewer_token) as viewer:
        report = await viewer.ok("check_connection")
    content = report.structured_content
    assert content is not None and content["user"] == sim.viewer_username and content["limited_by_acls"] is True
    assert content["permission"] != "admin"
    assert "not an administrator" in text_of(report) and "ACLs" in text_of(report)


async def test_shows_what_the_documentation_index_was_built_from(
    connect: Connect, sim: RunningSimulator, docs_index: Path, tmp_path: Path
) -> None:
    async with connect(sim.url, docs_index=docs_index) as session:
        built = await session.content("check_connection")
    assert built["documentation"].startswith("Documentation index built ") and "59 pages" in built["documentation"]
    async with connect(sim.url, docs_index=tmp_path / "none") as session:
        text = text_of(await session.ok("check_connection"))
    assert "Documentation index: not available" in text
