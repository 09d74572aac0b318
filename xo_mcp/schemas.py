"""Lean tool schemas: the tool list is read by the model on every conversation, so every byte costs.

Pydantic's JSON schemas carry a `title` on every property and spell optional values as
`anyOf: [X, {"type": "null"}]`. Neither helps a model: titles repeat the property name, and our
structured content never holds null (answers are dumped with `exclude_none`), while an optional
argument is simply omitted. Both are removed; in input schemas descriptions, enums, bounds and defaults
stay, while output schemas keep only their top-level shape: each property's type, nested objects and
lists of objects as bare `object` / `array of object` (units and meanings are in the server instructions
and the text answers). Nested shapes were half of the whole tool list's tokens, read by the model on every
conversation, for a structure the model meets anyway in each answer it gets.
"""

from __future__ import annotations

from typing import Any

_NULL = {"type": "null"}
_SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_VALUES = ("items", "additionalProperties", "not", "contains")


def slim(schema: Any, *, output: bool = False) -> Any:
    """A copy of a JSON schema without titles and with `X | null` unions collapsed to `X`; an output schema
    also loses everything below its top level."""
    slimmed = _slim(schema, output=output)
    return _top_level(slimmed) if output and isinstance(slimmed, dict) else slimmed


def _top_level(schema: dict[str, Any]) -> dict[str, Any]:
    """The object's own properties with their types; what they contain is said as `object` or `array`."""
    definitions = schema.get("$defs", {})
    out = {key: value for key, value in schema.items() if key not in ("$defs", "properties")}
    if "properties" in schema:
        out["properties"] = {name: _bare(prop, definitions) for name, prop in schema["properties"].items()}
    return out


def _bare(schema: Any, definitions: dict[str, Any]) -> Any:
    if not isinstance(schema, dict):
        return schema
    reference = schema.get("$ref")
    if isinstance(reference, str):
        schema = definitions.get(reference.rsplit("/", 1)[-1], {"type": "object"})
    if schema.get("type") == "object" or "properties" in schema or "additionalProperties" in schema:
        return {"type": "object"}
    if schema.get("type") == "array":
        items = _bare(schema.get("items", {}), definitions)
        return {"type": "array", "items": items} if items else {"type": "array"}
    if any(key in schema for key in ("anyOf", "oneOf", "allOf")):
        return {}  # several shapes: any value
    return schema


def _slim(schema: Any, *, output: bool = False) -> Any:
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" or (key == "default" and (output or value is None)) or (key == "description" and output):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _slim(sub, output=output) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            options = [_slim(sub, output=output) for sub in value if sub != _NULL]
            if key == "anyOf" and len(options) == 1 and isinstance(options[0], dict):
                out.update(options[0])
            else:
                out[key] = options
        elif key in _SCHEMA_VALUES:
            out[key] = _slim(value, output=output)
        else:
            out[key] = value
    return out
