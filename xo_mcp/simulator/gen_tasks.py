"""Generator step 9: XO's task store (CONTRACT-2 §7).

What a real store holds: successful API calls and logins are deleted, so what remains is failures
(with their error), running tasks (with progress and nested subtasks), tasks interrupted by a restart,
REST API actions and health checks, and the backup run in progress. Ids are creation time in base 36,
so the store's key order is chronological.
"""

from __future__ import annotations

from typing import Any

from xo_mcp.simulator.catalog import NO_HOSTS_AVAILABLE, VM_MIGRATE_FAILED
from xo_mcp.simulator.gen_backup_logs import error_result
from xo_mcp.simulator.gen_backup_plan import BackupPlan
from xo_mcp.simulator.gen_context import GenContext
from xo_mcp.simulator.inventory import JsonObject

_MINUTE_MS = 60_000


def generate_tasks(ctx: GenContext, backups: BackupPlan) -> None:
    inventory = ctx.inventory
    vms = list(inventory.vms.values())
    hosts = list(inventory.hosts.values())
    srs = [sr for sr in inventory.srs.values() if sr["content_type"] == "user"]
    tasks: list[JsonObject] = []
    count = min(12 + len(vms) // 2000, 500)
    for position in range(count):
        start = ctx.now_ms - (position * 17 + 3) * _MINUTE_MS - 4_321
        kind = position % 8
        vm = vms[(position * 7) % len(vms)] if vms else None
        host = hosts[position % len(hosts)]
        task: JsonObject | None = None
        if kind == 0 and vm is not None:
            task = _task(ctx, start, "failure", _api("vm.migrate", vm["id"], ctx, targetHost=host["id"]))
            task["result"] = error_result(VM_MIGRATE_FAILED, "XapiError", code="VM_MIGRATE_FAILED")
        elif kind == 1 and vm is not None:
            task = _task(ctx, start, "failure", _api("vm.start", vm["id"], ctx))
            task["result"] = error_result(NO_HOSTS_AVAILABLE, "XapiError", code="NO_HOSTS_AVAILABLE", params=[])
        elif kind == 2 and vm is not None:
            properties = _rest("VM export", vm["id"], ctx, progress=37 if position < 8 else 100)
            status = "pending" if position < 8 else "success"
            task = _task(ctx, start, status, properties, subtasks=_export_steps(start, status))
            if position == 2:
                task["abortionRequestedAt"] = start + 90_000
        elif kind == 3:
            # Pending when xo-server restarted: interrupted, never ended.
            properties = _api("host.restartAgent", host["id"], ctx)
            task = _task(ctx, start, "interrupted", properties)
        elif kind == 4:
            properties = {"name": "XO user authentication", "type": "xo:authentication:authenticateUser"}
            properties["userName"] = "ops@example.net"
            task = _task(ctx, start, "failure", properties)
            task["result"] = error_result("invalid credentials", code=3)
        elif kind == 5 and srs:
            sr = srs[position % len(srs)]
            task = _task(ctx, start, "failure", _rest("SR scan", sr["id"], ctx))
            task["result"] = error_result(
                "SR_BACKEND_FAILURE_40(, The SR scan failed  [opterr=NFS mount error], )",
                "XapiError",
                code="SR_BACKEND_FAILURE_40",
            )
        elif kind == 6 and vm is not None:
            properties = {
                "name": "Health check",
                "type": "backup.vm.healthCheck",
                "objectId": vm["id"],
                "progress": 100,
            }
            task = _task(ctx, start, "success", properties)
        elif vm is not None:
            task = _task(ctx, start, "success", _rest("VM migrate", vm["id"], ctx, progress=100))
        if task is not None:
            tasks.append(task)
    tasks.extend(_backup_runs(ctx, backups))
    for task in sorted(tasks, key=lambda item: item["id"]):
        inventory.add("tasks", task)


def _api(method: str, object_id: str, ctx: GenContext, **params: Any) -> JsonObject:
    return {
        "name": f"API call: {method}",
        "type": "api.call",
        "method": method,
        "params": {"id": object_id, **params},
        "objectId": object_id,
        "userId": ctx.admin_user_id,
    }


def _rest(name: str, object_id: str, ctx: GenContext, progress: int = 0) -> JsonObject:
    return {
        "name": name,
        "type": "xo:rest-api:action",
        "objectId": object_id,
        "userId": ctx.admin_user_id,
        "progress": progress,
    }


def _task(
    ctx: GenContext, start: int, status: str, properties: JsonObject, subtasks: list[JsonObject] | None = None
) -> JsonObject:
    task: JsonObject = {"id": ctx.task_id(start), "properties": properties, "start": start, "status": status}
    if subtasks is not None:
        task["tasks"] = subtasks
    task["updatedAt"] = start + (2_500 if status != "pending" else 95_000)
    if status in {"success", "failure"}:
        task["end"] = start + 2_000
    return task


def _export_steps(start: int, status: str) -> list[JsonObject]:
    done = status == "success"
    return [
        {
            "id": f"{start + 10}",
            "properties": {"name": "Snapshot VM", "progress": 100},
            "start": start + 10,
            "status": "success",
            "end": start + 4_000,
        },
        {
            "id": f"{start + 4_010}",
            "properties": {"name": "Export VM", "progress": 100 if done else 21},
            "start": start + 4_010,
            "status": status,
            **({"end": start + 60_000} if done else {}),
        },
    ]


def _backup_runs(ctx: GenContext, backups: BackupPlan) -> list[JsonObject]:
    """The backup run in progress, as a task: its per-VM subtasks with their progress."""
    tasks = []
    for plan in backups.jobs:
        if not plan.runs or plan.runs[0].outcome != "pending":
            continue
        log = plan.runs[0].log
        subtasks = []
        for vm_task in log.get("tasks") or ():
            running = vm_task["status"] == "pending"
            subtask: JsonObject = {
                "id": ctx.task_id(vm_task["start"]),
                "properties": {
                    "name": "backup VM",
                    "objectId": vm_task["data"]["id"],
                    "progress": 64 if running else 100,
                },
                "start": vm_task["start"],
                "status": vm_task["status"],
            }
            if "end" in vm_task:
                subtask["end"] = vm_task["end"]
            subtasks.append(subtask)
        properties = {
            "name": "backup run",
            "jobId": plan.job["id"],
            "jobName": plan.job.get("name", ""),
            "scheduleId": log["scheduleId"],
            "progress": 100 * sum(task["status"] != "pending" for task in subtasks) // max(1, len(subtasks) + 1),
        }
        tasks.append(_task(ctx, log["start"], "pending", properties, subtasks))
    return tasks
