"""Ground truth for tests: XO's rules (CONTRACT-2, `§` below) applied to a simulator `Inventory`.

Each function is written from the contract's text, section by section, and never imports the
simulator's own implementation of those rules (dashboards, backup rules, value-matcher): tests compare
a tool's answer, or the simulator's /dashboard, with these results. Every function takes the inventory
and returns plain data (ids, counts, small dataclasses); "now" is the inventory's clock
(`Inventory.clock()`: its generation instant, or the wall clock for loaded inventories).

Health checks accept `pool_id` (XO 5's optional pool filter, on `$pool`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from xo_mcp.simulator.inventory import Inventory, JsonObject

DAY_S = 86_400
DAY_MS = DAY_S * 1000
_MISSING = object()


def _in_pool(obj: JsonObject, pool_id: str | None) -> bool:
    return pool_id is None or obj.get("$pool") == pool_id


def now_s(inventory: Inventory) -> float:
    """The inventory's "now" (seconds): every age and 7-day window below is measured from it."""
    return inventory.clock()


# Value-matcher and VM selection (CONTRACT-2 §3) -------------------------------------------------------


def value_matches(pattern: Any, value: Any) -> bool:
    """§3 value-matcher: `{__and|__or|__not}` alone apply to the value; other objects need an object value whose
    each key is defined and matches; arrays need an array with a match for every sub-pattern; else `===`."""
    if isinstance(pattern, list):
        return isinstance(value, list) and all(any(value_matches(p, v) for v in value) for p in pattern)
    if isinstance(pattern, dict):
        if len(pattern) == 1 and next(iter(pattern)) in ("__and", "__or", "__not"):
            operator, operand = next(iter(pattern.items()))
            if operator == "__not":
                return not value_matches(operand, value)
            results = (value_matches(item, value) for item in operand)
            return all(results) if operator == "__and" else any(results)
        if not isinstance(value, dict | list):
            return False
        for key, sub_pattern in pattern.items():
            if isinstance(value, dict):
                sub_value = value.get(key, _MISSING)
            elif key == "length":
                sub_value = len(value)
            elif key.isdigit() and int(key) < len(value):
                sub_value = value[int(key)]
            else:
                sub_value = _MISSING
            if sub_value is _MISSING or not value_matches(sub_pattern, sub_value):
                return False
        return True
    if isinstance(pattern, bool) or isinstance(value, bool):
        return type(pattern) is type(value) and pattern == value
    if isinstance(pattern, int | float) and isinstance(value, int | float):
        return pattern == value
    return type(pattern) is type(value) and pattern == value


def explicit_vm_ids(job: JsonObject) -> list[str] | None:
    """§3 VM selection: `vms` exactly `{id: "<uuid>"}` or `{id: {__or: [...]}}`: those ids; None for smart mode."""
    pattern = job.get("vms")
    if not isinstance(pattern, dict) or list(pattern) != ["id"]:
        return None
    ids = pattern["id"]
    if isinstance(ids, str):
        return [ids]
    if isinstance(ids, dict) and list(ids) == ["__or"]:
        return list(ids["__or"])
    return None


def is_replica(vm: JsonObject) -> bool:
    """§1/§3 replica (CR/DR target): `blockedOperations.start` set and `other['xo:backup:job']` set."""
    return bool((vm.get("blockedOperations") or {}).get("start")) and bool((vm.get("other") or {}).get("xo:backup:job"))


def has_no_bak_tag(vm: JsonObject) -> bool:
    """§1/§3 no-bak VM: a tag whose part before `=` is `xo:no-bak`."""
    return any(tag.split("=")[0] == "xo:no-bak" for tag in vm.get("tags") or [])


def job_selection(inventory: Inventory, job: JsonObject) -> list[str]:
    """§1 "pattern VMs": explicit ids (even of missing VMs), else value-matcher matches among non-replica VMs."""
    ids = explicit_vm_ids(job)
    if ids is not None:
        return ids
    return [vm_id for vm_id, vm in inventory.vms.items() if not is_replica(vm) and value_matches(job.get("vms"), vm)]


def runner_selection(inventory: Inventory, job: JsonObject) -> list[str]:
    """§3 what a run backs up: explicit ids, else smart-mode matches minus this job's replicas and no-bak VMs."""
    ids = explicit_vm_ids(job)
    if ids is not None:
        return ids
    pattern = {"type": "VM", **(job.get("vms") or {})}
    selected = []
    for vm_id, vm in inventory.vms.items():
        own_replica = (
            bool((vm.get("blockedOperations") or {}).get("start"))
            and (vm.get("other") or {}).get("xo:backup:job") == job["id"]
        )
        if not own_replica and not has_no_bak_tag(vm) and value_matches(pattern, vm):
            selected.append(vm_id)
    return selected


def job_selects_vm(job: JsonObject, vm: JsonObject) -> bool:
    """§2/§3 `isVmInBackupJob` (REST helpers): explicit ids, else the value-matcher on the VM; never a no-bak VM."""
    if has_no_bak_tag(vm):
        return False
    ids = explicit_vm_ids(job)
    return vm["id"] in ids if ids is not None else value_matches(job.get("vms"), vm)


