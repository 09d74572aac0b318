"""list_tasks: XO's tasks, running ones first then newest first, each with its object named and, when it
failed, its error on one line (CONTRACT-2 §7)."""

from __future__ import annotations

from collections.abc import AsyncIterable
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PrivateAttr

from xo_mcp.arguments import Offset, page_size
from xo_mcp.client import XoClient
from xo_mcp.coerce import JsonObject, as_dict, as_number, as_str, ms_to_datetime
from xo_mcp.formatting import fmt_duration, fmt_when, inline
from xo_mcp.tools.base import XoContext, app_state, gather, tool
from xo_mcp.tools.listing import Page, first_by
from xo_mcp.tools.names import COLLECTION_OF_TYPE, known_names

TaskStatus = Literal["pending", "success", "failure", "interrupted"]
TASKS_DEFAULT_LIMIT = 50
TASKS_MAX_LIMIT = 500
MAX_ERROR_CHARS = 200
TASK_FIELDS = (
    "id",
    "start",
    "end",
    "status",
    "abortionRequestedAt",
    "properties.name",
    "properties.method",
    "properties.objectId",
    "properties.progress",
    "properties.jobName",
    "result.message",
)
"""What a task line needs: never `result` whole (a successful call's return value can be large)."""
OBJECT_TYPES = ("VM", "host", "SR", "pool", "network", "VDI")
"""Where a task's `objectId` is looked for (XO's type words): tasks do not say the type of their object."""


class TaskLine(BaseModel):
    id: str
    name: str
    status: str
    progress: float | None = Field(default=None, description="percent, while pending")
    start: str | None = None
    duration_s: float | None = Field(default=None, description="end − start; now − start while pending")
    object_id: str | None = None
    object: str | None = None
    error: str | None = None
    abort_requested: bool | None = None


class TaskList(Page):
    items: list[TaskLine]

    _status: str | None = PrivateAttr(default=None)

    def render(self) -> str:
        plural = f"{self._status} tasks" if self._status else "tasks"
        note = self.note(
            plural[:-1], plural, None if self._status else "status=failure (or pending, success, interrupted)"
        )
        lines = [note + (" Running first, then newest first." if self.items and not self._status else "")]
        lines.extend(f"- {_line(task)}" for task in self.items)
        return "\n".join(lines)


def _line(task: TaskLine) -> str:
    status = task.status
    if task.status == "pending":
        status = "running" + (f" {task.progress:.0f}%" if task.progress is not None else "")
    parts = [f"{inline(task.name)}: {status}"]
    if task.start:
        parts.append(f"started {task.start}")
    if task.duration_s is not None:
        parts.append(f"{'for' if task.status == 'pending' else 'took'} {fmt_duration(task.duration_s)}")
    elif task.status == "interrupted":
        parts.append("never ended (XO restarted)")
    if task.object or task.object_id:
        parts.append(f"on {inline(task.object or task.object_id or '')}")
    if task.abort_requested:
        parts.append("abort requested")
    text = ", ".join(parts)
    return f"{text} — error: {task.error}" if task.error else text


@tool(title="List tasks", example={"limit": 5})
async def list_tasks(
    ctx: XoContext,
    status: TaskStatus | None = None,
    limit: Annotated[int, page_size(TASKS_MAX_LIMIT)] = TASKS_DEFAULT_LIMIT,
    offset: Offset = 0,
) -> TaskList:
    """XO tasks (migrations, exports, API calls, backup runs), running first then newest: status, progress,
    duration, the object by name, a failed task's error. For "what failed today?" or "what is running?".
    """
    client = app_state(ctx).client
    stream = client.iter_objects("tasks", fields=TASK_FIELDS, filter=f"status:{status}" if status else None)
    kept, total = await _running_then_newest(stream, offset + limit)
    now = datetime.now(UTC)
    items = [_task_line(task, now) for task in kept[offset:]]
    await _name_objects(client, items)
    result = TaskList(
        items=items,
        **Page.of(returned=len(items), total=total, offset=offset),
    )
    result._status = status
    return result


async def _running_then_newest(tasks: AsyncIterable[JsonObject], count: int) -> tuple[list[JsonObject], int]:
    """The first ``count`` tasks in answer order (pending first, then by start, newest first; XO's order on
    ties), and how many there were, holding only ``count`` at a time."""
    return await first_by(
        tasks, count, lambda task: (task.get("status") == "pending", as_number(task.get("start")) or 0.0)
    )


def _task_line(task: JsonObject, now: datetime) -> TaskLine:
    properties = as_dict(task.get("properties"))
    status = as_str(task.get("status")) or "unknown"
    start, end = ms_to_datetime(task.get("start")), ms_to_datetime(task.get("end"))
    duration = (end - start) if start and end else (now - start) if start and status == "pending" else None
    progress = as_number(properties.get("progress"))
    message = as_str(as_dict(task.get("result")).get("message"))
    return TaskLine(
        id=str(task.get("id")),
        name=as_str(properties.get("name")) or as_str(properties.get("method")) or "task",
        status=status,
        progress=progress if status == "pending" else None,
        start=fmt_when(start, now),
        duration_s=duration.total_seconds() if duration is not None else None,
        object_id=as_str(properties.get("objectId")),
        # A backup run names its job rather than an object.
        object=f"backup job {properties['jobName']}" if as_str(properties.get("jobName")) else None,
        error=_one_line(message) if status == "failure" and message else None,
        abort_requested=True if task.get("abortionRequestedAt") else None,
    )


def _one_line(message: str) -> str:
    text = " ".join(message.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


async def _name_objects(client: XoClient, items: list[TaskLine]) -> None:
    """`VM web-01`: tasks do not give their object's type, so each kind that may hold it is asked."""
    ids = {item.object_id for item in items if item.object_id and item.object is None}
    if not ids:
        return
    found = await gather(*(known_names(client, COLLECTION_OF_TYPE[kind], ids) for kind in OBJECT_TYPES))
    for item in items:
        for kind, names in zip(OBJECT_TYPES, found, strict=True):
            if item.object is None and (name := names.get(item.object_id or "")) is not None:
                item.object = f"{kind} {name}"


TOOLS = (list_tasks,)
