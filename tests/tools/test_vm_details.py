"""get_vm_details against the simulator's inventory."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import XoSession, make_state, simulator, text_of
from xo_mcp.simulator import RunningSimulator, SimulatorState

pytestmark = pytest.mark.anyio


def first_vm(sim: RunningSimulator, **where: Any) -> dict[str, Any]:
    return next(vm for vm in sim.state.inventory.vms.values() if all(vm.get(k) == v for k, v in where.items()))


async def test_vm_details(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    vm = next(v for v in inventory.vms.values() if v["power_state"] == "Running" and v.get("mainIpAddress"))
    result = await xo.ok("get_vm_details", {"vm_id": vm["id"]})
    details = result.structured_content
    assert details is not None
    assert details["id"] == vm["id"] and details["name_label"] == vm["name_label"]
    assert details["power_state"] == "Running"
    assert details["vcpus"] == vm["CPUs"]["number"]
    assert details["memory_size"] == vm["memory"]["size"]
    assert details["main_ip"] == vm["mainIpAddress"]
    assert details["pool"]["name"] == inventory.pools[vm["$pool"]]["name_label"]
    host = inventory.hosts[vm["$container"]]
    assert details["host"]["name"] == host["name_label"]
    vbds = set(vm["$VBDs"])
    disks = [vdi for vdi in inventory.vdis.values() if vbds & set(vdi["$VBDs"])]
    assert sorted(d["name"] for d in details["disks"]) == sorted(vdi["name_label"] for vdi in disks)
    assert details["disks_total"] == len(disks)
    assert details["snapshots"] == len(vm["snapshots"])
    text = text_of(result)
    assert vm["name_label"] in text and host["name_label"] in text and "GiB" in text
    assert len(text) < 2000
    assert "{" not in text  # no JSON wall


async def test_halted_vm_without_guest_data(xo: XoSession, sim: RunningSimulator) -> None:
    vm = first_vm(sim, power_state="Halted")
    details = await xo.content("get_vm_details", {"vm_id": vm["id"]})
    assert details["power_state"] == "Halted" and details.get("main_ip") is None


async def test_unknown_id_says_which_id_and_which_tool(xo: XoSession) -> None:
    message = await xo.error("get_vm_details", {"vm_id": "0b7c3e4a-0000-4000-8000-00000000dead"})
    assert "0b7c3e4a-0000-4000-8000-00000000dead" in message and "list_vms" in message


async def test_template_id_is_not_a_vm(xo: XoSession, sim: RunningSimulator) -> None:
    template = next(iter(sim.state.inventory.vm_templates.values()))
    assert "list_vms" in await xo.error("get_vm_details", {"vm_id": template["id"]})


async def test_a_failed_part_is_a_note(xo: XoSession, sim: RunningSimulator) -> None:
    vm = first_vm(sim, power_state="Running")
    sim.state.faults.add(path="/rest/v0/vms/*/vdis", status=500, body={"error": "disk listing failed"})
    details = await xo.content("get_vm_details", {"vm_id": vm["id"]})
    assert any("disk listing failed" in note for note in details["notes"])


async def test_forbidden_names_the_missing_privilege(connect: Any, sim: RunningSimulator) -> None:
    pools = list(sim.state.inventory.pools)
    other_pool_vm = first_vm(sim, **{"$pool": pools[1]})
    async with connect(sim.url, token=sim.viewer_token) as viewer:
        message = await viewer.error("get_vm_details", {"vm_id": other_pool_vm["id"]})
    assert "privileges" in message and "read" in message and other_pool_vm["id"] in message


def crowded_vm_estate() -> tuple[SimulatorState, str]:
    """An estate where one running VM has 20 disks, 9 alarms and a line break in its name."""
    state = make_state(vms=20)
    inventory = state.inventory
    vm = next(v for v in inventory.vms.values() if v["power_state"] == "Running")
    template_vdi = next(vdi for vdi in inventory.vdis.values() if set(vdi["$VBDs"]) & set(vm["$VBDs"]))
    extra_vbds = []
    for n in range(20 - len(vm["$VBDs"])):
        vbd = f"0dd0{n:04d}-0000-4000-8000-000000000000"
        vdi_id = f"0dd1{n:04d}-0000-4000-8000-000000000000"
        inventory.add("vdis", {**template_vdi, "id": vdi_id, "uuid": vdi_id, "name_label": f"data-{n}", "$VBDs": [vbd]})
        extra_vbds.append(vbd)
    vm["$VBDs"] = [*vm["$VBDs"], *extra_vbds]  # nested values are shared between VMs: replace, never mutate
    template_alarm = next(iter(inventory.alarms.values()))
    for alarm in [a for a in inventory.alarms.values() if a["object"]["uuid"] == vm["uuid"]]:
        del inventory.alarms[alarm["id"]]
    for n in range(9):
        alarm_id = f"0aa0{n:04d}-0000-4000-8000-000000000000"
        inventory.add(
            "alarms",
            {
                **template_alarm,
                "id": alarm_id,
                "uuid": alarm_id,
                "time": 1_760_000_000_000 - (9 - n) * 60_000,  # the last added is the newest
                "body": {"value": f"9{n}.0", "name": "cpu_usage"},
                "object": {"type": "VM", "uuid": vm["uuid"], "href": f"/rest/v0/vms/{vm['id']}"},
                "$pool": vm["$pool"],
            },
        )
    vm["name_label"] = "web-99\nEVIL: injected line"
    return state, vm["id"]


async def test_counts_are_true_and_newest_alarms_come_first(connect: Any) -> None:
    state, vm_id = crowded_vm_estate()
    with simulator(state) as crowded:
        async with connect(crowded.url) as session:
            result = await session.ok("get_vm_details", {"vm_id": vm_id})
    details = result.structured_content
    assert details is not None
    assert details["disks_total"] == 20 and len(details["disks"]) == 16
    assert details["alarms_total"] == 9 and len(details["alarms"]) == 5
    assert [alarm["value"] for alarm in details["alarms"]] == ["98.0%", "97.0%", "96.0%", "95.0%", "94.0%"]
    text = text_of(result)
    assert "Disks (20, 16 shown)" in text and "Alarms (9, newest 5 shown)" in text
    assert vm_id not in text.split("\n", 1)[1], "the VM's own id is not repeated on each alarm"
    header = text.splitlines()[0]
    assert header.startswith("VM web-99 EVIL: injected line (id ") and "Running" in header


async def test_a_failed_alarm_listing_is_unknown_not_none(xo: XoSession, sim: RunningSimulator) -> None:
    vm = first_vm(sim, power_state="Running")
    sim.state.faults.add(path="/rest/v0/vms/*/alarms", status=500, body={"error": "alarm index down"})
    result = await xo.ok("get_vm_details", {"vm_id": vm["id"]})
    text = text_of(result)
    assert "Alarms: unknown (" in text and "alarm index down" in text
    assert "Alarms: none" not in text
    assert result.structured_content is not None and "alarms_total" not in result.structured_content


async def test_a_vm_object_without_an_id_still_answers(xo: XoSession, sim: RunningSimulator) -> None:
    vm = dict(first_vm(sim, power_state="Halted"))
    vm_id = str(vm.pop("id"))
    sim.state.faults.add(path=f"/rest/v0/vms/{vm_id}", status=200, body=vm)
    details = await xo.content("get_vm_details", {"vm_id": vm_id})
    assert details["id"] == vm_id and details["name_label"] == vm["name_label"]


async def test_windows_os_names_without_install_paths(xo: XoSession, sim: RunningSimulator) -> None:
    windows = next(
        v for v in sim.state.inventory.vms.values() if "|" in ((v.get("os_version") or {}).get("name") or "")
    )
    details = await xo.content("get_vm_details", {"vm_id": windows["id"]})
    assert details["os"].startswith(windows["os_version"]["name"].split("|")[0])
    assert "|" not in details["os"] and "\\Device" not in details["os"]