def job_enabled(inventory: Inventory, job: JsonObject) -> bool:
    """§3 Disabled: enabled iff a non-`''` key of `settings` is a schedule with `enabled: true`."""
    return any(
        key != "" and key in inventory.schedules and inventory.schedules[key].get("enabled") is True
        for key in (job.get("settings") or {})
    )


def job_logs(inventory: Inventory, job_id: str) -> list[JsonObject]:
    """§4 the job's backup logs, newest first (the API lists them oldest first)."""
    logs = [log for log in inventory.backup_logs.values() if log.get("jobId") == job_id]
    return sorted(logs, key=lambda log: log["start"], reverse=True)


# Backup logs (§4) ----------------------------------------------------------------------------------


def computed_status(task: JsonObject) -> str:
    """§4 bottom-up status of a task that ended (running/interrupted ones keep their own)."""
    children = task.get("tasks") or []
    child_statuses = [computed_status(child) for child in children]
    own = task["status"]
    if "end" not in task:
        return str(own)
    if own == "failure" and (task.get("result") or {}).get("message") in {
        "no disks found",
        "no VMs match this pattern",
        "unhealthy VDI chain",
    }:
        return "skipped"
    if own == "failure":
        return "failure"
    retry_warned = any((w.get("data") or {}).get("isRetry") for w in task.get("warnings") or [])
    for child, status in zip(children, child_statuses, strict=True):
        if status != "failure":
            continue
        superseded = retry_warned and any(
            other is not child
            and computed_status(other) == "success"
            and other["message"] == child["message"]
            and (other.get("data") or {}).get("id") == (child.get("data") or {}).get("id")
            for other in children
        )
        if not superseded:
            return "failure"
    if "skipped" in child_statuses:
        return "skipped"
    return str(own)


def logs_listing_vm(inventory: Inventory, vm_id: str) -> list[JsonObject]:
    """§2/§4 backup logs whose `vms` info names the VM, newest first."""
    found = []
    for log in inventory.backup_logs.values():
        for info in log.get("infos") or []:
            if info.get("message") == "vms" and vm_id in (info.get("data") or {}).get("vms", []):
                found.append(log)
                break
    return sorted(found, key=lambda log: log["start"], reverse=True)


# /dashboard backups (§1) -----------------------------------------------------------------------------


@dataclass
class VmsProtection:
    protected: set[str] = field(default_factory=set)
    unprotected: set[str] = field(default_factory=set)
    not_in_job: set[str] = field(default_factory=set)
    """Non-replica VMs in neither set."""
    plain_vms: int = 0
    """How many VMs are no replica."""

    def counts(self) -> dict[str, int]:
        """§1 `vmsProtection`: notInJob is #non-replica VMs − protected − unprotected (a replica marked by a
        job, which only an explicit selection can do, makes it differ from `len(not_in_job)`, as in XO)."""
        return {
            "protected": len(self.protected),
            "unprotected": len(self.unprotected),
            "notInJob": self.plain_vms - len(self.protected) - len(self.unprotected),
        }


def _dashboard_jobs(inventory: Inventory) -> list[JsonObject]:
    """§1 step 1: type `backup`, then `mirrorBackup`, then `metadataBackup`."""
    jobs = list(inventory.backup_jobs.values())
    return [job for kind in ("backup", "mirrorBackup", "metadataBackup") for job in jobs if job.get("type") == kind]


def _week_start_ms(inventory: Inventory, since_hours: int = 168) -> float:
    """Local (the simulator's: UTC) midnight, 7 days ago. Another `since_hours` is get_backup_status's own
    window (its documented generalisation of §1's: midnight UTC of the day `since_hours` hours ago)."""
    moment_ms = now_s(inventory) * 1000 - since_hours * 3_600_000
    return moment_ms - moment_ms % DAY_MS


def backup_jobs_figures(inventory: Inventory, since_hours: int = 168) -> dict[str, int]:
    """§1 `backups.jobs`: disabled / noRecentRun / failed / skipped / successful, and the total."""
    figures = {"disabled": 0, "failed": 0, "noRecentRun": 0, "skipped": 0, "successful": 0, "total": 0}
    week_start = _week_start_ms(inventory, since_hours)
    for job in _dashboard_jobs(inventory):
        figures["total"] += 1
        if not job_enabled(inventory, job):
            figures["disabled"] += 1
            continue
        week = [
            log for log in job_logs(inventory, job["id"]) if log["status"] != "pending" and log["start"] > week_start
        ]
        statuses = [log["status"] for log in week]
        if not week:
            figures["noRecentRun"] += 1
        elif "failure" in statuses or "interrupted" in statuses:
            figures["failed"] += 1
        elif "skipped" in statuses:
            figures["skipped"] += 1
        else:
            figures["successful"] += 1
    return figures


def last_three_runs(inventory: Inventory, job_id: str) -> list[JsonObject]:
    """§1 step 3 `last3`: the job's 3 newest non-pending logs, newest first."""
    return [log for log in job_logs(inventory, job_id) if log["status"] != "pending"][:3]


