"""search_documentation, read_documentation and the `xo-docs://` page resources (offline XO docs)."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError
from pydantic import Field

from xo_mcp.docs.manifest import Topic
from xo_mcp.docs.results import SearchAnswer, SectionText
from xo_mcp.errors import XoMcpError
from xo_mcp.state import AppState
from xo_mcp.tools.base import ResourceDef, XoContext, app_state, run_sync, tool

# The nine topics of the official server's search_documentation, plus `all`.
DocsTopic = Literal[Topic, "all"]
RESOURCE_LIMIT = 200_000  # characters: a whole page, the largest being about 50 kB


@tool(title="Search XO documentation", toolset="docs", example={"topic": "backups", "query": "restore a VM"})
async def search_documentation(
    ctx: XoContext,
    topic: Annotated[
        DocsTopic,
        Field(
            description="restapi = automation, API, RBAC; manage = VMs, hosts, pools, XO 5/6 UI; users = auth, "
            "ACLs; releases = updates; `all` when unsure."
        ),
    ],
    query: Annotated[
        str | None,
        Field(
            strict=True,
            max_length=500,
            description="What to find, in plain words or as the user's question. Omit it for the topic's map.",
        ),
    ] = None,
    max_results: Annotated[int, Field(strict=True, ge=1, le=10, description="Sections to return (default 3).")] = 3,
) -> SearchAnswer:
    """Search the Xen Orchestra documentation (docs.xen-orchestra.com, indexed offline) for how-to answers.
    With a query: the best sections, each with its heading path, a link to cite and an excerpt; typos are
    tolerated. Without a query: the topic's map. read_documentation(source_path, heading) reads a whole section.
    """
    docs = app_state(ctx).docs
    return await run_sync(docs.search, topic, query, max_results)


@tool(title="Read XO documentation", toolset="docs", example={"source_path": "xo5/backups.md"})
async def read_documentation(
    ctx: XoContext,
    source_path: Annotated[
        str,
        Field(strict=True, max_length=200, description="Page path from a search result, e.g. `xo5/backups.md`."),
    ],
    heading: Annotated[
        str | None,
        Field(
            strict=True,
            max_length=300,
            description="Section to read: its title, its anchor (`#xoa`) or a heading path from a search result. "
            "Omit it to read the page from the top.",
        ),
    ] = None,
) -> SectionText:
    """Read one section of the Xen Orchestra documentation in full (with its subsections), or a page from the
    top, after search_documentation found it. Long answers are cut at about 12,000 characters: ask for a
    narrower heading to read further.
    """
    docs = app_state(ctx).docs
    return await run_sync(docs.read, source_path, heading)


async def documentation_page(source_path: str, ctx: Context[AppState]) -> str:
    """One page of the Xen Orchestra documentation as text, e.g. xo-docs://xo5/backups.md."""
    docs = app_state(ctx).docs
    try:
        page = await run_sync(docs.read, source_path, None, RESOURCE_LIMIT)
    except XoMcpError as exc:
        raise ResourceError(exc.message) from None
    return page.render()


TOOLS = (search_documentation, read_documentation)
RESOURCES = (
    ResourceDef(
        uri_template="xo-docs://{+source_path}",
        name="xo-docs-page",
        title="XO documentation page",
        mime_type="text/markdown",
        fn=documentation_page,
        toolset="docs",
    ),
)
