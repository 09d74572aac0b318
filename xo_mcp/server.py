"""The composition root: build_server() wires settings, the shared REST client, the docs and the tools."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, Tool
from pydantic import ValidationError

from xo_mcp import __version__, prompts
from xo_mcp.arguments import argument_errors
from xo_mcp.client import XoClient
from xo_mcp.config import Settings
from xo_mcp.docs.library import DocsLibrary
from xo_mcp.errors import quote
from xo_mcp.schemas import slim
from xo_mcp.state import AppState
from xo_mcp.tools import RESOURCES, TOOLS
from xo_mcp.tools.base import READ_ONLY, ToolDef, failure

if TYPE_CHECKING:
    import httpx

_XO_GUIDE: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "Start with get_infrastructure_summary for counts, check_connection when something fails.",
        frozenset({"get_infrastructure_summary", "check_connection"}),
    ),
    ("Objects are identified by id (UUID); list_* tools give ids, details tools take them.", frozenset()),
    (
        "Filters use XO's syntax: `power_state:Running`, `name_label:web*` (glob), `tags:prod`,\n"
        "  `!power_state:Halted` (NOT), `|(name_label:web* name_label:db*)` (OR), `CPUs:max:>=4`,\n"
        "  `$pool:<pool id>`; terms separated by spaces are ANDed; quote values with spaces.",
        frozenset(),
    ),
    ("Sizes are bytes in structured content (memory, disks, SRs); text answers show GiB (1024³ bytes).", frozenset()),
    (
        "Lists are capped. A truncated answer says so and how to get more (offset=…) or narrow it (filter);\n"
        "  never conclude about the whole estate from a truncated page.",
        frozenset(),
    ),
)
_ROUTES = (
    ("get_health_report", "is anything wrong? XO's Health checklist in one call"),
    ("get_backup_status", "are backups OK, which VMs are unprotected"),
    ("list_backup_runs", "why a backup failed"),
    ("list_srs", "storage use"),
    ("list_alarms", "active alarms"),
    ("list_tasks", "failed or running tasks"),
    ("list_snapshots", "old snapshots"),
    ("get_host_details", "reboots, patches, certificates"),
    ("list_objects", "any other collection: networks, VDIs, users, backup repositories…"),
)
"""Where estate questions go; a route is said only when its tool is exposed."""


def instructions(toolsets: frozenset[str], tools: frozenset[str]) -> str:
    """The server instructions for what is exposed: they never name a tool the client cannot call."""
    xo = bool(toolsets - {"docs"})
    docs = "docs" in toolsets
    subject = " and to ".join(
        part
        for part, shown in (
            ("a Xen Orchestra (XO) / XCP-ng virtualization estate", xo),
            ("XO's documentation", docs),
        )
        if shown
    )
    lines = [f"Read-only access to {subject}."]
    if xo:
        lines.append("Nothing here can change the infrastructure: every tool only reads.")
        lines.append("")
        lines.extend(f"- {text}" for text, named in _XO_GUIDE if named <= tools)
        routes = [f"{name} ({what})" for name, what in _ROUTES if name in tools]
        if routes:
            lines.append(f"- Estate questions: {'; '.join(routes)}.")
    elif docs:
        lines.append("")
    if "search_documentation" in tools:
        lines.append(
            "- search_documentation answers XO how-to questions from an offline index of docs.xen-orchestra.com."
        )
    return "\n".join(lines) + "\n"


class XoMcpServer(MCPServer[AppState]):
    """MCPServer with lean tool schemas (see schemas.py) and one style for argument errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._accepted: dict[str, frozenset[str]] = {}

    def add_read_only_tool(self, definition: ToolDef) -> None:
        self.add_tool(
            definition.handler(),
            name=definition.name,
            title=definition.title,
            description=definition.description,
            annotations=READ_ONLY,
        )
        self._accepted[definition.name] = definition.arguments

    async def list_tools(self) -> list[Tool]:
        return [
            tool.model_copy(
                update={
                    "input_schema": slim(tool.input_schema),
                    "output_schema": slim(tool.output_schema, output=True) if tool.output_schema else None,
                }
            )
            for tool in await super().list_tools()
        ]

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Context[AppState, Any] | None = None
    ) -> Any:
        # An unknown name is the client's mistake: a JSON-RPC error, not a server crash logged with a traceback.
        if name not in {prompt.name for prompt in await self.list_prompts()}:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown prompt {quote(name, 60)}.")
        return await super().get_prompt(name, arguments, context)

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[AppState, Any] | None = None
    ) -> Any:
        # The SDK ignores arguments a tool does not declare: a misspelt `filtre` would silently list everything.
        accepted = self._accepted.get(name)
        if accepted is not None and (unknown := sorted(set(arguments) - accepted)):
            names = ", ".join(f"`{quote(u, 40)[1:-1]}`" for u in unknown[:5])
            return failure(
                name, f"Unknown argument {names}: {name} accepts {', '.join(sorted(accepted)) or 'no arguments'}."
            )
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            # The SDK reports a schema mismatch as ToolError caused by pydantic's ValidationError (a test
            # pins this): its structured errors become one short line instead of pydantic's long text.
            if isinstance(exc.__cause__, ValidationError):
                return failure(name, argument_errors(exc.__cause__))
            raise


def build_server(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    docs: DocsLibrary | None = None,
    client: XoClient | None = None,
) -> XoMcpServer:
    """A ready-to-run server. Nothing connects until a tool is called: XO may be down at start.

    ``client``: a REST client owned by the caller (the HTTP app shares its pool with its authentication and
    binds it to each user); by default the lifespan builds one with the settings' credentials and closes it.
    """

    @asynccontextmanager
    async def lifespan(_: MCPServer[AppState]) -> AsyncIterator[AppState]:
        shared = client or XoClient(settings, transport=transport)
        try:
            yield AppState(settings=settings, client=shared, docs=docs or DocsLibrary(settings.docs_index))
        finally:
            if client is None:
                await shared.aclose()

    # XO_MCP_TOOLSETS: only the chosen toolsets' tools and resources exist for the client.
    exposed = [definition for definition in TOOLS if definition.toolset in settings.toolsets]
    names = frozenset(definition.name for definition in exposed)
    mcp = XoMcpServer(
        "xo-mcp",
        title="Xen Orchestra (read-only)",
        version=__version__,
        instructions=instructions(settings.toolsets, names),
        lifespan=lifespan,
    )
    for definition in exposed:
        mcp.add_read_only_tool(definition)
    for resource in RESOURCES:
        if resource.toolset in settings.toolsets:
            mcp.resource(resource.uri_template, name=resource.name, title=resource.title, mime_type=resource.mime_type)(
                resource.fn
            )
    prompts.register(mcp, names)
    return mcp