def backup_issues(inventory: Inventory) -> list[dict[str, Any]]:
    """§1 step 7: enabled jobs with runs whose last 3 include anything but success."""
    issues = []
    for job in _dashboard_jobs(inventory):
        if not job_enabled(inventory, job):
            continue
        statuses = [log["status"] for log in last_three_runs(inventory, job["id"])]
        if statuses and any(status != "success" for status in statuses):
            issue: dict[str, Any] = {"logs": statuses}
            if "name" in job:
                issue["name"] = job["name"]
            issue["type"] = job["type"]
            issue["uuid"] = job["id"]
            issues.append(issue)
    return issues


def vms_protection(inventory: Inventory) -> VmsProtection:
    """§1 steps 2, 5, 6 and the marking rules: exact VM id sets."""
    marks: dict[str, list[bool]] = {}

    def mark(vm_id: str, ok: bool) -> None:
        marks.setdefault(vm_id, []).append(ok)

    for job in _dashboard_jobs(inventory):
        if job["type"] != "backup":
            continue
        pattern_vms = job_selection(inventory, job)
        if not job_enabled(inventory, job):
            for vm_id in pattern_vms:
                mark(vm_id, False)
            continue
        last3 = last_three_runs(inventory, job["id"])
        if not last3:
            for vm_id in pattern_vms:
                mark(vm_id, False)
            continue
        per_vm: dict[str, list[bool]] = {}
        for log in last3:
            if not log.get("tasks"):
                for vm_id in pattern_vms:
                    per_vm.setdefault(vm_id, []).append(log["status"] == "success")
            else:
                for task in log["tasks"]:
                    if task.get("data"):
                        per_vm.setdefault(task["data"]["id"], []).append(task["status"] == "success")
        for vm_id, results in per_vm.items():
            mark(vm_id, all(results))
    result = VmsProtection()
    for vm_id, results in marks.items():
        vm = inventory.vms.get(vm_id)
        if vm is None or has_no_bak_tag(vm):
            continue
        # Protected by one job wins over unprotected by another; all-true within a job.
        (result.protected if True in results else result.unprotected).add(vm_id)
    plain = {vm_id for vm_id, vm in inventory.vms.items() if not is_replica(vm)}
    result.plain_vms = len(plain)
    result.not_in_job = plain - result.protected - result.unprotected
    return result


def backups_summary(inventory: Inventory) -> dict[str, Any]:
    """The whole §1 `backups` value (`{isEmpty: true}` without jobs)."""
    if not _dashboard_jobs(inventory):
        return {"isEmpty": True}
    return {
        "jobs": backup_jobs_figures(inventory),
        "issues": backup_issues(inventory),
        "vmsProtection": vms_protection(inventory).counts(),
    }


# /dashboard, the other parts (§1) ------------------------------------------------------------------------


def _writable(sr: JsonObject) -> bool:
    return sr.get("size", 0) > 0 and sr.get("content_type") != "iso"


def hosts_status(inventory: Inventory) -> dict[str, int]:
    """§1 hostsStatus: running = Running and enabled; disabled = Running, not enabled; halted; unknown = the rest."""
    hosts = list(inventory.hosts.values())
    running = [h for h in hosts if h.get("power_state") == "Running"]
    halted = [h for h in hosts if h.get("power_state") == "Halted"]
    return {
        "disabled": sum(not h.get("enabled") for h in running),
        "running": sum(bool(h.get("enabled")) for h in running),
        "halted": len(halted),
        "unknown": len(hosts) - len(running) - len(halted),
        "total": len(hosts),
    }


def vms_status(inventory: Inventory) -> dict[str, int]:
    """§1 vmsStatus: `VM`s by power state; active = running + paused, inactive = halted + suspended."""
    states = [vm.get("power_state") for vm in inventory.vms.values()]
    known = {state: states.count(state) for state in ("Running", "Halted", "Paused", "Suspended")}
    return {
        "active": known["Running"] + known["Paused"],
        "inactive": known["Halted"] + known["Suspended"],
        "running": known["Running"],
        "halted": known["Halted"],
        "paused": known["Paused"],
        "suspended": known["Suspended"],
        "unknown": len(states) - sum(known.values()),
        "total": len(states),
    }


def resources_overview(inventory: Inventory) -> dict[str, Any]:
    """§1 resourcesOverview: Σ pool cores (pools past max(#hosts, #SRs) skipped), Σ host memory, Σ writable SR
    sizes."""
    pools = list(inventory.pools.values())
    hosts = list(inventory.hosts.values())
    srs = list(inventory.srs.values())
    if not pools and not hosts and not any(_writable(sr) for sr in srs):
        return {"isEmpty": True}
    bound = max(len(hosts), len(srs))
    return {
        "nCpus": sum(pool["cpus"]["cores"] for pool in pools[:bound]),
        "memorySize": sum(host["memory"]["size"] for host in hosts),
        "srSize": sum(sr["size"] for sr in srs if _writable(sr)),
    }


