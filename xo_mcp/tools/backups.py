"""get_backup_status, list_backup_jobs, list_backup_runs: backups and data protection, as XO counts them
(CONTRACT-2 §1–§5), every failure pointed at the documentation section that explains it.

The rules (which jobs are enabled, which VMs a job selects, what protects a VM) live in
`xo_mcp.backup_protection`; reading backup logs in `xo_mcp.backup_logs`; smart-mode patterns in
`xo_mcp.value_matcher`. This module asks, names and words.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import anyio
from pydantic import BaseModel, Field

from xo_mcp.arguments import Filter, ObjectKind, Offset, XoId, object_id, page_size
from xo_mcp.backup_logs import (
    DAY_MS,
    HOUR_MS,
    LogRow,
    RunTree,
    TaskOutcome,
    read_tree,
    rows_in,
    trees_of,
    window_bounds,
    window_term,
)
from xo_mcp.backup_protection import (
    JOB_FIELDS,
    SCHEDULE_FIELDS,
    Job,
    JobRuns,
    Protection,
    VmBackups,
    computed_vm_backups,
    fetch_jobs,
    job_figures,
    job_runs,
    newest_rows_per_job,
    read_jobs,
    read_vm_dashboard,
    runner_counts,
    vm_protection,
    window_start_ms,
)
from xo_mcp.client import XoClient
from xo_mcp.coerce import JsonObject, as_counts, as_dict, as_number, as_str, ms_to_datetime, utc_text
from xo_mcp.docs.library import DocsLibrary
from xo_mcp.errors import XoApiError, XoAuthError, XoMcpDisabled, XoMcpError, XoNotFound
from xo_mcp.formatting import count_of, fmt_count, fmt_duration, fmt_when, inline
from xo_mcp.tools.base import Answer, NamedRef, XoContext, app_state, gather, run_sync, tool
from xo_mcp.tools.inventory import POOL, VM
from xo_mcp.tools.listing import Page
from xo_mcp.tools.names import names_of
from xo_mcp.value_matcher import explicit_ids
from xo_mcp.xo_filters import all_of, exactly, quoted

BACKUP_JOB = ObjectKind(noun="backup job", type_word="backup-job", collection="backup-jobs", lister="list_backup_jobs")

RunStatus = Literal["success", "failure", "interrupted", "skipped", "pending"]
MAX_SINCE_HOURS = 24 * 366
DASHBOARD_HOURS = 168
"""XO's own window: its dashboard counts the runs of the last 7 days."""
MAX_NAMED_VMS = 8
"""Unprotected and not-in-job VMs named by the overview (each list; the rest are counted)."""
MAX_ISSUES = 8
"""Jobs needing attention shown by the overview (the rest are counted)."""
MAX_OVERVIEW_ERROR = 120
"""Characters of an error shown by the overview (list_backup_runs shows the whole line)."""
MAX_VM_LINES = 5
"""VMs that did not succeed, shown per run in list_backup_runs (the rest are counted)."""
MAX_VM_OUTCOMES = 100
"""VM outcomes per run kept in structured content."""
JOBS_DEFAULT_LIMIT, JOBS_MAX_LIMIT = 20, 100
RUNS_DEFAULT_LIMIT, RUNS_MAX_LIMIT = 20, 100
DASHBOARD_PATIENCE_S = 5.0
"""How long the overview waits for XO's own figures (XO computes them at length on a cache miss)."""
DOCS_TOPIC = "backups"

SinceHours = Annotated[
    int,
    Field(
        strict=True,
        ge=1,
        le=MAX_SINCE_HOURS,
        description=f"How far back runs count as recent, in hours (1 to {MAX_SINCE_HOURS}).",
    ),
]


# Words ------------------------------------------------------------------------------------------------------


def when(ms: int | None, now_ms: float) -> str | None:
    """`2026-11-30 02:00 UTC (5 h ago)`."""
    moment = ms_to_datetime(ms)
    if moment is None or ms is None:
        return None
    return fmt_when(moment, datetime.fromtimestamp(now_ms / 1000, UTC))


def target_ids(value: Any) -> list[str]:
    """A job's `remotes`/`srs`: `{id: "<id>"}` or `{id: {__or: [ids]}}`."""
    ids = as_dict(value).get("id")
    if isinstance(ids, str):
        return [ids]
    listed = as_dict(ids).get("__or")
    return [item for item in listed if isinstance(item, str)] if isinstance(listed, list) else []


def _schedule_settings(job: JsonObject) -> list[JsonObject]:
    return [as_dict(value) for key, value in as_dict(job.get("settings")).items() if key != ""]


def job_kind(job: JsonObject) -> str:
    """What the job does, in an administrator's words (XO 5's kinds: full/delta to repositories, to SRs,
    rolling snapshots)."""
    kind = job.get("type")
    delta = job.get("mode") == "delta"
    if kind == "metadataBackup":
        return "metadata backup"
    if kind == "mirrorBackup":
        return f"mirror of {'delta' if delta else 'full'} backups"
    kinds = []
    if target_ids(job.get("remotes")):
        kinds.append("delta backup" if delta else "full backup")
    if target_ids(job.get("srs")):
        kinds.append("continuous replication" if delta else "disaster recovery")
    if any((as_number(s.get("snapshotRetention")) or 0) > 0 for s in _schedule_settings(job)):
        kinds.append("rolling snapshot")
    return " + ".join(kinds) or "VM backup without a target"


TYPE_WORDS = {"backup": "VM backup", "metadataBackup": "metadata", "mirrorBackup": "mirror"}


def _listing(values: Sequence[str], joiner: str) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + f" {joiner} {values[-1]}"


def _or_items(value: Any, name: Any) -> list[str] | None:
    listed = as_dict(value).get("__or") if isinstance(value, dict) and list(value) == ["__or"] else None
    if not isinstance(listed, list):
        return None
    return [name(item) for item in listed]


