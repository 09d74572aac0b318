"""The generated estate exercises every XO 5 Health check and every backup scenario (CONTRACT-2 §1–§7),
and the near-misses each rule excludes are there and excluded. Verdicts come from tests/estate_truth.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import estate_truth as truth
from xo_mcp.simulator import estate, generate_inventory
from xo_mcp.simulator.inventory import Inventory, JsonObject

SIZES = [(7, 2, 3, 40), (11, 2, 3, 150), (3, 4, 4, 600), (5, 3, 2, 2_000)]


@pytest.fixture(scope="module", params=SIZES, ids=lambda size: f"{size[3]}vms-{size[1]}pools")
def inventory(request: pytest.FixtureRequest) -> Inventory:
    seed, pools, hosts, vms = request.param
    return generate_inventory(seed=seed, pools=pools, hosts_per_pool=hosts, vms=vms)


def _by_name(objects: dict[str, JsonObject], name: str, **where: Any) -> JsonObject:
    found = [
        o for o in objects.values() if o.get("name_label") == name and all(o.get(k) == v for k, v in where.items())
    ]
    assert len(found) == 1, f"expected one object named {name!r} {where}, found {len(found)}"
    return found[0]


def _jobs(inventory: Inventory) -> dict[str, JsonObject]:
    return {job["name"]: job for job in inventory.backup_jobs.values()}


def _all_tasks(tasks: list[JsonObject]) -> Iterator[JsonObject]:
    for task in tasks:
        yield task
        yield from _all_tasks(task.get("tasks") or [])


# Storage --------------------------------------------------------------------------------------


def test_storage_state_has_every_level(inventory: Inventory) -> None:
    levels = {row.level for row in truth.storage_state(inventory)}
    assert {"green", "yellow", "red"} <= levels


def test_storage_state_ignores_iso_and_empty_srs(inventory: Inventory) -> None:
    checked = {row.id for row in truth.storage_state(inventory)}
    first_pool = next(iter(inventory.pools))
    iso = _by_name(inventory.srs, "ISO library", **{"$pool": first_pool})
    assert iso["physical_usage"] / iso["size"] > 0.9 and iso["id"] not in checked
    empty = [sr for sr in inventory.srs.values() if sr["size"] == 0]
    assert {sr["SR_type"] for sr in empty} == {"udev"} and not checked & {sr["id"] for sr in empty}


def test_default_srs(inventory: Inventory) -> None:
    assert truth.pools_without_default_sr(inventory)
    local = truth.local_default_srs(inventory)
    assert local == [list(inventory.pools)[1]]
    # Pools whose default SR is shared (from 3 pools on: pool 0 has none when there are two) are not flagged.
    shared = [p for p in inventory.pools.values() if inventory.srs.get(p.get("default_SR", ""), {}).get("shared")]
    assert len(shared) == max(0, len(inventory.pools) - 2)
    assert not {pool["id"] for pool in shared} & set(local)


# VDIs -----------------------------------------------------------------------------------------


def test_orphan_vdis_and_near_misses(inventory: Inventory) -> None:
    orphans = set(truth.orphan_vdis(inventory))
    assert _by_name(inventory.vdis, estate.ORPHAN_VDI)["id"] in orphans
    assert _by_name(inventory.vdi_snapshots, estate.ORPHAN_VDI_SNAPSHOT)["id"] in orphans
    half = _by_name(inventory.vdis, estate.HALF_PVS_CACHE, name_description="Read cache for PVS targets")
    assert half["id"] in orphans
    for name in estate.NOT_ORPHAN_VDIS:
        extra = {"name_description": estate.PVS_CACHE_DESCRIPTION} if name == "PVS cache VDI" else {}
        vdi = _by_name(inventory.vdis, name, **extra)
        assert vdi["$VBDs"] == [] and vdi["id"] not in orphans, name
    suspended = [vdi for vdi in inventory.vdis.values() if vdi["VDI_type"] == "suspend"]
    assert suspended and all(not vdi["$VBDs"] and vdi["id"] not in orphans for vdi in suspended)


def test_every_disk_of_a_vm_or_snapshot_is_attached_through_a_vbd(inventory: Inventory) -> None:
    orphans = set(truth.orphan_vdis(inventory))
    named = {estate.ORPHAN_VDI, estate.ORPHAN_VDI_SNAPSHOT, estate.HALF_PVS_CACHE}
    assert set(truth.names(inventory, "vdis", orphans & set(inventory.vdis))) <= named
    for vbd in inventory.vbds.values():
        owner = inventory.vms.get(vbd["VM"]) or inventory.vm_snapshots.get(vbd["VM"])
        owner = owner or inventory.vm_controllers.get(vbd["VM"])
        assert owner is not None and vbd["id"] in owner["$VBDs"]
        if "VDI" in vbd:
            disk = inventory.vdis.get(vbd["VDI"]) or inventory.vdi_snapshots[vbd["VDI"]]
            assert vbd["id"] in disk["$VBDs"]


def test_vdis_on_control_domain(inventory: Inventory) -> None:
    found = truth.vdis_on_control_domain(inventory)
    assert _by_name(inventory.vdis, estate.DOM0_VDI)["id"] in found
    assert any(vdi_id in inventory.vdi_snapshots for vdi_id in found)
    assert len(inventory.vm_controllers) == len(inventory.hosts)
    for dom0 in inventory.vm_controllers.values():
        assert inventory.hosts[dom0["$container"]]["controlDomain"] == dom0["id"]


# Snapshots ------------------------------------------------------------------------------------


def test_old_snapshots(inventory: Inventory) -> None:
    old = set(truth.old_snapshots(inventory))
    manual = [s for s in inventory.vm_snapshots.values() if s["name_label"].endswith("before kernel upgrade")]
    assert manual and manual[0]["id"] in old
    deleted_schedule = [s for s in inventory.vm_snapshots.values() if "[XO Backup Old nightly]" in s["name_label"]]
    assert deleted_schedule and deleted_schedule[0]["id"] in old
    # Old, but kept by an enabled schedule (the monthly rolling snapshots): not reported.
    monthly = _jobs(inventory)[estate.JOB_MONTHLY]
    kept = [s for s in inventory.vm_snapshots.values() if (s.get("other") or {}).get("xo:backup:job") == monthly["id"]]
    assert any(truth.now_s(inventory) - s["snapshot_time"] > 30 * truth.DAY_S for s in kept)
    assert not old & {s["id"] for s in kept}


def test_old_snapshot_of_a_disabled_schedule(inventory: Inventory) -> None:
    legacy = _jobs(inventory)[estate.JOB_LEGACY]
    left = [s for s in inventory.vm_snapshots.values() if (s.get("other") or {}).get("xo:backup:job") == legacy["id"]]
    assert left and {s["id"] for s in left} <= set(truth.old_snapshots(inventory))


def test_orphaned_snapshots(inventory: Inventory) -> None:
    orphaned = truth.orphaned_snapshots(inventory)
    assert truth.names(inventory, "vm-snapshots", orphaned) == [
        estate.ORPHANED_SNAPSHOT,
        f"{estate.ORPHANED_SNAPSHOT} (2)",
    ]


def test_too_many_snapshots(inventory: Inventory) -> None:
    many = set(truth.vms_with_too_many_snapshots(inventory))
    seven = [
        vm
        for vm in inventory.vms.values()
        if any(estate.TOO_MANY_SNAPSHOTS_NAME in name for name in _snap_names(inventory, vm))
    ]
    assert seven and seven[0]["id"] in many
    five = [
        vm
        for vm in inventory.vms.values()
        if any(estate.FIVE_SNAPSHOTS_NAME in name for name in _snap_names(inventory, vm))
    ]
    assert len(five[0]["snapshots"]) == 5 and five[0]["id"] not in many
    replicas = [vm for vm in inventory.vms.values() if "Continuous Replication" in vm["tags"]]
    assert replicas and all(len(vm["snapshots"]) > 5 and vm["id"] not in many for vm in replicas)


def _snap_names(inventory: Inventory, vm: JsonObject) -> list[str]:
    return [inventory.vm_snapshots[snapshot_id]["name_label"] for snapshot_id in vm["snapshots"]]


def test_snapshots_point_back_to_their_vm(inventory: Inventory) -> None:
    for snapshot in inventory.vm_snapshots.values():
        if "$snapshot_of" in snapshot:
            assert snapshot["id"] in inventory.vms[snapshot["$snapshot_of"]]["snapshots"]


# Network, tools, alarms, hosts ----------------------------------------------------------------


def test_duplicated_macs(inventory: Inventory) -> None:
    every = truth.duplicated_macs(inventory)
    running = truth.duplicated_macs(inventory, running_only=True)
    assert len(running[estate.DUPLICATED_MAC_RUNNING]) == 3  # two VMs, one of them twice
    assert estate.DUPLICATED_MAC_HALTED in every and estate.DUPLICATED_MAC_HALTED not in running
    assert estate.DUPLICATED_MAC_MIXED in every and estate.DUPLICATED_MAC_MIXED not in running
    assert not set(estate.MAC_CASE_NEAR_MISS) & set(every)
    # Replicas keep their source's MAC: counted unless both start and start_on are blocked.
    replicas = [vm for vm in inventory.vms.values() if truth.is_replica(vm)]
    both = [vm for vm in replicas if {"start", "start_on"} <= set(vm["blockedOperations"])]
    start_only = [vm for vm in replicas if set(vm["blockedOperations"]) == {"start"}]
    assert both and start_only
    counted = {vif_id for vifs in every.values() for vif_id in vifs}
    assert all(vif_id not in counted for vm in both for vif_id in vm["VIFs"])
    assert all(vif_id in counted for vm in start_only for vif_id in vm["VIFs"])


def test_guest_tools(inventory: Inventory) -> None:
    issues = truth.guest_tools_issues(inventory)
    assert set(issues.values()) == {"no tools", "agent missing", "outdated"}
    without_tools = [
        vm for vm in inventory.vms.values() if vm["power_state"] != "Running" and not vm.get("managementAgentDetected")
    ]
    assert without_tools and not {vm["id"] for vm in without_tools} & set(issues)


def test_alarms(inventory: Inventory) -> None:
    alarms = [inventory.alarms[alarm_id] for alarm_id in truth.alarm_ids(inventory)]
    subjects = {alarm["object"]["type"] for alarm in alarms}
    assert {"host", "VM", "SR", "VM-controller", "unknown"} <= subjects
    assert all("href" not in alarm["object"] for alarm in alarms if alarm["object"]["type"] == "unknown")
    assert {alarm["name"] for alarm in alarms} == {"ALARM", "BOND_STATUS_CHANGED", "MULTIPATH_PERIODIC_ALERT"}
    assert any(alarm["name"] == "ALARM" and "value" not in alarm["body"] for alarm in alarms)


def test_hosts(inventory: Inventory) -> None:
    assert truth.hosts_needing_reboot(inventory)
    assert truth.hosts_with_missing_patches(inventory)
    now = truth.now_s(inventory)
    certificates = [cert["notAfter"] for host in inventory.hosts.values() for cert in host["certificates"]]
    assert any(end < now for end in certificates) and any(now < end < now + 30 * truth.DAY_S for end in certificates)
    licences = [host["license_expiry"] for host in inventory.hosts.values()]
    assert None in licences and any(end is not None and end < now + 30 * truth.DAY_S for end in licences)
    assert all(isinstance(v, str) for host in inventory.hosts.values() for v in host["CPUs"].values())


def test_halted_host_is_not_checked_for_patches() -> None:
    inventory = generate_inventory(seed=1, pools=2, hosts_per_pool=3, vms=20)
    assert truth.hosts_not_checked_for_patches(inventory)


def test_tasks(inventory: Inventory) -> None:
    tasks = list(inventory.tasks.values())
    assert {"failure", "pending", "interrupted", "success"} <= {task["status"] for task in tasks}
    failed = [task for task in tasks if task["status"] == "failure"]
    assert all(task["result"]["message"] for task in failed)
    nested = [task for task in tasks if task.get("tasks")]
    assert nested and all("progress" in sub["properties"] for task in nested for sub in task["tasks"])
    assert any(task["properties"].get("name") == "backup run" for task in tasks)
    assert all("end" not in task for task in tasks if task["status"] in {"pending", "interrupted"})
    assert list(inventory.tasks) == sorted(inventory.tasks)


# Backups --------------------------------------------------------------------------------------


def test_jobs_of_every_kind(inventory: Inventory) -> None:
    jobs = _jobs(inventory)
    kinds = {(job["type"], job.get("mode")) for job in jobs.values()}
    assert {("backup", "full"), ("backup", "delta"), ("metadataBackup", None), ("mirrorBackup", "delta")} <= kinds
    to_srs = [job for job in jobs.values() if job.get("srs", {}).get("id") and job["type"] == "backup"]
    assert {job["mode"] for job in to_srs} == {"full", "delta"}  # DR and CR
    rolling = [
        job
        for job in jobs.values()
        if any(isinstance(v, dict) and v.get("snapshotRetention") for v in job.get("settings", {}).values())
    ]
    assert rolling
    explicit = [job for job in jobs.values() if truth.explicit_vm_ids(job) is not None]
    assert {type(job["vms"]["id"]) for job in explicit} == {str, dict}
    smart = [job["vms"] for job in jobs.values() if job["type"] == "backup" and truth.explicit_vm_ids(job) is None]
    pools = [pattern["$pool"] for pattern in smart if "$pool" in pattern]
    assert {next(iter(form)) for form in pools} == {"__or", "__not", "__and"}
    assert any("power_state" in pattern for pattern in smart)
    assert any("__and" in pattern.get("tags", {}) for pattern in smart)


def test_schedules(inventory: Inventory) -> None:
    schedules = list(inventory.schedules.values())
    assert {schedule["enabled"] for schedule in schedules} == {True, False}
    assert any("timezone" not in schedule for schedule in schedules)
    assert all(schedule["jobId"] in inventory.backup_jobs for schedule in schedules)
    jobs = _jobs(inventory)
    assert not truth.job_enabled(inventory, jobs[estate.JOB_LEGACY])
    unscheduled = jobs[estate.JOB_UNSCHEDULED]
    own = [s for s in schedules if s["jobId"] == unscheduled["id"]]
    assert own and all(s["enabled"] for s in own) and not truth.job_enabled(inventory, unscheduled)
    for job in jobs.values():
        for key, settings in job["settings"].items():
            assert key == "" or key in inventory.schedules
            assert isinstance(settings, dict)


def test_smart_mode_selection_is_what_the_runs_back_up(inventory: Inventory) -> None:
    for job in inventory.backup_jobs.values():
        if job["type"] != "backup" or truth.explicit_vm_ids(job) is not None:
            continue
        selected = set(truth.runner_selection(inventory, job))
        for log in truth.job_logs(inventory, job["id"]):
            listed = {vm_id for info in log.get("infos", []) for vm_id in info["data"]["vms"]}
            assert listed <= selected, job["name"]
    assert truth.runner_selection(inventory, _jobs(inventory)[estate.JOB_NO_MATCH]) == []


def test_runs_are_ordered_and_identified_as_xo_does(inventory: Inventory) -> None:
    starts = [log["start"] for log in inventory.backup_logs.values()]
    assert starts == sorted(starts)
    for log_id, log in inventory.backup_logs.items():
        assert log_id.split(":")[0] == str(log["start"]) and log["message"] == "backup"


def test_statuses_are_computed_bottom_up(inventory: Inventory) -> None:
    for log in inventory.backup_logs.values():
        assert truth.computed_status(log) == log["status"], log["id"]
        for task in _all_tasks(log.get("tasks") or []):
            assert truth.computed_status(task) == task["status"]


def test_run_scenarios(inventory: Inventory) -> None:
    logs = list(inventory.backup_logs.values())
    statuses = {log["status"] for log in logs}
    assert statuses == {"success", "failure", "skipped", "interrupted", "pending"}
    messages = {
        (task.get("result") or {}).get("message") for log in logs for task in _all_tasks(log.get("tasks") or [])
    } | {(log.get("result") or {}).get("message") for log in logs}
    for error in (
        "VDI_IO_ERROR(Device I/O errors)",
        "SR_BACKEND_FAILURE_44(, There is insufficient space, )",
        "unhealthy VDI chain",
        "no VMs match this pattern",
    ):
        assert error in messages
    assert any((w.get("data") or {}).get("isRetry") for log in logs for w in log.get("warnings", []))
    kinds = {task["message"] for log in logs for task in _all_tasks(log.get("tasks") or [])}
    assert {"backup VM", "snapshot", "export", "transfer", "clean-vm", "health check", "vmstart"} <= kinds
    assert {"target snapshot", "get remote adapter"} <= kinds
    now_ms = truth.now_s(inventory) * 1000
    assert any(log["start"] < now_ms - 7 * truth.DAY_MS for log in logs)


def test_pending_run_is_the_jobs_run_id(inventory: Inventory) -> None:
    pending = [log for log in inventory.backup_logs.values() if log["status"] == "pending"]
    assert len(pending) == 1
    job = inventory.backup_jobs[pending[0]["jobId"]]
    assert job["runId"] == pending[0]["id"]
    assert all("runId" not in other for other in inventory.backup_jobs.values() if other is not job)


def test_logs_lacking_vms_and_short_histories(inventory: Inventory) -> None:
    lacking = []
    for log in inventory.backup_logs.values():
        job = inventory.backup_jobs[log["jobId"]]
        if job["type"] != "backup":
            continue
        selected = set(truth.runner_selection(inventory, job))
        tasks = {task["data"]["id"] for task in log.get("tasks", []) if task.get("data")}
        if log.get("tasks") and selected - tasks:
            lacking.append(log)
    assert lacking
    runs = {job["name"]: len(truth.job_logs(inventory, job["id"])) for job in inventory.backup_jobs.values()}
    assert runs[estate.JOB_MONTHLY] == 2


def test_protection_sets(inventory: Inventory) -> None:
    protection = truth.vms_protection(inventory)
    assert protection.protected and protection.unprotected and protection.not_in_job
    no_bak = {vm_id for vm_id, vm in inventory.vms.items() if truth.has_no_bak_tag(vm)}
    assert no_bak and no_bak <= protection.not_in_job
    assert any(tag == estate.NO_BACKUP_TAG_WITH_REASON for vm_id in no_bak for tag in inventory.vms[vm_id]["tags"])
    issues = truth.backup_issues(inventory)
    assert any(issue["name"] == estate.JOB_NO_MATCH for issue in issues)


def test_replicas_and_backup_snapshots(inventory: Inventory) -> None:
    replicas = [vm for vm in inventory.vms.values() if truth.is_replica(vm)]
    assert len(replicas) == 4
    for replica in replicas:
        assert replica["power_state"] == "Halted"
        job = inventory.backup_jobs[replica["other"]["xo:backup:job"]]
        assert job["name"] in {estate.JOB_DR, estate.JOB_CR}
    made = [s for s in inventory.vm_snapshots.values() if "xo:backup:job" in (s.get("other") or {})]
    assert made and all({"xo:backup:schedule", "xo:backup:vm", "xo:backup:datetime"} <= set(s["other"]) for s in made)
    assert truth.storage_repositories_size(inventory)["size"]["replicated"] > 0


def test_archives(inventory: Inventory) -> None:
    archives = list(inventory.backup_archives.values())
    assert archives
    for archive in archives:
        assert archive["id"].startswith(archive["backupRepository"] + "/")
        assert archive["vm"]["uuid"] in archive["id"]
        assert archive["mode"] in {"full", "delta"}
    assert any("//xo-vm-backups/" in archive["id"] for archive in archives)
    protected = truth.vms_protection(inventory).protected
    assert any(truth.vm_backup_archives(inventory, vm_id) for vm_id in protected)


def test_repositories_hold_a_credential_only_where_xo_leaves_one() -> None:
    inventory = generate_inventory()
    urls = {remote["name"]: remote["url"] for remote in inventory.backup_repositories.values()}
    assert "obfuscated-" in urls[estate.REPOSITORY_S3]
    assert "@" in urls[estate.REPOSITORY_MIRROR] and "obfuscated" not in urls[estate.REPOSITORY_MIRROR]
    assert all("password" not in server for server in inventory.servers.values())
    users = list(inventory.users.values())
    assert all(user["pw_hash"] == "***obfuscated***" for user in users)
    assert any("otp" in user["preferences"] for user in users)


@pytest.mark.parametrize("vms", [0, 1, 5, 11, 12])
def test_small_estates_generate(vms: int) -> None:
    inventory = generate_inventory(pools=1, hosts_per_pool=1, vms=vms)
    assert len(inventory.vms) == vms
    for log in inventory.backup_logs.values():
        assert truth.computed_status(log) == log["status"]
