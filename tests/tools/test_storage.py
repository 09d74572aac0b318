"""list_srs against the simulator's inventory: every figure from `estate_truth.sr_usage_rows` (CONTRACT-2 §6)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import estate_truth as truth
from tests.conftest import Connect
from tests.harness import XoSession, text_of
from xo_mcp.simulator import RunningSimulator

pytestmark = pytest.mark.anyio

LEVELS = {"green": "ok", "yellow": "warning", "red": "critical", None: None}
"""The truth's colours (XO 5's <meter>) in the tool's words."""


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


async def test_every_figure_of_every_sr(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    expected = truth.sr_usage_rows(inventory)
    assert {row.level for row in expected} >= {"red", "yellow", "green"}, "the estate exercises both thresholds"
    content = await xo.content("list_srs", {"limit": 1000})
    assert content["total"] == content["returned"] == len(expected) and not content["truncated"]
    items = by_id(content["items"])
    for row in expected:
        item = items[row.id]
        assert item["name"] == row.name and item["type"] == row.sr_type and item["shared"] is row.shared
        assert item["size"] == row.size and item["used"] == row.used and item["free"] == row.free
        assert item.get("percent") == (round(row.percent, 1) if row.percent is not None else None)
        assert item.get("level") == LEVELS[row.level]
        assert item["pool"] == inventory.pools[row.pool_id]["name_label"]
        assert item.get("host_id") == row.host_id
        if row.host_id is not None:
            assert item["host"] == inventory.hosts[row.host_id]["name_label"]
    assert content["critical"] == sum(row.level == "red" for row in expected)
    assert content["warning"] == sum(row.level == "yellow" for row in expected)


async def test_fullest_first(xo: XoSession, sim: RunningSimulator) -> None:
    expected = truth.sr_usage_rows(sim.state.inventory)
    content = await xo.content("list_srs", {"limit": 1000})
    shown = [-1.0 if item.get("percent") is None else item["percent"] for item in content["items"]]
    assert shown == sorted(shown, reverse=True)
    assert shown == [-1.0 if row.percent is None else round(row.percent, 1) for row in expected]


async def test_text_names_the_hosts_of_local_srs_and_flags_levels(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    expected = truth.sr_usage_rows(inventory)
    text = text_of(await xo.ok("list_srs", {"limit": 1000}))
    lines = {line.split(" | ")[-1].rstrip(" |"): line for line in text.splitlines() if line.startswith("| ")}
    for row in expected:
        line = lines[row.id]
        if row.host_id is not None:
            assert f"| {inventory.hosts[row.host_id]['name_label']} |" in line
        else:
            assert "| shared |" in line
        if row.percent is not None:
            assert f"{row.percent:.1f}%" in line
        assert ("CRITICAL" in line) is (row.level == "red") and ("WARNING" in line) is (row.level == "yellow")
        assert inventory.pools[row.pool_id]["name_label"] in line
    red = sum(row.level == "red" for row in expected)
    assert f"(critical): {red};" in text and ("TiB" in text or "GiB" in text)


async def test_paging_keeps_the_order_and_the_figures(xo: XoSession, sim: RunningSimulator) -> None:
    expected = [row.id for row in truth.sr_usage_rows(sim.state.inventory)]
    first = await xo.content("list_srs", {"limit": 5})
    assert first["returned"] == 5 and first["truncated"] and first["next_offset"] == 5
    assert first["total"] == len(expected)
    rest = await xo.content("list_srs", {"limit": 1000, "offset": 5})
    assert rest["returned"] == len(expected) - 5 and not rest["truncated"]
    shown = [item["id"] for item in first["items"] + rest["items"]]
    assert sorted(shown) == sorted(expected)
    text = text_of(await xo.ok("list_srs", {"limit": 5}))
    assert f"SRs 1–5 of {len(expected)}" in text and "offset=5" in text and "SR_type:nfs" in text
    # The counts speak of every SR, not of the page.
    assert first["critical"] == sum(row.level == "red" for row in truth.sr_usage_rows(sim.state.inventory))


async def test_filter_and_extra_fields(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    shared = [sr for sr in inventory.srs.values() if sr.get("shared")]
    result = await xo.ok("list_srs", {"filter": "shared?", "fields": "tags,allocationStrategy"})
    content = result.structured_content
    assert content is not None
    assert {item["id"] for item in content["items"]} == {sr["id"] for sr in shared}
    for item in content["items"]:
        sr = inventory.srs[item["id"]]
        assert item.get("extra", {}).get("allocationStrategy") == sr.get("allocationStrategy")
    text = text_of(result)
    assert text.startswith("Filter `shared?`:") and "| allocationStrategy |" in text and "narrow the filter" not in text


async def test_a_viewer_sees_the_srs_of_their_pool(connect: Connect, sim: RunningSimulator) -> None:
    first_pool = next(iter(sim.state.inventory.pools))
    expected = truth.sr_usage_rows(sim.state.inventory, first_pool)
    async with connect(sim.url, token=sim.viewer_token) as viewer:
        content = await viewer.content("list_srs", {"limit": 1000})
    assert sorted(item["id"] for item in content["items"]) == sorted(row.id for row in expected)
    assert all(item["pool"] == sim.state.inventory.pools[first_pool]["name_label"] for item in content["items"])


@pytest.mark.parametrize("arguments", [{"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": True}])
async def test_out_of_range_is_refused_before_any_request(
    xo: XoSession, sim: RunningSimulator, arguments: dict[str, Any]
) -> None:
    before = sim.state.requests.counts()["requests"]
    message = await xo.error("list_srs", arguments)
    assert "Invalid argument" in message and next(iter(arguments)) in message
    assert sim.state.requests.counts()["requests"] == before


async def test_no_match(xo: XoSession) -> None:
    result = await xo.ok("list_srs", {"filter": "name_label:no-such-sr-anywhere"})
    assert "No SRs matched" in text_of(result)
