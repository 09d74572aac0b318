"""Generator step 5: the backup runs of every job, as XO's backup logs (CONTRACT-2 §4).

Each run is a tree: the root (`message: 'backup'`), one `backup VM` task per VM with `clean-vm`,
`snapshot`, `export` + `transfer` (and `health check`, `target snapshot`) below it; metadata runs have
one task per pool and one for XO's configuration. Statuses are computed bottom-up the way XO does
(`settle`). Runs are spread back in time from "now" at each job's cadence; the newest ones follow
the job's script (see `Outcome`), older ones mostly succeed, with a VM failure now and then.

Nested values that repeat (a VM's `data`, an export's target, `{merge: false}`) are shared between
runs, to keep 10 000 runs affordable.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from xo_mcp.simulator.catalog import (
    ALL_TARGETS_FAILED,
    CHAIN_DOC_LINK,
    NO_VMS_MATCH,
    REMOTE_UNREACHABLE,
    SR_FULL_ERROR,
    UNHEALTHY_CHAIN,
    VDI_IO_ERROR,
)
from xo_mcp.simulator.gen_backup_plan import HOUR_S, BackupPlan, JobPlan
from xo_mcp.simulator.gen_context import GenContext
from xo_mcp.simulator.inventory import JsonObject

SKIPPING_MESSAGES = frozenset({"no disks found", NO_VMS_MATCH, UNHEALTHY_CHAIN})
_MERGE = {"merge": False}
_GONE_VM_NAME = "legacy-erp"


@dataclass
class Export:
    """A VM's successful export in a run: what archives and replicas are made of."""

    vm: JsonObject
    target: tuple[str, str]
    timestamp: int
    size: int
    full: bool


@dataclass
class Run:
    plan: JobPlan
    start: int
    outcome: str
    log: JsonObject = field(default_factory=dict)
    exports: list[Export] = field(default_factory=list)
    snapshots: list[tuple[JsonObject, int]] = field(default_factory=list)
    """(VM, timestamp) of each rolling or base snapshot the run made."""


def settle(task: JsonObject) -> str:
    """XO's `computeStatusAndSortSubtasks`, bottom-up, for tasks that ended: own status; a failure whose
    message says nothing was there to back up is `skipped`; otherwise a failed child (unless a retry of
    it succeeded: an `isRetry` warning here and a successful sibling of the same name and id) makes a
    failure, else a skipped child makes a skip. Running and interrupted tasks keep their status."""
    children = task.get("tasks") or []
    for child in children:
        settle(child)
    status: str = task["status"]
    if "end" not in task:
        return status
    if status == "failure" and (task.get("result") or {}).get("message") in SKIPPING_MESSAGES:
        status = "skipped"
    if status != "failure":
        retried = any((warning.get("data") or {}).get("isRetry") for warning in task.get("warnings") or ())
        failed = [child for child in children if child["status"] == "failure"]
        if retried:
            failed = [child for child in failed if not _succeeded_later(child, children)]
        if failed:
            status = "failure"
        elif any(child["status"] == "skipped" for child in children):
            status = "skipped"
    task["status"] = status
    return status


def _succeeded_later(failed: JsonObject, siblings: list[JsonObject]) -> bool:
    key = (failed["message"], (failed.get("data") or {}).get("id"))
    return any(
        other is not failed
        and other["status"] == "success"
        and (other["message"], (other.get("data") or {}).get("id")) == key
        for other in siblings
    )


