"""Generator step 3: what happened on the infrastructure: alarms, messages, tasks, backup jobs and logs."""

from __future__ import annotations

import itertools
from typing import Any

from xo_mcp.simulator.catalog import MESSAGE_NAMES, NOW_S
from xo_mcp.simulator.gen_context import GenContext
from xo_mcp.simulator.inventory import JsonObject

_NOW_MS = NOW_S * 1000
_HOUR_MS = 3_600_000
_DAY_MS = 24 * _HOUR_MS


def generate_activity(ctx: GenContext) -> None:
    _alarms(ctx)
    _messages(ctx)
    jobs = _backup_jobs(ctx)
    _backup_logs(ctx, jobs)
    _tasks(ctx, jobs)


def _message_identity(ctx: GenContext, pool_id: str) -> JsonObject:
    message_id = ctx.uuid()
    return {
        "id": message_id,
        "type": "message",
        "uuid": message_id,
        "$pool": pool_id,
        "$poolId": pool_id,
        "_xapiRef": ctx.ref(),
    }


def _alarm(ctx: GenContext, pool_id: str, body: JsonObject, target: JsonObject, minutes_ago: int) -> None:
    identity = _message_identity(ctx, pool_id)
    collection = {"VM": "vms", "host": "hosts", "SR": "srs"}[target["type"]]
    alarm: JsonObject = {
        "name": "ALARM" if "value" in body else "BOND_STATUS_CHANGED",
        "time": _NOW_MS - minutes_ago * 60_000,
        "type": "message",
        "uuid": identity["uuid"],
        "$pool": pool_id,
        "$poolId": pool_id,
        "_xapiRef": identity["_xapiRef"],
        "id": identity["id"],
        "body": body,
        "object": {"type": target["type"], "uuid": target["uuid"], "href": f"/rest/v0/{collection}/{target['id']}"},
    }
    ctx.inventory.add("alarms", alarm)


