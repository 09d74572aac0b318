"""Alarms (XAPI messages reshaped by XO): one short line each, on objects named, newest first.

The lines are shared by every answer that mentions alarms (VM details, pool dashboard, host details);
`list_alarms` lists them all, with paging.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import AsyncIterable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, PrivateAttr

from xo_mcp.arguments import Filter, Offset, page_size
from xo_mcp.client import XoClient
from xo_mcp.coerce import JsonObject, as_dict, as_number, as_str, ms_to_datetime, utc_text
from xo_mcp.formatting import fmt_age, inline
from xo_mcp.tools.base import XoContext, app_state, tool
from xo_mcp.tools.listing import Page, first_by
from xo_mcp.tools.names import COLLECTION_OF_TYPE, known_names

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
    await name_alarm_objects(client, lines)
    return lines


async def name_alarm_objects(client: XoClient, lines: Sequence[AlarmLine]) -> None:
    """Fill in the name of the object each alarm is raised on, where XO lets this user read it."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        if line.object_type in COLLECTION_OF_TYPE and line.object_id:
            wanted[COLLECTION_OF_TYPE[line.object_type]].add(line.object_id)
    names: dict[str, str] = {}
    for collection, ids in wanted.items():
        names.update(await known_names(client, collection, ids))
    for line in lines:
        line.object_name = names.get(line.object_id or "")


async def newest(alarms: AsyncIterable[JsonObject], count: int) -> tuple[list[JsonObject], int]:
    """The ``count`` newest alarms of a stream and how many there were, holding only ``count`` at a time."""
    return await first_by(alarms, count, lambda alarm: as_number(alarm.get("time")) or 0.0)


def render_alarm(alarm: AlarmLine, *, subject_id: str | None = None) -> str:
    """`ALARM cpu_usage 95.2% on host xcp-01 at 2026-11-30 14:05 UTC`; no object when it is the subject."""
    parts = [alarm.name]
    if alarm.value:
        parts.append(alarm.value)
    if alarm.object_type == "unknown":
        # XO's word for an alarm whose object is gone (CONTRACT-2 §7).
        parts.append("on an object that no longer exists")
    elif alarm.object_type and alarm.object_id != subject_id:
        parts.append(f"on {alarm.object_type} {alarm.object_name or alarm.object_id or ''}".rstrip())
    if alarm.time:
        parts.append(f"at {alarm.time}")
    # An unparsable body becomes the alarm's name (CONTRACT-2 §7): XO's prose may span lines.
    return inline(" ".join(parts))


ALARMS_DEFAULT_LIMIT = 50
ALARMS_MAX_LIMIT = 500
ALARMS_NARROW_HINT = "a filter such as `object:type:host`, `body:name:cpu_usage` or `$pool:<pool id>`"


class ListedAlarm(AlarmLine):
    id: str
    age: str | None = None
    pool_id: str | None = None
    pool: str | None = None


class AlarmList(Page):
    items: list[ListedAlarm]

    _filter: str | None = PrivateAttr(default=None)

    def render(self) -> str:
        note = self.note("active alarm", "active alarms", None if self._filter else ALARMS_NARROW_HINT)
        lines = [f"Filter `{self._filter}`: {note}" if self._filter else note]
        if self.items:
            lines[0] += " Newest first."
        for alarm in self.items:
            text = render_alarm(alarm)
            if alarm.age:
                text += f" ({alarm.age})"
            if alarm.pool or alarm.pool_id:
                text += f", pool {inline(alarm.pool or alarm.pool_id or '')}"
            lines.append(f"- {inline(text)}")
        return "\n".join(lines)


@tool(title="List alarms", example={"limit": 5})
async def list_alarms(
    ctx: XoContext,
    filter: Filter = None,
    limit: Annotated[int, page_size(ALARMS_MAX_LIMIT)] = ALARMS_DEFAULT_LIMIT,
    offset: Offset = 0,
) -> AlarmList:
    """Active alarms newest first (CPU, memory, disk, network, bond, multipath): metric, value, when, the
    host/VM/SR by name, pool. Filters: `object:type:host`, `body:name:mem_usage`.
    """
    client = app_state(ctx).client
    stream = client.iter_objects("alarms", fields=ALARM_FIELDS, filter=filter)
    # Newest first needs every alarm's time; only the page's worth is ever held.
    kept, total = await newest(stream, offset + limit)
    page = kept[offset:]
    now = datetime.now(UTC)
    items = [_listed(alarm, now) for alarm in page]
    await name_alarm_objects(client, items)
    await _name_pools(client, items)
    result = AlarmList(
        items=items,
        **Page.of(returned=len(items), total=total, offset=offset),
    )
    result._filter = filter
    return result


def _listed(alarm: JsonObject, now: datetime) -> ListedAlarm:
    moment = ms_to_datetime(alarm.get("time"))
    return ListedAlarm(
        **alarm_line(alarm).model_dump(),
        id=str(alarm.get("id")),
        age=fmt_age(moment, now) if moment else None,
        pool_id=as_str(alarm.get("$pool")),
    )


async def _name_pools(client: XoClient, items: list[ListedAlarm]) -> None:
    names = await known_names(client, "pools", (item.pool_id for item in items if item.pool_id))
    for item in items:
        item.pool = names.get(item.pool_id or "")


TOOLS = (list_alarms,)


def _is_number(text: str) -> bool:
    # XO sends "NaN" or "Infinity" when the metric has no value: not a percentage.
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
