"""XO's backup bookkeeping (CONTRACT-2 §1–§3) computed from jobs, schedules, logs and VMs, the way XO's own
`/dashboard` does (`#getBackupsInfo`), with the VMs behind each figure.

What costs is kept small at any estate size:
- runs: the job's newest logs by time windows (`backup_logs`), their trees only for the last three runs;
- VMs: never a full listing when it can be avoided. The VMs a run named are fetched by id; the VMs a
  smart-mode pattern selects are asked with a pre-filter XO evaluates (`value_matcher.prefilter`) and then
  matched exactly here; counts are XO's counts; the first VMs in no job are read until enough are found.
  Only when that would mean more requests than one pass (thousands of VMs named by runs, a pattern that
  cannot narrow the list) is every VM streamed, once, with only the properties the patterns read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from xo_mcp.arguments import XoId
from xo_mcp.backup_logs import (
    DAY_MS,
    HOUR_MS,
    ROW_FIELDS,
    WINDOWS_MS,
    LogRow,
    RunTree,
    lists_vm,
    newest_first,
    read_tree,
    rows_in,
    run_status,
    trees_of,
)
from xo_mcp.client import XoClient
from xo_mcp.coerce import JsonObject, as_dict, as_dicts, as_number, as_str
from xo_mcp.tools.base import gather
from xo_mcp.tools.inventory import VM
from xo_mcp.tools.rules import has_no_bak_tag, is_replica
from xo_mcp.value_matcher import (
    Matcher,
    PatternError,
    any_of,
    compile_pattern,
    explicit_ids,
    prefilter,
    property_names,
)
from xo_mcp.xo_filters import IDS_PER_FILTER, all_of, exactly, quoted

JOB_TYPES = ("backup", "mirrorBackup", "metadataBackup")
"""The job types /backup-jobs lists, in the order XO's dashboard goes through them (§1 step 1)."""
JOB_FIELDS = ("id", "name", "type", "mode", "vms", "settings", "remotes", "srs", "sourceRemote", "pools", "runId")
SCHEDULE_FIELDS = ("id", "jobId", "name", "cron", "timezone", "enabled")
VM_FIELDS = ("id", "name_label", "$pool", "tags", "blockedOperations.start", "other.xo:backup:job")
"""What the protection figures read of a VM: name, pool, no-backup tags, whether it is a replica."""
REPLICA_FILTER = 'blockedOperations:start? other:"xo:backup:job"?'
"""§1/§3 replica: start blocked and `other['xo:backup:job']` set (the same truthiness as `rules.is_replica`)."""
NOT_REPLICA_FILTER = f"!({REPLICA_FILTER})"
LAST_RUNS = 3
TARGETED_LIMIT = 5_000
"""VMs fetched by id up to this many; beyond, one pass over every VM costs less than the requests."""


# Jobs and schedules (§3) ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    raw: JsonObject
    id: str
    name: str | None
    type: str
    enabled: bool

    @property
    def is_vm_backup(self) -> bool:
        return self.type == "backup"

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def pattern(self) -> Any:
        return self.raw.get("vms")

    @property
    def explicit_ids(self) -> list[str] | None:
        return explicit_ids(self.pattern)


def is_enabled(job: JsonObject, schedules: dict[str, JsonObject]) -> bool:
    """§3: a non-`''` key of `settings` is a schedule with `enabled: true`. (XO also counts a schedule run by an
    enabled sequence; sequences are `call` jobs the REST API does not list, so they cannot be seen here.)"""
    return any(key != "" and (schedules.get(key) or {}).get("enabled") is True for key in as_dict(job.get("settings")))


def read_jobs(raw_jobs: Iterable[JsonObject], raw_schedules: Iterable[JsonObject]) -> list[Job]:
    """The backup jobs in the dashboard's order (VM backups, mirrors, metadata), each knowing if it is enabled."""
    schedules = {schedule_id: s for s in raw_schedules if (schedule_id := as_str(s.get("id")))}
    jobs = [
        Job(
            raw=raw,
            id=job_id,
            name=as_str(raw.get("name")),
            type=str(raw.get("type")),
            enabled=is_enabled(raw, schedules),
        )
        for raw in raw_jobs
        if (job_id := as_str(raw.get("id"))) and raw.get("type") in JOB_TYPES
    ]
    return sorted(jobs, key=lambda job: JOB_TYPES.index(job.type))