def replicated_usage(inventory: Inventory, sr: JsonObject) -> int:
    """§1 `replicated` for one SR: its VDI ids and their parent chains, once; usage counted when the VM of
    the VDI's first resolvable VBD is a replica."""
    ids: list[str] = []
    for start in sr.get("VDIs", []):
        vdi_id: Any = start
        while isinstance(vdi_id, str) and vdi_id not in ids:
            ids.append(vdi_id)
            vdi = inventory.vdis.get(vdi_id) or inventory.vdi_snapshots.get(vdi_id)
            vdi_id = vdi.get("parent") if vdi else None
    total = 0
    for vdi_id in ids:
        vdi = inventory.vdis.get(vdi_id) or inventory.vdi_snapshots.get(vdi_id)
        if vdi is None:
            continue
        vbds = [inventory.vbds[ref] for ref in vdi.get("$VBDs", []) if ref in inventory.vbds]
        if vbds and vbds[0].get("VM") in inventory.vms and is_replica(inventory.vms[vbds[0]["VM"]]):
            total += vdi["usage"]
    return total


def storage_repositories_size(inventory: Inventory) -> dict[str, Any]:
    """§1 storageRepositories over writable SRs (size > 0, not ISO): total, used, replicated, other, available."""
    writable = [sr for sr in inventory.srs.values() if _writable(sr)]
    if not writable:
        return {"isEmpty": True}
    total = sum(sr["size"] for sr in writable)
    used = sum(sr["physical_usage"] for sr in writable)
    replicated = sum(replicated_usage(inventory, sr) for sr in writable)
    return {
        "size": {
            "available": total - used,
            "other": used - replicated,
            "replicated": replicated,
            "total": total,
            "used": used,
        }
    }


def pools_status(inventory: Inventory) -> dict[str, int]:
    """§1 poolsStatus, over /servers: connected to an existing pool; unreachable (an error without connectedServerId);
    disconnected (other disconnected ones); unknown."""
    result = {"connected": 0, "disconnected": 0, "unreachable": 0, "unknown": 0, "total": 0}
    for server in inventory.servers.values():
        error = server.get("error")
        if server["status"] == "connected" and server.get("poolId") in inventory.pools:
            result["connected"] += 1
        elif server["status"] == "disconnected":
            lacks = bool(error) and "connectedServerId" not in (error if isinstance(error, dict) else {})
            result["unreachable" if lacks else "disconnected"] += 1
        else:
            result["unknown"] += 1
        result["total"] += 1
    return result


def backup_repositories_size(inventory: Inventory) -> dict[str, Any]:
    """§1 backupRepositories: enabled repositories with cached space info: S3 ones count their backups only, the
    others every size."""
    working = {
        rid for rid, remote in inventory.backup_repositories.items() if remote["enabled"] and not remote.get("error")
    }
    backups: dict[str, int] = {}
    for archive in inventory.backup_archives.values():
        if archive["backupRepository"] in working:
            backups[archive["backupRepository"]] = backups.get(archive["backupRepository"], 0) + archive["size"]
    s3_total: int | None = None
    other: dict[str, int] = {}
    counted_other = False
    for rid, remote in inventory.backup_repositories.items():
        space = inventory.backup_repository_space.get(rid)
        if not remote["enabled"] or space is None:
            continue
        on_disk = backups.get(rid, 0)
        if remote["url"].startswith(("s3://", "s3+http://")):
            s3_total = (s3_total or 0) + on_disk
            continue
        counted_other = True
        other["backups"] = other.get("backups", 0) + on_disk
        if "available" in space:
            other["available"] = other.get("available", 0) + space["available"]
        if "used" in space:
            other["other"] = other.get("other", 0) + space["used"] - on_disk
            other["used"] = other.get("used", 0) + space["used"]
        if "size" in space:
            other["total"] = other.get("total", 0) + space["size"]
    result: dict[str, Any] = {}
    if s3_total is not None:
        result["s3"] = {"size": {"backups": s3_total}}
    if counted_other:
        result["other"] = {"size": other}
    return result or {"isEmpty": True}


def missing_patches_summary(inventory: Inventory, supported: dict[str, str] | None) -> dict[str, Any]:
    """§1 missingPatches: hosts that are not running fail their query; EOL = version below the brand's lowest
    supported one."""

    def version(text: str) -> tuple[int, ...]:
        return tuple(int("".join(c for c in part if c.isdigit()) or 0) for part in text.split(".")[:3])

    hosts = list(inventory.hosts.values())
    running = [host for host in hosts if host["power_state"] == "Running"]
    with_patches = [host for host in running if inventory.missing_patches.get(host["id"])]
    eol: Any = {"isEmpty": True}
    if supported is not None:
        eol = sum(
            host["productBrand"] not in supported or version(host["version"]) < version(supported[host["productBrand"]])
            for host in hosts
        )
    return {
        "hasAuthorization": True,
        "nHosts": len(hosts),
        "nHostsFailed": len(hosts) - len(running),
        "nHostsWithMissingPatches": len(with_patches),
        "nHostsEol": eol,
        "nPools": len(inventory.pools),
        "nPoolsWithMissingPatches": len({host["$pool"] for host in with_patches}),
    }


# /vms/{id}/dashboard and /vms/{id}/backup-jobs (§2) ----------------------------------------------------------


def vm_backup_jobs(inventory: Inventory, vm_id: str) -> list[str]:
    """§2 /vms/{id}/backup-jobs: ids of the type `backup` jobs selecting the VM (schedules ignored), in store
    order."""
    vm = inventory.vms[vm_id]
    return [
        job_id for job_id, job in inventory.backup_jobs.items() if job["type"] == "backup" and job_selects_vm(job, vm)
    ]


