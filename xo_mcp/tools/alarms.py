"""Alarm objects (XAPI messages reshaped by XO) as one short line each."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from xo_mcp.client import JsonObject, as_dict
from xo_mcp.models import AlarmLine


def alarm_line(alarm: JsonObject) -> AlarmLine:
    body = as_dict(alarm.get("body"))
    target = as_dict(alarm.get("object"))
    metric = body.get("name")
    value = body.get("value")
    name = str(alarm.get("name") or "alarm")
    return AlarmLine(
        name=f"{name} {metric}" if isinstance(metric, str) and metric and metric not in name else name,
        value=f"{value}%" if isinstance(value, str) and _is_number(value) else (str(value) if value else None),
        time=_ms_timestamp(alarm.get("time")),
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


def _ms_timestamp(value: Any) -> str | None:
    # Alarm times are milliseconds (XO multiplies the XAPI seconds by 1000).
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        return None
    return datetime.fromtimestamp(value / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
