"""Generator step 6: what backup runs leave on the pools (CONTRACT-2 §1, §2, §6).

- Replicas: VMs made by the disaster-recovery job (one per kept copy) and by the continuous-replication
  job (one per source VM, with one snapshot per kept run), on the DR SR, halted, `start` blocked and
  `other['xo:backup:job']` set, keeping the source's MAC address and tags (plus `Disaster Recovery` or
  `Continuous Replication`). The older DR copy, made by an older XO, blocks `start` only.
- Backup snapshots, named `[XO Backup <job>] <vm>` with `other['xo:backup:*']`: the copies kept by
  rolling-snapshot jobs (snapshotRetention), the base snapshot delta jobs keep on each source VM, and a
  snapshot the disabled legacy job left behind.
"""

from __future__ import annotations

from xo_mcp.simulator import estate
from xo_mcp.simulator.gen_backup_logs import filename_date
from xo_mcp.simulator.gen_backup_plan import DAY_S, BackupPlan, JobPlan
from xo_mcp.simulator.gen_context import EMPTY_DICT, EMPTY_LIST, GenContext, PoolPlan
from xo_mcp.simulator.gen_vms import snapshot
from xo_mcp.simulator.inventory import Inventory, JsonObject

_BLOCKED = "This VM is a replica: its start is blocked (clone it to use it)."
_GUEST_KEYS = (
    "mainIpAddress",
    "managementAgentDetected",
    "pvDriversDetected",
    "pvDriversVersion",
    "pvDriversUpToDate",
    "suspendVdi",
    "notes",
)


def replica_budget(vms: int) -> int:
    """VMs of the requested count that are replicas: 2 DR copies and 2 CR replicas, from 12 VMs on."""
    return 4 if vms >= 12 else 0


def vm_disks(inventory: Inventory, vm: JsonObject) -> list[JsonObject]:
    disks = []
    for vbd_id in vm.get("$VBDs") or ():
        vdi_id = inventory.vbds.get(vbd_id, {}).get("VDI")
        if vdi_id in inventory.vdis:
            disks.append(inventory.vdis[vdi_id])
    return disks


def _backup_other(plan: JobPlan, vm_id: str, timestamp_ms: int, **extra: str) -> JsonObject:
    other: JsonObject = {
        "xo:backup:datetime": filename_date(timestamp_ms),
        "xo:backup:job": plan.job["id"],
        "xo:backup:schedule": plan.schedule["id"] if plan.schedule is not None else "",
        "xo:backup:vm": vm_id,
    }
    other.update(extra)
    return other


def generate_replicas(ctx: GenContext, backups: BackupPlan, budget: int) -> None:
    if not budget or backups.dr_source is None or backups.dr_sr is None:
        return
    by_name = {plan.job.get("name"): plan for plan in backups.jobs}
    dr, cr = by_name[estate.JOB_DR], by_name[estate.JOB_CR]
    target = next(plan for plan in ctx.pools if plan.pool["id"] == backups.dr_sr["$pool"])
    dr_times = _export_times(dr, backups.dr_source["id"]) or []
    for copy in range(2):
        when = dr_times[copy] if copy < len(dr_times) else ctx.now_ms - (3 + copy) * DAY_S * 1000
        name = f"{backups.dr_source['name_label']} - {dr.job['name']} - ({filename_date(when)})"
        _replica(ctx, target, backups, dr, backups.dr_source, name, when, "Disaster Recovery", both_blocked=copy == 0)
    for source in backups.cr_sources:
        times = _export_times(cr, source["id"]) or [ctx.now_ms - DAY_S * 1000]
        name = f"{source['name_label']} - {cr.job['name']}"
        replica = _replica(ctx, target, backups, cr, source, name, times[0], "Continuous Replication", True)
        disks = vm_disks(ctx.inventory, replica)
        for when in reversed(times[:6]):
            other = _backup_other(cr, source["id"], when, **{"xo:backup:sr": backups.dr_sr["id"]})
            age = ctx.now_s - when // 1000
            snapshot(ctx, replica, disks, f"{replica['name_label']} ({filename_date(when)})", age, other)


def _export_times(plan: JobPlan, vm_id: str) -> list[int]:
    """Timestamps of the VM's successful exports in the job's runs, newest first."""
    return [export.timestamp for run in plan.runs for export in run.exports if export.vm["id"] == vm_id]