async def fetch_jobs(client: XoClient, *, filter: str | None = None) -> list[Job]:
    raw_jobs, schedules = await gather(
        client.list_objects("backup-jobs", fields=JOB_FIELDS, filter=filter),
        client.list_objects("schedules", fields=SCHEDULE_FIELDS),
    )
    return read_jobs(raw_jobs, schedules)


# Runs per job ---------------------------------------------------------------------------------------------------


def window_start_ms(now_ms: float, since_hours: int) -> int:
    """The start of "recent": XO's dashboard counts runs since local midnight 7 days ago; `since_hours` hours back,
    at midnight UTC (the REST API does not say XO's time zone: where it is not UTC, XO's window is shifted by
    the offset)."""
    moment = int(now_ms - since_hours * HOUR_MS)
    return moment - moment % DAY_MS


async def newest_rows_per_job(
    client: XoClient,
    job_ids: Sequence[str],
    enough: Callable[[str, list[LogRow]], bool],
    *,
    first_low_ms: float,
    filter: str | None = None,
    keep: Callable[[JsonObject], bool] | None = None,
    fields: Sequence[str] = ROW_FIELDS,
) -> dict[str, list[LogRow]]:
    """Each job's newest runs, newest first: the runs since ``first_low_ms``, then older windows for the jobs
    that do not have ``enough`` yet (one request per window, restricted to those jobs). ``filter``, ``keep`` and
    ``fields`` are those of `rows_in`."""
    rows: dict[str, list[LogRow]] = {job_id: [] for job_id in job_ids}
    needy = list(job_ids)
    high: float | None = None
    low: float | None = first_low_ms
    steps = iter(WINDOWS_MS)
    while needy:
        restrict = exactly("jobId", needy) if len(needy) < len(job_ids) or high is not None else None
        for row in await rows_in(client, low, high, filter=all_of(restrict, filter), keep=keep, fields=fields):
            if row.job_id in rows:
                rows[row.job_id].append(row)
        needy = [job_id for job_id in needy if not enough(job_id, rows[job_id])]
        if low is None:
            break
        high = low
        reach = next(steps, None)
        low = None if reach is None else first_low_ms - reach
    return rows


def finished(rows: Iterable[LogRow]) -> list[LogRow]:
    return [row for row in rows if row.status != "pending"]


@dataclass
class JobRuns:
    """A job's runs as the dashboard reads them: the window's runs and the last three finished ones."""

    job: Job
    recent: list[LogRow] = field(default_factory=list)
    """Finished runs that started after the window's start, newest first."""
    last: list[RunTree] = field(default_factory=list)
    """The last three finished runs with their trees, newest first."""
    last_rows: list[LogRow] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """§1 step 4: disabled, noRecentRun, failed, skipped or successful."""
        if not self.job.enabled:
            return "disabled"
        statuses = {row.status for row in self.recent}
        if not self.recent:
            return "noRecentRun"
        if statuses & {"failure", "interrupted"}:
            return "failed"
        if "skipped" in statuses:
            return "skipped"
        return "successful"

    @property
    def needs_attention(self) -> bool:
        """§1 step 7: an enabled job whose last three runs are not all successes."""
        return self.job.enabled and any(row.status != "success" for row in self.last_rows)


async def job_runs(client: XoClient, jobs: Sequence[Job], *, window_start: int) -> list[JobRuns]:
    """The runs §1 needs, per job: the window's (start after it) and, for enabled jobs, the last three."""
    found = {job.id: JobRuns(job) for job in jobs}
    enabled = {job.id for job in jobs if job.enabled}
    rows = await newest_rows_per_job(
        client,
        [job.id for job in jobs],
        # Older runs matter only for the last three of enabled jobs.
        lambda job_id, job_rows: job_id not in enabled or len(finished(job_rows)) >= LAST_RUNS,
        first_low_ms=window_start + 1,  # XO keeps runs whose start is after the window's start
    )
    for job_id, job_rows in rows.items():
        runs = found[job_id]
        runs.recent = [row for row in finished(job_rows) if row.start > window_start]
        if job_id in enabled:
            runs.last_rows = finished(job_rows)[:LAST_RUNS]
    trees = await trees_of(client, [row for runs in found.values() for row in runs.last_rows])
    for runs in found.values():
        runs.last = [tree for row in runs.last_rows if (tree := _tree(trees.get(row.id), row)) is not None]
    return list(found.values())


