"""GET /dashboard (CONTRACT-2 §1): XO's estate-wide aggregates, part by part.

`FAST_PARTS` come from XO's in-memory index and are sent first in NDJSON mode; `SLOW_PARTS` are the
ones XO computes (or caches) at length. `KEY_ORDER` is the JSON answer's order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xo_mcp.simulator.backup_rules import (
    backup_jobs,
    is_no_bak,
    is_replica,
    job_enabled,
    logs_by_job,
    memo,
    pattern_vm_ids,
    usable_archives,
)
from xo_mcp.simulator.inventory import Inventory, JsonObject

KEY_ORDER = (
    "nPools",
    "nHosts",
    "backupRepositories",
    "resourcesOverview",
    "poolsStatus",
    "missingPatches",
    "storageRepositories",
    "backups",
    "hostsStatus",
    "vmsStatus",
)
FAST_PARTS = ("nPools", "nHosts", "hostsStatus", "resourcesOverview", "vmsStatus", "storageRepositories")
SLOW_PARTS = ("poolsStatus", "missingPatches", "backupRepositories", "backups")
CACHED_PARTS = ("backups", "backupRepositories")
"""Kept server-wide by XO: may answer stale (`isExpired: true`) or be absent."""
FALLIBLE_PARTS = ("storageRepositories", "missingPatches", "backupRepositories", "backups")
"""An exception there gives `{"error": true}` for the key (in poolsStatus: a 500)."""
_DAY_MS = 86_400_000


def _writable(sr: JsonObject) -> bool:
    return (sr.get("size") or 0) > 0 and sr.get("content_type") != "iso"


def hosts_status(inventory: Inventory) -> JsonObject:
    counts = {"disabled": 0, "running": 0, "halted": 0, "unknown": 0, "total": 0}
    for host in inventory.hosts.values():
        state = host.get("power_state")
        if state == "Running":
            counts["running" if host.get("enabled") else "disabled"] += 1
        elif state == "Halted":
            counts["halted"] += 1
        else:
            counts["unknown"] += 1
        counts["total"] += 1
    return counts


def vms_status(inventory: Inventory) -> JsonObject:
    states = {"Running": 0, "Halted": 0, "Paused": 0, "Suspended": 0}
    unknown = 0
    for vm in inventory.vms.values():
        state = vm.get("power_state")
        if state in states:
            states[state] += 1
        else:
            unknown += 1
    running, halted, paused, suspended = (states[key] for key in ("Running", "Halted", "Paused", "Suspended"))
    return {
        "active": running + paused,
        "inactive": halted + suspended,
        "running": running,
        "halted": halted,
        "paused": paused,
        "suspended": suspended,
        "unknown": unknown,
        "total": len(inventory.vms),
    }


def resources_overview(inventory: Inventory) -> JsonObject:
    """Quirk kept: one loop up to max(#hosts, #SRs) reads pools, hosts and SRs by index together."""
    pools, hosts, srs = (list(inventory.collection(name).values()) for name in ("pools", "hosts", "srs"))
    if not pools and not hosts and not any(_writable(sr) for sr in srs):
        return {"isEmpty": True}
    n_cpus = memory = sr_size = 0
    for index in range(max(len(hosts), len(srs))):
        if index < len(pools):
            n_cpus += (pools[index].get("cpus") or {}).get("cores") or 0
        if index < len(hosts):
            memory += (hosts[index].get("memory") or {}).get("size") or 0
        if index < len(srs) and _writable(srs[index]):
            sr_size += srs[index]["size"]
    return {"nCpus": n_cpus, "memorySize": memory, "srSize": sr_size}


def _vdi(inventory: Inventory, vdi_id: str) -> JsonObject | None:
    return inventory.vdis.get(vdi_id) or inventory.vdi_snapshots.get(vdi_id)


def _replica_disks(inventory: Inventory) -> dict[str, JsonObject]:
    """VDIs whose first resolvable VBD belongs to a replica VM (found from the replicas: there are few)."""
    vbds = inventory.vbds
    found: dict[str, JsonObject] = {}
    for vm in inventory.vms.values():
        if not is_replica(vm):
            continue
        for vbd_id in vm.get("$VBDs") or ():
            vdi_id = vbds.get(vbd_id, {}).get("VDI")
            vdi = _vdi(inventory, vdi_id) if isinstance(vdi_id, str) else None
            if vdi is None or not isinstance(vdi_id, str):
                continue
            first = next((vbds[ref] for ref in vdi.get("$VBDs") or () if ref in vbds), None)
            owner = inventory.vms.get(first.get("VM", "")) if first is not None else None
            if owner is not None and is_replica(owner):
                found[vdi_id] = vdi
    return found


def _replicated_usage(inventory: Inventory, writable: list[JsonObject]) -> int:
    """Σ over SRs of the usage of the VDIs reached from the SR's `VDIs` and their parent chains (once per
    SR) whose first resolvable VBD's VM is a replica.

    Same result as walking every chain, without walking 100 000 of them: a replica disk counts for an
    SR when listed there, or when one of its descendants (through resolvable VDIs) is."""
    disks = _replica_disks(inventory)
    if not disks:
        return 0
    children: dict[str, list[str]] = {}
    for collection in (inventory.vdis, inventory.vdi_snapshots):
        for vdi_id, vdi in collection.items():
            parent = vdi.get("parent")
            if isinstance(parent, str):
                children.setdefault(parent, []).append(vdi_id)
    total = 0
    for sr in writable:
        listed = set(sr.get("VDIs") or ())
        for disk_id, disk in disks.items():
            pending, seen = [disk_id], set()
            while pending:
                current = pending.pop()
                if current in listed:
                    total += disk.get("usage") or 0
                    break
                seen.add(current)
                pending.extend(child for child in children.get(current, ()) if child not in seen)
    return total


def storage_repositories(inventory: Inventory) -> JsonObject:
    writable = [sr for sr in inventory.srs.values() if _writable(sr)]
    if not writable:
        return {"isEmpty": True}
    total = sum(sr["size"] for sr in writable)
    used = sum(sr.get("physical_usage") or 0 for sr in writable)
    replicated = _replicated_usage(inventory, writable)
    return {
        "size": {
            "available": total - used,
            "other": used - replicated,
            "replicated": replicated,
            "total": total,
            "used": used,
        }
    }


def pools_status(inventory: Inventory) -> JsonObject:
    counts = {"connected": 0, "disconnected": 0, "unreachable": 0, "unknown": 0, "total": 0}
    for server in inventory.servers.values():
        status = server.get("status")
        error = server.get("error")
        if status == "connected" and server.get("poolId") in inventory.pools:
            counts["connected"] += 1
        elif status == "disconnected" and error and not (isinstance(error, dict) and "connectedServerId" in error):
            counts["unreachable"] += 1
        elif status == "disconnected":
            counts["disconnected"] += 1
        else:
            counts["unknown"] += 1
        counts["total"] += 1
    return counts


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(char for char in piece if char.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def missing_patches(inventory: Inventory, authorized: bool, supported: dict[str, str] | None) -> JsonObject:
    """A host that is not running fails its query (nHostsFailed); `supported` maps a product brand to its
    lowest supported version (XOA's list; None on XO from the sources: nHostsEol is `{isEmpty: true}`)."""
    if not authorized:
        return {"hasAuthorization": False}
    hosts = list(inventory.hosts.values())
    failed = with_patches = 0
    pools_with: set[str] = set()
    for host in hosts:
        if host.get("power_state") != "Running":
            failed += 1
            continue
        if inventory.missing_patches.get(host["id"]):
            with_patches += 1
            pools_with.add(host.get("$pool", ""))
    eol: Any = {"isEmpty": True}
    if supported is not None:
        eol = 0
        for host in hosts:
            minimum = supported.get(host.get("productBrand", ""))
            if minimum is None or _version(str(host.get("version", ""))) < _version(minimum):
                eol += 1
    return {
        "hasAuthorization": True,
        "nHosts": len(hosts),
        "nHostsFailed": failed,
        "nHostsWithMissingPatches": with_patches,
        "nHostsEol": eol,
        "nPools": len(inventory.pools),
        "nPoolsWithMissingPatches": len(pools_with),
    }


def backup_repositories(inventory: Inventory) -> JsonObject:
    on_disk: dict[str, int] = {}
    for archive in usable_archives(inventory):
        on_disk[archive["backupRepository"]] = on_disk.get(archive["backupRepository"], 0) + (archive.get("size") or 0)
    s3: JsonObject | None = None
    other: JsonObject | None = None
    for remote_id, remote in inventory.backup_repositories.items():
        space = inventory.backup_repository_space.get(remote_id)
        if not remote.get("enabled") or space is None:
            continue
        backups = on_disk.get(remote_id, 0)
        if str(remote.get("url", "")).startswith(("s3://", "s3+http://")):
            s3 = s3 or {"backups": 0}
            s3["backups"] += backups
            continue
        other = other or {"backups": 0}
        other["backups"] += backups
        for key, source in (("available", "available"), ("total", "size"), ("used", "used")):
            if source in space:
                other[key] = other.get(key, 0) + space[source]
        if "used" in space:
            other["other"] = other.get("other", 0) + space["used"] - backups
    if s3 is None and other is None:
        return {"isEmpty": True}
    result: JsonObject = {}
    if s3 is not None:
        result["s3"] = {"size": s3}
    if other is not None:
        order = ("backups", "available", "other", "total", "used")
        result["other"] = {"size": {key: other[key] for key in order if key in other}}
    return result


def backups(inventory: Inventory, now_ms: float) -> JsonObject:
    """The 7 steps of `#getBackupsInfo`."""
    jobs = backup_jobs(inventory)
    if not jobs:
        return {"isEmpty": True}
    counts = {"disabled": 0, "failed": 0, "noRecentRun": 0, "skipped": 0, "successful": 0, "total": len(jobs)}
    issues: list[JsonObject] = []
    protected: set[str] = set()
    unprotected: set[str] = set()
    week_start = (now_ms // _DAY_MS) * _DAY_MS - 7 * _DAY_MS  # local (UTC here) midnight, 7 days ago
    grouped = logs_by_job(inventory)
    for job in jobs:
        vm_job = job.get("type") == "backup"
        if not job_enabled(inventory, job):
            counts["disabled"] += 1
            if vm_job:
                unprotected.update(pattern_vm_ids(inventory, job))
            continue
        logs = [log for log in grouped.get(job["id"], []) if log.get("status") != "pending"]
        last3 = logs[:3]
        week = [log for log in logs if (log.get("start") or 0) > week_start]
        statuses = {log.get("status") for log in week}
        if not week:
            counts["noRecentRun"] += 1
        elif statuses & {"failure", "interrupted"}:
            counts["failed"] += 1
        elif "skipped" in statuses:
            counts["skipped"] += 1
        else:
            counts["successful"] += 1
        if not last3:
            if vm_job:
                unprotected.update(pattern_vm_ids(inventory, job))
            continue
        if vm_job:
            results: dict[str, bool] = {}
            for log in last3:
                tasks = log.get("tasks")
                if not tasks:
                    for vm_id in pattern_vm_ids(inventory, job):
                        results[vm_id] = results.get(vm_id, True) and log.get("status") == "success"
                    continue
                for task in tasks:
                    data = task.get("data")
                    if data:
                        vm_id = str(data.get("id"))
                        results[vm_id] = results.get(vm_id, True) and task.get("status") == "success"
            for vm_id, ok in results.items():
                (protected if ok else unprotected).add(vm_id)
        if any(log.get("status") != "success" for log in last3):
            issue: JsonObject = {"logs": [log.get("status") for log in last3]}
            if job.get("name") is not None:
                issue["name"] = job["name"]
            issue.update({"type": job.get("type"), "uuid": job["id"]})
            issues.append(issue)
    vms = inventory.vms
    countable = {vm_id for vm_id in protected | unprotected if vm_id in vms and not is_no_bak(vms[vm_id])}
    protected &= countable
    unprotected = (unprotected & countable) - protected
    plain = sum(1 for vm in vms.values() if not is_replica(vm))
    return {
        "jobs": counts,
        "issues": issues,
        "vmsProtection": {
            "protected": len(protected),
            "unprotected": len(unprotected),
            "notInJob": plain - len(protected) - len(unprotected),
        },
    }


def part_computers(
    inventory: Inventory, patches_authorized: bool, supported_versions: dict[str, str] | None
) -> dict[str, Callable[[], Any]]:
    """Each part's computation. The index-based ones are kept per inventory state (`memo`): XO reads them
    from its in-memory index, at the same cost at 100 VMs as at 100 000, and so does the simulator."""
    now_ms = inventory.clock() * 1000
    return {
        "nPools": lambda: len(inventory.pools),
        "nHosts": lambda: len(inventory.hosts),
        "hostsStatus": lambda: memo(inventory, "dashboard:hostsStatus", lambda: hosts_status(inventory)),
        "resourcesOverview": lambda: memo(inventory, "dashboard:resources", lambda: resources_overview(inventory)),
        "vmsStatus": lambda: memo(inventory, "dashboard:vmsStatus", lambda: vms_status(inventory)),
        "storageRepositories": lambda: memo(inventory, "dashboard:srs", lambda: storage_repositories(inventory)),
        "poolsStatus": lambda: pools_status(inventory),
        "missingPatches": lambda: missing_patches(inventory, patches_authorized, supported_versions),
        "backupRepositories": lambda: backup_repositories(inventory),
        # Per minute of the clock too: the 7-day window moves (XO keeps this part a minute as well).
        "backups": lambda: memo(inventory, "dashboard:backups", lambda: backups(inventory, now_ms), now_ms // 60_000),
    }


def warm_up(inventory: Inventory) -> None:
    """Compute what /dashboard keeps per inventory state, so its first answer is as quick as the next."""
    parts = part_computers(inventory, True, None)
    for key in ("hostsStatus", "resourcesOverview", "vmsStatus", "storageRepositories", "backups"):
        parts[key]()
