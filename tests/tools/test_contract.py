"""What every tool in the registry must honour, whichever module declares it (parametrized over `TOOLS`):
a description the model can act on, read-only annotations, structured content that validates against the
published output schema, a README row, and id arguments that refuse anything that cannot be an id before
any request leaves."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from mcp.types import Tool

from tests.conftest import Connect
from tests.harness import XoSession, text_of
from xo_mcp.arguments import id_arguments
from xo_mcp.simulator import RunningSimulator
from xo_mcp.tools import TOOLS
from xo_mcp.tools.base import ToolDef

pytestmark = pytest.mark.anyio

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
BAD_IDS = ["", "   ", "a/b", "..", "../pools", "x?y=1", "x#frag", " padded ", "two words", "é-ünïcode", "x" * 10_000]


def by_name(tool: ToolDef) -> str:
    return tool.name


def readme_row(tool: ToolDef) -> str:
    """The README row's start: the tool's name and arguments, optional ones marked `?`."""
    parameters = inspect.signature(tool.fn).parameters
    shown = [
        name + ("?" if parameter.default is not inspect.Parameter.empty else "")
        for name, parameter in parameters.items()
        if name != "ctx"
    ]
    return f"| `{tool.name}({', '.join(shown)})` |"


async def listed(session: XoSession) -> dict[str, Tool]:
    return {tool.name: tool for tool in (await session.client.list_tools()).tools}


def example_arguments(tool: ToolDef, sim: RunningSimulator) -> dict[str, Any]:
    """The tool's declared example, and for each id argument an existing object of its kind."""
    arguments = dict(tool.example)
    for name, kind in id_arguments(tool.fn).items():
        arguments[name] = next(iter(sim.state.inventory.collection(kind.collection)))
    return arguments


async def test_the_server_registers_exactly_the_registry(xo: XoSession) -> None:
    assert sorted(await listed(xo)) == sorted(tool.name for tool in TOOLS)


@pytest.mark.parametrize("tool", TOOLS, ids=by_name)
async def test_described_and_read_only(tool: ToolDef, xo: XoSession) -> None:
    published = (await listed(xo))[tool.name]
    assert published.description and len(published.description) > 80, "a description the model can act on"
    assert "\n\n" not in published.description
    annotations = published.annotations
    assert annotations is not None
    assert annotations.read_only_hint is True and annotations.destructive_hint is False
    assert annotations.idempotent_hint is True and annotations.open_world_hint is False
    assert published.output_schema is not None


@pytest.mark.parametrize("tool", TOOLS, ids=by_name)
def test_has_a_readme_row(tool: ToolDef) -> None:
    assert readme_row(tool) in README, f"README's tool table lacks the row starting {readme_row(tool)}"


@pytest.mark.parametrize("tool", TOOLS, ids=by_name)
async def test_structured_content_validates_against_the_published_schema(
    tool: ToolDef, sim: RunningSimulator, connect: Connect, docs_index: Path
) -> None:
    async with connect(sim.url, docs_index=docs_index) as session:
        schema = (await listed(session))[tool.name].output_schema
        result = await session.ok(tool.name, example_arguments(tool, sim))
    assert result.structured_content is not None and text_of(result).strip()
    assert schema is not None
    jsonschema.validate(result.structured_content, schema)


ID_TOOLS = [(tool, name) for tool in TOOLS for name in id_arguments(tool.fn)]


@pytest.mark.parametrize("bad_id", BAD_IDS, ids=lambda v: repr(v[:20]))
@pytest.mark.parametrize(("tool", "argument"), ID_TOOLS, ids=lambda v: v.name if isinstance(v, ToolDef) else v)
async def test_ids_that_cannot_be_ids_never_reach_xo(
    tool: ToolDef, argument: str, bad_id: str, xo: XoSession, sim: RunningSimulator
) -> None:
    kind = id_arguments(tool.fn)[argument]
    arguments = example_arguments(tool, sim) | {argument: bad_id}
    before = sim.state.requests.counts()["requests"]
    message = await xo.error(tool.name, arguments)
    assert argument in message and kind.lister in message
    assert len(message) < 600
    assert sim.state.requests.counts()["requests"] == before, "a request left for an id that cannot be valid"
