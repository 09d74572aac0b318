"""The documentation tools through the real MCP client, talking to `xo-mcp` over stdio."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.docs.helpers import REPO

pytestmark = pytest.mark.anyio

XO_MCP = REPO / ".venv" / "bin" / "xo-mcp"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def server(index: Path) -> StdioServerParameters:
    if not XO_MCP.exists():
        pytest.skip(f"{XO_MCP} is not installed (make install)")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "XO_URL": "http://127.0.0.1:9",
        "XO_TOKEN": "test-token",
        "XO_DOCS_INDEX": str(index),
    }
    return StdioServerParameters(command=str(XO_MCP), args=[], env=env)


async def test_search_read_and_resources_over_stdio(shared_index: Path) -> None:
    async with Client(server(shared_index)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        topic_enum = tools["search_documentation"].input_schema["properties"]["topic"]["enum"]
        assert topic_enum[-1] == "all" and len(topic_enum) == 10
        assert tools["search_documentation"].annotations is not None
        assert tools["search_documentation"].annotations.read_only_hint is True

        found = await client.call_tool(
            "search_documentation",
            {"topic": "troubleshooting", "query": "support tunnel when the web UI is down", "max_results": 2},
        )
        assert not found.is_error
        assert found.structured_content is not None
        results = found.structured_content["results"]
        assert len(results) == 2
        assert set(results[0]) == {"topic", "source_path", "heading", "url", "excerpt", "score"}
        assert results[0]["source_path"] == "troubleshooting.md"
        assert (
            found.content[0].type == "text"
            and "https://docs.xen-orchestra.com/troubleshooting#" in found.content[0].text
        )

        section = await client.call_tool(
            "read_documentation", {"source_path": results[0]["source_path"], "heading": results[0]["heading"]}
        )
        assert not section.is_error
        assert section.structured_content is not None
        assert section.structured_content["url"] == results[0]["url"]

        mapped = await client.call_tool("search_documentation", {"topic": "releases"})
        assert mapped.structured_content is not None and mapped.structured_content["pages"]

        templates = (await client.list_resource_templates()).resource_templates
        assert [t.uri_template for t in templates] == ["xo-docs://{+source_path}"]
        page = await client.read_resource("xo-docs://xo5/proxy.md")
        assert page.contents[0].text.startswith("Backup Proxy [xo5/proxy.md]")  # type: ignore[union-attr]


async def test_no_index_is_a_clear_tool_error(tmp_path: Path) -> None:
    async with Client(server(tmp_path / "no-index")) as client:
        result = await client.call_tool("search_documentation", {"topic": "backups", "query": "proxy"})
        assert result.is_error
        text = result.content[0].text  # type: ignore[union-attr]
        assert "No documentation index" in text and "make index" in text and "XO_DOCS_INDEX" in text