def _tree(log: JsonObject | None, row: LogRow) -> RunTree | None:
    # A run gone between the two requests (XO rebuilds its log list every 10 s) keeps its row's facts.
    return read_tree(log, row) if log is not None else RunTree(row=row)


def job_figures(runs: Iterable[JobRuns]) -> dict[str, int]:
    """§1 `backups.jobs`."""
    figures = {"disabled": 0, "failed": 0, "noRecentRun": 0, "skipped": 0, "successful": 0, "total": 0}
    for job_runs_ in runs:
        figures[job_runs_.outcome] += 1
        figures["total"] += 1
    return figures


# Which VMs each job marks (§1 steps 2, 5, 6) --------------------------------------------------------------------


@dataclass
class JobMarks:
    """What one VM-backup job says about VMs: by run task, and wholesale for the VMs its pattern selects."""

    job: Job
    by_task: dict[str, list[bool]] = field(default_factory=dict)
    pattern_results: list[bool] | None = None
    """What each VM of the pattern gets (a disabled job, or no run: [False]; runs without tasks: their
    outcomes); None when the pattern's VMs get nothing wholesale."""
    matcher: Matcher | None = None
    """The smart-mode pattern, when its VMs are needed."""
    broken: bool = False
    """The pattern makes XO's matcher throw: its VMs cannot be known."""

    def result(self, vm_id: str, in_pattern: bool) -> bool | None:
        """This job's verdict on a VM: all true, not, or no say."""
        results = list(self.by_task.get(vm_id, ()))
        if in_pattern and self.pattern_results is not None:
            results.extend(self.pattern_results)
        return all(results) if results else None

    def selects(self, vm: JsonObject) -> bool:
        """§1 pattern VMs: explicit ids (any existing VM), else the pattern over non-replica VMs."""
        ids = self.job.explicit_ids
        if ids is not None:
            return vm.get("id") in ids
        if self.matcher is None or self.broken or is_replica(vm):
            return False
        try:
            return self.matcher(vm)
        except PatternError:
            self.broken = True
            return False


def job_marks(runs: Iterable[JobRuns]) -> list[JobMarks]:
    marks = []
    for job_runs_ in runs:
        job = job_runs_.job
        if not job.is_vm_backup:
            continue
        mark = JobMarks(job)
        if not job.enabled or not job_runs_.last:
            mark.pattern_results = [False]
        else:
            for tree in job_runs_.last:
                if not tree.has_tasks:
                    mark.pattern_results = [*(mark.pattern_results or []), tree.row.status == "success"]
                    continue
                for vm_id, results in tree.vm_results().items():
                    mark.by_task.setdefault(vm_id, []).extend(results)
        if mark.pattern_results is not None and job.explicit_ids is None:
            mark.matcher = compile_pattern(job.pattern)
        marks.append(mark)
    return marks


# VM protection (§1 `vmsProtection` and the VMs behind it) ------------------------------------------------------


@dataclass(frozen=True)
class VmRef:
    id: str
    name: str | None
    pool: str | None
    job: str | None = None
    """For an unprotected VM: the job that leaves it so."""


@dataclass
class Protection:
    protected: dict[str, VmRef] = field(default_factory=dict)
    unprotected: dict[str, VmRef] = field(default_factory=dict)
    non_replica: int | None = None
    """Non-replica VMs in the scope; None when they were not counted (XO's own figures were used)."""
    not_in_job: list[VmRef] = field(default_factory=list)
    """The first VMs in no job, in XO's order (up to the number asked)."""
    broken_jobs: list[Job] = field(default_factory=list)

    def counts(self) -> dict[str, int] | None:
        """XO's formula: notInJob = non-replica VMs − protected − unprotected (a replica a job lists by id
        counts as protected or unprotected, as in XO). None when the VMs were not counted."""
        if self.non_replica is None:
            return None
        protected, unprotected = len(self.protected), len(self.unprotected)
        not_in_job = self.non_replica - protected - unprotected
        return {"protected": protected, "unprotected": unprotected, "notInJob": not_in_job}


