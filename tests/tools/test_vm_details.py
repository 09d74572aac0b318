"""get_vm_details against the simulator's inventory."""

from __future__ import annotations

from typing import Any

import pytest

from tests import estate_truth, harness
from tests.harness import XoSession, make_state, simulator, text_of
from xo_mcp.coerce import ms_to_datetime, utc_text
from xo_mcp.simulator import Inventory, RunningSimulator, SimulatorState

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


# The backups line (CONTRACT-2 §2) -------------------------------------------------------------------------------


def utc_of(ms: int | None) -> str | None:
    return utc_text(ms_to_datetime(ms))


def backups_truth(inventory: Inventory, vm_id: str) -> dict[str, Any]:
    """§2 for one VM, from the inventory: state, jobs, last runs, newest archive, latest replication."""
    runs = estate_truth.vm_last_runs(inventory, vm_id)
    archives = estate_truth.vm_backup_archives(inventory, vm_id)
    replication = estate_truth.vm_replication(inventory, vm_id)
    return {
        "state": estate_truth.vm_protection(inventory, vm_id),
        "jobs": estate_truth.vm_backup_jobs(inventory, vm_id),
        "runs": [(run["backupJobId"], run["status"], utc_of(run.get("timestamp"))) for run in runs],
        "last_backup": utc_of(archives[0]["timestamp"]) if archives else None,
        "replication": (utc_of(replication["timestamp"]), replication.get("sr")) if replication else None,
    }


def backups_of(details: dict[str, Any]) -> dict[str, Any]:
    line = details["backups"]

    def utc(text: str | None) -> str | None:
        return text.split(" (", 1)[0] if text else None

    replication = line.get("last_replication")
    return {
        "state": line["state"],
        "jobs": [job["id"] for job in line["jobs"]],
        "runs": [(run["job"]["id"], run["status"], utc(run.get("end"))) for run in line["last_runs"]],
        "last_backup": utc(line.get("last_backup")),
        "replication": (utc(replication), (line.get("replication_sr") or {}).get("id")) if replication else None,
    }


def vms_worth_checking(inventory: Inventory) -> list[str]:
    """A VM of every backup job, VMs in no job, a no-bak VM and every VM with a replica, capped."""
    chosen: list[str] = []
    for job in inventory.backup_jobs.values():
        if job["type"] == "backup":
            chosen.extend(vm for vm in estate_truth.job_selection(inventory, job)[:2] if vm in inventory.vms)
    chosen.extend(
        s["other"]["xo:backup:vm"] for s in inventory.vm_snapshots.values() if "xo:backup:vm" in (s.get("other") or {})
    )
    chosen.extend(vm_id for vm_id, vm in inventory.vms.items() if estate_truth.has_no_bak_tag(vm))
    chosen.extend(list(inventory.vms)[:3])
    known = [vm_id for vm_id in dict.fromkeys(chosen) if vm_id in inventory.vms]
    return [vm_id for vm_id in known if _dashboard_answers(inventory, vm_id)][:25]


def _dashboard_answers(inventory: Inventory, vm_id: str) -> bool:
    try:
        estate_truth.vm_last_runs(inventory, vm_id)
        estate_truth.vm_protection(inventory, vm_id)
    except LookupError:
        return False  # XO's /vms/{id}/dashboard fails for it (a 500): tested on its own
    return True


async def test_the_backups_line_follows_xos_vm_dashboard(connect: Any, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    vms = vms_worth_checking(inventory)
    assert {backups_truth(inventory, vm_id)["state"] for vm_id in vms} == {
        "protected",
        "unprotected",
        "not-in-active-job",
    }
    assert any(backups_truth(inventory, vm_id)["replication"] for vm_id in vms)
    assert any(backups_truth(inventory, vm_id)["last_backup"] for vm_id in vms)
    for label, routes in (("xo-dashboard", True), ("computed", False)):
        sim.state.dashboard_routes = routes
        async with connect(sim.url) as session:
            for vm_id in vms:
                details = await session.content("get_vm_details", {"vm_id": vm_id})
                assert details["backups"]["counted_by"] == label
                assert backups_of(details) == backups_truth(inventory, vm_id), (
                    label,
                    inventory.vms[vm_id]["name_label"],
                )


async def test_the_backups_line_names_jobs_and_the_replica_sr(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    vm_id = next(vm for vm in vms_worth_checking(inventory) if backups_truth(inventory, vm)["replication"])
    result = await xo.ok("get_vm_details", {"vm_id": vm_id})
    text = text_of(result)
    line = next(line for line in text.splitlines() if line.startswith("Backups: "))
    for job_id in estate_truth.vm_backup_jobs(inventory, vm_id):
        assert inventory.backup_jobs[job_id]["name"] in line
    sr = estate_truth.vm_replication(inventory, vm_id).get("sr")
    if sr:
        assert f"to SR {inventory.srs[sr]['name_label']}" in line


async def test_a_vm_whose_dashboard_fails_still_has_its_details(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    failing = [vm_id for vm_id in inventory.vms if not _dashboard_answers(inventory, vm_id)]
    assert failing, "the estate has a VM listed by a run in progress without a task (XO answers 500)"
    vm_id = failing[0]
    started = harness.now()
    result = await xo.ok("get_vm_details", {"vm_id": vm_id})
    details = result.structured_content
    assert details is not None and details["name_label"] == inventory.vms[vm_id]["name_label"]
    assert requests_to(sim, f"/rest/v0/vms/{vm_id}/dashboard", started) == 1
    line = details["backups"]
    assert line["counted_by"] == "computed"
    assert [job["id"] for job in line["jobs"]] == estate_truth.vm_backup_jobs(inventory, vm_id)
    # The run in progress has not reached the VM: the run's own status stands for the VM's.
    newest = estate_truth.logs_listing_vm(inventory, vm_id)[0]
    assert newest["status"] == "pending" and line["last_runs"][0]["status"] == "pending"
    assert "Backups: " in text_of(result) and "Backups: unknown" not in text_of(result)


async def test_an_xo_without_vm_dashboards_is_asked_once(connect: Any, sim: RunningSimulator) -> None:
    sim.state.dashboard_routes = False
    vms = list(sim.state.inventory.vms)[:3]
    started = harness.now()
    async with connect(sim.url) as session:
        for vm_id in vms:
            details = await session.content("get_vm_details", {"vm_id": vm_id})
            assert details["backups"]["counted_by"] == "computed"
    asked = sum(requests_to(sim, f"/rest/v0/vms/{vm_id}/dashboard", started) for vm_id in vms)
    assert asked == 1


async def test_a_backups_part_that_fails_is_unknown_not_none(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.dashboard_routes = False
    sim.state.faults.add(path="/rest/v0/backup-jobs", status=500, body={"error": "job store down"})
    vm = first_vm(sim, power_state="Running")
    result = await xo.ok("get_vm_details", {"vm_id": vm["id"]})
    text = text_of(result)
    assert "Backups: unknown (" in text and "job store down" in text
    assert result.structured_content is not None and "backups" not in result.structured_content
    assert "Disks (" in text  # the other parts still answer


def requests_to(sim: RunningSimulator, path: str, since: float) -> int:
    return sum(1 for r in sim.state.requests.snapshot() if r.path == path and r.time >= since and r.client == "mcp")
