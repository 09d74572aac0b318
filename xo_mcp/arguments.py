"""Tool-argument hygiene at the protocol edge: unknown arguments refused, validation errors made short.

The SDK ignores arguments a tool does not declare (a misspelt `filtre` would silently list everything)
and reports type errors in pydantic's long form with a documentation link. This middleware refuses the
first and rewrites the second into one line per argument, so the assistant can correct its call.
"""

from __future__ import annotations

import re
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, TextContent

from xo_mcp.errors import quote

_PYDANTIC_ERROR = re.compile(
    r"^(?P<field>\S[^\n]*)\n {2}(?P<message>[^\n]+?)"
    r"(?: \[type=[^,\]]+(?:, input_value=(?P<value>.*?), input_type=\w+)?\])?$",
    re.M,
)
_SDK_PREFIX = re.compile(r"^Error executing tool (?P<tool>[\w.-]+): \d+ validation errors? for \w+\n")


class ArgumentGuard:
    """ServerMiddleware for `tools/call`."""

    def __init__(self) -> None:
        self._server: MCPServer[Any] | None = None
        self._accepted: dict[str, set[str]] | None = None

    def bind(self, server: MCPServer[Any]) -> None:
        self._server = server

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        params = ctx.params
        if ctx.method != "tools/call" or not isinstance(params, dict):
            return await call_next(ctx)
        name = params.get("name")
        arguments = params.get("arguments")
        accepted = (await self._accepted_arguments()).get(name) if isinstance(name, str) else None
        if accepted is not None and isinstance(arguments, dict):
            unknown = sorted(set(arguments) - accepted)
            if unknown:
                return _error(
                    f"Unknown argument(s) {', '.join(quote(u, 40) for u in unknown[:5])} for {name}; "
                    f"it accepts: {', '.join(sorted(accepted)) or 'no arguments'}."
                )
        result = await call_next(ctx)
        return _shorten_validation_error(result)

    async def _accepted_arguments(self) -> dict[str, set[str]]:
        if self._accepted is None:
            assert self._server is not None, "ArgumentGuard.bind() was not called"
            self._accepted = {
                tool.name: set(tool.input_schema.get("properties", {})) for tool in await self._server.list_tools()
            }
        return self._accepted


def _error(text: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


def _shorten_validation_error(result: HandlerResult) -> HandlerResult:
    # The handler's result arrives in wire form (a dict with camelCase keys).
    if not isinstance(result, dict) or not result.get("isError"):
        return result
    content = result.get("content")
    first = content[0] if isinstance(content, list) and content else None
    text = first.get("text") if isinstance(first, dict) else None
    if not isinstance(text, str) or (head := _SDK_PREFIX.match(text)) is None:
        return result
    problems = []
    for match in _PYDANTIC_ERROR.finditer(text[head.end() :]):
        value = match.group("value")
        missing = match.group("message") == "Field required"
        shown = f" (got {value if len(value) <= 40 else value[:40] + '…'})" if value and not missing else ""
        problems.append(f"{match.group('field')}: {match.group('message')}{shown}")
    if not problems:
        return result
    short = f"Invalid arguments for {head.group('tool')}: " + "; ".join(problems[:5]) + "."
    return {**result, "content": [{"type": "text", "text": short}]}
