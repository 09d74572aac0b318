"""Paged listing of an XO collection: the machinery behind list_pools, list_hosts and list_vms."""

from __future__ import annotations

from dataclasses import dataclass

from mcp.types import CallToolResult

from xo_mcp.client import Collection, JsonObject, XoClient, check_fields, check_filter
from xo_mcp.errors import InvalidArgument
from xo_mcp.formatting import has_path, object_table, page_note
from xo_mcp.models import ObjectList
from xo_mcp.tools._common import answer

COUNT_CAP = 10_000


@dataclass(frozen=True)
class ListSpec:
    collection: Collection
    noun: str
    default_fields: tuple[str, ...]
    narrow_hint: str
    pageable: bool


def parse_fields(raw: str | None, default: tuple[str, ...], detail_tool: str) -> list[str]:
    """Comma-separated property names; `id` always comes first so every item can be referred to."""
    if raw is None or not raw.strip():
        names = list(default)
    else:
        names = [name.strip() for name in raw.split(",") if name.strip()]
        if "*" in names:
            raise InvalidArgument(
                "fields='*' would return every property of every object and flood the context. Name the "
                f"properties you need (e.g. 'name_label,power_state,tags'), or use {detail_tool} for one object."
            )
    names = check_fields(names)
    return ["id", *[name for name in names if name != "id"]]


async def list_page(
    client: XoClient,
    spec: ListSpec,
    *,
    fields: list[str],
    filter: str | None,
    limit: int,
    offset: int,
) -> CallToolResult:
    filter = check_filter(filter)
    items: list[JsonObject] = []
    seen = 0
    # XO has no offset: ask for one object past the page so "more available" is known without counting.
    async for item in client.iter_objects(spec.collection, fields=fields, filter=filter, limit=offset + limit + 1):
        seen += 1
        if offset < seen <= offset + limit:
            item.pop("href", None)
            items.append(item)
    more = seen > offset + limit
    total: int | None = seen
    if more:
        # Counting streams one href per match: bounded, so a page of a huge estate stays fast.
        total = await client.count(spec.collection, filter=filter, limit=COUNT_CAP + 1)
        if total > COUNT_CAP:
            total = None
    result = ObjectList(
        items=items,
        returned=len(items),
        total=total,
        total_at_least=COUNT_CAP + 1 if more and total is None else None,
        offset=offset,
        truncated=more,
        next_offset=offset + len(items) if more else None,
        missing_fields=_missing_fields(items, fields) or None,
    )
    return answer(_render(spec, result, fields, filter), result)


def _missing_fields(items: list[JsonObject], fields: list[str]) -> list[str]:
    if not items:
        return []
    return [name for name in fields if not any(has_path(item, name) for item in items)]


def _render(spec: ListSpec, result: ObjectList, fields: list[str], filter: str | None) -> str:
    note = page_note(
        noun=spec.noun,
        returned=result.returned,
        offset=result.offset,
        total=result.total,
        total_at_least=result.total_at_least,
        truncated=result.truncated,
        narrow_hint=spec.narrow_hint,
        pageable=spec.pageable,
    )
    lines = [note if not filter else f"{note} Filter: `{filter}`."]
    if result.missing_fields:
        lines.append(
            f"No object has the field(s) {', '.join(result.missing_fields)}: XO omits unknown properties "
            "(names are case-sensitive, e.g. name_label, power_state, CPUs.max)."
        )
    if result.items:
        lines.append(object_table(result.items, fields))
    return "\n".join(lines)