def _alarms(ctx: GenContext) -> None:
    inventory = ctx.inventory
    for plan in ctx.pools:
        pool_id = plan.pool["id"]
        if plan.running_hosts:
            master = plan.running_hosts[0]
            _alarm(ctx, pool_id, {"value": "96.4", "name": "mem_usage"}, master, 12)
        if plan.shared_sr is not None and plan.index == 0:
            _alarm(ctx, pool_id, {"value": "91.7", "name": "physical_utilisation"}, plan.shared_sr, 240)
        if plan.index == 1 and plan.hosts:
            raw = "The status of the eth0+eth1 bond changed: 1/2 up"
            _alarm(ctx, pool_id, {"name": raw}, plan.hosts[-1], 75)
    wanted = min(2 + len(inventory.vms) // 100, 2000)
    running = itertools.islice((vm for vm in inventory.vms.values() if vm["power_state"] == "Running"), wanted)
    for position, vm in enumerate(running):
        value = "NaN" if position == 1 else f"{85 + (position * 7) % 15}.{position % 10}"
        name = "memory_free_kib" if position == 1 else "cpu_usage"
        _alarm(ctx, vm["$pool"], {"value": value, "name": name}, vm, 5 + position * 3)


def _messages(ctx: GenContext) -> None:
    inventory = ctx.inventory
    hosts = inventory.hosts
    for position, vm in enumerate(inventory.vms.values()):
        if position % 10 != 0:
            continue
        name = MESSAGE_NAMES[(position // 10) % len(MESSAGE_NAMES)]
        if vm["power_state"] == "Halted":
            name = "VM_SHUTDOWN"
        host = hosts.get(vm["$container"])
        where = f" on host: {host['name_label']} (uuid: {host['uuid']})" if host is not None else ""
        verb = {"VM_STARTED": "started", "VM_SHUTDOWN": "shut down", "VM_REBOOTED": "rebooted"}.get(name, "updated")
        if name == "VM_SNAPSHOTTED":
            verb = "snapshotted"
        elif name == "VM_CLONED":
            verb = "cloned"
        message: JsonObject = {
            "body": f"VM '{vm['name_label']}' (uuid: {vm['uuid']}) {verb}{where}",
            "name": name,
            "time": NOW_S - 600 - position * 37,
            "$object": vm["uuid"],
            **_message_identity(ctx, vm["$pool"]),
        }
        inventory.add("messages", message)
    for plan in ctx.pools:
        if not plan.hosts:
            continue
        master = plan.hosts[0]
        message = {
            "body": f"The clock of host {master['name_label']} is 4 seconds away from the pool master's clock.",
            "name": "HOST_CLOCK_SKEW_DETECTED",
            "time": NOW_S - 7200 - plan.index,
            "$object": master["uuid"],
            **_message_identity(ctx, plan.pool["id"]),
        }
        inventory.add("messages", message)


def _backup_jobs(ctx: GenContext) -> list[JsonObject]:
    inventory = ctx.inventory
    pool_ids = list(inventory.pools)
    db_vms = list(
        itertools.islice((vm["id"] for vm in inventory.vms.values() if vm["name_label"].startswith("db-prod")), 10)
    )
    legacy = next((vm["id"] for vm in inventory.vms.values() if vm["name_label"].startswith("legacy")), None)
    remote = ctx.uuid()
    offsite = ctx.uuid()
    jobs: list[JsonObject] = []

    def job(name: str, job_type: str, mode: str, extra: JsonObject) -> None:
        job_id = ctx.uuid()
        schedule = ctx.uuid()
        retention = "copyRetention" if job_type == "mirrorBackup" else "exportRetention"
        body: JsonObject = {
            "id": job_id,
            "name": name,
            "mode": mode,
            "type": job_type,
            "settings": {"": {"timezone": "Europe/Paris", "reportWhen": "failure"}, schedule: {retention: 7}},
            **extra,
        }
        body["_schedule"] = schedule
        jobs.append(body)

    job(
        "Daily prod delta",
        "backup",
        "delta",
        {
            "compression": "zstd",
            "vms": {"$pool": {"__or": pool_ids}, "tags": {"__or": [["prod"]]}, "type": "VM"},
            "remotes": {"id": remote},
            "srs": {"id": {"__or": []}},
        },
    )
    job(
        "Weekly databases full",
        "backup",
        "full",
        {
            "compression": "zstd",
            "vms": {"id": {"__or": db_vms}},
            "remotes": {"id": remote},
            "srs": {"id": {"__or": []}},
        },
    )
    if legacy is not None:
        job("Legacy export", "backup", "full", {"vms": {"id": legacy}, "remotes": {"id": remote}})
    job(
        "XO config and pool metadata",
        "metadataBackup",
        "full",
        {"pools": {"id": {"__or": pool_ids}}, "xoMetadata": True},
    )
    job("Offsite mirror", "mirrorBackup", "delta", {"sourceRemote": remote, "remotes": {"id": offsite}})
    for body in jobs:
        body.pop("_schedule")
        inventory.add("backup-jobs", body)
    return jobs


def _job_vms(ctx: GenContext, job: JsonObject) -> list[JsonObject]:
    pattern = job.get("vms")
    vms = ctx.inventory.vms
    if not isinstance(pattern, dict):
        return []
    ids = pattern.get("id")
    if isinstance(ids, str):
        return [vms[ids]] if ids in vms else []
    if isinstance(ids, dict):
        return [vms[vm_id] for vm_id in ids.get("__or", []) if vm_id in vms][:3]
    return list(itertools.islice((vm for vm in vms.values() if "prod" in vm["tags"]), 3))


def _backup_logs(ctx: GenContext, jobs: list[JsonObject]) -> None:
    statuses = ("success", "success", "failure", "success", "skipped", "interrupted")
    for job_index, job in enumerate(jobs):
        schedule = next(key for key in job["settings"] if key)
        for run in range(4):
            start = _NOW_MS - run * _DAY_MS - job_index * _HOUR_MS - 1_234
            pending = job_index == 0 and run == 0
            status = "pending" if pending else statuses[(job_index + run) % len(statuses)]
            log: JsonObject = {
                "data": {"mode": job["mode"], "reportWhen": "failure"},
                "id": str(start),
                "jobId": job["id"],
                "jobName": job["name"],
                "message": "backup",
                "scheduleId": schedule,
                "start": start,
                "status": status,
            }
            vm_tasks = [_vm_task(vm, start + 1000 * (n + 1), status) for n, vm in enumerate(_job_vms(ctx, job))]
            if vm_tasks:
                log["infos"] = [{"data": {"vms": [task["data"]["id"] for task in vm_tasks]}, "message": "vms"}]
                log["tasks"] = vm_tasks
            if status == "failure":
                log["result"] = {"message": "all targets have failed, step: writer.run()", "name": "Error"}
            if not pending:
                log["end"] = start + 25 * 60_000
            ctx.inventory.add("backup-logs", log)


def _vm_task(vm: JsonObject, start: int, status: str) -> JsonObject:
    task: JsonObject = {
        "data": {"type": "VM", "id": vm["id"], "name_label": vm["name_label"]},
        "id": str(start),
        "message": "backup VM",
        "start": start,
        "status": "success" if status in {"skipped", "interrupted"} else status,
    }
    if status != "pending":
        task["end"] = start + 20 * 60_000
    return task


def _tasks(ctx: GenContext, jobs: list[JsonObject]) -> None:
    inventory = ctx.inventory
    vms = list(inventory.vms.values())
    hosts = list(inventory.hosts.values())
    count = min(8 + len(vms) // 2000, 500)
    for position in range(count):
        kind = position % 6
        start = _NOW_MS - position * 17 * 60_000 - 4_321
        properties: dict[str, Any]
        status = "success"
        result: JsonObject | None = None
        progress: int | None = None
        if kind in {0, 1, 2} and vms:
            vm = vms[(position * 7) % len(vms)]
            method = ("vm.start", "vm.snapshot", "vm.migrate")[kind]
            properties = {
                "method": method,
                "params": {"id": vm["id"]},
                "name": f"API call: {method}",
                "objectId": vm["id"],
                "userId": ctx.admin_user_id,
                "type": "api.call",
            }
            if kind == 2:
                status = "failure"
                result = {
                    "message": "VM_MIGRATE_FAILED(not enough memory on the destination host)",
                    "name": "XapiError",
                }
        elif kind == 3 and jobs:
            job = jobs[position % len(jobs)]
            properties = {"name": f"backup: {job['name']}", "objectId": job["id"], "type": "backup.run"}
            status = "pending" if position == 3 else "success"
            progress = 42 if status == "pending" else None
        elif kind == 4 and hosts:
            host = hosts[position % len(hosts)]
            method = "host.restartAgent"
            properties = {
                "method": method,
                "params": {"id": host["id"]},
                "name": f"API call: {method}",
                "objectId": host["id"],
                "userId": ctx.admin_user_id,
                "type": "api.call",
            }
            status = "interrupted"
        else:
            properties = {"name": "Garbage collection of XO tokens", "type": "xo:cleanup", "userId": ctx.admin_user_id}
        task: JsonObject = {"id": ctx.task_id(), "properties": properties, "start": start, "status": status}
        if progress is not None:
            task["properties"]["progress"] = progress
        task["updatedAt"] = start + 2_500
        if status != "pending":
            task["end"] = start + 2_000
        if result is not None:
            task["result"] = result
        inventory.add("tasks", task)
