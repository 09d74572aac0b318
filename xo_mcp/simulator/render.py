"""Answer bodies, byte-compatible with xo-server: Express `res.json` with 2-space indentation,
NDJSON lines, and the REST API's markdown tables. Collection bodies are produced incrementally."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"
NDJSON_TYPE = "application/x-ndjson"
MARKDOWN_TYPE = "text/markdown; charset=utf-8"


def pretty_json(value: Any) -> bytes:
    """Express with `json spaces = 2` (JSON.stringify(value, null, 2))."""
    return json.dumps(value, indent=2, ensure_ascii=False).encode("utf-8", "surrogatepass")


_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
"""`json.dumps` with these settings, built once (it builds an encoder per call): every NDJSON line goes through it."""


def compact_json(value: Any) -> str:
    return _COMPACT.encode(value)


def pretty_array_chunks(items: Iterable[Any]) -> Iterator[str]:
    """The same text as `JSON.stringify(list, null, 2)`, one item at a time."""
    first = True
    for item in items:
        # JSON strings never hold a raw newline, so every newline is a line break to indent.
        text = json.dumps(item, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        yield ("[\n  " if first else ",\n  ") + text
        first = False
    yield "[]" if first else "\n]"


def ndjson_chunks(items: Iterable[Any]) -> Iterator[str]:
    for item in items:
        yield compact_json(item) + "\n"


def js_number(value: float) -> str:
    """JavaScript's `String(number)`."""
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    point = len(whole) + (int(exponent) if exponent else 0) - (len(whole + fraction) - len(digits))
    digits = digits.rstrip("0") or "0"
    count = len(digits)
    if count <= point <= 21:
        text = digits + "0" * (point - count)
    elif 0 < point <= 21:
        text = f"{digits[:point]}.{digits[point:]}"
    elif -6 < point <= 0:
        text = "0." + "0" * -point + digits
    else:
        power = point - 1
        head = digits if count == 1 else f"{digits[0]}.{digits[1:]}"
        text = f"{head}e{'+' if power >= 0 else '-'}{abs(power)}"
    return sign + text


def _cell(value: Any) -> str:
    if value is None:
        text = ""
    elif isinstance(value, dict | list):
        text = compact_json(value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = js_number(value)
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_chunks(items: Iterable[Any]) -> Iterator[str]:
    """No results, href lines, or a table whose columns are the first item's keys (minus href)."""
    columns: list[str] | None = None
    empty = True
    for item in items:
        if isinstance(item, str):
            yield item if empty else "\n" + item
        else:
            if columns is None:
                columns = [key for key in item if key != "href"]
                yield f"| {' | '.join(columns)} |\n| {' | '.join('---' for _ in columns)} |"
            yield f"\n| {' | '.join(_cell(item.get(column)) for column in columns)} |"
        empty = False
    if empty:
        yield "No results."
