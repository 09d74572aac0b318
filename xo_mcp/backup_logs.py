"""Backup logs (CONTRACT-2 §4): finding the newest runs without reading the whole history, and reading
their trees defensively.

XO lists backup logs oldest first (`limit=N` gives the N oldest) and keeps months of them. The newest are
found by asking for time windows, newest first, with a filter on `start` (`start:>=…`, `start:<…`): light
rows (id, job, times, status) first, then the whole trees of the few runs an answer shows.

A log is read with what it holds: a missing field, a status XO does not document, a tree deeper than its
documented shape, a child that is not an object, all leave the run reported with what is known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from xo_mcp.client import XoClient
from xo_mcp.coerce import JsonObject, as_dict, as_dicts, as_list, as_number, as_str
from xo_mcp.formatting import inline
from xo_mcp.secrets import scrub_url
from xo_mcp.xo_filters import IDS_PER_FILTER, all_of, exactly

RUN_STATUSES = ("success", "failure", "interrupted", "skipped", "pending")
"""XO's statuses of a run and of its tasks: `pending` runs, `interrupted` stopped without an end."""
UNKNOWN_STATUS = "unknown"
NOT_OK = frozenset({"failure", "interrupted", "skipped"})
ROW_FIELDS = ("id", "jobId", "jobName", "start", "end", "status")
"""A run without its tree: enough to find, sort and count runs."""
TREE_FIELDS = (*ROW_FIELDS, "scheduleId", "data", "result", "tasks", "infos", "warnings")
MAX_DEPTH = 12
"""Levels of tasks read below a run (XO writes at most five: VM, export, transfer…; deeper ones are cut)."""
MAX_ERROR_CHARS = 180
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
WINDOWS_MS = (DAY_MS, 7 * DAY_MS, 31 * DAY_MS, 366 * DAY_MS)
"""How far back each successive window reaches from now (then the rest of the history)."""


def run_status(value: Any) -> str:
    """A status as XO documents it, or `unknown` (an older or newer XO, a damaged log)."""
    return value if isinstance(value, str) and value in RUN_STATUSES else UNKNOWN_STATUS


@dataclass(frozen=True)
class LogRow:
    """A backup run as a light row: enough to find, sort and count runs."""

    id: str
    job_id: str | None
    job_name: str | None
    start: int
    end: int | None
    status: str

    @staticmethod
    def parse(item: Any) -> LogRow | None:
        """The row of a log object; None for something that is no log (no id, no numeric start)."""
        data = as_dict(item)
        log_id, start = as_str(data.get("id")), as_number(data.get("start"))
        if log_id is None or start is None:
            return None
        end = as_number(data.get("end"))
        return LogRow(
            id=log_id,
            job_id=as_str(data.get("jobId")),
            job_name=as_str(data.get("jobName")),
            start=int(start),
            end=int(end) if end is not None else None,
            status=run_status(data.get("status")),
        )

    @property
    def duration_ms(self) -> int | None:
        return self.end - self.start if self.end is not None and self.end >= self.start else None


def newest_first(rows: Iterable[LogRow]) -> list[LogRow]:
    return sorted(rows, key=lambda row: (row.start, row.id), reverse=True)


# Finding runs ------------------------------------------------------------------------------------------------


def window_term(low_ms: float | None, high_ms: float | None) -> str | None:
    """Runs that started in [low, high): XO's comparison terms on `start` (milliseconds)."""
    return all_of(
        f"start:>={int(low_ms)}" if low_ms is not None else None,
        f"start:<{int(high_ms)}" if high_ms is not None else None,
    )


def window_bounds(now_ms: float, since_ms: float | None) -> list[tuple[float | None, float | None]]:
    """[low, high) windows from now back to ``since_ms`` (None: the whole history), newest first."""
    bounds: list[tuple[float | None, float | None]] = []
    high: float | None = None
    for reach in WINDOWS_MS:
        low = now_ms - reach
        if since_ms is not None and low <= since_ms:
            break
        bounds.append((low, high))
        high = low
    bounds.append((since_ms, high))
    return bounds


async def rows_in(
    client: XoClient,
    low_ms: float | None,
    high_ms: float | None,
    *,
    filter: str | None = None,
    keep: Callable[[JsonObject], bool] | None = None,
    fields: Sequence[str] = ROW_FIELDS,
) -> list[LogRow]:
    """The runs that started in [low, high) and pass ``filter`` (and ``keep``, the exact test a filter can only
    approach, on the ``fields`` read), newest first."""
    query = all_of(window_term(low_ms, high_ms), filter)
    rows = []
    async for item in client.iter_objects("backup-logs", fields=fields, filter=query):
        row = LogRow.parse(item)
        if row is not None and (keep is None or keep(item)):
            rows.append(row)
    return newest_first(rows)


def lists_vm(vm_id: str) -> Callable[[JsonObject], bool]:
    """§2/§4: the log's `vms` info names the VM."""

    def check(log: JsonObject) -> bool:
        return any(
            info.get("message") == "vms" and vm_id in as_list(as_dict(info.get("data")).get("vms"))
            for info in as_dicts(log.get("infos"))
        )

    return check


