"""check_connection: can we reach XO, are the credentials good, and is MCP access allowed."""

from __future__ import annotations

import os
from typing import Annotated

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult

from xo_mcp.config import Settings
from xo_mcp.models import ConnectionReport
from xo_mcp.state import AppState
from xo_mcp.tools._common import XoContext, answer, app_state, register_tool


async def check_connection(ctx: XoContext) -> Annotated[CallToolResult, ConnectionReport]:
    """Check that Xen Orchestra is reachable and the configured credentials work: reports the XO URL,
    authentication method, REST API version, round-trip time, TLS mode and whether the XO administrator
    allows MCP access. Call it first when other tools fail, or when asked whether XO is up.
    """
    state = app_state(ctx)
    client = state.client
    mcp_enabled = await client.mcp_enabled()
    round_trip = 0.0
    version: str | None = None

    async def timed() -> None:
        nonlocal round_trip
        round_trip = await client.round_trip()

    async def spec_version() -> None:
        nonlocal version
        version = await client.rest_api_version()

    async with anyio.create_task_group() as group:
        group.start_soon(timed)
        group.start_soon(spec_version)
    report = ConnectionReport(
        xo_url=state.settings.base_url,
        connected=True,
        authenticated=True,
        auth_method="token (authenticationToken cookie)" if state.settings.token else "username/password (Basic)",
        round_trip_ms=round(round_trip * 1000, 1),
        rest_api_version=version,
        mcp_access="enabled" if mcp_enabled else "unknown (XO older than 6.5 has no kill-switch)",
        tls=_tls_mode(state.settings),
    )
    return answer(render(report), report)


def _tls_mode(settings: Settings) -> str:
    if not settings.base_url.startswith("https:"):
        return "none (plain http)"
    if not settings.verify_ssl:
        return "not verified (XO_VERIFY_SSL=false)"
    if settings.ca_bundle:
        return f"verified with XO_CA_BUNDLE {settings.ca_bundle}"
    return "verified with the system CA store"


def _proxy() -> str | None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        if os.environ.get(name):
            return name
    return None


def render(r: ConnectionReport) -> str:
    version = f", REST API {r.rest_api_version}" if r.rest_api_version else ""
    proxy = _proxy()
    return "\n".join(
        [
            f"Connected to Xen Orchestra at {r.xo_url}{version}: authenticated with {r.auth_method}.",
            f"Round trip {r.round_trip_ms:.1f} ms · TLS {r.tls} · MCP access {r.mcp_access}"
            + (f" · via proxy from {proxy}" if proxy else ""),
        ]
    )


def register(mcp: MCPServer[AppState]) -> None:
    register_tool(mcp, check_connection, title="Check connection")
