"""Lean tool schemas: the tool list is read by the model on every conversation, so every byte costs.

Pydantic's JSON schemas carry a `title` on every property and spell optional values as
`anyOf: [X, {"type": "null"}]`. Neither helps a model: titles repeat the property name, and our
structured content never holds null (answers are dumped with `exclude_none`), while an optional
argument is simply omitted. Both are removed; in input schemas descriptions, enums, bounds and defaults
stay, while output schemas keep only their shape (units and meanings are in the server instructions and
the text answers).
"""

from __future__ import annotations

from typing import Any

_NULL = {"type": "null"}
_SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_VALUES = ("items", "additionalProperties", "not", "contains")


def slim(schema: Any, *, output: bool = False) -> Any:
    """A copy of a JSON schema without titles and with `X | null` unions collapsed to `X`."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" or (key == "default" and (output or value is None)) or (key == "description" and output):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: slim(sub, output=output) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            options = [slim(sub, output=output) for sub in value if sub != _NULL]
            if key == "anyOf" and len(options) == 1 and isinstance(options[0], dict):
                out.update(options[0])
            else:
                out[key] = options
        elif key in _SCHEMA_VALUES:
            out[key] = slim(value, output=output)
        else:
            out[key] = value
    return out
