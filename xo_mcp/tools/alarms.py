"""Alarms (XAPI messages reshaped by XO): one short line each, on objects named, newest first."""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import AsyncIterable, Iterable

from pydantic import BaseModel

from xo_mcp.client import XoClient
from xo_mcp.coerce import JsonObject, as_dict, as_number, as_str, ms_to_datetime, utc_text
from xo_mcp.errors import XoMcpError
from xo_mcp.tools.names import COLLECTION_OF_TYPE, names_of

ALARM_FIELDS = ("id", "name", "time", "body", "object", "$pool")
"""What an alarm line needs from /alarms."""
MAX_ALARMS = 5
"""Alarms shown inline in a details or dashboard answer."""


class AlarmLine(BaseModel):
    name: str
    value: str | None = None
    time: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    object_name: str | None = None


def alarm_line(alarm: JsonObject) -> AlarmLine:
    body = as_dict(alarm.get("body"))
    target = as_dict(alarm.get("object"))
    metric = body.get("name")
    value = body.get("value")
    name = str(alarm.get("name") or "alarm")
    return AlarmLine(
        name=f"{name} {metric}" if isinstance(metric, str) and metric and metric not in name else name,
        value=f"{value}%" if isinstance(value, str) and _is_number(value) else (str(value) if value else None),
        # Alarm times are milliseconds (XO multiplies the XAPI seconds by 1000).
        time=utc_text(ms_to_datetime(alarm.get("time"))),
        object_type=as_str(target.get("type")),
        object_id=as_str(target.get("uuid")),
    )


async def named_alarm_lines(client: XoClient, alarms: Iterable[JsonObject]) -> list[AlarmLine]:
    """Alarm lines with the name of the object each is raised on (one request per object type).

    An object whose name cannot be read (gone, or not readable by this user) keeps its id.
    """
    lines = [alarm_line(alarm) for alarm in alarms]
    wanted: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        if line.object_type in COLLECTION_OF_TYPE and line.object_id:
            wanted[COLLECTION_OF_TYPE[line.object_type]].add(line.object_id)
    names: dict[str, str] = {}
    for collection, ids in wanted.items():
        try:
            names.update(await names_of(client, collection, ids))
        except XoMcpError:
            continue  # names are a nicety: the ids stay
    for line in lines:
        line.object_name = names.get(line.object_id or "")
    return lines


async def newest(alarms: AsyncIterable[JsonObject], count: int) -> tuple[list[JsonObject], int]:
    """The ``count`` newest alarms of a stream and how many there were, holding only ``count`` at a time."""
    total = 0
    kept: list[tuple[float, int, JsonObject]] = []
    async for alarm in alarms:
        total += 1
        entry = (as_number(alarm.get("time")) or 0.0, total, alarm)
        if len(kept) < count:
            heapq.heappush(kept, entry)
        else:
            heapq.heappushpop(kept, entry)
    return [alarm for _, _, alarm in sorted(kept, reverse=True)], total


def render_alarm(alarm: AlarmLine, *, subject_id: str | None = None) -> str:
    """`ALARM cpu_usage 95.2% on host xcp-01 at 2026-11-30 14:05 UTC`; no object when it is the subject."""
    parts = [alarm.name]
    if alarm.value:
        parts.append(alarm.value)
    if alarm.object_type and alarm.object_id != subject_id:
        parts.append(f"on {alarm.object_type} {alarm.object_name or alarm.object_id or ''}".rstrip())
    if alarm.time:
        parts.append(f"at {alarm.time}")
    return " ".join(parts)


def _is_number(text: str) -> bool:
    # XO sends "NaN" or "Infinity" when the metric has no value: not a percentage.
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
