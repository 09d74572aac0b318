"""The `fields` projection: lodash `pick` semantics, then `href` appended last.

lodash resolves each field as a literal key when the object has it (or when it has no `.`/`[`),
else as a path (`CPUs.max`, `tags[0]`, `a["b.c"]`). A path step exists when JavaScript's `in`
would say so: own keys of objects, indexes and `length` of arrays and strings. Missing paths are
skipped silently. Intermediate containers are created as arrays when the next key is an index,
so `tags.1` gives `{"tags": [null, "web"]}` (a JS array hole serialises as null).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from xo_mcp.simulator.inventory import JsonObject

_PLAIN = re.compile(r"[A-Za-z0-9_]*")
_DEEP = re.compile(r"""\.|\[(?:[^\[\]]*|(["'])(?:(?!\1)[^\\]|\\.)*?\1)\]""")
_PROP_NAME = re.compile(
    r"""[^.\[\]]+|\[(?:(-?[0-9]+(?:\.[0-9]+)?)|(["'])((?:(?!\2)[^\\]|\\.)*?)\2)\]|(?=(?:\.|\[\])(?:\.|\[\]|$))"""
)
_ESCAPE = re.compile(r"\\(\\)?")
_INDEX = re.compile(r"0|[1-9][0-9]*")
_MAX_SAFE_INTEGER = 2**53 - 1
_MISSING = object()


# An unset slot of a JS array: JSON.stringify writes it as null.
HOLE: Any = None


@lru_cache(maxsize=4096)
def string_to_path(text: str) -> tuple[str, ...]:
    result: list[str] = []
    if text.startswith("."):
        result.append("")
    for match in _PROP_NAME.finditer(text):
        number, quote, inner = match.group(1), match.group(2), match.group(3)
        if quote:
            result.append(_ESCAPE.sub(lambda m: m.group(1) or "", inner))
        else:
            result.append(number if number else match.group(0))
    return tuple(result)


def _is_key(text: str, obj: JsonObject) -> bool:
    return bool(_PLAIN.fullmatch(text)) or not _DEEP.search(text) or text in obj


def cast_path(text: str, obj: JsonObject) -> tuple[str, ...]:
    return (text,) if _is_key(text, obj) else string_to_path(text)


def _utf16_units(text: str) -> list[str]:
    encoded = text.encode("utf-16-le", "surrogatepass")
    return [encoded[i : i + 2].decode("utf-16-le", "surrogatepass") for i in range(0, len(encoded), 2)]


def _step(value: Any, key: str) -> Any:
    """`value[key]` when JavaScript's `key in Object(value)` holds for data properties, else _MISSING."""
    if isinstance(value, dict):
        return value.get(key, _MISSING)
    if isinstance(value, list | str):
        sequence: list[Any] | list[str] = _utf16_units(value) if isinstance(value, str) else value
        if key == "length":
            return len(sequence)
        if _INDEX.fullmatch(key) and int(key) < len(sequence):
            return sequence[int(key)]
    return _MISSING


def _get(obj: JsonObject, path: tuple[str, ...]) -> Any:
    value: Any = obj
    for key in path:
        value = _step(value, key)
        if value is _MISSING:
            return _MISSING
    return value


def _is_index(key: str) -> bool:
    return bool(_INDEX.fullmatch(key)) and int(key) <= _MAX_SAFE_INTEGER


def _set(target: Any, path: tuple[str, ...], value: Any) -> None:
    """lodash `baseSet` on the picked result: copies nothing from the source, creates containers as needed."""
    node = target
    for position, key in enumerate(path):
        last = position == len(path) - 1
        if last:
            _assign(node, key, value)
            return
        child = _read(node, key)
        if isinstance(child, dict | list):
            # The result may already hold a source value by reference: copy before writing into it.
            child = dict(child) if isinstance(child, dict) else list(child)
        else:
            child = [] if _is_index(path[position + 1]) else {}
        _assign(node, key, child)
        node = child


def _read(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and _is_index(key) and int(key) < len(node):
        return node[int(key)]
    return None


def _assign(node: Any, key: str, value: Any) -> None:
    if isinstance(node, dict):
        node[key] = value
    elif isinstance(node, list) and _is_index(key):
        index = int(key)
        if index >= len(node):
            node.extend([HOLE] * (index + 1 - len(node)))
        node[index] = value
    # A non-index key on a JS array is a property JSON.stringify ignores: nothing to write.


def pick(obj: JsonObject, fields: list[str]) -> JsonObject:
    result: JsonObject = {}
    for field in fields:
        if field in {"__proto__", "constructor", "prototype"}:
            continue
        path = cast_path(field, obj)
        value = _get(obj, path)
        if value is not _MISSING:
            _set(result, path, value)
    return result


def _is_plain(field: str) -> bool:
    return "." not in field and "[" not in field and field not in {"__proto__", "constructor", "prototype"}


def make_projector(fields: str | None, href_base: str) -> Callable[[str, JsonObject], str | JsonObject]:
    """How each object of a collection answer is shown: href string, all properties, or picked fields."""
    if fields is None:
        return lambda object_id, _obj: f"{href_base}/{object_id}"
    if fields == "*":

        def everything(object_id: str, obj: JsonObject) -> JsonObject:
            return {**obj, "href": f"{href_base}/{object_id}"}

        return everything
    names = fields.split(",")
    if all(_is_plain(name) for name in names):
        # Top-level keys only (no `.` or `[`, so never a path): `pick` reduces to copying the keys present, in
        # the order asked. A shortcut with the same result, for the collections of 100 000 objects.

        def plain(object_id: str, obj: JsonObject) -> JsonObject:
            result = {name: obj[name] for name in names if name in obj}
            result["href"] = f"{href_base}/{object_id}"
            return result

        return plain

    def picked(object_id: str, obj: JsonObject) -> JsonObject:
        result = pick(obj, names)
        result["href"] = f"{href_base}/{object_id}"
        return result

    return picked
