"""Query strings as Express 4 (`qs`) parses them and as tsoa validates them.

`qs`: `+` is a space, a repeated key or a `key[]` key becomes an array, `key[name]` an object.
tsoa: declared parameters are type-checked; a wrong type answers 422 with an object-shaped error.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from xo_mcp.simulator.errors import SimulatedError, invalid_query

QueryValue = str | list[Any] | dict[str, Any]

_BRACKETED = re.compile(r"^([^\[\]]+)\[([^\[\]]*)\]")
# validator.js isFloat (default locale): sign, digits, optional fraction, optional exponent.
_FLOAT = re.compile(r"[-+]?[0-9]*(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")
_NOT_FLOATS = frozenset({"", ".", ",", "-", "+"})


def parse_query(raw: str) -> dict[str, QueryValue]:
    params: dict[str, QueryValue] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        match = _BRACKETED.match(key)
        if match is None:
            _merge(params, key, value)
            continue
        name, inner = match.group(1), match.group(2)
        existing = params.get(name)
        if inner == "" or inner.isdigit():
            if existing is None:
                params[name] = [value]
            elif isinstance(existing, list):
                existing.append(value)
            elif isinstance(existing, dict):
                existing[str(len(existing))] = value
            else:
                params[name] = [existing, value]
        elif isinstance(existing, dict):
            existing[inner] = value
        elif existing is None:
            params[name] = {inner: value}
        else:
            params[name] = [*(existing if isinstance(existing, list) else [existing]), value]
    return params


def _merge(params: dict[str, QueryValue], key: str, value: str) -> None:
    existing = params.get(key)
    if existing is None:
        params[key] = value
    elif isinstance(existing, list):
        existing.append(value)
    elif isinstance(existing, dict):
        existing[value] = True
    else:
        params[key] = [existing, value]


def js_parse_float(text: str) -> float:
    """`parseFloat` for strings validator.js accepted; `e3` and `.` pass validation but parse to NaN."""
    try:
        return float(text)
    except ValueError:
        return math.nan


class _Validator:
    def __init__(self, params: dict[str, QueryValue]) -> None:
        self.params = params
        self.errors: dict[str, Any] = {}

    def string(self, name: str) -> str | None:
        value = self.params.get(name)
        if value is None or isinstance(value, str):
            return value
        self.errors[name] = {"message": "invalid string value", "value": value}
        return None

    def number(self, name: str) -> float | None:
        value = self.params.get(name)
        if value is None:
            return None
        if isinstance(value, str) and value not in _NOT_FLOATS and _FLOAT.fullmatch(value):
            return js_parse_float(value)
        self.errors[name] = {"message": "invalid float number", "value": value}
        return None

    def switch(self, name: str) -> bool:
        """Validation accepts true/false in any case, but only the lowercase `true` turns the switch on."""
        value = self.params.get(name)
        if value is None:
            return False
        if isinstance(value, str) and value.lower() in {"true", "false"}:
            return value == "true"
        self.errors[name] = {"message": "invalid boolean value", "value": value}
        return False

    def check(self) -> None:
        if self.errors:
            raise invalid_query(self.errors)


@dataclass(frozen=True)
class CollectionQuery:
    fields: str | None
    filter: str | None
    limit: float | None
    ndjson: bool
    markdown: bool
    watch: bool = False


def collection_query(params: dict[str, QueryValue], *, with_watch: bool = False) -> CollectionQuery:
    validator = _Validator(params)
    query = CollectionQuery(
        fields=validator.string("fields"),
        filter=validator.string("filter"),
        limit=validator.number("limit"),
        ndjson=validator.switch("ndjson"),
        markdown=validator.switch("markdown"),
        watch=validator.switch("watch") if with_watch else False,
    )
    validator.check()
    if query.ndjson and query.markdown:
        raise SimulatedError(422, "Cannot use both ndjson and markdown output formats simultaneously", {})
    return query


def ndjson_only_query(params: dict[str, QueryValue]) -> bool:
    """Routes that only declare `ndjson` (the pool dashboard)."""
    validator = _Validator(params)
    ndjson = validator.switch("ndjson")
    validator.check()
    return ndjson