def allot_runs(jobs: list[JobPlan], total: int | None) -> list[int]:
    """Runs per job: natural counts, or `total` shared by run frequency (largest remainder)."""
    if total is None:
        return [job.fixed_runs if job.fixed_runs is not None else job.natural_runs for job in jobs]
    fixed = sum(job.fixed_runs or 0 for job in jobs)
    free = [index for index, job in enumerate(jobs) if job.fixed_runs is None]
    rest = max(0, total - fixed)
    weights = [jobs[index].runs_per_day for index in free]
    scale = sum(weights) or 1.0
    shares = [rest * weight / scale for weight in weights]
    counts = [job.fixed_runs or 0 for job in jobs]
    for index, share in zip(free, shares, strict=True):
        counts[index] = int(share)
    leftovers = sorted(range(len(free)), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for i in leftovers[: rest - sum(int(share) for share in shares)]:
        counts[free[i]] += 1
    return counts


def error_result(message: str, name: str = "Error", **extra: Any) -> JsonObject:
    """A serialized error as XO logs it (`stack` included: clients must not show it)."""
    frame = "XapiError" if name == "XapiError" else "Error"
    stack = (
        f"{frame}: {message}\n    at Xapi._call (/opt/xo/xo-builds/xen-orchestra/packages/xen-api/index.mjs:1002:24)"
    )
    return {"message": message, "name": name, "stack": stack, **extra}


def _xapi_error(code: str, params: list[str], message: str) -> JsonObject:
    return error_result(message, "XapiError", code=code, params=params, url=None, call={"method": "VDI.export"})


_IO_ERROR = _xapi_error("VDI_IO_ERROR", ["Device I/O errors"], VDI_IO_ERROR)
_SR_FULL = _xapi_error("SR_BACKEND_FAILURE_44", ["", "There is insufficient space", ""], SR_FULL_ERROR)
_CHAIN = error_result(UNHEALTHY_CHAIN, link=CHAIN_DOC_LINK)
_NO_MATCH = error_result(NO_VMS_MATCH)
_REMOTE_DOWN = error_result(REMOTE_UNREACHABLE, code="EHOSTUNREACH", errno=-113, syscall="connect")
_ALL_FAILED = error_result(ALL_TARGETS_FAILED)
_NO_SPACE = error_result("ENOSPC: no space left on device, write", code="ENOSPC", errno=-28, syscall="write")


class _LogFactory:
    def __init__(self, ctx: GenContext, backups: BackupPlan) -> None:
        self.ctx = ctx
        self.backups = backups
        self.rng = ctx.rng
        self.vm_data: dict[str, JsonObject] = {}
        self.target_data: dict[tuple[str, str, bool], JsonObject] = {}
        self.sizes: dict[int, JsonObject] = {}
        self.vdi_usage: dict[str, int] = {}

    # Shared pieces ----------------------------------------------------------------------------

    def _vm_data(self, vm: JsonObject) -> JsonObject:
        data = self.vm_data.get(vm["id"])
        if data is None:
            name = vm.get("name_label") or _GONE_VM_NAME
            data = self.vm_data[vm["id"]] = {"type": "VM", "id": vm["id"], "name_label": name}
        return data

    def _target(self, kind: str, target_id: str, full: bool) -> JsonObject:
        key = (kind, target_id, full)
        data = self.target_data.get(key)
        if data is None:
            data = self.target_data[key] = {"id": target_id, "isFull": full, "type": kind}
        return data

    def _size(self, size: int) -> JsonObject:
        return self.sizes.setdefault(size, {"size": size})

    def _disk_bytes(self, vm: JsonObject) -> int:
        """What a full export of the VM transfers: its disks' physical usage."""
        cached = self.vdi_usage.get(vm["id"])
        if cached is None:
            inventory = self.ctx.inventory
            vdis = (inventory.vbds.get(vbd_id, {}).get("VDI") for vbd_id in vm.get("$VBDs") or ())
            cached = sum(inventory.vdis[vdi]["usage"] for vdi in vdis if vdi in inventory.vdis) or 2**30
            self.vdi_usage[vm["id"]] = cached
        return cached

    @staticmethod
    def _task(message: str, start: int, end: int | None, status: str, **extra: Any) -> JsonObject:
        data = extra.pop("data", None)
        task: JsonObject = {"data": data} if data is not None else {}
        task.update({"id": str(start), "message": message, "start": start, "status": status})
        for key in ("warnings", "tasks"):
            if key in extra:
                task[key] = extra.pop(key)
        if end is not None:
            task["end"] = end
        task.update(extra)
        return task

    # One run ----------------------------------------------------------------------------------

    def run(self, run: Run) -> None:
        plan = run.plan
        job = plan.job
        start = run.start
        log: JsonObject = {"data": self._log_data(job), "id": "", "jobId": job["id"], "jobName": job.get("name", "")}
        log["message"] = "backup"
        if plan.kind == "mirror" and self.backups.proxy is not None:
            log["proxyId"] = self.backups.proxy["id"]
        log["scheduleId"] = plan.schedule["id"] if plan.schedule is not None else ""
        log["start"] = start
        log["status"] = "success"
        if plan.kind == "metadata":
            tasks, end = self._metadata_tasks(run, start)
            log["tasks"] = tasks
        elif not plan.selection and not plan.missing_ids and job["type"] == "backup":
            run.outcome = "no-match"
            end = start + 350
            log["status"] = "failure"
            log["result"] = _NO_MATCH
        elif run.outcome == "remote-failure":
            end = start + 1_200
            target = plan.targets[0]
            adapter = self._task("get remote adapter", start + 40, end - 60, "failure")
            adapter = {"data": self._target_ref(target), **adapter, "result": _REMOTE_DOWN}
            # The repository is opened before the VM list is logged: no `vms` info in these runs.
            log["tasks"] = [adapter]
            log["status"] = "failure"
            log["result"] = _ALL_FAILED
        else:
            self._vm_tasks(run, log)
            end = log.pop("_end")
        if run.outcome in {"pending", "interrupted"}:
            log["status"] = run.outcome
        else:
            log["end"] = end
        settle(log)
        run.log = log

    def _target_ref(self, target: tuple[str, str]) -> JsonObject:
        return {"id": target[1], "type": target[0]}

    @staticmethod
    def _vms_info(vm_ids: list[str]) -> JsonObject:
        return {"data": {"vms": vm_ids}, "message": "vms"}

    def _log_data(self, job: JsonObject) -> JsonObject:
        report = (job.get("settings") or {}).get("", {}).get("reportWhen", "failure")
        if "mode" in job:
            return {"mode": job["mode"], "reportWhen": report}
        return {"reportWhen": report}

    def _metadata_tasks(self, run: Run, start: int) -> tuple[list[JsonObject], int]:
        job = run.plan.job
        remote = run.plan.job["remotes"]["id"]
        tasks = []
        clock = start + 200
        pools = [plan.pool for plan in self.ctx.pools]
        for index, pool in enumerate(pools):
            failed = run.outcome == "vm-failure" and index == len(pools) - 1
            export = self._task(
                "export",
                clock + 50,
                clock + 1_800,
                "failure" if failed else "success",
                data=self._target("remote", remote, True),
            )
            if failed:
                export["result"] = _NO_SPACE
            message = f"Starting metadata backup for the pool ({pool['id']}). ({job['id']})"
            tasks.append(
                self._task(
                    message, clock, clock + 1_900, "success", data={"id": pool["id"], "type": "pool"}, tasks=[export]
                )
            )
            clock += 2_000
        export = self._task("export", clock + 50, clock + 900, "success", data=self._target("remote", remote, True))
        tasks.append(
            self._task(
                f"Starting XO metadata backup. ({job['id']})",
                clock,
                clock + 1_000,
                "success",
                data={"type": "xo"},
                tasks=[export],
            )
        )
        return tasks, clock + 1_100

    def _vm_tasks(self, run: Run, log: JsonObject) -> None:
        plan = run.plan
        outcome = run.outcome
        vms: list[JsonObject] = list(plan.selection)
        if outcome == "lacks-vm" and len(vms) > 1:
            vms = vms[:-1]  # a VM added to the job's selection after this run
        gone = [{"id": vm_id, "name_label": _GONE_VM_NAME} for vm_id in plan.missing_ids]
        vms += gone
        log["infos"] = [self._vms_info([vm["id"] for vm in vms])]
        lanes = [run.start + 1_500, run.start + 1_700]  # concurrency 2
        tasks: list[JsonObject] = []
        victim = len(vms) // 2 if vms else -1
        for index, vm in enumerate(vms):
            lane = 0 if lanes[0] <= lanes[1] else 1
            begin = lanes[lane]
            if outcome == "pending" and index >= len(vms) - 1 and len(vms) > 1:
                break  # not reached yet by the running job
            fate = "success"
            if outcome in {"vm-failure", "sr-full", "retried"} and index == victim:
                fate = {"vm-failure": "io-error", "sr-full": "sr-full", "retried": "io-error"}[outcome]
            elif outcome in {"chain-skipped", "skipped-vm"} and index == 0:
                fate = "chain"
            elif outcome == "vm-gone" and vm["id"] in plan.missing_ids:
                fate = "gone"
            elif outcome == "pending" and index == len(vms) - 2:
                fate = "pending"
            elif outcome == "interrupted" and index == len(vms) - 1:
                fate = "interrupted"
            task, finish = self._vm_task(run, vm, begin, fate)
            tasks.append(task)
            if outcome == "retried" and fate == "io-error":
                log["warnings"] = [
                    {
                        "data": {"attempt": 1, "error": VDI_IO_ERROR, "isRetry": True},
                        "message": "Retry the VM backup due to an error",
                    }
                ]
                retry, finish = self._vm_task(run, vm, finish + 5_000, "success")
                tasks.append(retry)
            lanes[lane] = finish + 500
        log["tasks"] = tasks
        log["_end"] = max(lanes) + 800

    def _vm_task(self, run: Run, vm: JsonObject, begin: int, fate: str) -> tuple[JsonObject, int]:
        plan = run.plan
        data = self._vm_data(vm)
        if fate == "gone":
            end = begin + 180
            message = f"no object with UUID or opaque ref: {vm['id']}"
            return self._task("backup VM", begin, end, "failure", data=data, result=error_result(message)), end
        if fate == "chain":
            end = begin + 2_400
            return self._task("backup VM", begin, end, "failure", data=data, result=_CHAIN), end
        size = self._disk_bytes(vm)
        full = plan.job.get("mode") != "delta" or (run.start // 86_400_000) % 7 == 0
        transferred = size if full else max(size // 20, 4 * 2**20)
        subtasks: list[JsonObject] = []
        clock = begin + 20
        if plan.kind == "remote":
            subtasks.append(self._task("clean-vm", clock, clock + 900, "success", result=_MERGE))
            clock += 1_000
        if plan.kind != "mirror":  # a mirror copies existing backups: no snapshot
            snapshot_end = clock + 2_000 + (int(vm["id"][:2], 16) * 7)
            subtasks.append(self._task("snapshot", clock, snapshot_end, "success"))
            clock = snapshot_end + 10
        timestamp = clock
        seconds = max(3, transferred // 180_000_000)
        for target_index, target in enumerate(plan.targets):
            failing = (fate == "io-error" and target_index == 0) or fate == "sr-full"
            if fate in {"pending", "interrupted"} and target_index == 0:
                transfer = self._task("transfer", clock + 5, None, "pending")
                export = self._task(
                    "export", clock, None, "pending", data=self._target(*target, full), tasks=[transfer]
                )
                subtasks.append(export)
                return self._task("backup VM", begin, None, fate, data=data, tasks=subtasks), begin
            end = clock + seconds * 1000
            transfer = self._task("transfer", clock + 5, end, "failure" if failing else "success")
            transfer["result"] = (_SR_FULL if fate == "sr-full" else _IO_ERROR) if failing else self._size(transferred)
            children = [transfer]
            if plan.kind == "remote" and not failing:
                children.append(self._task("clean-vm", end + 10, end + 700, "success", result=_MERGE))
            if plan.kind == "replication" and plan.job.get("mode") == "delta" and not failing:
                children.append(self._task("target snapshot", end + 10, end + 1_500, "success"))
            export_end: int = children[-1]["end"] + 20
            status = "failure" if failing else "success"
            subtasks.append(
                self._task("export", clock, export_end, status, data=self._target(*target, full), tasks=children)
            )
            if not failing:
                run.exports.append(Export(vm, target, timestamp, transferred, full))
            clock = export_end + 30
        if plan.kind == "remote" and (plan.job["settings"].get(plan.schedule["id"] if plan.schedule else "") or {}).get(
            "healthCheckSr"
        ):
            check_end = clock + 45_000
            health = self._task(
                "health check",
                clock,
                check_end,
                "success",
                tasks=[
                    self._task("transfer", clock + 10, clock + 30_000, "success", result=self._size(transferred)),
                    self._task("vmstart", clock + 30_050, check_end - 50, "success"),
                ],
            )
            subtasks.append(health)
            clock = check_end + 10
        end = clock + 300
        if fate == "success" and plan.kind != "mirror":
            run.snapshots.append((vm, timestamp))
        return self._task("backup VM", begin, end, "success", data=data, tasks=subtasks), end


def generate_backup_logs(ctx: GenContext, backups: BackupPlan, total_runs: int | None) -> list[Run]:
    """Every run of every job, oldest first; each log added to the inventory under XO's id rule."""
    factory = _LogFactory(ctx, backups)
    runs: list[Run] = []
    for job_index, (plan, count) in enumerate(zip(backups.jobs, allot_runs(backups.jobs, total_runs), strict=True)):
        pending_first = plan.script[:1] == ("pending",)
        latest = ctx.now_s - plan.stopped_s - (0 if pending_first else 3 * HOUR_S)
        slot = latest - (latest - plan.offset_s) % plan.interval_s
        for position in range(count):
            if position < len(plan.script):
                outcome = plan.script[position]
            elif plan.kind != "snapshot" and (position + job_index) % 13 == 12:
                outcome = "vm-failure"
            else:
                outcome = "success"
            start = (slot - position * plan.interval_s) * 1000 + 150 + ctx.rng.randrange(4_000)
            run = Run(plan, start, outcome)
            plan.runs.append(run)
            runs.append(run)
    runs.sort(key=lambda run: run.start)
    used: dict[int, int] = {}
    for run in runs:
        factory.run(run)
        # Log ids are the start in ms; XO suffixes `:<n>` when two runs start in the same millisecond.
        collisions = used.get(run.start, 0)
        used[run.start] = collisions + 1
        run.log["id"] = str(run.start) if collisions == 0 else f"{run.start}:{collisions}"
        ctx.inventory.add("backup-logs", run.log)
    for plan in backups.jobs:
        if plan.runs and plan.runs[0].outcome == "pending":
            plan.job["runId"] = plan.runs[0].log["id"]
    return runs


def filename_date(timestamp_ms: int) -> str:
    """`20251009T020012Z`: how XO dates backups (archive names, `xo:backup:datetime`)."""
    moment = datetime.datetime.fromtimestamp(timestamp_ms / 1000, tz=datetime.UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")
