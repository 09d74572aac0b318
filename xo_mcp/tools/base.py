"""What every tool module uses: the `tool` declaration, the answer convention, context access, partial fetches.

A tool is an async function declared with `@tool(...)`: its docstring is the description the model reads,
its typed parameters (see `xo_mcp.arguments`) are the input schema, and it returns an `Answer`, a pydantic
model that is the structured content and knows how to `render()` itself as compact text. Declaring a tool
registers nothing: `xo_mcp.tools` lists the modules, and `build_server()` registers their `TOOLS`.
"""

from __future__ import annotations

import functools
import inspect
import logging
import typing
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, Protocol, TypeVar

import anyio
from mcp.server.mcpserver import Context
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel

from xo_mcp.config import TOOLSETS
from xo_mcp.credentials import request_credentials
from xo_mcp.errors import XoMcpError
from xo_mcp.state import AppState

if typing.TYPE_CHECKING:
    from xo_mcp.client import XoClient, XoUser

logger = logging.getLogger("xo_mcp.tools")

READ_ONLY = ToolAnnotations(
    read_only_hint=True,
    destructive_hint=False,
    idempotent_hint=True,
    open_world_hint=False,
)

XoContext = Context[AppState]
T = TypeVar("T")


@typing.runtime_checkable
class Renderable(Protocol):
    """What a tool returns: a pydantic model (the structured content) that renders its own text."""

    def render(self) -> str: ...


class Answer(BaseModel):
    """The base of tools' answers: the structured content; `render()` is its text for the model (compact
    lines, units stated, names rather than ids)."""

    def render(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} must define render()")

    def failed(self) -> bool:
        """True for an answer that reports a failure with structured content (sent as an isError result)."""
        return False


A = TypeVar("A", bound=BaseModel)
ToolFunction = Callable[..., Awaitable[BaseModel]]


@dataclass(frozen=True)
class ToolDef:
    """One read-only tool, declared in its domain module, registered by the server."""

    fn: ToolFunction
    title: str
    toolset: str
    """One of `xo_mcp.config.TOOLSETS`: what XO_MCP_TOOLSETS must name for the tool to be exposed."""
    example: dict[str, Any] = field(default_factory=dict)
    """Arguments of a call that answers on any estate (ids excepted): the contract tests make it."""
    name: str = field(init=False)
    description: str = field(init=False)
    answer_model: type[BaseModel] = field(init=False)
    arguments: frozenset[str] = field(init=False)
    """The names the tool accepts (all but the `ctx` context)."""

    def __post_init__(self) -> None:
        if self.toolset not in TOOLSETS:
            raise ValueError(f"tool {self.fn.__name__}: toolset {self.toolset!r} is not one of {TOOLSETS}")
        hints = typing.get_type_hints(self.fn, include_extras=True)
        model = hints.get("return")
        if not (isinstance(model, type) and issubclass(model, BaseModel) and issubclass(model, Renderable)):
            raise TypeError(f"tool {self.fn.__name__} must be annotated to return a pydantic model with render()")
        object.__setattr__(self, "name", self.fn.__name__)
        object.__setattr__(self, "description", _describe(self.fn))
        object.__setattr__(self, "answer_model", model)
        parameters = inspect.signature(self.fn).parameters
        if "ctx" not in parameters:
            raise TypeError(f"tool {self.fn.__name__} must take the context as its `ctx` parameter")
        object.__setattr__(self, "arguments", frozenset(name for name in parameters if name != "ctx"))

    def handler(self) -> Callable[..., Awaitable[CallToolResult]]:
        """The function the SDK registers: same parameters, failures worded, the answer rendered."""
        fn, name = self.fn, self.name

        @functools.wraps(fn)
        async def run(**arguments: Any) -> CallToolResult:
            try:
                result = await fn(**arguments)
            except XoMcpError as exc:
                return failure(name, exc.message)
            except BaseExceptionGroup as group:
                # Concurrent fetches fail as a group: the first XO failure says what went wrong.
                first = first_xo_error(group)
                if first is None:
                    return crash(name, group)
                return failure(name, first.message)
            except Exception as exc:
                return crash(name, exc)
            text = typing.cast(Renderable, result).render()
            failed = isinstance(result, Answer) and result.failed()
            if failed:
                logger.info("Tool %s failed: %s", name, text)
            return CallToolResult(
                content=[TextContent(type="text", text=text)],
                structured_content=result.model_dump(mode="json", exclude_none=True),
                is_error=failed,
            )

        signature = inspect.signature(fn, eval_str=True)
        run.__signature__ = signature.replace(  # type: ignore[attr-defined]
            return_annotation=Annotated[CallToolResult, self.answer_model]
        )
        return run


@dataclass(frozen=True)
class ResourceDef:
    """A resource template a tool module offers beside its tools (registered by the server, like tools)."""

    uri_template: str
    name: str
    title: str
    mime_type: str
    fn: Callable[..., Awaitable[str]]
    toolset: str
    """Offered only when this toolset is exposed, like its module's tools."""


