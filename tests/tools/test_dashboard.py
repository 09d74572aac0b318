"""get_pool_dashboard against the simulator's inventory."""

from __future__ import annotations

import pytest

from tests.harness import XoSession, text_of
from xo_mcp.simulator import RunningSimulator

pytestmark = pytest.mark.anyio


async def test_pool_dashboard(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    pool = next(iter(inventory.pools.values()))
    result = await xo.ok("get_pool_dashboard", {"pool_id": pool["id"]})
    dashboard = result.structured_content
    assert dashboard is not None
    assert dashboard["pool"] == {"id": pool["id"], "name": pool["name_label"]}
    pool_vms = [v for v in inventory.vms.values() if v["$pool"] == pool["id"]]
    assert dashboard["vms"]["total"] == len(pool_vms)
    assert dashboard["vms"]["running"] == sum(v["power_state"] == "Running" for v in pool_vms)
    assert dashboard["hosts"]["total"] == sum(h["$pool"] == pool["id"] for h in inventory.hosts.values())
    assert dashboard["srs"] and all(0 <= sr["percent"] <= 100 for sr in dashboard["srs"])
    pool_alarms = [a for a in inventory.alarms.values() if a.get("$pool") == pool["id"]]
    assert dashboard["alarms_total"] == len(pool_alarms)
    text = text_of(result)
    assert pool["name_label"] in text and "Hosts:" in text and "Storage" in text
    assert len(text) < 3000


async def test_unknown_pool_names_the_tool_that_lists_pools(xo: XoSession) -> None:
    message = await xo.error("get_pool_dashboard", {"pool_id": "0b7c3e4a-0000-4000-8000-00000000beef"})
    assert "No pool" in message and "list_pools" in message


async def test_failed_alarm_details_are_a_note(xo: XoSession, sim: RunningSimulator) -> None:
    pool = next(iter(sim.state.inventory.pools))
    sim.state.faults.add(path="/rest/v0/alarms", status=500, body={"error": "alarm index down"})
    dashboard = await xo.content("get_pool_dashboard", {"pool_id": pool})
    assert any("alarm index down" in note for note in dashboard["notes"])
