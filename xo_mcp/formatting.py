"""Pure rendering for a language model: compact markdown tables and lines, units stated."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

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


def fmt_count(value: int) -> str:
    return f"{value:,}"


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


def object_table(items: Sequence[Mapping[str, Any]], fields: Sequence[str], *, keep: Sequence[str] = ("id",)) -> str:
    """A table of ``items``; a column with one value in every row (3+ rows) is said once above it instead."""
    rows = [[cell(f, lookup(item, f)) for f in fields] for item in items]
    constant = [
        i for i, f in enumerate(fields) if len(rows) >= 3 and f not in keep and len({row[i] for row in rows}) == 1
    ]
    lines = []
    if constant:
        same = ", ".join(f"{_COLUMN_LABELS.get(fields[i], fields[i])} = {rows[0][i] or '(empty)'}" for i in constant)
        lines.append(f"All rows: {same}.")
    shown = [i for i in range(len(fields)) if i not in constant]
    lines.append(
        table([_COLUMN_LABELS.get(fields[i], fields[i]) for i in shown], ([row[i] for i in shown] for row in rows))
    )
    return "\n".join(lines)


def page_note(
    *,
    noun: str,
    returned: int,
    offset: int,
    total: int | None,
    truncated: bool,
    narrow_hint: str,
    pageable: bool = True,
    total_at_least: int | None = None,
) -> str:
    """The line that says exactly what part of the result the model is looking at."""
    if returned == 0:
        where = f" at offset {offset}" if offset else ""
        return f"No {noun} matched{where}."
    span = f"{offset + 1}–{offset + returned}"
    if total is not None:
        of_total = f" of {fmt_count(total)}"
    elif total_at_least is not None:
        of_total = f" of {fmt_count(total_at_least - 1)}+"
    else:
        of_total = ""
    line = f"{fmt_count(returned)} {noun} ({span}{of_total})."
    if truncated:
        remaining = f"{fmt_count(total - offset - returned)} more" if total is not None else "more"
        next_page = f"call again with offset={offset + returned}, or " if pageable else ""
        line += (
            f" TRUNCATED: {remaining} available — {next_page}narrow with {narrow_hint}. "
            f"Do not draw conclusions about all {noun} from this page."
        )
    return line
