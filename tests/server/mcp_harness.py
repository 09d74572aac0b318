"""Drive the installed `xo-mcp` over stdio with the real MCP client, from synchronous tests.

Each server runs in its own subprocess; the MCP client lives in a background event loop (an anyio
blocking portal), so one session can serve many tests. Every answer and every byte the server wrote on
stderr is kept, for the suite-wide credential-leak check.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult, TextContent

XO_MCP = Path(sys.executable).with_name("xo-mcp")

TRANSCRIPT: list[str] = []
"""Everything any server under test answered (text and structured content)."""
STDERR_FILES: list[Path] = []
"""Where each server's stderr went."""


def base_env(**xo: str) -> dict[str, str]:
    """A clean environment: no proxies or XO_* from the developer's shell, only what the test sets."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), "XO_LOG_LEVEL": "INFO"}
    env.update(xo)
    return env


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


@dataclass
class McpSession:
    portal: BlockingPortal
    client: Client
    stderr_path: Path

    def call(self, tool: str, arguments: dict[str, Any] | None = None) -> CallToolResult:
        result: CallToolResult = self.portal.call(self.client.call_tool, tool, arguments or {})
        TRANSCRIPT.append(text_of(result))
        TRANSCRIPT.append(json.dumps(result.structured_content))
        return result

    def ok(self, tool: str, arguments: dict[str, Any] | None = None) -> CallToolResult:
        result = self.call(tool, arguments)
        assert not result.is_error, text_of(result)
        return result

    def error(self, tool: str, arguments: dict[str, Any] | None = None) -> str:
        result = self.call(tool, arguments)
        assert result.is_error, f"expected an error, got: {text_of(result)[:500]}"
        return text_of(result)

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


@contextlib.contextmanager
def mcp_server(env: dict[str, str]) -> Iterator[McpSession]:
    assert XO_MCP.exists(), f"{XO_MCP} is not installed: run `make install`"
    handle, name = tempfile.mkstemp(prefix="xo-mcp-stderr-", suffix=".log")
    os.close(handle)
    stderr_path = Path(name)
    STDERR_FILES.append(stderr_path)
    with stderr_path.open("w") as errlog, start_blocking_portal() as portal:
        params = StdioServerParameters(command=str(XO_MCP), args=[], env=env)
        client = Client(stdio_client(params, errlog=errlog), read_timeout_seconds=60)
        with portal.wrap_async_context_manager(client) as connected:
            yield McpSession(portal, connected, stderr_path)
