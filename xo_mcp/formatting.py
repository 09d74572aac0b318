"""Pure rendering for a language model: compact markdown tables and lines, units stated."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from xo_mcp.coerce import utc_text

_MAX_CELL = 60
_MAX_LIST_ITEMS = 4
GIB = 1024**3
MIB = 1024**2


def fmt_bytes(value: Any) -> str:
    """Bytes as a short human figure with its unit (XO reports sizes in bytes)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    size = float(value)
    for unit, factor in (("TiB", 1024**4), ("GiB", GIB), ("MiB", MIB), ("KiB", 1024)):
        if abs(size) >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{int(size)} B"


def fmt_percent(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return f"{value:.0f}%"


def fmt_percent1(value: float) -> str:
    """A percentage with one decimal: `84.6%`."""
    return f"{value:.1f}%"


def fmt_duration(seconds: float) -> str:
    """A span of time in the two largest units: `42 s`, `5 min 3 s`, `1 h 05 min`, `3 d 4 h`."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def fmt_age(moment: datetime, now: datetime) -> str:
    """How far ``moment`` is from ``now``, in its largest unit: `3 d ago`, `5 h ago`, `in 12 d`."""
    seconds = (now - moment).total_seconds()
    span = abs(seconds)
    if span < 60:
        return "just now"
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if span >= size:
            amount = f"{int(span // size)} {unit}"
            return f"{amount} ago" if seconds > 0 else f"in {amount}"
    return "just now"  # pragma: no cover - the loop always returns


def fmt_when(moment: datetime | None, now: datetime) -> str | None:
    """`2026-11-30 14:05 UTC (3 d ago)`: the one way answers write an instant."""
    if moment is None:
        return None
    return f"{utc_text(moment)} ({fmt_age(moment, now)})"


def fmt_count(value: int | float) -> str:
    """A count with thousands separators: every figure in every answer is written this way."""
    return f"{value:,.0f}"


def count_of(value: int, singular: str, plural: str | None = None) -> str:
    """`1 VM`, `2 VMs`, `10,000 hosts`."""
    return f"{fmt_count(value)} {singular if value == 1 else plural or singular + 's'}"


def inline(text: str) -> str:
    """Text from XO (names, descriptions) made safe for one line of an answer: line breaks become spaces."""
    return " ".join(text.splitlines()) if "\n" in text or "\r" in text else text


def cell_text(text: str) -> str:
    """Text from XO for a table cell, whole: one line, pipes escaped (`cell` also caps and summarises)."""
    return inline(text).replace("|", "\\|")


def os_name(name: str) -> str:
    """A guest OS name without what Windows agents append: `Microsoft Windows Server 2022|C:\\Windows|…`."""
    return name.split("|", 1)[0].strip()


_ABSENT = object()


def _walk(item: Mapping[str, Any], path: str) -> Any:
    current: Any = item
    for part in path.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _ABSENT
    return current


def lookup(item: Mapping[str, Any], path: str) -> Any:
    """Value at a dotted path (`CPUs.max`), as XO's lodash-pick nests it; None when absent."""
    value = _walk(item, path)
    return None if value is _ABSENT else value


def has_path(item: Mapping[str, Any], path: str) -> bool:
    """Whether the dotted path exists, even holding null (XO omits unknown properties altogether)."""
    return _walk(item, path) is not _ABSENT


def cell(field: str, value: Any) -> str:
    """One table cell: XO's common nested shapes summarised, everything else compact and capped."""
    text = _known_shape(field, value)
    if text is None:
        text = _plain(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def _known_shape(field: str, value: Any) -> str | None:
    leaf = field.rsplit(".", 1)[-1]
    if isinstance(value, Mapping):
        if leaf == "os_version" and isinstance(value.get("name"), str):
            return os_name(value["name"])
        if leaf == "memory" and "size" in value:
            usage = value.get("usage")
            size = fmt_bytes(value.get("size"))
            return f"{fmt_bytes(usage)} / {size}" if isinstance(usage, int | float) and usage else size
        if leaf == "CPUs" and "number" in value:
            return str(value.get("number"))
        if leaf == "CPUs" and "cpu_count" in value:
            return str(value.get("cpu_count"))
        if leaf == "cpus" and "cores" in value:
            return f"{value.get('cores')} cores / {value.get('sockets')} sockets"
    if leaf in {"size", "usage", "physical_usage"} and isinstance(value, int) and not isinstance(value, bool):
        return fmt_bytes(value)
    return None


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        shown = ", ".join(_plain(v) for v in value[:_MAX_LIST_ITEMS])
        more = len(value) - _MAX_LIST_ITEMS
        return f"{shown} (+{more})" if more > 0 else shown
    if isinstance(value, Mapping):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


# Column names for dotted paths whose meaning the path hides.
_COLUMN_LABELS = {
    "CPUs.number": "vCPUs",
    "CPUs.max": "max vCPUs",
    "memory.size": "memory",
    "memory.usage": "memory used",
}


def _label(field: str, cells: Sequence[str]) -> str:
    if field == "memory":
        # The cell is "used / size" when the guest reports usage, else the size alone: say which.
        return "memory (used / size)" if any(" / " in text for text in cells) else "memory (size)"
    return _COLUMN_LABELS.get(field, field)


def object_table(items: Sequence[Mapping[str, Any]], fields: Sequence[str], *, keep: Sequence[str] = ("id",)) -> str:
    """A table of ``items``; a column with one value in every row (3+ rows) is said once above it instead."""
    rows = [[cell(f, lookup(item, f)) for f in fields] for item in items]
    columns = [[row[i] for row in rows] for i in range(len(fields))]
    labels = [_label(f, columns[i]) for i, f in enumerate(fields)]
    constant = [i for i, f in enumerate(fields) if len(rows) >= 3 and f not in keep and len(set(columns[i])) == 1]
    lines = []
    if constant:
        same = ", ".join(f"{labels[i]} = {rows[0][i] or '(empty)'}" for i in constant)
        # "shown": a page says nothing of the rows it does not hold.
        lines.append(f"All {len(rows)} rows shown have {same}.")
    shown = [i for i in range(len(fields)) if i not in constant]
    lines.append(table([labels[i] for i in shown], ([row[i] for i in shown] for row in rows)))
    return "\n".join(lines)


def page_note(
    *,
    singular: str,
    plural: str,
    returned: int,
    offset: int,
    total: int,
    truncated: bool,
    narrow_hint: str | None,
    pageable: bool = True,
) -> str:
    """The line that says exactly what part of the result the model is looking at.

    ``narrow_hint`` is how to narrow the list (None when a filter is already applied: narrow that).
    """
    if returned == 0:
        if offset and total:
            matches = count_of(total, "match", "matches")
            return f"Offset {fmt_count(offset)} is past the {matches}: use an offset below {fmt_count(total)}."
        return f"No {plural} matched."
    if not truncated and offset == 0:
        return f"{count_of(returned, singular, plural)}."
    span = f"{fmt_count(offset + 1)}–{fmt_count(offset + returned)}"
    line = f"{plural[:1].upper()}{plural[1:]} {span} of {fmt_count(total)}"
    if truncated:
        remaining = fmt_count(total - offset - returned)
        next_page = f"offset={offset + returned} for the next page, or " if pageable else ""
        narrow = f"narrow with {narrow_hint}" if narrow_hint else "narrow the filter"
        line += f" (TRUNCATED: {remaining} more; {next_page}{narrow})"
    return line + "."
