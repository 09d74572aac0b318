"""XO_MCP_TOOLSETS: an administrator exposes fewer tools; the server registers only those, and its
instructions and prompt never name a tool the client cannot call."""

from __future__ import annotations

import itertools
import re
import subprocess

import pytest

from tests.harness import OPS_TOKEN, connect, settings_for, text_of
from xo_mcp.config import TOOLSETS, load_http_settings, load_settings
from xo_mcp.errors import ConfigError
from xo_mcp.prompts import OVERVIEW, OVERVIEW_TOOLS
from xo_mcp.server import build_server
from xo_mcp.simulator import RunningSimulator
from xo_mcp.tools import RESOURCES, TOOLS

from .stdio import XO_MCP, base_env

pytestmark = pytest.mark.anyio

ALL_NAMES = {tool.name for tool in TOOLS}
EVERY_COMBINATION = [
    frozenset(combo) for size in range(1, len(TOOLSETS) + 1) for combo in itertools.combinations(TOOLSETS, size)
]


def env(**values: str) -> dict[str, str]:
    return {"XO_URL": "http://xo.example.net", "XO_TOKEN": "t"} | values


def named_tools(text: str) -> set[str]:
    return {name for name in ALL_NAMES if re.search(rf"\b{name}\b", text)}


def test_default_is_every_toolset() -> None:
    assert load_settings(env()).toolsets == frozenset(TOOLSETS)
    assert load_settings(env(XO_MCP_TOOLSETS="  ")).toolsets == frozenset(TOOLSETS)


def test_a_list_in_any_case_and_spacing() -> None:
    assert load_settings(env(XO_MCP_TOOLSETS=" Core , DOCS,core")).toolsets == {"core", "docs"}
    http = load_http_settings(env(XO_MCP_TOOLSETS="objects"), host="127.0.0.1", port=8000)
    assert http.xo.toolsets == {"objects"}


@pytest.mark.parametrize(("raw", "named"), [("core,bogus", "bogus"), ("backup", "backup"), (",", "names no toolset")])
def test_an_unknown_toolset_is_a_start_up_error(raw: str, named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env(XO_MCP_TOOLSETS=raw))
    (problem,) = caught.value.problems
    assert problem.startswith("XO_MCP_TOOLSETS=") and named in problem
    assert all(toolset in problem for toolset in TOOLSETS)


def test_the_console_script_exits_2_on_an_unknown_toolset() -> None:
    if not XO_MCP.exists():
        pytest.skip(f"{XO_MCP} is not installed: run `make install`")
    done = subprocess.run(
        [str(XO_MCP)],
        env=base_env(XO_URL="http://127.0.0.1:9", XO_TOKEN=OPS_TOKEN, XO_MCP_TOOLSETS="core,health-checks"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "xo-mcp: cannot start: XO_MCP_TOOLSETS=core,health-checks names unknown toolset(s) health-checks: give a "
        "comma-separated list of core, backups, health, objects, docs (default: all of them)."
    ]


def test_every_tool_belongs_to_a_toolset() -> None:
    assert {tool.toolset for tool in TOOLS} <= set(TOOLSETS)
    assert {resource.toolset for resource in RESOURCES} <= set(TOOLSETS)


@pytest.mark.parametrize("toolsets", EVERY_COMBINATION, ids=lambda t: "+".join(sorted(t)))
async def test_only_the_chosen_toolsets_are_exposed(toolsets: frozenset[str]) -> None:
    server = build_server(settings_for("http://127.0.0.1:9", toolsets=toolsets))
    expected = {tool.name for tool in TOOLS if tool.toolset in toolsets}
    assert {tool.name for tool in await server.list_tools()} == expected
    templates = {template.uri_template for template in await server.list_resource_templates()}
    assert templates == {resource.uri_template for resource in RESOURCES if resource.toolset in toolsets}
    instructions = server.instructions or ""
    assert named_tools(instructions) <= expected, f"instructions name {named_tools(instructions) - expected}"
    prompts = await server.list_prompts()
    if expected >= OVERVIEW_TOOLS:
        assert [prompt.name for prompt in prompts] == ["infrastructure-overview"]
    else:
        assert prompts == []
    assert named_tools(OVERVIEW) <= OVERVIEW_TOOLS


async def test_a_tool_outside_the_toolsets_cannot_be_called(sim: RunningSimulator) -> None:
    async with connect(settings_for(sim.url, toolsets=frozenset({"objects"}))) as session:
        listed = {tool.name for tool in (await session.client.list_tools()).tools}
        assert listed == {"list_objects", "get_object"}
        refused = await session.call("list_vms", {})
        assert refused.is_error and "list_vms" in text_of(refused)
        allowed = await session.ok("list_objects", {"kind": "networks", "limit": 1})
        assert allowed.structured_content is not None


async def test_check_connection_names_no_tool_the_server_hides(sim: RunningSimulator) -> None:
    async with connect(settings_for(sim.url, toolsets=frozenset({"core"}))) as session:
        listed = {tool.name for tool in (await session.client.list_tools()).tools}
        text = text_of(await session.ok("check_connection"))
    assert named_tools(text) <= listed, f"names {named_tools(text) - listed}"
    assert "Documentation tools: not exposed" in text