class _Verdicts:
    """Each VM's verdict from every job, VM by VM, and the sets it builds."""

    def __init__(self, marks: list[JobMarks], pool_id: str | None, named: int) -> None:
        self.marks = marks
        self.pool_id = pool_id
        self.named = named
        self.protection = Protection()

    def verdict(self, vm: JsonObject) -> tuple[bool | None, str | None]:
        """Protected by one job wins over unprotected by another; the first job that fails the VM is named."""
        results = [(mark.result(str(vm["id"]), mark.selects(vm)), mark.job.label) for mark in self.marks]
        if any(result is True for result, _ in results):
            return True, None
        failing = next((job for result, job in results if result is False), None)
        return (False, failing) if failing is not None else (None, None)

    def add(self, vm: JsonObject, *, counting: bool) -> None:
        """One VM of the scope: marked, and (in a pass over every VM) counted and maybe named as in no job."""
        vm_id = as_str(vm.get("id"))
        if vm_id is None or (self.pool_id is not None and vm.get("$pool") != self.pool_id):
            return
        ref = VmRef(vm_id, as_str(vm.get("name_label")), as_str(vm.get("$pool")))
        verdict, job = (None, None) if has_no_bak_tag(vm) else self.verdict(vm)  # no-bak VMs are never marked
        protection = self.protection
        if verdict is True:
            protection.protected[vm_id] = ref
        elif verdict is False:
            protection.unprotected[vm_id] = VmRef(ref.id, ref.name, ref.pool, job)
        if not counting or is_replica(vm):
            return
        protection.non_replica = (protection.non_replica or 0) + 1
        if verdict is None and len(protection.not_in_job) < self.named:
            protection.not_in_job.append(ref)


async def vm_protection(
    client: XoClient, runs: Sequence[JobRuns], *, pool_id: str | None, named: int, count: bool
) -> Protection:
    """§1 `vmsProtection` for the estate (or one pool), with the VMs behind it: every protected and
    unprotected VM, and the first ``named`` VMs in no job. ``count``: count the non-replica VMs too (not
    needed when XO's own figures are used)."""
    marks = job_marks(runs)
    verdicts = _Verdicts(marks, pool_id, named)
    scope = f"$pool:{quoted(pool_id)}" if pool_id else None
    candidates = {vm_id for mark in marks for vm_id in mark.by_task}
    for mark in marks:
        if mark.pattern_results is not None:
            candidates.update(mark.job.explicit_ids or ())
    smart = [mark for mark in marks if mark.matcher is not None]
    patterns = [mark.job.pattern for mark in smart]
    fields = property_names(patterns)
    narrowing = any_of(prefilter(pattern) for pattern in patterns) if smart else None
    if len(candidates) > TARGETED_LIMIT or fields is None or (smart and narrowing is None):
        # One pass over every VM answers everything at once: the marks, the count, the VMs in no job.
        wanted = ["*"] if fields is None else sorted({*VM_FIELDS, *fields})
        async for vm in client.iter_objects("vms", fields=wanted, filter=scope):
            verdicts.add(vm, counting=True)
        verdicts.protection.non_replica = verdicts.protection.non_replica or 0
    else:
        await _targeted(client, verdicts, sorted(candidates), smart, fields or set(), narrowing, scope, count)
    verdicts.protection.broken_jobs = [mark.job for mark in marks if mark.broken]
    return verdicts.protection


