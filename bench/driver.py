"""Drive an MCP server over stdio the way an assistant's client does, and time it.

One `launch()` spawns the server, times spawn → ``initialize`` answered → ``tools/list`` answered, and yields
an `McpProcess` that calls tools and reads the server process's memory (current RSS, and the kernel's peak
RSS high-water mark, which can be reset between phases).
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import mcp_types as types
import psutil
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError
from pydantic import BaseModel, ConfigDict

from bench.sizes import json_text, utf8_len


class _Raw(BaseModel):
    """Any result, kept as sent: every key lands in ``model_extra`` unvalidated."""

    model_config = ConfigDict(extra="allow")

    def data(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


@dataclass(frozen=True)
class ServerCommand:
    """How to start one MCP server on stdio."""

    label: str
    command: str
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None


@dataclass(frozen=True)
class Startup:
    initialize_s: float
    tools_list_s: float
    tools: list[dict[str, Any]]
    prompts: list[dict[str, Any]]

    @property
    def tools_json(self) -> str:
        return json_text({"tools": self.tools})

    @property
    def prompts_json(self) -> str:
        return json_text({"prompts": self.prompts})


@dataclass(frozen=True)
class CallOutcome:
    """One tools/call as the client saw it. ``failure`` is set when no tool result came back at all."""

    name: str
    latency_s: float
    is_error: bool = False
    text: str = ""
    structured: Any = None
    wire_bytes: int = 0
    failure: str | None = None

    @property
    def answered(self) -> bool:
        return self.failure is None

    @property
    def text_bytes(self) -> int:
        return utf8_len(self.text)


class McpProcess:
    """A running server: its session and its process."""

    def __init__(self, session: ClientSession, process: psutil.Process, command: ServerCommand) -> None:
        self.session = session
        self.process = process
        self.command = command

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.is_running() and self.process.status() != psutil.STATUS_ZOMBIE

    def rss_bytes(self) -> int:
        rss: int = self.process.memory_info().rss
        return rss

    def peak_rss_bytes(self) -> int:
        """Peak resident set size since start or the last `reset_peak` (Linux VmHWM), else the current RSS."""
        status = Path(f"/proc/{self.pid}/status")
        with contextlib.suppress(OSError):
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return self.rss_bytes()

    def reset_peak(self) -> bool:
        """Reset the kernel's peak-RSS mark to the current RSS (Linux ``clear_refs`` 5)."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    async def call(self, name: str, arguments: Mapping[str, Any] | None = None, *, limit_s: float = 60) -> CallOutcome:
        """Call a tool; a missing answer after ``limit_s`` seconds is recorded as a failure, not raised."""
        request = types.CallToolRequest(params=types.CallToolRequestParams(name=name, arguments=dict(arguments or {})))
        start = time.perf_counter()
        try:
            # A raw dict result: no client-side output-schema validation, so the time is the server's and the
            # transport's, and the size is exactly what the server sent.
            reply = await self.session.send_request(request, _Raw, request_read_timeout_seconds=limit_s)
        except MCPError as exc:
            return CallOutcome(name, time.perf_counter() - start, failure=f"MCP error: {exc}")
        except Exception as exc:  # a transport failure must be counted, not crash the bench
            return CallOutcome(name, time.perf_counter() - start, failure=f"{type(exc).__name__}: {exc}")
        latency = time.perf_counter() - start
        raw = reply.data()
        texts = [item.get("text", "") for item in raw.get("content", []) if item.get("type") == "text"]
        return CallOutcome(
            name,
            latency,
            is_error=bool(raw.get("isError")),
            text="\n".join(texts),
            structured=raw.get("structuredContent"),
            wire_bytes=utf8_len(json_text(raw)),
        )


def _children() -> set[int]:
    return {child.pid for child in psutil.Process().children(recursive=False)}


@contextlib.asynccontextmanager
async def launch(
    command: ServerCommand,
    *,
    list_prompts: bool = True,
    stderr: TextIO | None = None,
) -> AsyncIterator[tuple[McpProcess, Startup]]:
    """Spawn ``command`` and complete the MCP handshake; the timings start just before the spawn."""
    params = StdioServerParameters(
        command=command.command, args=list(command.args), env=dict(command.env), cwd=command.cwd
    )
    with contextlib.ExitStack() as files:
        errlog: TextIO = stderr if stderr is not None else files.enter_context(tempfile.TemporaryFile("w+"))
        before = _children()
        start = time.perf_counter()
        try:
            async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                initialized = time.perf_counter()
                tools = (await session.send_request(types.ListToolsRequest(), _Raw)).data()
                listed = time.perf_counter()
                prompts: dict[str, Any] = {}
                if list_prompts:
                    with contextlib.suppress(MCPError):
                        prompts = (await session.send_request(types.ListPromptsRequest(), _Raw)).data()
                new = _children() - before
                if len(new) != 1:
                    raise RuntimeError(f"expected one new child process for {command.label}, found {sorted(new)}")
                process = McpProcess(session, psutil.Process(new.pop()), command)
                startup = Startup(
                    initialize_s=initialized - start,
                    tools_list_s=listed - start,
                    tools=list(tools.get("tools", [])),
                    prompts=list(prompts.get("prompts", [])),
                )
                yield process, startup
        except BaseException:
            if stderr is None:
                errlog.seek(0)
                tail = errlog.read()[-2000:]
                if tail.strip():
                    print(f"[bench] {command.label} stderr:\n{tail}")
            raise
