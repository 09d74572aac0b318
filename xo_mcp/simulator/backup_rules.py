"""XO's backup bookkeeping as its REST API applies it (CONTRACT-2 §1–§3): which jobs are enabled, which
VMs a job selects, logs grouped by job, and the two protection rules (estate-wide and per VM).

Smart-mode selections over every VM are the costly part at 100 000 VMs; they are computed once per
inventory state and kept in `inventory.cache` (clear it after changing objects in place): `memo`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from xo_mcp.simulator.inventory import Inventory, JsonObject
from xo_mcp.simulator.value_matcher import compile_pattern

T = TypeVar("T")
JOB_TYPES = ("backup", "mirrorBackup", "metadataBackup")
"""The order /dashboard goes through jobs in (CONTRACT-2 §1 step 1)."""


def explicit_ids(pattern: Any) -> list[str] | None:
    """`{id: "<uuid>"}` or `{id: {__or: [uuids]}}` (exactly): those ids; anything else is smart mode."""
    if not isinstance(pattern, dict) or set(pattern) != {"id"}:
        return None
    ids = pattern["id"]
    if isinstance(ids, str):
        return [ids]
    listed = ids.get("__or") if isinstance(ids, dict) and set(ids) == {"__or"} else None
    if isinstance(listed, list) and all(isinstance(item, str) for item in listed):
        return list(listed)
    return None


def is_no_bak(vm: JsonObject) -> bool:
    """Tagged `xo:no-bak` or `xo:no-bak=<reason>`."""
    return any(isinstance(tag, str) and tag.split("=", 1)[0] == "xo:no-bak" for tag in vm.get("tags") or ())


def is_replica(vm: JsonObject) -> bool:
    """A CR/DR copy: `start` blocked and `other['xo:backup:job']` set."""
    return bool((vm.get("blockedOperations") or {}).get("start")) and bool((vm.get("other") or {}).get("xo:backup:job"))


def job_enabled(inventory: Inventory, job: JsonObject) -> bool:
    """A non-empty key of `settings` is an enabled schedule (schedules absent from settings do not count).
    Call-job sequences are not simulated."""
    schedules = inventory.schedules
    settings = job.get("settings") or {}
    return any(key and (schedules.get(key) or {}).get("enabled") is True for key in settings)


def _fingerprint(inventory: Inventory) -> tuple[int, ...]:
    return tuple(len(objects) for objects in inventory.objects.values())


def _cached(inventory: Inventory, key: str) -> Any:
    entry = inventory.cache.get(key)
    if entry is not None and entry[0] == _fingerprint(inventory):
        return entry[1]
    return None


def _store(inventory: Inventory, key: str, value: Any) -> None:
    inventory.cache[key] = (_fingerprint(inventory), value)


def memo(inventory: Inventory, key: str, compute: Callable[[], T], stamp: object = None) -> T:
    """`compute()` once per inventory state (recomputed when a collection's size, or `stamp`, changes)."""
    entry = inventory.cache.get(key)
    state = (_fingerprint(inventory), stamp)
    if entry is not None and entry[0] == state:
        value: T = entry[1]
        return value
    value = compute()
    inventory.cache[key] = (state, value)
    return value


def logs_by_job(inventory: Inventory) -> dict[str, list[JsonObject]]:
    """Backup logs per job id, newest first."""
    cached: dict[str, list[JsonObject]] | None = _cached(inventory, "logs_by_job")
    if cached is not None:
        return cached
    grouped: dict[str, list[JsonObject]] = {}
    for log in inventory.backup_logs.values():
        grouped.setdefault(str(log.get("jobId")), []).append(log)
    for logs in grouped.values():
        logs.sort(key=lambda log: log.get("start") or 0, reverse=True)
    _store(inventory, "logs_by_job", grouped)
    return grouped


def pattern_vm_ids(inventory: Inventory, job: JsonObject) -> list[str]:
    """/dashboard's "pattern VMs": explicit ids, else value-matcher matches among non-replica VMs."""
    key = f"pattern:{job.get('id')}"
    cached: list[str] | None = _cached(inventory, key)
    if cached is not None:
        return cached
    pattern = job.get("vms")
    ids = explicit_ids(pattern)
    if ids is None:
        matcher = compile_pattern(pattern)
        ids = [vm_id for vm_id, vm in inventory.vms.items() if not is_replica(vm) and matcher(vm)]
    _store(inventory, key, ids)
    return ids


def selects_vm(job: JsonObject, vm: JsonObject) -> bool:
    """`isVmInBackupJob`: explicit ids, else the value-matcher on the VM; never a no-bak VM."""
    if is_no_bak(vm):
        return False
    ids = explicit_ids(job.get("vms"))
    if ids is not None:
        return vm.get("id") in ids
    return compile_pattern(job.get("vms"))(vm)


def vm_task(log: JsonObject, vm_id: str) -> JsonObject | None:
    """The log's first child task about this VM."""
    return next((task for task in log.get("tasks") or () if (task.get("data") or {}).get("id") == vm_id), None)


def lists_vm(log: JsonObject, vm_id: str) -> bool:
    """The log's `vms` info names the VM."""
    for info in log.get("infos") or ():
        if info.get("message") == "vms" and vm_id in ((info.get("data") or {}).get("vms") or ()):
            return True
    return False


def backup_jobs(inventory: Inventory) -> list[JsonObject]:
    """Jobs in /dashboard's order: VM backups, then mirrors, then metadata."""
    jobs = list(inventory.backup_jobs.values())
    return [job for kind in JOB_TYPES for job in jobs if job.get("type") == kind]


def usable_archives(inventory: Inventory, repository_ids: Iterable[str] | None = None) -> list[JsonObject]:
    """Archives of enabled, working repositories (XO skips failing ones), optionally of some only."""
    working = {
        remote_id
        for remote_id, remote in inventory.backup_repositories.items()
        if remote.get("enabled") and not remote.get("error")
    }
    wanted = working if repository_ids is None else working & set(repository_ids)
    return [archive for archive in inventory.backup_archives.values() if archive.get("backupRepository") in wanted]
