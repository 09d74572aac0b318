"""get_host_details against every host of the simulator: each figure from the inventory and
`estate_truth` (CONTRACT.md §6, CONTRACT-2 §7), patches in every state XO can be in."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from tests import estate_truth as truth
from tests.conftest import Connect
from tests.harness import XoSession, make_state, simulator, text_of
from xo_mcp.simulator import RunningSimulator

pytestmark = pytest.mark.anyio


def utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


async def test_every_figure_of_every_host(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    with_patches = truth.hosts_with_missing_patches(inventory)
    not_checked = truth.hosts_not_checked_for_patches(inventory)
    reboot = set(truth.hosts_needing_reboot(inventory))
    assert with_patches and not_checked and reboot, "the estate has each patch and reboot case"
    for host_id, host in inventory.hosts.items():
        details = await xo.content("get_host_details", {"host_id": host_id})
        now = time.time()
        running = host["power_state"] == "Running"
        assert details["name"] == host["name_label"] and details["power_state"] == host["power_state"]
        assert details["enabled"] is host["enabled"]
        assert details["pool"] == {"id": host["$pool"], "name": inventory.pools[host["$pool"]]["name_label"]}
        assert details["product"] == f"{host['productBrand']} {host['version']}"
        assert details["cpu"] == host["CPUs"]["modelname"] and details["cores"] == host["cpus"]["cores"]
        assert details["memory_size"] == host["memory"]["size"]
        assert details.get("memory_usage") == (host["memory"]["usage"] if running else None)
        assert details["vms"] == truth.resident_vm_count(inventory, host_id)
        assert details["reboot_required"] is (host_id in reboot)
        if running:
            assert details["uptime_s"] == pytest.approx(now - host["startTime"], abs=60)
            assert details["started"] == utc(host["startTime"])
        if host_id in with_patches:
            patches = inventory.missing_patches[host_id]
            assert details["patches"] == "missing" and details["patch_count"] == len(with_patches[host_id])
            assert details["patch_names"] == [truth.patch_label(patch) for patch in patches][:10]
        elif host_id in not_checked:
            assert details["patches"] == "not checked"
        else:
            assert details["patches"] == "up to date"
        expiries = {expiry["what"]: expiry for expiry in details["expiries"]}
        certificate = host["certificates"][0]
        assert expiries["TLS certificate"]["at"].startswith(utc(certificate["notAfter"]))
        assert (
            expiries["TLS certificate"]["days_left"]
            == (datetime.fromtimestamp(certificate["notAfter"], UTC) - datetime.fromtimestamp(now, UTC)).days
        )
        if host["license_expiry"] is None:
            assert "at" not in expiries["Licence"]
        else:
            assert expiries["Licence"]["at"].startswith(utc(host["license_expiry"]))
        alarms = [alarm for alarm in truth.active_alarms(inventory) if alarm.object_id == host_id]
        assert details["alarms_total"] == len(alarms)
        assert [(a["name"], a.get("time")) for a in details["alarms"]] == [
            (a.name if not a.metric or a.metric in a.name else f"{a.name} {a.metric}", utc(a.time_ms / 1000))
            for a in alarms[:5]
        ]


async def test_the_text_of_a_running_host(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    host_id, names = next(iter(truth.hosts_with_missing_patches(inventory).items()))
    host = inventory.hosts[host_id]
    text = text_of(await xo.ok("get_host_details", {"host_id": host_id}))
    assert text.startswith(f"Host {host['name_label']} (id {host_id}): Running")
    assert f"pool {inventory.pools[host['$pool']]['name_label']}" in text
    assert f"Missing patches: {len(names)} — " in text
    assert f"resident VMs: {truth.resident_vm_count(inventory, host_id)}" in text
    assert "GiB used of" in text and "%)" in text
    assert f"Reboot required: {'yes' if host['rebootRequired'] else 'no'}" in text
    assert "{" not in text and "\n\n" not in text


async def test_a_halted_hosts_empty_patch_list_is_not_checked(xo: XoSession, sim: RunningSimulator) -> None:
    host_id = truth.hosts_not_checked_for_patches(sim.state.inventory)[0]
    result = await xo.ok("get_host_details", {"host_id": host_id})
    text = text_of(result)
    assert "Missing patches: not checked (the host is Halted" in text
    assert "up to date" not in text and "resident VMs: 0" in text and "not running" in text


async def test_a_running_host_without_missing_patches_is_up_to_date(connect: Connect) -> None:
    state = make_state(vms=30, seed=3)
    host_id = next(h for h, host in state.inventory.hosts.items() if host["power_state"] == "Running")
    state.inventory.missing_patches[host_id] = []
    with simulator(state) as running:
        async with connect(running.url) as session:
            result = await session.ok("get_host_details", {"host_id": host_id})
    assert "Missing patches: none (up to date)" in text_of(result)


async def test_the_plan_restriction_is_reported_as_such(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.missing_patches_authorized = False
    host_id = next(iter(truth.hosts_with_missing_patches(sim.state.inventory)))
    result = await xo.ok("get_host_details", {"host_id": host_id})
    assert result.structured_content is not None and result.structured_content["patches"] == "not in plan"
    text = text_of(result)
    assert "Missing patches: not in plan (" in text and "LIST_MISSING_PATCHES" in text and "plan" in text
    assert "privileges" not in text


async def test_an_xo_without_the_patch_route(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/hosts/*/missing_patches", status=404, body={"error": "Not Found"})
    host_id = next(iter(sim.state.inventory.hosts))
    result = await xo.ok("get_host_details", {"host_id": host_id})
    text = text_of(result)
    assert "Missing patches: unknown (This Xen Orchestra has no missing patches endpoint" in text
    assert "No host with id" not in text


async def test_failing_alarms_are_unknown_not_none(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/hosts/*/alarms", status=500, body={"error": "alarm store down"})
    host_id = next(iter(sim.state.inventory.hosts))
    details = await xo.ok("get_host_details", {"host_id": host_id})
    text = text_of(details)
    assert "Alarms: unknown (" in text and "alarm store down" in text and "Alarms: none" not in text
    assert text.count("alarm store down") == 1, "the reason is said once, on the alarms line"


async def test_unknown_or_wrong_kind_of_id_names_list_hosts(xo: XoSession, sim: RunningSimulator) -> None:
    message = await xo.error("get_host_details", {"host_id": "0b7c3e4a-0000-4000-8000-00000000dead"})
    assert "No host with id" in message and "list_hosts" in message
    vm_id = next(iter(sim.state.inventory.vms))
    assert "list_hosts" in await xo.error("get_host_details", {"host_id": vm_id})


async def test_a_viewer_reads_only_the_hosts_of_their_pool(connect: Connect, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    pools = list(inventory.pools)
    own = next(h for h, host in inventory.hosts.items() if host["$pool"] == pools[0])
    other = next(h for h, host in inventory.hosts.items() if host["$pool"] == pools[1])
    async with connect(sim.url, token=sim.viewer_token) as viewer:
        details: dict[str, Any] = await viewer.content("get_host_details", {"host_id": own})
        message = await viewer.error("get_host_details", {"host_id": other})
    assert details["name"] == inventory.hosts[own]["name_label"]
    assert "privileges" in message and other in message
