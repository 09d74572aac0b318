"""The installed `xo-mcp serve --transport streamable-http`, started as an administrator would, on a free
loopback port; and the real MCP client over HTTP with a user's bearer token.

Servers always stop (SIGTERM, then SIGKILL) when the block ends, whatever happened in it.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

from tests.harness import TRANSCRIPT, text_of
from xo_mcp.simulator import RunningSimulator

from .stdio import XO_MCP, base_env

START_TIMEOUT_S = 30.0
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}},
}
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class HttpServer:
    process: subprocess.Popen[bytes]
    port: int
    stderr_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/mcp"

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def post(self, body: Any = INITIALIZE, *, token: str | None = None, **headers: str) -> httpx.Response:
        """One raw POST to /mcp (JSON body, or bytes as they are)."""
        sent = dict(JSON_HEADERS) | ({"Authorization": f"Bearer {token}"} if token is not None else {}) | headers
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.post(self.url, content=content, headers=sent, timeout=30)

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return int(self.process.returncode)


@contextlib.contextmanager
def http_server(
    folder: Path, env: Mapping[str, str], *, args: tuple[str, ...] = (), port: int | None = None
) -> Iterator[HttpServer]:
    """`xo-mcp serve --transport streamable-http --port P` with exactly ``env`` (plus PATH/HOME), ready on /healthz."""
    port = port or free_port()
    stderr_path = folder / f"xo-mcp-{port}.stderr"
    command = [str(XO_MCP), "serve", "--transport", "streamable-http", "--port", str(port), *args]
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(command, env=base_env(**env), stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr)
    server = HttpServer(process, port, stderr_path)
    try:
        _wait_healthy(server)
        yield server
    finally:
        server.stop()


def _wait_healthy(server: HttpServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"xo-mcp exited with {server.process.returncode}: {server.stderr[-2000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(server.base + "/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"xo-mcp did not answer /healthz within {START_TIMEOUT_S} s: {server.stderr[-2000:]}")


@contextlib.asynccontextmanager
async def mcp_session(url: str, token: str | None = None, *, mode: str = "legacy") -> AsyncIterator[Client]:
    """The SDK's MCP client over Streamable HTTP, sending ``Authorization: Bearer <token>`` on each request."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60)) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode, read_timeout_seconds=60) as client,
    ):
        yield client


async def call(client: Client, tool: str, arguments: dict[str, Any] | None = None) -> CallToolResult:
    """A tool call whose answer the per-test guards check for credentials."""
    result = await client.call_tool(tool, arguments or {})
    TRANSCRIPT.append(text_of(result))
    TRANSCRIPT.append(json.dumps(result.structured_content))
    return result


def requests_to(sim: RunningSimulator, path: str, since: float) -> int:
    """How many requests for ``path`` reached the simulator since ``since`` (answered or not)."""
    return sum(1 for record in sim.state.requests.snapshot() if record.path == path and record.time >= since)


async def until(condition: Callable[[], bool]) -> None:
    """Poll a condition that another thread or process makes true (the simulator's log, a server's state)."""
    while not condition():  # noqa: ASYNC110 - nothing in this event loop sets it: no Event to wait on
        await anyio.sleep(0.02)
