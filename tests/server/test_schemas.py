"""Lean schemas (`xo_mcp/schemas.py`): input schemas keep what guides a call, output schemas their top level."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from xo_mcp.schemas import slim


class Inner(BaseModel):
    id: str
    name: str | None = None


class Answer(BaseModel):
    items: list[Inner]
    total: int
    owner: Inner | None = None
    level: Literal["ok", "warning"] | None = None
    counts: dict[str, int] = {}
    tags: list[str] = []
    note: str | None = Field(default=None, description="why")


def test_output_schemas_keep_the_top_level_shape_only() -> None:
    schema = slim(Answer.model_json_schema(), output=True)
    assert "$defs" not in schema and "title" not in str(schema)
    assert schema["properties"] == {
        "items": {"type": "array", "items": {"type": "object"}},
        "total": {"type": "integer"},
        "owner": {"type": "object"},
        "level": {"enum": ["ok", "warning"], "type": "string"},
        "counts": {"type": "object"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "note": {"type": "string"},
    }
    assert schema["required"] == ["items", "total"]


def test_input_schemas_keep_descriptions_enums_and_bounds() -> None:
    class Arguments(BaseModel):
        limit: int = Field(default=5, ge=1, le=10, description="Page size.")
        status: Literal["a", "b"] | None = None

    schema = slim(Arguments.model_json_schema())
    assert schema["properties"]["limit"] == {
        "default": 5,
        "description": "Page size.",
        "maximum": 10,
        "minimum": 1,
        "type": "integer",
    }
    assert schema["properties"]["status"] == {"enum": ["a", "b"], "type": "string"}
