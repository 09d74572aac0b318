"""get_pool_dashboard against the simulator's inventory."""

from __future__ import annotations

import pytest

from tests.harness import XoSession, text_of
from xo_mcp.simulator import RunningSimulator
from xo_mcp.tools.names import COLLECTION_OF_TYPE

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


async def test_failed_alarm_details_are_reported(xo: XoSession, sim: RunningSimulator) -> None:
    pool = next(iter(sim.state.inventory.pools))
    sim.state.faults.add(path="/rest/v0/alarms", status=500, body={"error": "alarm index down"})
    dashboard = await xo.content("get_pool_dashboard", {"pool_id": pool})
    assert "alarm index down" in dashboard["alarms_error"] and dashboard["alarms_total"] > 0


async def test_a_failed_alarm_listing_never_contradicts_the_count(xo: XoSession, sim: RunningSimulator) -> None:
    pool = next(iter(sim.state.inventory.pools))
    sim.state.faults.add(path="/rest/v0/alarms", status=500, body={"error": "alarm index down"})
    text = text_of(await xo.ok("get_pool_dashboard", {"pool_id": pool}))
    assert "details unknown: " in text and "alarm index down" in text
    assert "more)" not in text and "details unavailable" not in text


async def test_alarms_name_their_objects_newest_first(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    pool = next(iter(inventory.pools))
    dashboard = await xo.content("get_pool_dashboard", {"pool_id": pool})
    in_pool = sorted((a for a in inventory.alarms.values() if a["$pool"] == pool), key=lambda a: -a["time"])
    assert [a["object_id"] for a in dashboard["alarms"]] == [a["object"]["uuid"] for a in in_pool[:5]]
    for line, alarm in zip(dashboard["alarms"], in_pool, strict=False):
        collection = COLLECTION_OF_TYPE.get(alarm["object"]["type"])
        targets = list(inventory.collection(collection).values()) if collection else []
        target = next((o for o in targets if o["uuid"] == alarm["object"]["uuid"]), None)
        # An alarm on an object that is gone (`type: unknown`) keeps its id.
        assert line.get("object_name") == (target["name_label"] if target else None)
    host_alarm = next(a for a in in_pool if a["object"]["type"] == "host")
    assert host_alarm["object"]["uuid"] not in text_of(xo.calls[-1]), "a host the answer can name is named"


async def test_local_srs_are_told_apart_by_their_host(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    pool = next(iter(inventory.pools))
    dashboard = await xo.content("get_pool_dashboard", {"pool_id": pool})
    local = [sr for sr in dashboard["srs"] if not inventory.srs[sr["id"]]["shared"]]
    assert local, "the estate's pools have local SRs among the most used"
    for sr in local:
        host = inventory.hosts[inventory.srs[sr["id"]]["$container"]]["name_label"]
        assert sr["name"] == f"{inventory.srs[sr['id']]['name_label']} ({host})"


@pytest.mark.parametrize("body", [{}, {"unexpected": True}, []])
async def test_an_answer_that_is_not_a_dashboard_is_reported(
    xo: XoSession, sim: RunningSimulator, body: object
) -> None:
    pool = next(iter(sim.state.inventory.pools))
    sim.state.faults.add(path=f"/rest/v0/pools/{pool}/dashboard", status=200, body=body)
    message = await xo.error("get_pool_dashboard", {"pool_id": pool})
    assert "dashboard" in message and "plan" not in message and "None" not in message


async def test_a_missing_dashboard_route_is_not_a_missing_pool(xo: XoSession, sim: RunningSimulator) -> None:
    pool = next(iter(sim.state.inventory.pools))
    sim.state.faults.add(
        path=f"/rest/v0/pools/{pool}/dashboard", status=404, body="Cannot GET", content_type="text/html"
    )
    message = await xo.error("get_pool_dashboard", {"pool_id": pool})
    assert "has no pool dashboard endpoint" in message and "No pool" not in message


async def test_missing_patches_not_checked_only_when_xo_says_so(xo: XoSession, sim: RunningSimulator) -> None:
    pool = next(iter(sim.state.inventory.pools))
    sim.state.missing_patches_authorized = False
    try:
        text = text_of(await xo.ok("get_pool_dashboard", {"pool_id": pool}))
    finally:
        sim.state.missing_patches_authorized = True
    assert "Missing patches: not checked (the XOA plan does not include it)" in text