async def trees_of(client: XoClient, rows: Sequence[LogRow]) -> dict[str, JsonObject]:
    """The whole logs of ``rows`` by id (one request per 150 runs)."""
    ids = sorted({row.id for row in rows})
    found: dict[str, JsonObject] = {}
    for first in range(0, len(ids), IDS_PER_FILTER):
        chunk = ids[first : first + IDS_PER_FILTER]
        async for item in client.iter_objects("backup-logs", fields=TREE_FIELDS, filter=exactly("id", chunk)):
            log_id = as_str(item.get("id"))
            if log_id in chunk:
                found[log_id] = item
    return found


# Reading a run's tree ----------------------------------------------------------------------------------------


def error_text(result: Any) -> str | None:
    """An error's message on one line, shortened: never its stack, never credentials inside a URL."""
    if isinstance(result, str):
        message: str | None = result
    else:
        data = as_dict(result)
        message = as_str(data.get("message")) or as_str(data.get("code")) or as_str(data.get("name"))
    if not message:
        return None
    first_line = next((line.strip() for line in message.splitlines() if line.strip()), "")
    if not first_line:
        return None
    text = scrub_url(inline(first_line))
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1].rstrip() + "…"


def failure_of(task: JsonObject, depth: int = 0) -> str | None:
    """Why a task did not succeed: the error of its deepest failed (or skipped) descendant, else its own."""
    if depth < MAX_DEPTH:
        for status in ("failure", "skipped"):
            for child in as_dicts(task.get("tasks")):
                if run_status(child.get("status")) == status:
                    found = failure_of(child, depth + 1)
                    if found:
                        return found
    return error_text(task.get("result"))


def depth_of(task: JsonObject, limit: int = MAX_DEPTH + 1) -> int:
    """Levels of tasks below ``task`` (counted up to ``limit``), iteratively: a deep tree cannot overflow."""
    deepest = 0
    pending = [(task, 0)]
    while pending:
        node, level = pending.pop()
        deepest = max(deepest, level)
        if level < limit:
            pending.extend((child, level + 1) for child in as_dicts(node.get("tasks")))
    return deepest


@dataclass
class TaskOutcome:
    """A top-level task of a run: a VM's backup, or a step about a repository, an SR, a pool…"""

    name: str
    status: str
    subject_type: str | None
    subject_id: str | None
    subject_name: str | None
    error: str | None
    end: int | None


@dataclass
class RunTree:
    """What a run's log says, read defensively."""

    row: LogRow
    mode: str | None = None
    listed_vms: list[str] = field(default_factory=list)
    """The VMs the run set out to back up (its `vms` info; absent when it failed before listing them)."""
    tasks: list[TaskOutcome] = field(default_factory=list)
    error: str | None = None
    """The run's own error (its `result`)."""
    has_tasks: bool = False
    deep: bool = False
    """The tree goes deeper than XO writes: what is below MAX_DEPTH was not read."""

    @property
    def vm_tasks(self) -> list[TaskOutcome]:
        return [task for task in self.tasks if task.subject_type == "VM"]

    def vm_results(self) -> dict[str, list[bool]]:
        """§1 step 6: each top-level task with `data` gives `data.id` a success or not (a retried VM twice)."""
        results: dict[str, list[bool]] = {}
        for task in self.tasks:
            if task.subject_id is not None:
                results.setdefault(task.subject_id, []).append(task.status == "success")
        return results

    def first_error(self) -> tuple[str, TaskOutcome | None] | None:
        """The error that explains the run: a failed VM's, else a failed step's, else the run's own."""
        for statuses in (("failure",), ("skipped",)):
            for task in self.vm_tasks:
                if task.status in statuses and task.error:
                    return task.error, task
        for task in self.tasks:
            if task.status in NOT_OK and task.error:
                return task.error, task
        return (self.error, None) if self.error else None


def read_tree(log: JsonObject, row: LogRow | None = None) -> RunTree | None:
    """A run's tree from its log object (None when the object is no log)."""
    row = row or LogRow.parse(log)
    if row is None:
        return None
    tree = RunTree(row=row, mode=as_str(as_dict(log.get("data")).get("mode")), error=error_text(log.get("result")))
    for info in as_dicts(log.get("infos")):
        if info.get("message") == "vms":
            tree.listed_vms = [vm for vm in as_list(as_dict(info.get("data")).get("vms")) if isinstance(vm, str)]
    children = as_dicts(log.get("tasks"))
    tree.has_tasks = bool(as_list(log.get("tasks")))
    for child in children:
        data = as_dict(child.get("data"))
        status = run_status(child.get("status"))
        end = as_number(child.get("end"))
        tree.tasks.append(
            TaskOutcome(
                name=inline(as_str(child.get("message")) or "task"),
                status=status,
                subject_type=as_str(data.get("type")),
                subject_id=as_str(data.get("id")) if data else None,
                subject_name=as_str(data.get("name_label")),
                error=failure_of(child) if status in NOT_OK else None,
                end=int(end) if end is not None else None,
            )
        )
        tree.deep = tree.deep or depth_of(child) > MAX_DEPTH
    return tree