def _relevant_logs(inventory: Inventory, vm_id: str) -> dict[str, list[JsonObject]]:
    jobs = vm_backup_jobs(inventory, vm_id)
    listing = logs_listing_vm(inventory, vm_id)
    return {job_id: [log for log in listing if log["jobId"] == job_id] for job_id in jobs}


def _vm_status_in(log: JsonObject, vm_id: str) -> str:
    task = next((t for t in log.get("tasks") or [] if (t.get("data") or {}).get("id") == vm_id), None)
    if task is None:
        raise LookupError(f"log {log['id']} lists VM {vm_id} without a task for it")
    return str(task["status"])


def vm_last_runs(inventory: Inventory, vm_id: str) -> list[dict[str, Any]]:
    """§2 lastRuns (LookupError where XO would fail: a non-success log listing the VM without its task)."""
    logs = sorted(
        (log for logs in _relevant_logs(inventory, vm_id).values() for log in logs), key=lambda log: log["start"]
    )[::-1][:3]
    runs = []
    for log in logs:
        run: dict[str, Any] = {"backupJobId": log["jobId"]}
        if "end" in log:
            run["timestamp"] = log["end"]
        run["status"] = "success" if log["status"] == "success" else _vm_status_in(log, vm_id)
        runs.append(run)
    return runs


def vm_protection(inventory: Inventory, vm_id: str) -> str:
    """§2 vmProtection: `not-in-active-job`, `protected` or `unprotected`."""
    vm = inventory.vms[vm_id]
    relevant = _relevant_logs(inventory, vm_id)
    enabled = [job_id for job_id in relevant if job_enabled(inventory, inventory.backup_jobs[job_id])]
    if has_no_bak_tag(vm) or not enabled:
        return "not-in-active-job"
    for job_id in enabled:
        newest = relevant[job_id][:3]
        if not newest:
            continue
        finished = [log for log in newest if log["status"] != "pending"]
        if all(log["status"] == "success" or _vm_status_in(log, vm_id) == "success" for log in finished):
            return "protected"
    return "unprotected"


def vm_replication(inventory: Inventory, vm_id: str) -> dict[str, Any]:
    """§2 replication: the latest replica snapshot of the VM (by `xo:backup:datetime`)."""
    import datetime

    made = [
        snapshot
        for snapshot in inventory.vm_snapshots.values()
        if (snapshot.get("other") or {}).get("xo:backup:vm") == vm_id and snapshot.get("$snapshot_of") != vm_id
    ]
    if not made:
        return {}
    latest = max(made, key=lambda snapshot: snapshot["other"]["xo:backup:datetime"])
    when = datetime.datetime.strptime(latest["other"]["xo:backup:datetime"], "%Y%m%dT%H%M%SZ")
    result: dict[str, Any] = {
        "id": latest["$snapshot_of"],
        "timestamp": int(when.replace(tzinfo=datetime.UTC).timestamp() * 1000),
    }
    replica = inventory.vms.get(latest["$snapshot_of"], {})
    srs = {
        inventory.vdis[inventory.vbds[vbd]["VDI"]]["$SR"]
        for vbd in replica.get("$VBDs", [])
        if inventory.vbds.get(vbd, {}).get("VDI") in inventory.vdis
    }
    if len(srs) == 1:
        result["sr"] = next(iter(srs))
    return result


def working_repositories(inventory: Inventory) -> set[str]:
    """§5: enabled repositories without an error, the ones XO lists archives of."""
    return {
        rid for rid, remote in inventory.backup_repositories.items() if remote["enabled"] and not remote.get("error")
    }


def vm_backup_archives(inventory: Inventory, vm_id: str) -> list[dict[str, Any]]:
    """§2 backupArchives: the VM's 3 newest archives over the working repositories."""
    working = working_repositories(inventory)
    archives = [
        a for a in inventory.backup_archives.values() if a["vm"]["uuid"] == vm_id and a["backupRepository"] in working
    ]
    archives.sort(key=lambda a: a["timestamp"], reverse=True)
    return [
        {"id": a["id"], "timestamp": a["timestamp"], "backupRepository": a["backupRepository"], "size": a["size"]}
        for a in archives[:3]
    ]


# XO 5 Health (§6) ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SrUsage:
    id: str
    name: str
    sr_type: str
    pool_id: str
    shared: bool
    host_id: str | None
    """The host a local SR belongs to (its `$container`), None when shared."""
    size: int
    used: int
    free: int
    percent: float | None
    """physical_usage / size × 100; None for a size-0 SR."""
    level: str | None
    """`green` (< 80), `yellow` (80–90), `red` (> 90); None for SRs the storage check ignores (ISO, size 0)."""


def _level(percent: float) -> str:
    return "red" if percent > 90 else "yellow" if percent >= 80 else "green"