def _replica(
    ctx: GenContext,
    target: PoolPlan,
    backups: BackupPlan,
    plan: JobPlan,
    source: JsonObject,
    name: str,
    when: int,
    tag: str,
    both_blocked: bool,
) -> JsonObject:
    inventory = ctx.inventory
    assert backups.dr_sr is not None and target.vm_network is not None
    replica_id = ctx.uuid()
    pool_id = target.pool["id"]
    memory = source["memory"]
    blocked = {"start": _BLOCKED, "start_on": _BLOCKED} if both_blocked else {"start": _BLOCKED}
    replica: JsonObject = {key: value for key, value in source.items() if key not in _GUEST_KEYS}
    replica.update(
        {
            "addresses": EMPTY_DICT,
            "auto_poweron": False,
            "blockedOperations": blocked,
            "high_availability": "",
            "memory": {"dynamic": memory["dynamic"], "static": memory["static"], "size": memory["size"]},
            "name_label": name,
            "os_version": None,
            "other": {
                **source["other"],
                **_backup_other(plan, source["id"], when, **{"xo:backup:sr": backups.dr_sr["id"]}),
            },
            "power_state": "Halted",
            "snapshots": EMPTY_LIST,
            "startTime": None,
            "tags": [*source["tags"], tag],
            "$container": pool_id,
        }
    )
    vif_id = ctx.uuid()
    replica["VIFs"] = [vif_id]
    source_vif = inventory.vifs.get((source.get("VIFs") or [""])[0])
    vif: JsonObject = {
        **(source_vif or {}),
        "attached": False,
        "MAC": source_vif["MAC"] if source_vif else "02:00:00:00:00:01",
        "$network": target.vm_network["id"],
        "$VM": replica_id,
        **ctx.xapi_identity(vif_id, pool_id),
    }
    inventory.add("vifs", vif)
    target.vm_network["VIFs"].append(vif_id)
    vbds = []
    sr = backups.dr_sr
    for position, disk in enumerate(vm_disks(inventory, source)):
        vdi_id, vbd_id = ctx.uuid(), ctx.uuid()
        vdi: JsonObject = {key: value for key, value in disk.items() if key not in {"parent", "snapshots"}}
        vdi.update({"snapshots": EMPTY_LIST, "$SR": sr["id"], "$VBDs": [vbd_id], **ctx.xapi_identity(vdi_id, pool_id)})
        inventory.add("vdis", vdi)
        sr["VDIs"].append(vdi_id)
        sr["usage"] += vdi["size"]
        sr["physical_usage"] += vdi["usage"]
        vbd: JsonObject = {
            "type": "VBD",
            "attached": False,
            "bootable": position == 0,
            "device": f"xvd{'abcdefgh'[position % 8]}",
            "is_cd_drive": False,
            "position": str(position),
            "read_only": False,
            "VDI": vdi_id,
            "VM": replica_id,
            **ctx.xapi_identity(vbd_id, pool_id),
        }
        inventory.add("vbds", vbd)
        vbds.append(vbd_id)
    replica["$VBDs"] = vbds
    replica.update(ctx.xapi_identity(replica_id, pool_id))
    inventory.add("vms", replica)
    backups.replicas.setdefault(plan.job["id"], []).append(replica)
    return replica


def generate_backup_snapshots(ctx: GenContext, backups: BackupPlan) -> None:
    inventory = ctx.inventory
    for plan in backups.jobs:
        name = plan.job.get("name", "")
        delta = plan.job.get("mode") == "delta" and plan.kind in {"remote", "replication"}
        legacy = name == estate.JOB_LEGACY
        if plan.kind != "snapshot" and not delta and not legacy:
            continue
        keep = plan.retention if plan.kind == "snapshot" else 1
        taken: dict[str, list[int]] = {}
        for run in plan.runs:  # newest first
            for vm, timestamp in run.snapshots:
                kept = taken.setdefault(vm["id"], [])
                if len(kept) < keep:
                    kept.append(timestamp)
        for vm_id, times in taken.items():
            vm = inventory.vms.get(vm_id)
            if vm is None:
                continue
            disks = vm_disks(inventory, vm)
            for when in reversed(times):
                extra = {"xo:backup:exported": "true"} if delta or legacy else {}
                other = {**vm["other"], **_backup_other(plan, vm_id, when, **extra)}
                snapshot(ctx, vm, disks, f"[XO Backup {name}] {vm['name_label']}", ctx.now_s - when // 1000, other)
