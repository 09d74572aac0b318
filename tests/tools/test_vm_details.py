"""get_vm_details against the simulator's inventory."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import XoSession, text_of
from xo_mcp.simulator import RunningSimulator

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