def tool(
    *, title: str, toolset: str = "core", example: dict[str, Any] | None = None
) -> Callable[[Callable[..., Awaitable[A]]], ToolDef]:
    """Declare a read-only tool (registers nothing by itself)."""

    def declare(fn: Callable[..., Awaitable[A]]) -> ToolDef:
        return ToolDef(fn=fn, title=title, toolset=toolset, example=example or {})

    return declare


def failure(name: str, message: str) -> CallToolResult:
    """An isError answer in the one style every failure takes: the message alone, no prefix."""
    logger.info("Tool %s failed: %s", name, message)
    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)


def crash(name: str, exc: BaseException) -> CallToolResult:
    # Logged once with its traceback for the operator; the assistant gets a short line without the
    # exception's text, which may quote data from XO.
    logger.error("Tool %s failed unexpectedly", name, exc_info=exc)
    return CallToolResult(
        content=[
            TextContent(
                type="text",
                text=f"{name} failed unexpectedly ({type(exc).__name__}): this is a bug in xo-mcp, not in Xen "
                "Orchestra. The details are in the server's log; other tools still work.",
            )
        ],
        is_error=True,
    )


def _describe(fn: Callable[..., object]) -> str:
    """The docstring as the model reads it: paragraphs kept, source indentation and line breaks dropped."""
    paragraphs = inspect.cleandoc(fn.__doc__ or "").split("\n\n")
    return "\n".join(" ".join(paragraph.split()) for paragraph in paragraphs)


def first_xo_error(exc: BaseException) -> XoMcpError | None:
    """The XO failure behind an exception: itself, or the first one inside a (nested) exception group."""
    if isinstance(exc, XoMcpError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            if (found := first_xo_error(inner)) is not None:
                return found
    return None


def app_state(ctx: XoContext) -> AppState:
    """What this call may use; its `client` speaks to XO as this request's user (`state.credentials`).

    Over HTTP with per-user tokens, the credentials the middleware verified ride with this request (see
    `xo_mcp.credentials`): the client returned is bound to them for this call alone.
    """
    state: AppState = ctx.request_context.lifespan_context
    credentials = request_credentials(ctx.request_context.request)
    return state if credentials is None else state.for_request(credentials)


async def limited_view(client: XoClient) -> str | None:
    """The name of the XO user whose ACLs limit what XO lists (a non-admin), else None.

    Collections come back filtered to what that user may read (CONTRACT-2 §8): an answer built from them must
    say whose view it shows. Cached per credentials by the client, so it costs one request every few minutes.
    """
    return viewer_name(await client.whoami())


def viewer_name(user: XoUser | None) -> str | None:
    """The user's name when XO's ACLs limit what they see (a non-admin), else None."""
    return user.name if user is not None and not user.is_admin else None


def run_sync(fn: Callable[..., T], *args: Any) -> Awaitable[T]:
    """Run blocking work (index search) off the event loop."""
    import anyio.to_thread

    return anyio.to_thread.run_sync(fn, *args)


async def gather(*coroutines: Coroutine[Any, Any, Any]) -> list[Any]:
    """Run coroutines concurrently and return their results in order; any failure fails the whole."""
    results: list[Any] = [None] * len(coroutines)

    async def run(index: int, coroutine: Coroutine[Any, Any, Any]) -> None:
        results[index] = await coroutine

    async with anyio.create_task_group() as group:
        for index, coroutine in enumerate(coroutines):
            group.start_soon(run, index, coroutine)
    return results


class NamedRef(BaseModel):
    """An object the answer refers to: its id for follow-up calls, its name for the text."""

    id: str
    name: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass
class Part(Generic[T]):
    """The outcome of one concurrent fetch: a value, or why it is unknown."""

    name: str
    value: T | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def note(self) -> str | None:
        """`<name> unavailable: <reason>` for a failed part, else None."""
        return None if self.error is None else f"{self.name} unavailable: {self.error}"


class Parts:
    """Concurrent partial fetches: a part that fails becomes a reason, the others still answer.

        parts = Parts()
        disks = parts.add("disks", list_disks(client, vm_id))
        alarms = parts.add("alarms", list_alarms(client, vm_id))
        await parts.gather()
        disks.value, alarms.error, parts.notes()

    Only XO failures (`XoMcpError`) are caught; a bug still fails the tool, loudly.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Part[Any], Coroutine[Any, Any, Any]]] = []
        self._parts: list[Part[Any]] = []

    def add(self, name: str, coroutine: Coroutine[Any, Any, T]) -> Part[T]:
        part: Part[T] = Part(name)
        self._pending.append((part, coroutine))
        self._parts.append(part)
        return part

    async def gather(self) -> None:
        pending, self._pending = self._pending, []

        async def fetch(part: Part[Any], coroutine: Coroutine[Any, Any, Any]) -> None:
            try:
                part.value = await coroutine
            except XoMcpError as exc:
                part.error = exc.message
            except BaseExceptionGroup as group:
                # A part that fetches concurrently itself fails as a group: its XO failure is the reason.
                found = first_xo_error(group)
                if found is None:
                    raise
                part.error = found.message

        async with anyio.create_task_group() as group:
            for part, coroutine in pending:
                group.start_soon(fetch, part, coroutine)

    def notes(self) -> list[str]:
        """One line per failed part: `<name> unavailable: <reason>`."""
        return [part.note for part in self._parts if part.note is not None]