async def _targeted(
    client: XoClient,
    verdicts: _Verdicts,
    candidates: list[str],
    smart: list[JobMarks],
    pattern_fields: set[str],
    narrowing: str | None,
    scope: str | None,
    count: bool,
) -> None:
    """The marked VMs by id and by pre-filtered pattern (and XO's count), then the first VMs in no job."""
    wanted = sorted({*VM_FIELDS, *pattern_fields})  # a VM named by a run may also be selected by a pattern
    seen: set[str] = set()

    async def consider(vms: AsyncIterator[JsonObject], keep: Callable[[JsonObject], bool]) -> None:
        async for vm in vms:
            vm_id = str(vm.get("id"))
            if vm_id not in seen and keep(vm):
                seen.add(vm_id)
                verdicts.add(vm, counting=False)

    chosen = set(candidates)
    fetches = [consider(vms_by_id(client, candidates, wanted, scope), lambda vm: vm.get("id") in chosen)]
    if smart:
        selected = client.iter_objects("vms", fields=wanted, filter=all_of(narrowing, scope))
        fetches.append(consider(selected, lambda vm: any(mark.selects(vm) for mark in smart)))
    total, *_ = await gather(_non_replica_count(client, scope) if count else _no_count(), *fetches)
    protection = verdicts.protection
    protection.non_replica = total
    marked = protection.protected.keys() | protection.unprotected.keys()
    if not verdicts.named:
        return
    stream = client.iter_objects("vms", fields=["id", "name_label", "$pool"], filter=all_of(NOT_REPLICA_FILTER, scope))
    async with aclosing(stream) as vms:
        async for vm in vms:  # XO's order; the stream is closed as soon as enough VMs are named
            vm_id = as_str(vm.get("id"))
            if vm_id is not None and vm_id not in marked:
                protection.not_in_job.append(VmRef(vm_id, as_str(vm.get("name_label")), as_str(vm.get("$pool"))))
                if len(protection.not_in_job) >= verdicts.named:
                    break


async def _no_count() -> None:
    return None


async def _non_replica_count(client: XoClient, scope: str | None) -> int:
    """XO's count of the VMs in the scope (bare hrefs, the smallest answer), minus its replicas (a handful)."""
    total, replicas = await gather(
        client.count("vms", filter=scope),
        client.list_objects("vms", fields=["id", "$pool"], filter=all_of(REPLICA_FILTER, scope)),
    )
    return int(total) - len(replicas)


async def vms_by_id(
    client: XoClient, ids: Sequence[str], fields: Sequence[str], scope: str | None
) -> AsyncIterator[JsonObject]:
    """The VMs with these ids (those that exist and the user may read), 150 per request."""
    for first in range(0, len(ids), IDS_PER_FILTER):
        query = all_of(exactly("id", ids[first : first + IDS_PER_FILTER]), scope)
        async for vm in client.iter_objects("vms", fields=fields, filter=query):
            yield vm


# What a job would back up now (§3's runner rule) ----------------------------------------------------------------


async def runner_counts(client: XoClient, jobs: Sequence[Job]) -> dict[str, tuple[int | None, int | None]]:
    """(VMs a run would back up now, VMs named by id that no longer exist) per VM-backup job: §3's runner rule
    (explicit ids; else `{type: 'VM', ...vms}` minus this job's replicas and xo:no-bak VMs). (None, None) for a
    pattern XO's matcher throws on."""
    found: dict[str, tuple[int | None, int | None]] = {}
    smart: list[tuple[Job, Any]] = []
    named: set[str] = set()
    for job in jobs:
        if not job.is_vm_backup:
            continue
        ids = job.explicit_ids
        if ids is None:
            smart.append((job, {"type": "VM", **as_dict(job.pattern)}))
        else:
            named.update(ids)
    existing = {str(vm.get("id")) async for vm in vms_by_id(client, sorted(named), ["id"], None)}
    for job in jobs:
        ids = job.explicit_ids
        if job.is_vm_backup and ids is not None:
            present = sum(1 for vm_id in set(ids) if vm_id in existing)
            found[job.id] = (len(ids), len(set(ids)) - present)
    if not smart:
        return found
    matchers = {job.id: compile_pattern(pattern) for job, pattern in smart}
    counts: Counter[str] = Counter()
    broken: set[str] = set()
    fields = property_names(pattern for _, pattern in smart)
    wanted = (
        ["*"] if fields is None else sorted({"id", "tags", "blockedOperations.start", "other.xo:backup:job", *fields})
    )
    narrowing = any_of(prefilter(pattern) for _, pattern in smart)
    stream = client.iter_objects("vms", fields=wanted, filter=narrowing)
    async with aclosing(stream) as vms:
        async for vm in vms:
            if has_no_bak_tag(vm):
                continue
            blocked = bool(as_dict(vm.get("blockedOperations")).get("start"))
            replica_of = as_dict(vm.get("other")).get("xo:backup:job") if blocked else None
            for job_id, matcher in matchers.items():
                if job_id in broken or replica_of == job_id:
                    continue
                try:
                    counts[job_id] += matcher(vm)
                except PatternError:
                    broken.add(job_id)
    for job, _ in smart:
        found[job.id] = (None, None) if job.id in broken else (counts[job.id], None)
    return found


