"""Shared by every tool module: registration with read-only annotations, error translation, answers."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel

from xo_mcp.errors import XoMcpError
from xo_mcp.state import AppState

READ_ONLY = ToolAnnotations(
    read_only_hint=True,
    destructive_hint=False,
    idempotent_hint=True,
    open_world_hint=False,
)

P = ParamSpec("P")
R = TypeVar("R")

XoContext = Context[AppState]


def register_tool(mcp: MCPServer[AppState], fn: Callable[P, Awaitable[R]], *, title: str) -> None:
    """Register ``fn`` as a read-only tool whose XoMcpError failures become isError answers.

    The function's docstring is the description the model reads; its typed parameters are the schema.
    """

    @functools.wraps(fn)
    async def tool(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except XoMcpError as exc:
            # `from None`: the assistant gets the message, never a chained traceback.
            raise ToolError(exc.message) from None
        except BaseExceptionGroup as group:
            # Concurrent fetches (task groups) fail as a group: report the first XO failure.
            first = _first_xo_error(group)
            if first is None:
                raise
            raise ToolError(first.message) from None

    mcp.add_tool(tool, title=title, description=describe(fn), annotations=READ_ONLY)


def describe(fn: Callable[..., object]) -> str:
    """The docstring as the model reads it: paragraphs kept, source indentation and line breaks dropped."""
    paragraphs = inspect.cleandoc(fn.__doc__ or "").split("\n\n")
    return "\n".join(" ".join(paragraph.split()) for paragraph in paragraphs)


def _first_xo_error(group: BaseExceptionGroup[BaseException]) -> XoMcpError | None:
    for exc in group.exceptions:
        if isinstance(exc, XoMcpError):
            return exc
        if isinstance(exc, BaseExceptionGroup) and (found := _first_xo_error(exc)) is not None:
            return found
    return None


def app_state(ctx: Context[AppState]) -> AppState:
    state: AppState = ctx.request_context.lifespan_context
    return state


def answer(text: str, structured: BaseModel) -> CallToolResult:
    """A compact text rendering for the model beside validated structured content."""
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=structured.model_dump(mode="json", exclude_none=True),
    )


def run_sync(fn: Callable[..., R], *args: Any) -> Awaitable[R]:
    """Run blocking work (index search) off the event loop."""
    import anyio.to_thread

    return anyio.to_thread.run_sync(fn, *args)
