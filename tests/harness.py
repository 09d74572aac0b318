"""The real server, built in process by `build_server()`, driven by the real `mcp` client over in-memory
streams, against the simulator on a loopback port (real HTTP, streaming, faults).

Every answer a test receives is recorded for the per-test guards (`tests/conftest.py`): only GET reached
XO, and no credential appears in any answer or log line.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from mcp import Client
from mcp.types import CallToolResult, TextContent

from xo_mcp.config import Settings
from xo_mcp.server import XoMcpServer, build_server
from xo_mcp.simulator import RunningSimulator, SimulatorState, User, generate_inventory, run_simulator
from xo_mcp.simulator.credentials import (
    ADMIN_TOKEN,
    PROXY_URL_TOKEN,
    REMOTE_URL_PASSWORD,
    USER_OTP_SECRET,
    VIEWER_TOKEN,
)
from xo_mcp.simulator.state import default_users

# Distinctive credentials: the guards grep every answer and log for them.
OPS_USERNAME = "ops@example.net"
OPS_PASSWORD = "pw-canary-7c41d2e9"
OPS_TOKEN = "tok-canary-5b8e0f13a6"
WRONG_PASSWORD = "pw-wrong-canary-91aa"
WRONG_TOKEN = "tok-wrong-canary-3e77"
COLON_USERNAME = "colon@example.net"
COLON_PASSWORD = "pw-canary:colon-5e2d"
CANARIES: set[str] = {
    OPS_PASSWORD,
    OPS_TOKEN,
    WRONG_PASSWORD,
    WRONG_TOKEN,
    COLON_PASSWORD,
    ADMIN_TOKEN,
    VIEWER_TOKEN,
    # What XO itself hands out and the server must never pass on.
    REMOTE_URL_PASSWORD,
    PROXY_URL_TOKEN,
    USER_OTP_SECRET,
}
"""Values that must never appear in an answer or a log."""

STATES: list[SimulatorState] = []
"""Every simulator state the tests built: the GET-only guard reads their request logs."""
TRANSCRIPT: list[str] = []
"""What the server answered during the current test (text and structured content)."""


def make_state(*, vms: int = 150, seed: int = 11, pools: int = 2) -> SimulatorState:
    """A simulated XO with the canary users beside the default admin and viewer.

    Its clock is today's: backup runs, snapshots, alarms and tasks are as recent as in a live estate, for
    the tools that read the wall clock (the figures still come from the seed).
    """
    inventory = generate_inventory(seed=seed, pools=pools, hosts_per_pool=3, vms=vms, now=time.time())
    ops = User("0c0ffee0-0000-4000-8000-000000000001", OPS_USERNAME, OPS_PASSWORD, OPS_TOKEN, admin=True)
    colon = User("0c0ffee0-0000-4000-8000-000000000002", COLON_USERNAME, COLON_PASSWORD, "tok-colon-7d", admin=True)
    state = SimulatorState(inventory=inventory, users=[*default_users(inventory), ops, colon])
    STATES.append(state)
    return state


@contextmanager
def simulator(state: SimulatorState | None = None) -> Iterator[RunningSimulator]:
    """A simulator on a free loopback port for the block (the default estate if no state is given)."""
    with run_simulator(state if state is not None else make_state()) as running:
        yield running


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


@dataclass
class XoSession:
    """One MCP client session on an in-process server."""

    client: Client
    settings: Settings
    calls: list[CallToolResult] = field(default_factory=list)

    async def call(self, tool: str, arguments: dict[str, Any] | None = None) -> CallToolResult:
        result = await self.client.call_tool(tool, arguments or {})
        TRANSCRIPT.append(text_of(result))
        TRANSCRIPT.append(json.dumps(result.structured_content))
        self.calls.append(result)
        return result

    async def ok(self, tool: str, arguments: dict[str, Any] | None = None) -> CallToolResult:
        result = await self.call(tool, arguments)
        assert not result.is_error, text_of(result)
        return result

    async def content(self, tool: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        """The structured content of a successful call."""
        result = await self.ok(tool, arguments)
        content: dict[str, Any] | None = result.structured_content
        assert content is not None
        return content

    async def error(self, tool: str, arguments: dict[str, Any] | None = None) -> str:
        result = await self.call(tool, arguments)
        assert result.is_error, f"expected an error, got: {text_of(result)[:500]}"
        return text_of(result)


_SERVERS: dict[Settings, XoMcpServer] = {}


def server_for(settings: Settings) -> XoMcpServer:
    """Servers are reused across tests with the same settings: each connection still gets its own lifespan
    (a fresh REST client), and building one registers every tool's schema (tens of milliseconds)."""
    if settings not in _SERVERS:
        _SERVERS[settings] = build_server(settings)
    return _SERVERS[settings]


def settings_for(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"base_url": url, "token": OPS_TOKEN, "timeout": 5.0}
    if "username" in overrides:
        values.pop("token")
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def connect(settings: Settings) -> AsyncIterator[XoSession]:
    """The real MCP client on the in-process server, over in-memory JSON-RPC streams."""
    async with Client(server_for(settings), mode="legacy", read_timeout_seconds=60) as client:
        yield XoSession(client, settings)


def requests_since(moment: float) -> list[Any]:
    """Requests the server (X-XO-Client: mcp) sent to any simulator since ``moment``."""
    return [
        record
        for state in STATES
        for record in state.requests.snapshot()
        if record.client == "mcp" and record.time >= moment
    ]


def now() -> float:
    return time.time()
