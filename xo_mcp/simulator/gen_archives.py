"""Generator step 7: VM backup archives in the repositories, the space XO has cached for each
repository, and restore logs (CONTRACT-2 §5).

Archives come from the successful exports of the run history: per VM and repository, the newest
`exportRetention` of them. The S3 repository's ids carry XO's `//` quirk.
"""

from __future__ import annotations

from xo_mcp.simulator.gen_backup_logs import Export, Run, error_result, filename_date
from xo_mcp.simulator.gen_backup_plan import DAY_S, BackupPlan, JobPlan
from xo_mcp.simulator.gen_context import EMPTY_LIST, GenContext
from xo_mcp.simulator.gen_replicas import vm_disks
from xo_mcp.simulator.inventory import JsonObject

TIB = 1024**4


def generate_archives(ctx: GenContext, backups: BackupPlan, runs: list[Run]) -> None:
    kept: dict[tuple[str, str], int] = {}
    newest_first = sorted(runs, key=lambda run: run.start, reverse=True)
    chosen: list[tuple[JobPlan, Export]] = []
    for run in newest_first:
        for export in run.exports:
            if export.target[0] != "remote":
                continue
            key = (export.target[1], export.vm["id"])
            if kept.get(key, 0) < run.plan.retention:
                kept[key] = kept.get(key, 0) + 1
                chosen.append((run.plan, export))
    # Listed per repository, each VM's archives oldest first (XO lists a repository's folders in turn).
    chosen.sort(key=lambda item: (item[1].target[1], item[1].vm["id"], item[1].timestamp))
    s3 = backups.remotes["s3"]["id"]
    mirror_job = next((plan for plan in backups.jobs if plan.kind == "mirror"), None)
    for plan, export in chosen:
        source_plan = _origin(backups, export) if plan is mirror_job else plan
        ctx.inventory.add("backup-archives", _archive(ctx, source_plan, export, immutable=export.target[1] == s3))
    _space(ctx, backups)
    _restore_logs(ctx, backups)


def _origin(backups: BackupPlan, export: Export) -> JobPlan:
    """A mirrored archive keeps the job that made it (the first job writing this VM to the source)."""
    mirror = next(plan for plan in backups.jobs if plan.kind == "mirror")
    source = mirror.job["sourceRemote"]
    for plan in backups.jobs:
        if ("remote", source) in plan.targets and any(vm["id"] == export.vm["id"] for vm in plan.selection):
            return plan
    return mirror


def _archive(ctx: GenContext, plan: JobPlan, export: Export, immutable: bool) -> JsonObject:
    vm = export.vm
    remote = export.target[1]
    date = filename_date(export.timestamp)
    separator = "//" if immutable else "/"
    delta = plan.job.get("mode") == "delta"
    disks = vm_disks(ctx.inventory, vm) if delta else []
    archive: JsonObject = {
        "id": f"{remote}{separator}xo-vm-backups/{vm['id']}/{date}.json",
        "type": "xo-vm-backup",
        "backupRepository": remote,
        "jobId": plan.job["id"],
        "scheduleId": plan.schedule["id"] if plan.schedule is not None else "",
        "mode": plan.job.get("mode", "full"),
        "timestamp": export.timestamp,
        "size": export.size,
    }
    if immutable:
        archive["isImmutable"] = True
    archive["withMemory"] = False
    if delta:
        archive["differencingVhds"] = 0 if export.full else len(disks)
        archive["dynamicVhds"] = len(disks) if export.full else 0
    # CONTRACT-2 §5 lists a top-level `tags`, not in the spec's schema; its source is not stated.
    archive["tags"] = EMPTY_LIST
    archive["disks"] = [
        {
            "id": f"/xo-vm-backups/{vm['id']}/vdis/{plan.job['id']}/{disk['uuid']}/{date}.vhd",
            "name": disk["name_label"],
            "uuid": disk["uuid"],
        }
        for disk in disks
    ]
    archive["vm"] = {
        "uuid": vm["id"],
        "name_label": vm.get("name_label", ""),
        "name_description": vm.get("name_description", ""),
        "tags": vm.get("tags", EMPTY_LIST),
    }
    return archive


def _space(ctx: GenContext, backups: BackupPlan) -> None:
    """What XO last measured on each repository; none for the disabled and the unreachable ones."""
    on_disk: dict[str, int] = {}
    for archive in ctx.inventory.backup_archives.values():
        on_disk[archive["backupRepository"]] = on_disk.get(archive["backupRepository"], 0) + archive["size"]
    sizes = {"nas": 40 * TIB, "mirror": 100 * TIB}
    others = {"nas": 3 * TIB, "mirror": TIB // 2}
    for role in ("nas", "mirror"):
        remote_id = backups.remotes[role]["id"]
        used = on_disk.get(remote_id, 0) + others[role]
        ctx.inventory.backup_repository_space[remote_id] = {
            "size": sizes[role],
            "used": used,
            "available": sizes[role] - used,
        }
    # S3 reports no sizes: XO still counts its backups.
    ctx.inventory.backup_repository_space[backups.remotes["s3"]["id"]] = {}


def _restore_logs(ctx: GenContext, backups: BackupPlan) -> None:
    archives = list(ctx.inventory.backup_archives.values())
    if not archives or not ctx.pools or ctx.pools[0].shared_sr is None:
        return
    sr_id = ctx.pools[0].shared_sr["id"]
    taken = {int(log_id.split(":")[0]) for log_id in ctx.inventory.backup_logs}
    plans = [
        (archives[0], 9 * DAY_S, "success"),
        (archives[len(archives) // 2], 2 * DAY_S, "failure"),
        (archives[-1], 5 * 3_600, "success"),
    ]
    for archive, age, status in plans:
        start = ctx.now_ms - age * 1000 + 417
        while start in taken:
            start += 1
        taken.add(start)
        vm_id = ctx.uuid()
        size = archive["size"]
        transfer: JsonObject = {"id": str(start + 58), "message": "transfer", "start": start + 58}
        end = start + 307_735
        if status == "success":
            transfer.update({"status": "success", "end": end, "result": {"size": size, "id": vm_id}})
        else:
            end = start + 61_200
            result = error_result(
                "SR_BACKEND_FAILURE_44(, There is insufficient space, )",
                "XapiError",
                code="SR_BACKEND_FAILURE_44",
                params=["", "There is insufficient space", ""],
            )
            transfer.update({"status": "failure", "end": end, "result": result})
        log: JsonObject = {
            "data": {"backupId": archive["id"], "jobId": archive["jobId"], "srId": sr_id, "time": archive["timestamp"]},
            "id": str(start),
            "message": "restore",
            "start": start,
            "status": status,
            "tasks": [transfer],
            "end": end,
            "result": transfer["result"],
        }
        ctx.inventory.add("restore-logs", log)
    metadata_start = ctx.now_ms - 20 * DAY_S * 1000 + 911
    metadata: JsonObject = {
        "data": {"backupId": f"{backups.remotes['nas']['id']}/xo-config-backups/20250918T050000Z", "jobId": ""},
        "id": str(metadata_start),
        "message": "metadataRestore",
        "start": metadata_start,
        "status": "success",
        "tasks": [],
        "end": metadata_start + 4_210,
    }
    ctx.inventory.add("restore-logs", metadata)
    ordered = sorted(ctx.inventory.restore_logs.items(), key=lambda item: item[1]["start"])
    ctx.inventory.restore_logs.clear()
    ctx.inventory.restore_logs.update(ordered)
