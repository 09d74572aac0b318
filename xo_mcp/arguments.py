"""Tool arguments as types: validated by pydantic before a tool runs, so no bad value ever reaches XO.

- `object_id(kind)` — an XO id that knows its object kind and how to find valid ids; the value becomes an
  `XoId` (a `str`) carrying that kind, so a 404 can say which tool lists valid ids.
- `Filter`, `Fields`, `Offset`, `page_size(max)` — the common list arguments.

Every check raises a `PydanticCustomError` whose message is complete: `argument_errors()` turns the SDK's
validation failure into one short line per argument, and it is the only place that words them.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

from xo_mcp.errors import quote
from xo_mcp.secrets import is_secret_key

if TYPE_CHECKING:
    from pydantic import ValidationError
    from pydantic.fields import FieldInfo
    from pydantic.json_schema import JsonSchemaValue

# XO ids are uuids, `<pool uuid>-<template uuid>`, `OpaqueRef:…`, task ids like `0mdd1basu` or
# ms-timestamps: letters, digits and `-_.:` cover them all. Anything else cannot name an object, so it is
# refused before a request leaves (and `..`, `/`, `?`, `#` can never alter the path).
_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}")
_FIELD_PATTERN = re.compile(r"[A-Za-z0-9_$][A-Za-z0-9_$.-]{0,99}")
_FILTER_PROPERTY = re.compile(r'"?([A-Za-z0-9_$.-]+)"?\s*:')
MAX_FILTER_CHARS = 2000
MAX_OFFSET = 10_000_000


@dataclass(frozen=True)
class ObjectKind:
    """A kind of XO object, as a tool argument names it."""

    noun: str
    """How messages name it: `VM`, `pool`, `backup job`."""
    type_word: str
    """XO's own word in `no such <type> <id>` answers: `VM`, `pool`, `backup-job`."""
    collection: str
    """Its REST collection, e.g. `vms` for `/rest/v0/vms/{id}`."""
    lister: str
    """How the assistant finds valid ids: a tool call, e.g. `list_vms`."""


class XoId(str):
    """A validated XO object id that remembers its kind."""

    kind: ObjectKind

    def __new__(cls, value: str, kind: ObjectKind) -> XoId:
        made = super().__new__(cls, value)
        made.kind = kind
        return made


def check_id(value: str, kind: ObjectKind) -> XoId:
    if not value.strip():
        raise PydanticCustomError("xo_id", f"the {kind.noun} id is empty: {kind.lister} gives valid ids")
    if _ID_PATTERN.fullmatch(value) is None or ".." in value:
        raise PydanticCustomError(
            "xo_id",
            f"{quote(value, 60)} is not a {kind.noun} id: XO ids are UUIDs such as '3f1c0d2e-…' (letters, digits, "
            f"'-', '_', '.', ':'; no spaces, '/', '?', '#'); {kind.lister} gives valid ids",
        )
    return XoId(value, kind)


@dataclass(frozen=True)
class _IdOf:
    kind: ObjectKind

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        schema = core_schema.no_info_after_validator_function(
            lambda value: check_id(value, self.kind), core_schema.str_schema(strict=True)
        )
        # `Annotated[XoId | None, object_id(KIND)] = None`: an optional id, null accepted as "not given".
        return core_schema.nullable_schema(schema) if type(None) in typing.get_args(source) else schema

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "description": f"The {self.kind.noun}'s id, as given by {self.kind.lister}."}


def object_id(kind: ObjectKind) -> Any:
    """Annotation metadata for an id argument: `vm_id: Annotated[XoId, object_id(VM)]`, or
    `Annotated[XoId | None, object_id(VM)] = None` for an optional one."""
    return _IdOf(kind)


def id_arguments(fn: Callable[..., Any]) -> dict[str, ObjectKind]:
    """The id arguments of a tool function and the kind of object each names."""
    hints = typing.get_type_hints(fn, include_extras=True)
    return {
        name: meta.kind
        for name, hint in hints.items()
        for meta in getattr(hint, "__metadata__", ())
        if isinstance(meta, _IdOf)
    }


def _check_filter(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_FILTER_CHARS:
        raise PydanticCustomError("filter", f"the filter is {len(value)} characters long; at most {MAX_FILTER_CHARS}")
    if any(ord(char) < 0x20 and char not in "\t\n\r" for char in value):
        raise PydanticCustomError("filter", f"the filter {quote(value, 80)} contains control characters")
    # XO evaluates filters on whole objects: a filter on a secret would let answers reveal it bit by bit.
    secret = next((name for name in _FILTER_PROPERTY.findall(value) if is_secret_key(name)), None)
    if secret is not None:
        raise PydanticCustomError(
            "filter",
            f"the filter tests the property {quote(secret, 40)}, which holds a secret (password, token, OTP seed): "
            "secrets cannot be filtered on",
        )
    return value


class FieldNames(tuple[str, ...]):
    """Property names for XO's `fields` parameter, `id` first, without duplicates."""


def _check_fields(value: str | None) -> FieldNames | None:
    if value is None or not value.strip():
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    if "*" in names:
        raise PydanticCustomError(
            "fields",
            "fields='*' would return every property of every object and flood the context: name the properties "
            "you need, e.g. 'name_label,power_state,tags'",
        )
    bad = [name for name in names if _FIELD_PATTERN.fullmatch(name) is None]
    if bad:
        raise PydanticCustomError(
            "fields",
            f"invalid field name(s) {', '.join(quote(b, 40) for b in bad[:3])}: use XO property names separated by "
            "commas, e.g. 'id,name_label,power_state', or dotted paths like 'CPUs.max'",
        )
    return FieldNames(dict.fromkeys(["id", *names]))


@dataclass(frozen=True)
class _Checked:
    """A `str | None` argument turned into another value by `check` (schema stays a nullable string)."""

    check: Any

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            self.check, core_schema.nullable_schema(core_schema.str_schema(strict=True))
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string"}


Filter = Annotated[
    str | None,
    _Checked(_check_filter),
    Field(description="XO filter, e.g. `power_state:Running name_label:web*` (space = AND)."),
]
Fields = Annotated[
    FieldNames | None,
    _Checked(_check_fields),
    Field(description="Comma-separated property names, e.g. 'name_label,tags,CPUs.max'."),
]
Offset = Annotated[
    int, Field(strict=True, ge=0, le=MAX_OFFSET, description="Objects to skip: the previous page's next_offset.")
]


def page_size(maximum: int) -> FieldInfo:
    """Annotation metadata for a `limit` argument: a whole number from 1 to ``maximum`` (booleans refused)."""
    info: FieldInfo = Field(strict=True, ge=1, le=maximum, description="Page size.")
    return info


def argument_errors(error: ValidationError) -> str:
    """One line naming each bad argument, from pydantic's structured errors (never its long text):
    "Invalid argument `limit`: input should be greater than or equal to 1 (got 0)."."""
    problems = []
    for item in error.errors(include_url=False)[:5]:
        location = ".".join(str(part) for part in item["loc"])
        name = f" `{location}`" if location else ""
        if item["type"] == "missing":
            problems.append(f"{name.strip()} is required")
            continue
        message = item["msg"]
        if not item["type"].startswith(("xo_id", "filter", "fields")):
            value = item.get("input")
            shown = quote(value, 40) if isinstance(value, str) else repr(value)[:40]
            message = f"{message[:1].lower()}{message[1:]} (got {shown})"
        problems.append(f"{name.strip()}: {message}" if name else message)
    return "Invalid argument " + "; ".join(problems) + "." if problems else "Invalid arguments."
