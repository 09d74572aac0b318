"""GET /vms/{id}/dashboard (CONTRACT-2 §2): quick info, alarms and the VM's own backup view.

A non-success log that lists the VM without a task for it makes XO read a property of `undefined`
(contract §9: a 500, likely; the generated estate has one such VM, in the run still going on):
`VmDashboardError` carries that answer.
"""

from __future__ import annotations

import datetime
from typing import Any

from xo_mcp.simulator.backup_rules import (
    job_enabled,
    lists_vm,
    logs_by_job,
    selects_vm,
    usable_archives,
    vm_task,
)
from xo_mcp.simulator.inventory import Inventory, JsonObject

TYPE_ERROR = "Cannot read properties of undefined (reading 'status')"


class VmDashboardError(Exception):
    """What XO throws while building the backup part (a TypeError: HTTP 500)."""


def quick_info(vm: JsonObject) -> JsonObject:
    info: JsonObject = {
        "id": vm.get("id"),
        "power_state": vm.get("power_state"),
        "uuid": vm.get("uuid"),
        "name_description": vm.get("name_description"),
        "CPUs": {"number": (vm.get("CPUs") or {}).get("number")},
    }
    if "mainIpAddress" in vm:
        info["mainIpAddress"] = vm["mainIpAddress"]
    os_name = (vm.get("os_version") or {}).get("name")
    info["os_version"] = {"name": os_name} if os_name is not None else {}
    info["memory"] = {"size": (vm.get("memory") or {}).get("size")}
    creation = vm.get("creation") or {}
    info["creation"] = {key: creation[key] for key in ("date", "user") if key in creation}
    info["$pool"] = vm.get("$pool")
    info["virtualizationMode"] = vm.get("virtualizationMode")
    info["tags"] = vm.get("tags")
    if vm.get("$container") != vm.get("$pool"):
        info["host"] = vm.get("$container")
    info["pvDriversDetected"] = vm.get("pvDriversDetected", False)
    for key in ("pvDriversVersion", "pvDriversUpToDate"):
        if key in vm:
            info[key] = vm[key]
    info["startTime"] = vm.get("startTime")
    return info


def vm_alarms(inventory: Inventory, vm_id: str) -> list[str]:
    """Alarms whose object's uuid contains the VM id (a substring test, as XO's filter does)."""
    return [
        alarm_id
        for alarm_id, alarm in inventory.alarms.items()
        if vm_id in str((alarm.get("object") or {}).get("uuid", ""))
    ]


def _task_status(log: JsonObject, vm_id: str) -> Any:
    task = vm_task(log, vm_id)
    if task is None:
        raise VmDashboardError(TYPE_ERROR)
    return task.get("status")


def _relevant(inventory: Inventory, vm: JsonObject) -> list[JsonObject]:
    return [job for job in inventory.backup_jobs.values() if job.get("type") == "backup" and selects_vm(job, vm)]


def last_runs_and_protection(inventory: Inventory, vm: JsonObject) -> tuple[list[JsonObject], str]:
    vm_id = vm["id"]
    jobs = _relevant(inventory, vm)
    grouped = logs_by_job(inventory)
    listing = {job["id"]: [log for log in grouped.get(job["id"], []) if lists_vm(log, vm_id)] for job in jobs}
    newest = sorted((log for logs in listing.values() for log in logs), key=lambda log: log.get("start") or 0)
    runs = []
    for log in reversed(newest[-3:]):
        run: JsonObject = {"backupJobId": log.get("jobId")}
        if "end" in log:
            run["timestamp"] = log["end"]
        run["status"] = "success" if log.get("status") == "success" else _task_status(log, vm_id)
        runs.append(run)
    enabled = [job for job in jobs if job_enabled(inventory, job)]
    if not enabled:
        return runs, "not-in-active-job"
    protection = "unprotected"
    for job in enabled:
        # ≤3 newest logs listing the VM; pending ones dropped after that cut (an only-pending list protects).
        logs = listing[job["id"]][:3]
        if not logs:
            continue
        settled = [log for log in logs if log.get("status") != "pending"]
        if all(log.get("status") == "success" or _task_status(log, vm_id) == "success" for log in settled):
            protection = "protected"
            break
    return runs, protection


def _datetime_ms(text: str) -> int | None:
    try:
        moment = datetime.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    except ValueError:
        return None
    return int(moment.timestamp() * 1000)


def replication(inventory: Inventory, vm_id: str) -> JsonObject:
    """The latest replica snapshot made from this VM: the replica, when, and its SR (when only one)."""
    latest: JsonObject | None = None
    for snapshot in inventory.vm_snapshots.values():
        other = snapshot.get("other") or {}
        if other.get("xo:backup:vm") != vm_id or snapshot.get("$snapshot_of") == vm_id:
            continue
        if latest is None or str(other.get("xo:backup:datetime", "")) > str(
            latest["other"].get("xo:backup:datetime", "")
        ):
            latest = snapshot
    if latest is None:
        return {}
    replica_id = latest.get("$snapshot_of")
    result: JsonObject = {"id": replica_id, "timestamp": _datetime_ms(str(latest["other"].get("xo:backup:datetime")))}
    replica = inventory.vms.get(str(replica_id)) or {}
    srs = set()
    for vbd_id in replica.get("$VBDs") or ():
        vdi = inventory.vdis.get(inventory.vbds.get(vbd_id, {}).get("VDI", ""))
        if vdi is not None:
            srs.add(vdi.get("$SR"))
    if len(srs) == 1:
        result["sr"] = srs.pop()
    return result


def backup_archives(inventory: Inventory, vm_id: str) -> list[JsonObject]:
    archives = [archive for archive in usable_archives(inventory) if (archive.get("vm") or {}).get("uuid") == vm_id]
    archives.sort(key=lambda archive: archive.get("timestamp") or 0, reverse=True)
    return [
        {
            "id": archive["id"],
            "timestamp": archive.get("timestamp"),
            "backupRepository": archive.get("backupRepository"),
            "size": archive.get("size"),
        }
        for archive in archives[:3]
    ]