def sr_usage_rows(inventory: Inventory, pool_id: str | None = None) -> list[SrUsage]:
    """§6 SR usage rows: every SR, fullest first (size-0 ones last): the rows of an SR list, with the storage
    check's level."""
    rows = []
    for sr in inventory.srs.values():
        if not _in_pool(sr, pool_id):
            continue
        size = sr.get("size", 0)
        used = sr.get("physical_usage", 0)
        percent = used / size * 100 if size > 0 else None
        checked = percent is not None and sr.get("content_type") != "iso"
        rows.append(
            SrUsage(
                id=sr["id"],
                name=sr["name_label"],
                sr_type=sr["SR_type"],
                pool_id=sr["$pool"],
                shared=bool(sr.get("shared")),
                host_id=None if sr.get("shared") else sr.get("$container"),
                size=size,
                used=used,
                free=size - used,
                percent=percent,
                level=_level(percent) if checked and percent is not None else None,
            )
        )
    return sorted(rows, key=lambda row: -1.0 if row.percent is None else row.percent, reverse=True)


def storage_state(inventory: Inventory, pool_id: str | None = None) -> list[SrUsage]:
    """§6 Storage state: SRs with `content_type != 'iso'` and `size > 0`, by usage descending."""
    return [row for row in sr_usage_rows(inventory, pool_id) if row.level is not None]


def local_default_srs(inventory: Inventory, pool_id: str | None = None) -> list[str]:
    """§6 Local default SRs: pools whose `default_SR` is a non-ISO, sized SR with `shared == false`, and more than
    one host."""
    found = []
    for pid, pool in inventory.pools.items():
        if pool_id is not None and pid != pool_id:
            continue
        sr = inventory.srs.get(pool.get("default_SR", ""))
        hosts = sum(host.get("$pool") == pid for host in inventory.hosts.values())
        if sr is not None and _writable(sr) and sr.get("shared") is False and hosts > 1:
            found.append(pid)
    return found


def pools_without_default_sr(inventory: Inventory, pool_id: str | None = None) -> list[str]:
    """§6 No default SR: pools without `default_SR`."""
    return [
        pid
        for pid, pool in inventory.pools.items()
        if (pool_id is None or pid == pool_id) and not pool.get("default_SR")
    ]


def _vdi_chains(inventory: Inventory, pool_id: str | None) -> tuple[dict[str, JsonObject], dict[str, int]]:
    """The VDIs and VDI snapshots the REST API lists (in the pool), and how many of them name each parent."""
    listed = {
        vdi_id: vdi
        for vdi_id, vdi in [*inventory.vdis.items(), *inventory.vdi_snapshots.items()]
        if _in_pool(vdi, pool_id)
    }
    children: dict[str, int] = {}
    for vdi in listed.values():
        if vdi.get("parent"):
            children[vdi["parent"]] = children.get(vdi["parent"], 0) + 1
    return listed, children


def _chain_leaves(inventory: Inventory, pool_id: str | None) -> list[str]:
    """§6 Unhealthy VDIs: XO walks from each managed non-snapshot VDI of each writable SR."""
    return [
        vdi_id
        for vdi_id, vdi in inventory.vdis.items()
        if _in_pool(vdi, pool_id) and vdi.get("$SR") in inventory.srs and _writable(inventory.srs[vdi["$SR"]])
    ]


def _walk_listed(listed: dict[str, JsonObject], start: str) -> tuple[list[str], str | None]:
    """The listed nodes of a chain from ``start`` up, and the first parent that is not listed (None at the top)."""
    nodes: list[str] = []
    node: str | None = start
    while node is not None and node in listed and node not in nodes:
        nodes.append(node)
        node = listed[node].get("parent")
    return nodes, node if node not in nodes else None


def unhealthy_vdi_chains(inventory: Inventory, pool_id: str | None = None) -> dict[str, int]:
    """§6 Unhealthy VDIs as far as the REST API shows them: from each managed non-snapshot VDI on a writable SR, walk
    up `parent` through the VDIs and VDI snapshots the REST API lists; each node with exactly one listed child counts
    1; a parent the REST API does not list (a base copy, `sr.VDIs` only) ends the walk uncounted. VDI id -> count,
    for counts above 0."""
    listed, children = _vdi_chains(inventory, pool_id)
    found = {}
    for vdi_id in _chain_leaves(inventory, pool_id):
        nodes, _ = _walk_listed(listed, vdi_id)
        length = sum(children.get(node) == 1 for node in nodes)
        if length:
            found[vdi_id] = length
    return found


def vdis_with_unlisted_chain(inventory: Inventory, pool_id: str | None = None) -> list[str]:
    """§6 Unhealthy VDIs: the VDIs whose walk (above) reaches a parent the REST API does not list, so that XO's own
    check (over every XAPI VDI) may judge their chain otherwise."""
    listed, _ = _vdi_chains(inventory, pool_id)
    return [vdi_id for vdi_id in _chain_leaves(inventory, pool_id) if _walk_listed(listed, vdi_id)[1] is not None]


def orphan_vdis(inventory: Inventory, pool_id: str | None = None) -> list[str]:
    """§6 Orphan VDIs: VDIs and VDI snapshots with no VBD, type system/user/ephemeral, size ≠ 0, not named `PVS
    cache VDI` twice,
    on an existing SR that is no ISO SR and (no udev SR or one of size 0)."""
    found = []
    for vdi in [*inventory.vdis.values(), *inventory.vdi_snapshots.values()]:
        if not _in_pool(vdi, pool_id) or vdi.get("$VBDs"):
            continue
        if vdi.get("VDI_type") not in ("system", "user", "ephemeral") or vdi.get("size") == 0:
            continue
        if vdi.get("name_label") == "PVS cache VDI" and vdi.get("name_description") == "PVS cache VDI":
            continue
        sr = inventory.srs.get(vdi.get("$SR", ""))
        if sr is None or sr["SR_type"] == "iso" or (sr["SR_type"] == "udev" and sr["size"] != 0):
            continue
        found.append(vdi["id"])
    return found


