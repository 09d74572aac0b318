"""The composition root: build_server() wires settings, the shared REST client, the docs and the tools."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from mcp.server.mcpserver import MCPServer
from mcp.types import Tool

from xo_mcp import __version__, prompts
from xo_mcp.arguments import ArgumentGuard
from xo_mcp.client import XoClient
from xo_mcp.config import Settings
from xo_mcp.docs.library import DocsLibrary
from xo_mcp.schemas import slim
from xo_mcp.state import AppState
from xo_mcp.tools import connection, dashboard, inventory, summary, vm_details
from xo_mcp.tools import docs as docs_tools

if TYPE_CHECKING:
    import httpx

INSTRUCTIONS = """\
Read-only access to a Xen Orchestra (XO) / XCP-ng virtualization estate and to XO's documentation.
Nothing here can change the infrastructure: every tool only reads.

- Start with get_infrastructure_summary for counts, check_connection when something fails.
- Objects are identified by id (UUID); list_* tools give ids, details tools take them.
- Filters use XO's syntax: `power_state:Running`, `name_label:web*` (glob), `tags:prod`,
  `!power_state:Halted` (NOT), `|(name_label:web* name_label:db*)` (OR), `CPUs:max:>=4`,
  `$pool:<pool id>`; terms separated by spaces are ANDed; quote values with spaces.
- Sizes are bytes in structured content (memory, disks, SRs); text answers show GiB (1024³ bytes).
- Lists are capped. A truncated answer says so and how to get more (offset=…) or narrow it (filter);
  never conclude about the whole estate from a truncated page.
- search_documentation answers XO how-to questions from an offline index of docs.xen-orchestra.com.
"""


class XoMcpServer(MCPServer[AppState]):
    """MCPServer whose tool list carries lean schemas (see schemas.py)."""

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


def build_server(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    docs: DocsLibrary | None = None,
) -> MCPServer[AppState]:
    """A ready-to-run server. Nothing connects until a tool is called: XO may be down at start."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[AppState]) -> AsyncIterator[AppState]:
        client = XoClient(settings, transport=transport)
        try:
            yield AppState(settings=settings, client=client, docs=docs or DocsLibrary(settings.docs_index))
        finally:
            await client.aclose()

    guard = ArgumentGuard()
    mcp = XoMcpServer(
        "xo-mcp",
        title="Xen Orchestra (read-only)",
        version=__version__,
        instructions=INSTRUCTIONS,
        lifespan=lifespan,
        middleware=[guard],
    )
    for module in (connection, summary, inventory, dashboard, vm_details, docs_tools):
        module.register(mcp)
    prompts.register(mcp)
    guard.bind(mcp)
    return mcp
