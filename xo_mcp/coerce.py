"""Coercions from XO's JSON to the types answers use: every tool reads numbers, times and shapes this way.

XO's objects are loosely typed (numbers may be strings, a map may be null, booleans are not numbers), so a
value is taken only when it has the expected type, and None otherwise.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

JsonObject = dict[str, Any]


def as_dict(value: Any) -> JsonObject:
    """A nested XO object, or {} when the property is absent, null or of another type."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dicts(value: Any) -> list[JsonObject]:
    """The objects of a list, skipping anything else."""
    return [item for item in as_list(value) if isinstance(item, dict)]


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def as_number(value: Any) -> float | None:
    """A JSON number (never a boolean: Python's True == 1 must not count as a figure)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def as_int(value: Any) -> int | None:
    number = as_number(value)
    return int(number) if number is not None else None


def as_count(value: Any) -> int | None:
    """A whole, non-negative number (a count XO reports), or None."""
    number = as_number(value)
    return int(number) if number is not None and number >= 0 and number == int(number) else None


def as_counts(value: Any, keys: tuple[str, ...]) -> dict[str, int] | None:
    """The counts of an XO object under ``keys`` when every one of them is a count, else None."""
    data = as_dict(value)
    counts: dict[str, int] = {}
    for key in keys:
        if (count := as_count(data.get(key))) is None:
            return None
        counts[key] = count
    return counts


def as_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def seconds_to_datetime(value: Any) -> datetime | None:
    """XO's XAPI-derived times (startTime, snapshot_time…) are seconds since the epoch; 0 means unknown."""
    seconds = as_number(value)
    if seconds is None or seconds <= 0:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def ms_to_datetime(value: Any) -> datetime | None:
    """XO's own times (alarms, tasks, backup logs) are milliseconds since the epoch."""
    milliseconds = as_number(value)
    if milliseconds is None or milliseconds <= 0:
        return None
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


def utc_text(moment: datetime | None) -> str | None:
    """`2026-11-30 14:05 UTC`: the one way answers write a time."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else None