# One VM's protection (§2) --------------------------------------------------------------------------------------

VM_PROTECTION_STATES = ("protected", "unprotected", "not-in-active-job")


@dataclass(frozen=True)
class VmRun:
    """One of a VM's last runs: its job, the VM's status in it, when it ended (absent while running)."""

    job_id: str | None
    status: str
    end: int | None


@dataclass(frozen=True)
class Replication:
    timestamp: int | None
    replica_id: str | None
    sr_id: str | None


@dataclass
class VmBackups:
    """What XO's VM dashboard says about a VM's backups, read from it or computed by its rules."""

    state: str | None
    jobs: list[tuple[str, str | None]]
    """The VM-backup jobs selecting the VM (schedules ignored), as (id, name)."""
    last_runs: list[VmRun]
    last_backup: tuple[int, str | None] | None
    """The newest backup archive of the VM: (timestamp ms, repository id)."""
    replication: Replication | None
    source: str
    """`xo-dashboard` or `computed`."""


def selects_vm(job: Job, vm: JsonObject) -> bool:
    """§2/§3 `isVmInBackupJob`: explicit ids, else the value-matcher on the VM; never a no-bak VM. A pattern XO
    would throw on selects nothing."""
    if not job.is_vm_backup or has_no_bak_tag(vm):
        return False
    ids = job.explicit_ids
    if ids is not None:
        return vm.get("id") in ids
    try:
        return compile_pattern(job.pattern)(vm)
    except PatternError:
        return False


def read_vm_dashboard(data: JsonObject, jobs: Sequence[JsonObject]) -> VmBackups | None:
    """The backup part of `/vms/{id}/dashboard` (None when it is not the documented shape)."""
    info = as_dict(data.get("backupsInfo"))
    state = info.get("vmProtection")
    runs = info.get("lastRuns")
    if state not in VM_PROTECTION_STATES or not isinstance(runs, list):
        return None
    last_runs = [
        VmRun(as_str(run.get("backupJobId")), run_status(run.get("status")), _ms(run.get("timestamp")))
        for run in as_dicts(runs)
    ]
    archives = [
        (when, as_str(archive.get("backupRepository")))
        for archive in as_dicts(info.get("backupArchives"))
        if (when := _ms(archive.get("timestamp"))) is not None
    ]
    replication = as_dict(info.get("replication"))
    return VmBackups(
        state=str(state),
        jobs=[(job_id, as_str(job.get("name"))) for job in jobs if (job_id := as_str(job.get("id")))],
        last_runs=last_runs,
        last_backup=max(archives, key=lambda archive: archive[0]) if archives else None,
        replication=Replication(
            _ms(replication.get("timestamp")), as_str(replication.get("id")), as_str(replication.get("sr"))
        )
        if replication
        else None,
        source="xo-dashboard",
    )


async def computed_vm_backups(client: XoClient, vm: JsonObject, *, now_ms: float) -> VmBackups:
    """§2 by its rules: the jobs selecting the VM, the logs that list it, its replicas and archives."""
    vm_id = str(vm["id"])
    jobs = [job for job in await fetch_jobs(client) if selects_vm(job, vm)]
    (runs, state), last_backup, replication = await gather(
        _vm_runs(client, vm, jobs, now_ms), newest_archive(client, vm_id), latest_replication(client, vm_id)
    )
    return VmBackups(
        state=state,
        jobs=[(job.id, job.name) for job in jobs],
        last_runs=runs,
        last_backup=last_backup,
        replication=replication,
        source="computed",
    )