def vdis_on_control_domain(inventory: Inventory, pool_id: str | None = None) -> list[str]:
    """§6 VDIs on control domain: every VDI (looked up in VDIs, then VDI snapshots) behind a VBD of a
    control domain."""
    found = []
    for dom0 in inventory.vm_controllers.values():
        if not _in_pool(dom0, pool_id):
            continue
        for vbd_id in dom0.get("$VBDs", []):
            vdi_id = inventory.vbds.get(vbd_id, {}).get("VDI")
            if vdi_id in inventory.vdis or vdi_id in inventory.vdi_snapshots:
                found.append(vdi_id)
    return found


def old_snapshots(inventory: Inventory, pool_id: str | None = None, days: int = 30) -> list[str]:
    """§6 Old snapshots: VM snapshots at least 30 days old not kept by an enabled schedule
    (`other['xo:backup:schedule']`)."""
    limit = now_s(inventory) - days * DAY_S
    found = []
    for snapshot in inventory.vm_snapshots.values():
        if not _in_pool(snapshot, pool_id) or snapshot["snapshot_time"] > limit:
            continue
        schedule = inventory.schedules.get((snapshot.get("other") or {}).get("xo:backup:schedule", ""))
        if schedule is None or schedule.get("enabled") is not True:
            found.append(snapshot["id"])
    return found


def snapshots_oldest_first(
    inventory: Inventory, vm_id: str | None = None, older_than_days: int | None = None
) -> list[JsonObject]:
    """§6 VM snapshots (`snapshot_time` in seconds, `$snapshot_of` the VM) of one VM or all, taken more than
    `older_than_days` days ago, oldest first (ties in the collection's order)."""
    limit = now_s(inventory) - older_than_days * DAY_S if older_than_days is not None else None
    found = [
        snapshot
        for snapshot in inventory.vm_snapshots.values()
        if (vm_id is None or snapshot.get("$snapshot_of") == vm_id)
        and (limit is None or snapshot["snapshot_time"] < limit)
    ]
    return sorted(found, key=lambda snapshot: snapshot["snapshot_time"])


def orphaned_snapshots(inventory: Inventory, pool_id: str | None = None) -> list[str]:
    """§6 Orphaned VM snapshots: VM snapshots without `$snapshot_of`."""
    return [s["id"] for s in inventory.vm_snapshots.values() if _in_pool(s, pool_id) and not s.get("$snapshot_of")]


def vms_with_too_many_snapshots(inventory: Inventory, pool_id: str | None = None, limit: int = 5) -> list[str]:
    """§6 Too many snapshots: VMs with more than 5 snapshots, unless tagged `Continuous Replication`."""
    return [
        vm_id
        for vm_id, vm in inventory.vms.items()
        if _in_pool(vm, pool_id) and len(vm.get("snapshots", [])) > limit and "Continuous Replication" not in vm["tags"]
    ]


def duplicated_macs(
    inventory: Inventory, pool_id: str | None = None, running_only: bool = False
) -> dict[str, list[str]]:
    """§6 Duplicated MAC: MAC -> VIF ids, for MACs on more than one VIF of VMs (not those with both `start` and
    `start_on`
    blocked); `running_only`: XO's filter, more than one on running VMs."""
    groups: dict[str, list[str]] = {}
    for vif in inventory.vifs.values():
        vm = inventory.vms.get(vif.get("$VM", ""))
        if vm is None or not _in_pool(vm, pool_id):
            continue
        blocked = vm.get("blockedOperations") or {}
        if "start" in blocked and "start_on" in blocked:
            continue
        if running_only and vm["power_state"] != "Running":
            continue
        groups.setdefault(vif["MAC"], []).append(vif["id"])
    return {mac: vifs for mac, vifs in groups.items() if len(vifs) > 1}


def guest_tools_issues(inventory: Inventory, pool_id: str | None = None) -> dict[str, str]:
    """§6 Guest tools: running VMs lacking the agent or up-to-date drivers -> `no tools`, `agent missing` or
    `outdated`."""
    issues = {}
    for vm_id, vm in inventory.vms.items():
        if not _in_pool(vm, pool_id) or vm["power_state"] != "Running":
            continue
        if vm.get("managementAgentDetected") and vm.get("pvDriversUpToDate"):
            continue
        if not vm.get("pvDriversDetected"):
            issues[vm_id] = "no tools"
        elif not vm.get("managementAgentDetected"):
            issues[vm_id] = "agent missing"
        else:
            issues[vm_id] = "outdated"
    return issues


def alarm_ids(inventory: Inventory, pool_id: str | None = None) -> list[str]:
    """§6 Alarms: messages named exactly ALARM, BOND_STATUS_CHANGED or MULTIPATH_PERIODIC_ALERT."""
    names = ("ALARM", "BOND_STATUS_CHANGED", "MULTIPATH_PERIODIC_ALERT")
    return [
        alarm_id for alarm_id, alarm in inventory.alarms.items() if _in_pool(alarm, pool_id) and alarm["name"] in names
    ]