def _describe_set(noun: str, value: Any, name: Any) -> str:
    """XO 5's set forms: `{__or}` these, `{__not: {__or}}` all but, `{__and: [{__or}, {__not: {__or}}]}`."""
    plain = _or_items(value, name)
    if plain:
        return f"{noun} {_listing(plain, 'or')}"
    if isinstance(value, dict) and list(value) == ["__not"] and (excluded := _or_items(value["__not"], name)):
        return f"any {noun} except {_listing(excluded, 'or')}"
    parts = value.get("__and") if isinstance(value, dict) and list(value) == ["__and"] else None
    if isinstance(parts, list) and len(parts) == 2:
        included = _or_items(parts[0], name)
        excluded = _or_items(as_dict(parts[1]).get("__not"), name) if list(as_dict(parts[1])) == ["__not"] else None
        if included and excluded:
            return f"{noun} {_listing(included, 'or')} except {noun} {_listing(excluded, 'or')}"
    return f"{noun} {_short(value)}"


def _short(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return inline(text if len(text) <= 60 else text[:59] + "…")


def describe_selection(pattern: Any, pool_names: dict[str, str]) -> str:
    """`7 VMs by id` or `smart mode: pool Lyon DC, tag prod except tag nobackup, running VMs`."""
    ids = explicit_ids(pattern)
    if ids is not None:
        return f"{count_of(len(ids), 'VM')} by id"
    if not isinstance(pattern, dict):
        return f"smart mode: {_short(pattern)}"

    def tag(item: Any) -> str:
        tags = [t for t in item if isinstance(t, str)] if isinstance(item, list) else []
        return " and ".join(inline(t) for t in tags) if tags else _short(item)

    def pool(item: Any) -> str:
        return inline(pool_names.get(item, str(item))) if isinstance(item, str) else _short(item)

    parts = []
    for key, value in pattern.items():
        if key == "type" and value == "VM":
            continue
        if key == "$pool":
            parts.append(_describe_set("pool", value, pool))
        elif key == "tags":
            parts.append(_describe_set("tag", value, tag))
        elif key == "power_state" and isinstance(value, str):
            parts.append(f"{value.lower()} VMs only")
        else:
            parts.append(f"{inline(key)} {_short(value)}")
    return "smart mode: " + (", ".join(parts) or "every VM")


class DocRef(BaseModel):
    """The documentation section that explains an error."""

    title: str
    heading: str
    url: str


async def doc_refs(docs: DocsLibrary, texts: Iterable[str | None]) -> dict[str, DocRef]:
    """The documentation section explaining each error text (texts nothing explains are left out)."""
    wanted = list(dict.fromkeys(text for text in texts if text))
    if not wanted:
        return {}

    def explain_all() -> dict[str, DocRef]:
        found = {}
        for text in wanted:
            link = docs.explain(text, topic=DOCS_TOPIC)
            if link is not None:
                found[text] = DocRef(title=link.title, heading=link.heading, url=link.url)
        return found

    return await run_sync(explain_all)


# get_backup_status --------------------------------------------------------------------------------------------


class JobFigures(BaseModel):
    total: int
    successful: int = Field(description="enabled jobs whose recent runs all succeeded")
    failed: int = Field(description="enabled jobs with a failed or interrupted recent run")
    skipped: int = Field(description="enabled jobs with a skipped recent run (and no failure)")
    no_recent_run: int
    disabled: int = Field(description="jobs without an enabled schedule")
    counted_by: Literal["xo-dashboard", "computed"]


class JobIssue(BaseModel):
    job: NamedRef
    type: str
    kind: str | None = None
    last_runs: list[str] = Field(description="statuses of the last 3 finished runs, newest first")
    error: str | None = Field(default=None, description="the newest error of those runs, shortened")
    error_vm: NamedRef | None = None
    error_run: str | None = Field(default=None, description="when the run with that error started")
    doc: DocRef | None = None


class VmItem(BaseModel):
    id: str
    name: str | None = None
    pool: str | None = Field(default=None, description="pool name")
    job: str | None = Field(default=None, description="for an unprotected VM: the job that leaves it so")


class VmProtectionFigures(BaseModel):
    protected: int
    unprotected: int
    not_in_job: int = Field(description="non-replica VMs neither protected nor unprotected (XO's formula)")
    counted_by: Literal["xo-dashboard", "computed"]
    pool: NamedRef | None = None


class BackupStatus(Answer):
    since: str = Field(description="start of the window recent runs are counted from (UTC)")
    since_hours: int
    jobs: JobFigures
    needing_attention: list[JobIssue]
    needing_attention_total: int
    vms: VmProtectionFigures
    unprotected: list[VmItem] = Field(description="the first unprotected VMs, by name")
    not_in_job: list[VmItem] = Field(description="the first VMs in no active job, in XO's order")
    notes: list[str] = []

    def render(self) -> str:
        jobs, vms = self.jobs, self.vms
        source = {"xo-dashboard": "XO's dashboard figures", "computed": "computed from jobs, schedules and logs"}
        lines = [f"Backups — runs since {self.since} ({self.since_hours} h; {source[jobs.counted_by]})"]
        if not jobs.total:
            lines.append("Jobs: none (no backup job this user can read)")
        else:
            lines.append(
                f"Jobs: {fmt_count(jobs.total)} — {fmt_count(jobs.successful)} successful, "
                f"{fmt_count(jobs.failed)} with a failure or interruption, {fmt_count(jobs.skipped)} skipped, "
                f"{fmt_count(jobs.no_recent_run)} with no recent run, {fmt_count(jobs.disabled)} disabled"
            )
        if self.needing_attention:
            shown = len(self.needing_attention)
            more = self.needing_attention_total - shown
            head = f"Needing attention ({fmt_count(self.needing_attention_total)} jobs; last 3 runs, newest first)"
            lines.append(head + (f", first {shown}:" if more else ":"))
            docs = list(dict.fromkeys(issue.doc.url for issue in self.needing_attention if issue.doc))
            lines.extend(_issue_line(issue, docs) for issue in self.needing_attention)
            if more:
                lines.append(f'  (+{fmt_count(more)} more: list_backup_runs(status="failure") lists failed runs)')
        elif jobs.total:
            lines.append("Needing attention: none (every enabled job's last 3 runs succeeded)")
        where = f" in pool {inline(vms.pool.label)}" if vms.pool else ""
        counted = "" if vms.counted_by == jobs.counted_by else f" ({source[vms.counted_by]})"
        lines.append(
            f"VMs{where}: {fmt_count(vms.protected)} protected, {fmt_count(vms.unprotected)} unprotected, "
            f"{fmt_count(vms.not_in_job)} in no active job{counted} (replicas excluded; xo:no-bak VMs are in no job)"
        )
        lines.extend(_vm_list("Unprotected", vms.unprotected, self.unprotected, "by name"))
        lines.extend(_vm_list("In no active job", vms.not_in_job, self.not_in_job, "in XO's order"))
        if vms.unprotected > len(self.unprotected) or vms.not_in_job > len(self.not_in_job):
            narrow = "" if vms.pool else "get_backup_status(pool_id=…) narrows to one pool; "
            lines.append(
                f'More VMs: {narrow}list_backup_runs(status="failure") names the VMs of failed runs; '
                "list_backup_jobs shows what each job selects"
            )
        seen: dict[str, DocRef] = {}
        for issue in self.needing_attention:
            if issue.doc is not None:
                seen.setdefault(issue.doc.url, issue.doc)
        lines.extend(f"[doc {number}] {doc.heading}: {doc.url}" for number, doc in enumerate(seen.values(), 1))
        lines.extend(f"Note: {note}" for note in self.notes)
        return "\n".join(lines)


def _issue_line(issue: JobIssue, docs: list[str]) -> str:
    runs = ", ".join(issue.last_runs) or "no finished run"
    line = f"- {inline(issue.job.label)} ({issue.kind or issue.type}): {runs}"
    if issue.error:
        at = f" run of {issue.error_run}:" if issue.error_run else ""
        subject = f" {inline(issue.error_vm.label)}:" if issue.error_vm else ""
        mark = f" [doc {docs.index(issue.doc.url) + 1}]" if issue.doc is not None else ""
        # The overview stays short: list_backup_runs(job_id=…) has the whole message.
        error = issue.error if len(issue.error) <= MAX_OVERVIEW_ERROR else issue.error[: MAX_OVERVIEW_ERROR - 1] + "…"
        line += f" —{at}{subject} {error}{mark}"
    return line


def _vm_list(title: str, total: int, items: list[VmItem], order: str) -> list[str]:
    if not total:
        return []
    if not items:
        return [f"{title}: {fmt_count(total)} (names unknown)"]

    def item(vm: VmItem) -> str:
        extra = [vm.id, *([vm.job] if vm.job else [])]
        return f"{inline(vm.name or '(no name)')} ({'; '.join(inline(e) for e in extra)})"

    shown = ", ".join(item(vm) for vm in items)
    more = f", +{fmt_count(total - len(items))} more" if total > len(items) else ""
    heading = f"{title} ({fmt_count(total)}, first {len(items)} {order})" if total > len(items) else title
    return [f"{heading}: {shown}{more}"]


@tool(title="Backup status", toolset="backups", example={"since_hours": 168})
async def get_backup_status(
    ctx: XoContext,
    pool_id: Annotated[XoId, object_id(POOL)] | None = None,
    since_hours: SinceHours = DASHBOARD_HOURS,
) -> BackupStatus:
    """Are my backups OK, and which VMs are not protected? XO's backup overview in one call: jobs by outcome,
    the jobs whose last 3 runs need attention with their newest error and its documentation section, and VMs
    protected / unprotected / in no active job, naming the first of each. since_hours (default 168, XO's 7
    days) sets what counts as recent. Then list_backup_runs for errors, list_backup_jobs for the jobs.
    """
    state = app_state(ctx)
    return await backup_status(state.client, state.docs, pool_id=pool_id, since_hours=since_hours)


async def backup_status(client: XoClient, docs: DocsLibrary, *, pool_id: XoId | None, since_hours: int) -> BackupStatus:
    now_ms = time.time() * 1000
    window_start = window_start_ms(now_ms, since_hours)

    async def from_xo() -> tuple[dict[str, Any] | None, str | None]:
        if pool_id is not None and since_hours != DASHBOARD_HOURS:
            return None, None  # XO's figures are for the whole estate and its own 7 days: nothing to take
        return await _xo_backups(client)

    async def runs() -> tuple[NamedRef | None, dict[str, str], list[JobRuns]]:
        pool, pools, jobs = await gather(
            _pool_ref(client, pool_id),
            client.list_objects("pools", fields=["id", "name_label"]),
            fetch_jobs(client),
        )
        names = {p["id"]: str(p.get("name_label") or p["id"]) for p in pools if as_str(p.get("id"))}
        return pool, names, await job_runs(client, jobs, window_start=window_start)

    (xo, note), (pool, pool_names, job_runs_) = await gather(from_xo(), runs())
    use_xo_vms = xo is not None and pool_id is None and xo["vmsProtection"] is not None
    protection = await vm_protection(client, job_runs_, pool_id=pool_id, named=MAX_NAMED_VMS, count=not use_xo_vms)
    return await _status_answer(
        docs,
        job_runs_,
        protection,
        pool_names,
        pool,
        xo if since_hours == DASHBOARD_HOURS else None,
        xo if use_xo_vms else None,
        [note] if note else [],
        since_hours,
        window_start,
        now_ms,
    )


async def _pool_ref(client: XoClient, pool_id: XoId | None) -> NamedRef | None:
    if pool_id is None:
        return None
    pool = await client.get_object(pool_id)  # an unknown pool: "No pool with id …, list_pools gives valid ids"
    return NamedRef(id=pool_id, name=as_str(pool.get("name_label")))


async def _xo_backups(client: XoClient) -> tuple[dict[str, Any] | None, str | None]:
    """XO's own `backups` figures from /dashboard, or why they cannot be used."""
    keys: dict[str, Any] = {}
    try:
        with anyio.move_on_after(DASHBOARD_PATIENCE_S):
            keys = await client.dashboard_keys(frozenset({"backups"}))
    except (XoAuthError, XoMcpDisabled):
        raise
    except XoNotFound:
        return None, None  # an older XO
    except XoApiError as exc:
        if exc.status == 403:
            return None, None  # non-admins: XO's dashboard is admin-only
        return None, "XO's dashboard failed: figures computed instead"
    except XoMcpError:
        # A stream cut short, a timeout: the computation asks XO again and says so if XO is really gone.
        return None, "XO's dashboard did not answer whole: figures computed instead"
    value = keys.get("backups")
    if value is None:
        return None, "XO's dashboard gave no backup figures yet (it computes them in the background): computed"
    data = as_dict(value)
    if data.get("error"):
        return None, "XO's dashboard failed to compute its backup figures: computed instead"
    if data.get("isExpired"):
        return None, "XO's cached backup figures are expired: computed instead"
    if data.get("isEmpty"):
        return {"jobs": None, "issues": [], "vmsProtection": None, "empty": True}, None
    jobs, protection = as_counts(data.get("jobs"), JOB_KEYS), as_counts(data.get("vmsProtection"), PROTECTION_KEYS)
    if jobs is None or protection is None or not isinstance(data.get("issues"), list):
        return None, "XO's backup figures have an unknown shape: computed instead"
    return {"jobs": jobs, "issues": data["issues"], "vmsProtection": protection}, None


JOB_KEYS = ("disabled", "failed", "noRecentRun", "skipped", "successful", "total")
PROTECTION_KEYS = ("protected", "unprotected", "notInJob")


async def _status_answer(
    docs: DocsLibrary,
    runs: list[JobRuns],
    protection: Protection,
    pool_names: dict[str, str],
    pool: NamedRef | None,
    xo_jobs: dict[str, Any] | None,
    xo_vms: dict[str, Any] | None,
    notes: list[str],
    since_hours: int,
    window_start: int,
    now_ms: float,
) -> BackupStatus:
    computed_jobs = job_figures(runs)
    jobs = (xo_jobs["jobs"] or dict.fromkeys(JOB_KEYS, 0)) if xo_jobs is not None else computed_jobs
    if xo_jobs is not None and jobs != computed_jobs:
        notes.append(f"XO's figures (cached up to a minute) differ from the runs read now: {_figures(computed_jobs)}")
    vm_counts = xo_vms["vmsProtection"] if xo_vms is not None else protection.counts()
    assert vm_counts is not None  # counted whenever XO's figures are not used
    marked = {"protected": len(protection.protected), "unprotected": len(protection.unprotected)}
    if xo_vms is not None and any(vm_counts[key] != value for key, value in marked.items()):
        notes.append(f"XO's VM figures (cached up to a minute) differ from the VMs read now: {_figures(marked)}")
    by_job = {job_runs_.job.id: job_runs_ for job_runs_ in runs}
    if xo_jobs is not None:
        issues = [(as_str(as_dict(item).get("uuid")), as_dict(item)) for item in xo_jobs["issues"]]
    else:
        issues = [(r.job.id, {}) for r in runs if r.needs_attention]
    shown = [_issue(job_id, item, by_job.get(job_id or ""), now_ms) for job_id, item in issues[:MAX_ISSUES]]
    found = await doc_refs(docs, (issue.error for issue in shown))
    for issue in shown:
        issue.doc = found.get(issue.error or "")
    notes.extend(
        f"job {inline(job.label)}: its smart-mode pattern makes XO's matcher fail; its VMs are unknown"
        for job in protection.broken_jobs
    )
    unprotected = sorted(protection.unprotected.values(), key=lambda ref: (ref.name or "", ref.id))
    return BackupStatus(
        since=utc_text(ms_to_datetime(window_start)) or "?",
        since_hours=since_hours,
        jobs=JobFigures(
            total=jobs["total"],
            successful=jobs["successful"],
            failed=jobs["failed"],
            skipped=jobs["skipped"],
            no_recent_run=jobs["noRecentRun"],
            disabled=jobs["disabled"],
            counted_by="xo-dashboard" if xo_jobs is not None else "computed",
        ),
        needing_attention=shown,
        needing_attention_total=len(issues),
        vms=VmProtectionFigures(
            protected=vm_counts["protected"],
            unprotected=vm_counts["unprotected"],
            not_in_job=vm_counts["notInJob"],
            counted_by="xo-dashboard" if xo_vms is not None else "computed",
            pool=pool,
        ),
        unprotected=[_vm_item(ref.id, ref.name, ref.pool, pool_names, ref.job) for ref in unprotected[:MAX_NAMED_VMS]],
        not_in_job=[_vm_item(ref.id, ref.name, ref.pool, pool_names) for ref in protection.not_in_job],
        notes=notes,
    )


def _figures(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {fmt_count(value)}" for key, value in counts.items())


def _vm_item(
    vm_id: str, name: str | None, pool_id: str | None, pool_names: dict[str, str], job: str | None = None
) -> VmItem:
    return VmItem(id=vm_id, name=name, pool=pool_names.get(pool_id or ""), job=job)


def _issue(job_id: str | None, xo_item: JsonObject, runs: JobRuns | None, now_ms: float) -> JobIssue:
    """A job needing attention: XO's entry (or ours), with the newest error of its last runs."""
    job = runs.job if runs is not None else None
    statuses = (
        [str(status) for status in xo_item["logs"]]
        if isinstance(xo_item.get("logs"), list)
        else [tree.row.status for tree in (runs.last if runs is not None else [])]
    )
    issue = JobIssue(
        job=NamedRef(id=job_id or "?", name=job.name if job else as_str(xo_item.get("name"))),
        type=TYPE_WORDS.get(job.type if job else str(xo_item.get("type")), str(xo_item.get("type") or "backup")),
        kind=job_kind(job.raw) if job else None,
        last_runs=statuses,
    )
    for tree in runs.last if runs is not None else []:
        found = tree.first_error()
        if found is None:
            continue
        message, task = found
        issue.error = message
        if task is not None and task.subject_type == "VM" and task.subject_id:
            issue.error_vm = NamedRef(id=task.subject_id, name=task.subject_name)
        issue.error_run = when(tree.row.start, now_ms)
        break
    return issue


# list_backup_jobs ---------------------------------------------------------------------------------------------


class ScheduleInfo(BaseModel):
    id: str
    name: str | None = None
    cron: str | None = None
    timezone: str | None = Field(default=None, description="absent: XO server's local time")
    enabled: bool
    counted: bool = Field(description="false when the job's settings do not name it: XO ignores it")
    retention: dict[str, int] = Field(default={}, description="exportRetention, copyRetention, snapshotRetention…")


class RunBrief(BaseModel):
    id: str
    status: str
    start: str | None = None
    duration_s: float | None = None


class BackupJobItem(BaseModel):
    id: str
    name: str | None = None
    type: str
    kind: str
    enabled: bool
    selection: str | None = Field(default=None, description="how the job selects VMs (VM backups)")
    selected_vms: int | None = Field(default=None, description="VMs a run would back up now (XO's runner rule)")
    missing_vms: int | None = Field(default=None, description="VMs named by id that no longer exist")
    schedules: list[ScheduleInfo] = []
    repositories: list[NamedRef] = []
    srs: list[NamedRef] = []
    source: NamedRef | None = Field(default=None, description="a mirror's source repository")
    pools: list[NamedRef] = Field(default=[], description="a metadata job's pools")
    last_run: RunBrief | None = None


JOBS_NARROW_HINT = "a filter such as `type:backup`, `mode:delta` or `name:prod*`"


class BackupJobList(Page):
    items: list[BackupJobItem]
    notes: list[str] = []
    filter: str | None = None

    def render(self) -> str:
        note = self.note(
            "backup job",
            "backup jobs",
            None if self.filter else JOBS_NARROW_HINT,
        )
        lines = [f"Filter `{self.filter}`: {note}" if self.filter else note]
        for job in self.items:
            lines.extend(_job_lines(job))
        lines.extend(f"Note: {note}" for note in self.notes)
        return "\n".join(lines)


def _job_lines(job: BackupJobItem) -> list[str]:
    state = "enabled" if job.enabled else "DISABLED (no enabled schedule)"
    lines = [f"- {inline(job.name or '(no name)')} (id {job.id}) — {job.kind}, {state}"]
    if job.selection is not None:
        now = f" → {count_of(job.selected_vms, 'VM')} now" if job.selected_vms is not None else ""
        gone = f" ({fmt_count(job.missing_vms)} no longer exist)" if job.missing_vms else ""
        lines.append(f"  VMs: {job.selection}{now}{gone}")
    targets = []
    if job.source:
        targets.append(f"from repository {inline(job.source.label)}")
    if job.repositories:
        targets.append("repositories " + ", ".join(inline(r.label) for r in job.repositories))
    if job.srs:
        targets.append("SRs " + ", ".join(inline(sr.label) for sr in job.srs))
    if job.pools:
        targets.append("pools " + ", ".join(inline(p.label) for p in job.pools))
    if targets:
        lines.append("  Targets: " + "; ".join(targets))
    if job.schedules:
        lines.append("  Schedules: " + "; ".join(_schedule_text(s) for s in job.schedules))
    else:
        lines.append("  Schedules: none")
    run = job.last_run
    if run is None:
        lines.append("  Last run: none")
    else:
        took = f", {fmt_duration(run.duration_s)}" if run.duration_s is not None else ""
        status = "running (pending)" if run.status == "pending" else run.status
        lines.append(f"  Last run: {status}, started {run.start or 'at an unknown time'}{took}")
    return lines


RETENTION_WORDS = {
    "exportRetention": "backups kept",
    "copyRetention": "replicas kept",
    "snapshotRetention": "snapshots kept",
    "retentionXoMetadata": "XO metadata kept",
    "retentionPoolMetadata": "pool metadata kept",
    "fullInterval": "full every",
}


def _schedule_text(schedule: ScheduleInfo) -> str:
    parts = [inline(schedule.name or "(unnamed)"), f"`{inline(schedule.cron or '?')}`"]
    parts.append(inline(schedule.timezone) if schedule.timezone else "XO's local time")
    parts.append("on" if schedule.enabled else "off")
    if not schedule.counted:
        parts.append("not in the job's settings: ignored by XO")
    parts.extend(f"{RETENTION_WORDS[key]} {value}" for key, value in schedule.retention.items())
    return " ".join(parts[:2]) + " (" + ", ".join(parts[2:]) + ")"


@tool(title="List backup jobs", toolset="backups", example={"limit": 5})
async def list_backup_jobs(
    ctx: XoContext,
    filter: Filter = None,
    limit: Annotated[int, page_size(JOBS_MAX_LIMIT)] = JOBS_DEFAULT_LIMIT,
    offset: Offset = 0,
) -> BackupJobList:
    """Backup jobs of every kind (full, delta, DR, CR, rolling snapshots, metadata, mirrors): how each selects
    VMs and how many now, schedules with retention, targets by name, and the last run. Filters: `type:backup`,
    `mode:delta`, `name:prod*`. Ids are for list_backup_runs(job_id=…).
    """
    state = app_state(ctx)
    return await backup_jobs_page(state.client, filter=filter, limit=limit, offset=offset)


async def backup_jobs_page(client: XoClient, *, filter: str | None, limit: int, offset: int) -> BackupJobList:
    now_ms = time.time() * 1000
    raw: list[JsonObject] = []
    seen = 0
    async for item in client.iter_objects("backup-jobs", fields=JOB_FIELDS, filter=filter, limit=offset + limit + 1):
        seen += 1
        if offset < seen <= offset + limit:
            raw.append(item)
    more = seen > offset + limit
    total = await client.count("backup-jobs", filter=filter) if more or (offset and not raw) else seen
    schedules, repositories, pools = await gather(
        client.list_objects("schedules", fields=SCHEDULE_FIELDS),
        client.list_objects("backup-repositories", fields=["id", "name"]),
        client.list_objects("pools", fields=["id", "name_label"]),
    )
    jobs = read_jobs(raw, schedules)
    order = {str(item.get("id")): index for index, item in enumerate(raw)}
    jobs.sort(key=lambda job: order.get(job.id, 0))
    repository_names = {r["id"]: str(r.get("name") or r["id"]) for r in repositories if as_str(r.get("id"))}
    pool_names = {p["id"]: str(p.get("name_label") or p["id"]) for p in pools if as_str(p.get("id"))}
    sr_ids = {sr for job in jobs for sr in target_ids(job.raw.get("srs"))}
    last, selected, sr_names = await gather(
        newest_rows_per_job(client, [job.id for job in jobs], lambda _, rows: bool(rows), first_low_ms=now_ms - DAY_MS),
        runner_counts(client, jobs),
        names_of(client, "srs", sr_ids),
    )
    items = [
        _job_item(job, schedules, repository_names, sr_names, pool_names, last.get(job.id, []), selected, now_ms)
        for job in jobs
    ]
    notes = [
        f"job {inline(job.label)}: its smart-mode pattern makes XO's matcher fail (its runs fail too)"
        for job in jobs
        if selected.get(job.id) == (None, None)
    ]
    return BackupJobList(
        items=items,
        **Page.of(returned=len(items), total=total, offset=offset),
        notes=notes,
        filter=filter,
    )


def _job_item(
    job: Job,
    schedules: list[JsonObject],
    repository_names: dict[str, str],
    sr_names: dict[str, str],
    pool_names: dict[str, str],
    last: list[LogRow],
    selected: dict[str, tuple[int | None, int | None]],
    now_ms: float,
) -> BackupJobItem:
    raw = job.raw
    settings = as_dict(raw.get("settings"))
    own = [s for s in schedules if s.get("jobId") == job.id or as_str(s.get("id")) in settings]
    count, missing = selected.get(job.id, (None, None))
    row = last[0] if last else None
    metadata_pools = target_ids(raw.get("pools"))
    return BackupJobItem(
        id=job.id,
        name=job.name,
        type=job.type,
        kind=job_kind(raw),
        enabled=job.enabled,
        selection=describe_selection(job.pattern, pool_names) if job.is_vm_backup else None,
        selected_vms=count,
        missing_vms=missing,
        schedules=[_schedule(s, settings) for s in own if as_str(s.get("id"))],
        repositories=[NamedRef(id=r, name=repository_names.get(r)) for r in target_ids(raw.get("remotes"))],
        srs=[NamedRef(id=sr, name=sr_names.get(sr)) for sr in target_ids(raw.get("srs"))],
        source=NamedRef(id=source, name=repository_names.get(source))
        if (source := as_str(raw.get("sourceRemote")))
        else None,
        pools=[NamedRef(id=p, name=pool_names.get(p)) for p in metadata_pools],
        last_run=RunBrief(
            id=row.id,
            status=row.status,
            start=when(row.start, now_ms),
            duration_s=row.duration_ms / 1000 if row.duration_ms is not None else None,
        )
        if row is not None
        else None,
    )


def _schedule(schedule: JsonObject, settings: JsonObject) -> ScheduleInfo:
    schedule_id = str(schedule["id"])
    own = as_dict(settings.get(schedule_id))
    retention = {
        key: int(value)
        for key in RETENTION_WORDS
        if (value := as_number(own.get(key))) is not None and (value > 0 or key == "snapshotRetention")
    }
    return ScheduleInfo(
        id=schedule_id,
        name=as_str(schedule.get("name")),
        cron=as_str(schedule.get("cron")),
        timezone=as_str(schedule.get("timezone")),
        enabled=schedule.get("enabled") is True,
        counted=schedule_id in settings,
        retention=retention,
    )


# list_backup_runs ---------------------------------------------------------------------------------------------


class VmOutcome(BaseModel):
    id: str | None = None
    name: str | None = None
    status: str
    error: str | None = None
    doc: int | None = Field(default=None, description="index in `docs` of the section explaining the error")


class StepOutcome(BaseModel):
    """A run's step that is no VM (opening a repository, an SR, a pool's metadata)."""

    task: str
    subject: str | None = None
    status: str
    error: str | None = None
    doc: int | None = None


class RunItem(BaseModel):
    id: str
    job: NamedRef
    status: str
    start: str | None = None
    end: str | None = None
    duration_s: float | None = None
    vms_total: int = Field(description="VMs with a task in the run (a VM retried counts once per task)")
    vms_by_status: dict[str, int] = {}
    vms: list[VmOutcome] = Field(default=[], description="the VMs that did not succeed (or the VM asked for)")
    steps: list[StepOutcome] = []
    error: str | None = Field(default=None, description="the run's own error")
    doc: int | None = None
    not_reached: int = Field(default=0, description="VMs the run lists but had not reached (yet)")
    deep: bool = Field(default=False, description="the log's tree is deeper than XO writes; the rest was not read")


class BackupRunList(Page):
    items: list[RunItem]
    docs: list[DocRef] = Field(default=[], description="documentation sections explaining the errors")
    vm: NamedRef | None = None
    job: NamedRef | None = None
    status: str | None = None
    since: str | None = None

    def render(self) -> str:
        scope = []
        if self.job:
            scope.append(f"job {inline(self.job.label)}")
        if self.vm:
            scope.append(f"VM {inline(self.vm.label)}")
        if self.status:
            scope.append(f"status {self.status}")
        if self.since:
            scope.append(f"since {self.since}")
        note = self.note("backup run", "backup runs", None if scope else "job_id, vm_id, status or since_hours")
        lines = [(f"Runs of {', '.join(scope)}, newest first: " if scope else "Newest first: ") + note]
        for run in self.items:
            lines.extend(_run_lines(run))
        for number, doc in enumerate(self.docs, 1):
            lines.append(f"[doc {number}] {doc.heading}: {doc.url}")
        return "\n".join(lines)


def _doc_mark(index: int | None) -> str:
    return f" [doc {index + 1}]" if index is not None else ""


def _run_lines(run: RunItem) -> list[str]:
    took = f", {fmt_duration(run.duration_s)}" if run.duration_s is not None else ""
    status = "pending (running)" if run.status == "pending" else run.status
    counts = ", ".join(f"{fmt_count(n)} {state}" for state, n in run.vms_by_status.items())
    vms = f" — VMs: {counts}" if counts else ""
    if run.not_reached:
        vms += f", {fmt_count(run.not_reached)} not reached"
    lines = [f"- {run.start or '?'} · {inline(run.job.label)} · {status}{took}{vms}"]
    for vm in run.vms[:MAX_VM_LINES]:
        error = f": {vm.error}" if vm.error else ""
        lines.append(f"  {inline(vm.name or vm.id or '?')} ({vm.id}) {vm.status}{error}{_doc_mark(vm.doc)}")
    if len(run.vms) > MAX_VM_LINES:
        lines.append(f"  (+{fmt_count(len(run.vms) - MAX_VM_LINES)} more VMs not successful)")
    for step in run.steps:
        subject = f" {inline(step.subject)}" if step.subject else ""
        error = f": {step.error}" if step.error else ""
        lines.append(f"  {step.task}{subject} {step.status}{error}{_doc_mark(step.doc)}")
    if run.error and not any(vm.error for vm in run.vms) and not any(step.error for step in run.steps):
        lines.append(f"  error: {run.error}{_doc_mark(run.doc)}")
    elif run.error:
        lines.append(f"  run: {run.error}{_doc_mark(run.doc)}")
    if run.deep:
        lines.append("  (the log is deeper than XO writes it: its lowest levels were not read)")
    return lines


@tool(title="List backup runs", toolset="backups", example={"limit": 5})
async def list_backup_runs(
    ctx: XoContext,
    job_id: Annotated[XoId, object_id(BACKUP_JOB)] | None = None,
    vm_id: Annotated[XoId, object_id(VM)] | None = None,
    status: RunStatus | None = None,
    since_hours: SinceHours | None = None,
    limit: Annotated[int, page_size(RUNS_MAX_LIMIT)] = RUNS_DEFAULT_LIMIT,
    offset: Offset = 0,
) -> BackupRunList:
    """Backup runs, newest first: job, status, duration, each VM's outcome, errors with the documentation
    section that explains them. "Why did last night's backup of VM X fail?": list_backup_runs(vm_id=…,
    since_hours=24). status: success, failure, interrupted, skipped or pending (running).
    """
    state = app_state(ctx)
    return await backup_runs_page(
        state.client,
        state.docs,
        job_id=job_id,
        vm_id=vm_id,
        status=status,
        since_hours=since_hours,
        limit=limit,
        offset=offset,
    )


async def backup_runs_page(
    client: XoClient,
    docs: DocsLibrary,
    *,
    job_id: XoId | None,
    vm_id: XoId | None,
    status: str | None,
    since_hours: int | None,
    limit: int,
    offset: int,
) -> BackupRunList:
    now_ms = time.time() * 1000
    job, vm = await gather(_named_object(client, job_id, "name"), _named_object(client, vm_id, "name_label"))
    since_ms = now_ms - since_hours * HOUR_MS if since_hours is not None else None
    query = all_of(
        exactly("jobId", [job_id]) if job_id else None,
        f"status:/^{status}$/" if status else None,
        f"|(infos:{quoted(vm_id)} tasks:{quoted(vm_id)})" if vm_id else None,
    )
    rows: list[LogRow] = []
    windows = window_bounds(now_ms, since_ms)
    complete = True
    for number, (low, high) in enumerate(windows, 1):
        rows.extend(
            row
            for row in await rows_in(client, low, high, filter=query)
            if (job_id is None or row.job_id == job_id) and (status is None or row.status == status)
        )
        if len(rows) > offset + limit and number < len(windows):
            complete = False  # older windows hold more: XO counts them
            break
    page = rows[offset : offset + limit]
    if complete:
        total = len(rows)
    else:
        total = await client.count("backup-logs", filter=all_of(query, window_term(since_ms, None)))
    trees = await trees_of(client, page)
    runs = [read_tree(trees[row.id], row) if row.id in trees else RunTree(row=row) for row in page]
    answer = BackupRunList(
        items=[],
        **Page.of(returned=len(page), total=max(total, len(rows)), offset=offset),
        vm=vm,
        job=job,
        status=status,
        since=when(int(since_ms), now_ms) if since_ms is not None else None,
    )
    read = [tree for tree in runs if tree is not None]
    subjects = await _subject_names(client, read)
    items = [_run_item(tree, vm, subjects, now_ms) for tree in read]
    await _link_docs(docs, answer, items)
    answer.items = items
    return answer


async def _named_object(client: XoClient, object_id: XoId | None, name_field: str) -> NamedRef | None:
    """The object an argument names, checked first: an unknown id is "No backup job/VM with id …" naming the
    tool that lists valid ids."""
    if object_id is None:
        return None
    found = await client.get_object(object_id)
    return NamedRef(id=object_id, name=as_str(found.get(name_field)))


def _run_item(tree: RunTree, vm: NamedRef | None, subjects: dict[tuple[str, str], str], now_ms: float) -> RunItem:
    row = tree.row
    vm_tasks = tree.vm_tasks
    counts = Counter(task.status for task in vm_tasks)
    if vm is not None:
        outcomes = [_vm_outcome(task) for task in vm_tasks if task.subject_id == vm.id]
        if not outcomes and vm.id in tree.listed_vms:
            outcomes = [VmOutcome(id=vm.id, name=vm.name, status="not reached")]
    else:
        outcomes = [_vm_outcome(task) for task in vm_tasks if task.status != "success"]
    with_tasks = {task.subject_id for task in vm_tasks}
    not_reached = sum(1 for listed in set(tree.listed_vms) if listed not in with_tasks)
    steps = [task for task in tree.tasks if task.subject_type != "VM" and task.status != "success"]
    return RunItem(
        id=row.id,
        job=NamedRef(id=row.job_id or "?", name=row.job_name),
        status=row.status,
        start=when(row.start, now_ms),
        end=when(row.end, now_ms),
        duration_s=row.duration_ms / 1000 if row.duration_ms is not None else None,
        vms_total=len(vm_tasks),
        vms_by_status=dict(sorted(counts.items(), key=lambda item: item[0] != "success")),
        vms=outcomes[:MAX_VM_OUTCOMES],
        steps=[_step(task, subjects) for task in steps[:MAX_VM_LINES]],
        error=tree.error,
        not_reached=not_reached if row.status in ("pending", "interrupted") else 0,
        deep=tree.deep,
    )


def _vm_outcome(task: TaskOutcome) -> VmOutcome:
    return VmOutcome(id=task.subject_id, name=task.subject_name, status=task.status, error=task.error)


SUBJECT_WORDS = {"remote": "repository", "SR": "SR", "pool": "pool", "xo": "XO configuration"}


def _step(task: TaskOutcome, subjects: dict[tuple[str, str], str]) -> StepOutcome:
    kind, subject_id = task.subject_type, task.subject_id
    word = SUBJECT_WORDS.get(kind or "", kind)
    if kind and subject_id:
        subject: str | None = f"{word} {subjects.get((kind, subject_id), subject_id)}"
    else:
        subject = word
    return StepOutcome(task=task.name, subject=subject, status=task.status, error=task.error)


async def _subject_names(client: XoClient, trees: Iterable[RunTree]) -> dict[tuple[str, str], str]:
    """Names of the repositories, SRs and pools that failed steps are about (a request per kind present)."""
    wanted: dict[str, set[str]] = {}
    for tree in trees:
        for task in tree.tasks:
            if task.subject_type in ("remote", "SR", "pool") and task.subject_id and task.status != "success":
                wanted.setdefault(task.subject_type, set()).add(task.subject_id)
    found: dict[tuple[str, str], str] = {}
    if "remote" in wanted:
        for remote in await client.list_objects("backup-repositories", fields=["id", "name"]):
            if (remote_id := as_str(remote.get("id"))) in wanted["remote"] and (name := as_str(remote.get("name"))):
                found["remote", remote_id] = name
    for kind, collection in (("SR", "srs"), ("pool", "pools")):
        if kind in wanted:
            found.update(((kind, i), name) for i, name in (await names_of(client, collection, wanted[kind])).items())
    return found


async def _link_docs(docs: DocsLibrary, answer: BackupRunList, items: list[RunItem]) -> None:
    """Number the documentation sections the errors point to, once each."""
    texts = [
        *(vm.error for item in items for vm in item.vms),
        *(step.error for item in items for step in item.steps),
        *(item.error for item in items),
    ]
    found = await doc_refs(docs, texts)
    index: dict[str, int] = {}
    for text in dict.fromkeys(t for t in texts if t):
        doc = found.get(text)
        if doc is not None:
            index[text] = next((i for i, d in enumerate(answer.docs) if d.url == doc.url), len(answer.docs))
            if index[text] == len(answer.docs):
                answer.docs.append(doc)
    for item in items:
        item.doc = index.get(item.error or "")
        for vm in item.vms:
            vm.doc = index.get(vm.error or "")
        for step in item.steps:
            step.doc = index.get(step.error or "")


# get_vm_details' protection line ----------------------------------------------------------------------------


class VmRunLine(BaseModel):
    job: NamedRef
    status: str
    end: str | None = None


class VmProtectionLine(BaseModel):
    """A VM's backups as XO's VM dashboard shows them (§2)."""

    state: str | None = Field(default=None, description="protected, unprotected or not-in-active-job")
    jobs: list[NamedRef] = Field(default=[], description="VM-backup jobs selecting the VM")
    last_runs: list[VmRunLine] = Field(default=[], description="the VM's 3 newest runs, newest first")
    last_backup: str | None = Field(default=None, description="the VM's newest backup archive")
    last_replication: str | None = None
    replication_sr: NamedRef | None = None
    counted_by: Literal["xo-dashboard", "computed"]

    def render(self) -> str:
        state = (self.state or "unknown").replace("-", " ")
        jobs = ", ".join(inline(job.label) for job in self.jobs) or "none"
        runs = "; ".join(
            f"{inline(run.job.label)} {run.status}{f' {run.end}' if run.end else ''}" for run in self.last_runs
        )
        parts = [f"Backups: {state}", f"jobs: {jobs}", f"last runs: {runs or 'none'}"]
        parts.append(f"last backup: {self.last_backup or 'none'}")
        replication = self.last_replication or "none"
        if self.last_replication and self.replication_sr is not None:
            replication += f" to SR {inline(self.replication_sr.label)}"
        parts.append(f"last replication: {replication}")
        return " · ".join(parts)


async def vm_protection_line(client: XoClient, vm_id: XoId, vm: JsonObject) -> VmProtectionLine:
    """From `/vms/{id}/dashboard` when XO has it and can answer (it fails with 500 on a run that lists the VM
    without a task for it), otherwise computed by the same rules."""
    now_ms = time.time() * 1000
    facts: VmBackups | None = None
    if "vm dashboard" not in client.missing_endpoints:
        try:
            dashboard = await client.get_vm_dashboard(vm_id)
            jobs = await client.list_objects("backup-jobs", fields=["id", "name"], parent=vm_id)
            facts = read_vm_dashboard(dashboard, jobs)
        except (XoAuthError, XoMcpDisabled):
            raise
        except XoNotFound:
            client.missing_endpoints.add("vm dashboard")  # the VM exists: an XO older than the route
        except XoApiError:
            pass  # a 500 or 403 there: the rules give the same answer
    if facts is None:
        facts = await computed_vm_backups(client, {**vm, "id": str(vm_id)}, now_ms=now_ms)
    names = dict(facts.jobs)
    sr = facts.replication.sr_id if facts.replication else None
    sr_names = await names_of(client, "srs", [sr]) if sr else {}
    return VmProtectionLine(
        state=facts.state,
        jobs=[NamedRef(id=job_id, name=name) for job_id, name in facts.jobs],
        last_runs=[
            VmRunLine(
                job=NamedRef(id=run.job_id or "?", name=names.get(run.job_id or "")),
                status=run.status,
                end=when(run.end, now_ms),
            )
            for run in facts.last_runs
        ],
        last_backup=when(facts.last_backup[0], now_ms) if facts.last_backup else None,
        last_replication=when(facts.replication.timestamp, now_ms) if facts.replication else None,
        replication_sr=NamedRef(id=sr, name=sr_names.get(sr)) if sr else None,
        counted_by="xo-dashboard" if facts.source == "xo-dashboard" else "computed",
    )


TOOLS = (get_backup_status, list_backup_jobs, list_backup_runs)