async def _vm_runs(client: XoClient, vm: JsonObject, jobs: Sequence[Job], now_ms: float) -> tuple[list[VmRun], str]:
    vm_id = str(vm["id"])
    rows = await newest_rows_per_job(
        client,
        [job.id for job in jobs],
        lambda _, job_rows: len(job_rows) >= LAST_RUNS,
        first_low_ms=now_ms - DAY_MS,
        filter=f"infos:{quoted(vm_id)}",
        keep=lists_vm(vm_id),
        fields=(*ROW_FIELDS, "infos"),
    )
    newest = newest_first(row for job_rows in rows.values() for row in job_rows)[:LAST_RUNS]
    enabled = [job for job in jobs if job.enabled]
    per_job = {job.id: rows[job.id][:LAST_RUNS] for job in enabled}
    looked_at = [*newest, *(row for job_rows in per_job.values() for row in job_rows)]
    trees = await trees_of(client, [row for row in looked_at if row.status != "success"])

    def vm_status(row: LogRow) -> str:
        """`success` for a successful run, else the VM's own task's status. XO fails (HTTP 500) on a run that
        lists the VM without a task for it (one still going on): the run's own status stands in for it."""
        if row.status == "success":
            return "success"
        task = next(
            (t for t in as_dicts(trees.get(row.id, {}).get("tasks")) if as_dict(t.get("data")).get("id") == vm_id), None
        )
        return run_status(task.get("status")) if task is not None else row.status

    runs = [VmRun(row.job_id, vm_status(row), row.end) for row in newest]
    if has_no_bak_tag(vm) or not enabled:
        return runs, "not-in-active-job"
    for job in enabled:
        logs = per_job[job.id]
        # XO drops pending runs after taking the three newest: only-pending runs leave nothing, so protected.
        if logs and all(vm_status(row) == "success" for row in logs if row.status != "pending"):
            return runs, "protected"
    return runs, "unprotected"


async def newest_archive(client: XoClient, vm_id: str) -> tuple[int, str | None] | None:
    """§5: the VM's newest backup archive over every repository XO can read (failing ones skipped by XO)."""
    archives = await client.list_objects(
        "backup-archives",
        fields=["id", "timestamp", "backupRepository", "vm.uuid"],
        filter=f"vm:uuid:{quoted(vm_id)}",
        query={"backup-repository": "*"},
    )
    found = [
        (when, as_str(archive.get("backupRepository")))
        for archive in archives
        if as_dict(archive.get("vm")).get("uuid") == vm_id and (when := _ms(archive.get("timestamp"))) is not None
    ]
    return max(found, key=lambda archive: archive[0]) if found else None


async def latest_replication(client: XoClient, vm_id: str) -> Replication | None:
    """§2 replication: the VM-snapshot made from this VM on a replica (`other['xo:backup:vm']`, not its own
    snapshot) with the latest `xo:backup:datetime`; the SR of the replica's disks when they share one."""
    snapshots = await client.list_objects(
        "vm-snapshots",
        fields=["id", "$snapshot_of", "other.xo:backup:vm", "other.xo:backup:datetime"],
        filter=f'other:"xo:backup:vm":{quoted(vm_id)}',
    )
    made = [
        snapshot
        for snapshot in snapshots
        if as_dict(snapshot.get("other")).get("xo:backup:vm") == vm_id and snapshot.get("$snapshot_of") != vm_id
    ]
    if not made:
        return None
    latest = max(made, key=lambda snapshot: str(as_dict(snapshot.get("other")).get("xo:backup:datetime") or ""))
    replica_id = as_str(latest.get("$snapshot_of"))
    sr_id = None
    if replica_id is not None:
        disks = await client.list_objects("vdis", fields=["$SR"], parent=XoId(replica_id, VM))
        srs = {sr for disk in disks if (sr := as_str(disk.get("$SR")))}
        sr_id = srs.pop() if len(srs) == 1 else None
    stamp = as_str(as_dict(latest.get("other")).get("xo:backup:datetime"))
    return Replication(_datetime_ms(stamp) if stamp else None, replica_id, sr_id)


def _ms(value: Any) -> int | None:
    number = as_number(value)
    return int(number) if number is not None and number > 0 else None


def _datetime_ms(text: str) -> int | None:
    """`20251009T020012Z`, how XO dates backups, in milliseconds."""
    try:
        return int(datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp() * 1000)
    except ValueError:
        return None
