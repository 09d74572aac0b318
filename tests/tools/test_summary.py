"""get_infrastructure_summary against counts computed from the simulator's inventory."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests import estate_truth, harness
from tests.conftest import Connect
from tests.harness import XoSession, make_state, simulator, text_of
from xo_mcp.simulator import Inventory, RunningSimulator

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


def truth(inventory: Inventory) -> dict[str, Any]:
    """The summary's facts, counted from the inventory."""
    vm_states = Counter(vm["power_state"] for vm in inventory.vms.values())
    host_states = Counter(host["power_state"] for host in inventory.hosts.values())
    return {
        "vms": {
            "total": sum(vm_states.values()),
            "running": vm_states["Running"],
            "halted": vm_states["Halted"],
            "other": sum(n for state, n in vm_states.items() if state not in ("Running", "Halted")),
            "other_breakdown": {s: n for s, n in sorted(vm_states.items()) if s not in ("Running", "Halted")},
        },
        "hosts": {
            "total": sum(host_states.values()),
            "running": host_states["Running"],
            "halted": host_states["Halted"],
            "other": sum(n for state, n in host_states.items() if state not in ("Running", "Halted")),
            "by_power_state": dict(sorted(host_states.items())),
        },
        "disabled": sum(h["power_state"] == "Running" and not h["enabled"] for h in inventory.hosts.values()),
    }


def dashboard_requests(sim: RunningSimulator, since: float) -> int:
    return sum(r.path == "/rest/v0/dashboard" and r.time >= since for r in sim.state.requests.snapshot())


async def test_xo_aggregates_and_the_streaming_count_agree(xo: XoSession, sim: RunningSimulator) -> None:
    expected = truth(sim.state.inventory)
    aggregate = await xo.content("get_infrastructure_summary")
    sim.state.dashboard_routes = False  # an XO older than /dashboard
    async with harness.connect(harness.settings_for(sim.url)) as older:
        counted = await older.content("get_infrastructure_summary")
    assert aggregate["counted_by"] == "xo-dashboard" and counted["counted_by"] == "streaming"
    for summary in (aggregate, counted):
        assert summary["vms"] == expected["vms"]
        assert {k: v for k, v in summary["hosts"].items() if k != "disabled"} == expected["hosts"]
    assert aggregate["hosts"]["disabled"] == expected["disabled"]
    overview = estate_truth.resources_overview(sim.state.inventory)
    assert aggregate["resources"] == {
        "cpu_cores": overview["nCpus"],
        "memory": overview["memorySize"],
        "storage": overview["srSize"],
    }


async def test_the_dashboard_stream_is_left_once_the_counts_have_come(connect: Connect, sim: RunningSimulator) -> None:
    # The slow parts (backups, patches) would come a minute later, far past the 5 s read timeout: the
    # answer proves the client stopped reading after the fast keys.
    sim.state.slow_dashboard_parts_ms = 60_000
    async with connect(sim.url, timeout=5.0) as session:
        summary = await session.content("get_infrastructure_summary")
    assert summary["counted_by"] == "xo-dashboard"
    assert summary["vms"] == truth(sim.state.inventory)["vms"]


async def test_a_non_admin_is_counted_in_their_own_view_every_time(connect: Connect, sim: RunningSimulator) -> None:
    first_pool = next(iter(sim.state.inventory.pools))
    visible = [vm for vm in sim.state.inventory.vms.values() if vm["$pool"] == first_pool]
    started = harness.now()
    async with connect(sim.url, token=sim.viewer_token) as viewer:
        summaries = [await viewer.content("get_infrastructure_summary") for _ in range(2)]
    for summary in summaries:
        assert summary["counted_by"] == "streaming" and summary["vms"]["total"] == len(visible)
        assert summary["visible_to"] == sim.viewer_username
    assert dashboard_requests(sim, started) == 2, "a refusal (403) is never remembered"


async def test_an_xo_without_the_route_is_asked_once(connect: Connect, sim: RunningSimulator) -> None:
    sim.state.dashboard_routes = False
    started = harness.now()
    async with connect(sim.url) as session:
        summaries = [await session.content("get_infrastructure_summary") for _ in range(3)]
        # Every other reader of /dashboard shares what the client learnt: a VM count, backups, the health report.
        for tool in ("list_vms", "get_backup_status", "get_health_report"):
            await session.ok(tool)
    assert all(summary["vms"] == truth(sim.state.inventory)["vms"] for summary in summaries)
    assert dashboard_requests(sim, started) == 1


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 200, "body": '{"nPools":2}\n{"nHosts":6}\n', "content_type": "application/x-ndjson"},
        {"status": 200, "body": '{"hostsStatus":{"error":true}}\n{"vmsStatus":{"running":-1}}\n'},
        {"status": 200, "body": "<html>portal</html>", "content_type": "text/html"},
        {"status": 500, "body": {"error": "poolsStatus failed"}},
        {"truncate": 60},
    ],
    ids=["missing keys", "wrong shapes", "html", "500", "truncated"],
)
async def test_a_dashboard_answer_that_cannot_be_trusted_is_counted_instead(
    xo: XoSession, sim: RunningSimulator, fault: dict[str, Any]
) -> None:
    sim.state.faults.add(path="/rest/v0/dashboard", **fault)
    summary = await xo.content("get_infrastructure_summary")
    assert summary["counted_by"] == "streaming"
    assert summary["vms"] == truth(sim.state.inventory)["vms"]


@pytest.mark.parametrize("cut", [30, 2000])
async def test_a_truncated_count_is_an_error_not_a_wrong_count(xo: XoSession, sim: RunningSimulator, cut: int) -> None:
    sim.state.dashboard_routes = False
    sim.state.faults.add(path="/rest/v0/vms", truncate=cut)
    assert "not valid JSON" in await xo.error("get_infrastructure_summary")


async def test_the_kill_switch_is_not_hidden_by_the_fallback(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.mcp_enabled = False
    assert "disabled MCP access" in await xo.error("get_infrastructure_summary")
