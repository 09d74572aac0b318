"""search_documentation, read_documentation and the xo-docs:// resources through the MCP client."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Connect
from tests.harness import text_of

pytestmark = pytest.mark.anyio

NOWHERE = "http://127.0.0.1:9"
"""The docs tools never reach XO: a server whose XO is unreachable still searches."""


async def test_search_read_and_resources(connect: Connect, docs_index: Path) -> None:
    async with connect(NOWHERE, docs_index=docs_index) as docs:
        tools = {tool.name: tool for tool in (await docs.client.list_tools()).tools}
        topic_enum = tools["search_documentation"].input_schema["properties"]["topic"]["enum"]
        assert topic_enum[-1] == "all" and len(topic_enum) == 10

        found = await docs.content(
            "search_documentation",
            {"topic": "troubleshooting", "query": "support tunnel when the web UI is down", "max_results": 2},
        )
        results = found["results"]
        assert len(results) == 2
        assert results[0]["source_path"] == "troubleshooting.md"
        assert "https://docs.xen-orchestra.com/troubleshooting#" in text_of(docs.calls[-1])

        section = await docs.content(
            "read_documentation", {"source_path": results[0]["source_path"], "heading": results[0]["heading"]}
        )
        assert section["url"] == results[0]["url"]

        mapped = await docs.content("search_documentation", {"topic": "releases"})
        assert mapped["pages"]

        templates = (await docs.client.list_resource_templates()).resource_templates
        assert [t.uri_template for t in templates] == ["xo-docs://{+source_path}"]
        page = await docs.client.read_resource("xo-docs://xo5/proxy.md")
        assert page.contents[0].text.startswith("Backup Proxy [xo5/proxy.md]")  # type: ignore[union-attr]


async def test_no_index_is_a_clear_tool_error(connect: Connect, tmp_path: Path) -> None:
    async with connect(NOWHERE, docs_index=tmp_path / "no-index") as docs:
        message = await docs.error("search_documentation", {"topic": "backups", "query": "proxy"})
    assert "No documentation index" in message and "make index" in message and "XO_DOCS_INDEX" in message


async def test_unknown_page(connect: Connect, docs_index: Path) -> None:
    async with connect(NOWHERE, docs_index=docs_index) as docs:
        message = await docs.error("read_documentation", {"source_path": "xo5/no-such-page.md"})
    assert "no-such-page" in message
