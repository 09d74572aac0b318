"""get_infrastructure_summary against counts computed from the simulator's inventory."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import Connect
from tests.harness import XoSession, make_state, simulator, text_of
from xo_mcp.simulator import RunningSimulator

pytestmark = pytest.mark.anyio


async def test_counts_match_the_inventory(xo: XoSession, sim: RunningSimulator) -> None:
    result = await xo.ok("get_infrastructure_summary")
    summary = result.structured_content
    assert summary is not None
    inventory = sim.state.inventory
    states = Counter(vm["power_state"] for vm in inventory.vms.values())
    assert summary["vms"]["total"] == sum(states.values())
    assert summary["vms"]["running"] == states["Running"]
    assert summary["vms"]["halted"] == states["Halted"]
    assert summary["vms"]["other"] == states["Paused"] + states["Suspended"]
    pools = sorted(pool["name_label"] for pool in inventory.pools.values())
    assert summary["pools"] == {"total": len(pools), "names": pools}
    hosts = Counter(host["power_state"] for host in inventory.hosts.values())
    assert summary["hosts"]["total"] == sum(hosts.values())
    assert summary["hosts"]["running"] == hosts["Running"]
    assert f"{states['Running']} running" in text_of(result)
    assert len(text_of(result)) < 400


async def test_an_empty_estate(connect: Connect) -> None:
    with simulator(make_state(vms=0)) as empty:
        async with connect(empty.url) as session:
            summary = await session.content("get_infrastructure_summary")
    assert summary["vms"] == {"total": 0, "running": 0, "halted": 0, "other": 0, "other_breakdown": {}}


@pytest.mark.parametrize("cut", [30, 2000])
async def test_a_truncated_stream_is_an_error_not_a_wrong_count(xo: XoSession, sim: RunningSimulator, cut: int) -> None:
    sim.state.faults.add(path="/rest/v0/vms", truncate=cut)
    assert "not valid JSON" in await xo.error("get_infrastructure_summary")