_TYPE_COLLECTIONS = {
    "pool": "pools",
    "host": "hosts",
    "VM": "vms",
    "VM-controller": "vm-controllers",
    "VM-template": "vm-templates",
    "VM-snapshot": "vm-snapshots",
    "SR": "srs",
    "VDI": "vdis",
    "VDI-snapshot": "vdi-snapshots",
    "network": "networks",
    "PIF": "pifs",
    "VIF": "vifs",
}
"""CONTRACT.md §3/§5: XO's type words and the collection each names."""


@dataclass(frozen=True)
class ActiveAlarm:
    id: str
    name: str
    metric: str | None
    value: str | None
    time_ms: int
    object_type: str
    object_id: str | None
    object_name: str | None
    pool_id: str | None


def active_alarms(inventory: Inventory, pool_id: str | None = None) -> list[ActiveAlarm]:
    """§7 / CONTRACT.md §5 `/alarms`, newest first: `time` in ms, `body.value` a percent string (or `NaN`),
    `body.name` the metric, `object.{type, uuid}` the object (named from its collection when it exists)."""
    alarms = []
    for alarm in inventory.alarms.values():
        if not _in_pool(alarm, pool_id):
            continue
        target = alarm.get("object") or {}
        body = alarm.get("body") or {}
        collection = _TYPE_COLLECTIONS.get(target.get("type", ""))
        found = inventory.collection(collection).get(target.get("uuid", "")) if collection else None
        alarms.append(
            ActiveAlarm(
                id=alarm["id"],
                name=alarm["name"],
                metric=body.get("name"),
                value=body.get("value"),
                time_ms=alarm["time"],
                object_type=target.get("type", "unknown"),
                object_id=target.get("uuid"),
                object_name=found.get("name_label") if found else None,
                pool_id=alarm.get("$pool"),
            )
        )
    return sorted(alarms, key=lambda alarm: alarm.time_ms, reverse=True)


def tasks_in_order(inventory: Inventory, status: str | None = None) -> list[JsonObject]:
    """§7 `/tasks` as an administrator reads them: `pending` (running) ones first, then by `start` (ms), newest
    first; tasks with the same place keep the store's order (ids sort chronologically)."""
    tasks = [task for task in inventory.tasks.values() if status is None or task["status"] == status]
    order = sorted(
        enumerate(tasks), key=lambda pair: (pair[1]["status"] == "pending", pair[1]["start"], -pair[0]), reverse=True
    )
    return [task for _, task in order]


def task_object(inventory: Inventory, task: JsonObject) -> str | None:
    """§7 `properties.objectId` (its type unstated) named from whichever collection holds it; a backup run's
    `properties.jobName`."""
    properties = task.get("properties") or {}
    if properties.get("jobName"):
        return f"backup job {properties['jobName']}"
    for collection, noun in (("vms", "VM"), ("hosts", "host"), ("srs", "SR"), ("pools", "pool")):
        found = inventory.collection(collection).get(properties.get("objectId", ""))
        if found is not None:
            return f"{noun} {found['name_label']}"
    return None


# Hosts (§7) --------------------------------------------------------------------------------------------------


def hosts_needing_reboot(inventory: Inventory, pool_id: str | None = None) -> list[str]:
    """§7 hosts whose `rebootRequired` is set."""
    return [hid for hid, host in inventory.hosts.items() if _in_pool(host, pool_id) and host.get("rebootRequired")]


def hosts_with_missing_patches(inventory: Inventory, pool_id: str | None = None) -> dict[str, list[str]]:
    """§7 running hosts -> names of their missing patches (only those with some)."""
    result = {}
    for host_id, host in inventory.hosts.items():
        patches = inventory.missing_patches.get(host_id, [])
        if _in_pool(host, pool_id) and host["power_state"] == "Running" and patches:
            result[host_id] = [patch["name"] for patch in patches]
    return result


def hosts_not_checked_for_patches(inventory: Inventory, pool_id: str | None = None) -> list[str]:
    """§7 hosts whose patch query fails (not running): XO answers `[]`, which means "not checked"."""
    return [
        hid for hid, host in inventory.hosts.items() if _in_pool(host, pool_id) and host["power_state"] != "Running"
    ]


def resident_vm_count(inventory: Inventory, host_id: str) -> int:
    """§7 `residentVms` includes the host's control domain (`controlDomain`): the VMs are the others."""
    host = inventory.hosts[host_id]
    return len([vm for vm in host.get("residentVms", []) if vm != host.get("controlDomain")])


def patch_label(patch: JsonObject) -> str:
    """CONTRACT.md §5 missing-patch items: XCP-ng `{name, version, release}` (name version-release), XenServer
    `{name, …}` (the name alone)."""
    if "version" in patch:
        return f"{patch['name']} {patch['version']}-{patch['release']}"
    return str(patch["name"])


def names(inventory: Inventory, collection: str, ids: Iterable[str]) -> list[str]:
    """`name_label`s of objects of a collection, for readable assertions."""
    objects = inventory.collection(collection)
    return [objects[object_id].get("name_label", object_id) for object_id in ids]
