"""Alarms (XAPI messages reshaped by XO): one short line each, shared by every answer that shows them."""

from __future__ import annotations

import math

from pydantic import BaseModel

from xo_mcp.coerce import JsonObject, as_dict, ms_to_datetime, utc_text

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
        object_type=target.get("type"),
        object_id=target.get("uuid"),
    )


def render_alarm(alarm: AlarmLine) -> str:
    parts = [alarm.name]
    if alarm.value:
        parts.append(alarm.value)
    if alarm.object_type:
        parts.append(f"on {alarm.object_type} {alarm.object_id or ''}".rstrip())
    if alarm.time:
        parts.append(f"at {alarm.time}")
    return " ".join(parts)


def _is_number(text: str) -> bool:
    # XO sends "NaN" or "Infinity" when the metric has no value: not a percentage.
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
