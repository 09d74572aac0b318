"""list_srs: storage repositories fullest first, each with its pool, the host a local SR lives on, and XO's
usage flag (CONTRACT-2 §6 "Storage state", rules in `tools/rules.py`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, PrivateAttr

from xo_mcp.arguments import Fields, Filter, Offset, page_size
from xo_mcp.client import XoClient
from xo_mcp.coerce import JsonObject, as_int, as_str
from xo_mcp.formatting import cell, cell_text, fmt_bytes, lookup, table
from xo_mcp.tools.base import XoContext, app_state, tool
from xo_mcp.tools.listing import Page
from xo_mcp.tools.names import known_names
from xo_mcp.tools.rules import (
    SR_CRITICAL_PERCENT,
    SR_WARNING_PERCENT,
    SrLevel,
    sr_is_writable,
    sr_level,
    sr_usage_percent,
)

SR_DEFAULT_LIMIT = 100
SR_MAX_LIMIT = 1000
SR_FIELDS = ("id", "name_label", "SR_type", "content_type", "shared", "size", "physical_usage", "$container", "$pool")
"""What a row needs from /srs; `fields` adds to them."""
NARROW_HINT = "a filter such as `SR_type:nfs`, `shared?` or `$pool:<pool id>`"


class SrRow(BaseModel):
    id: str
    name: str
    type: str | None = None
    shared: bool
    host_id: str | None = None
    host: str | None = None
    pool_id: str | None = None
    pool: str | None = None
    size: int | None = None
    used: int | None = None
    free: int | None = None
    percent: float | None = None
    level: SrLevel | None = Field(default=None, description="XO's flag; absent for ISO and size-0 SRs")
    extra: dict[str, Any] | None = None


class SrList(Page):
    items: list[SrRow]
    critical: int = Field(description=f"SRs over {SR_CRITICAL_PERCENT:g} % among all that match")
    warning: int = Field(description=f"SRs from {SR_WARNING_PERCENT:g} to {SR_CRITICAL_PERCENT:g} %")

    _filter: str | None = PrivateAttr(default=None)
    _extra: list[str] = PrivateAttr(default_factory=list)

    def render(self) -> str:
        note = self.note("SR", "SRs", None if self._filter else NARROW_HINT)
        lines = [f"Filter `{self._filter}`: {note}" if self._filter else note]
        if self.total:
            lines.append(
                f"Fullest first. Over {SR_CRITICAL_PERCENT:g}% (critical): {self.critical}; "
                f"{SR_WARNING_PERCENT:g}–{SR_CRITICAL_PERCENT:g}% (warning): {self.warning}."
            )
        if self.items:
            headers = ["SR", "type", "on", "size", "used", "free", "use", "pool", *self._extra, "id"]
            lines.append(table(headers, (_cells(row, self._extra) for row in self.items)))
        return "\n".join(lines)


def _cells(row: SrRow, extra: list[str]) -> list[str]:
    on = "shared" if row.shared else (row.host or row.host_id or "local")
    use = f"{row.percent:.1f}%" if row.percent is not None else "size unknown"
    if row.level in ("warning", "critical"):
        use += f" {row.level.upper()}"
    named = [cell_text(row.name), row.type or "", cell_text(on), fmt_bytes(row.size), fmt_bytes(row.used)]
    named += [fmt_bytes(row.free), use, cell_text(row.pool or row.pool_id or "")]
    return [*named, *(cell(name, lookup(row.extra or {}, name)) for name in extra), row.id]


@tool(title="List storage repositories", example={"limit": 5})
async def list_srs(
    ctx: XoContext,
    filter: Filter = None,
    fields: Fields = None,
    limit: Annotated[int, page_size(SR_MAX_LIMIT)] = SR_DEFAULT_LIMIT,
    offset: Offset = 0,
) -> SrList:
    """Storage repositories (SRs) fullest first: type, shared or the host of a local SR, size, used, free,
    usage % flagged at XO's 80/90 % thresholds, pool. For "which SR is almost full?". Filters: `SR_type:nfs`,
    `shared?`.
    """
    client = app_state(ctx).client
    extra = [name for name in fields or () if name not in SR_FIELDS]
    rows = [_row(sr, extra) async for sr in client.iter_objects("srs", fields=[*SR_FIELDS, *extra], filter=filter)]
    rows.sort(key=_fullest_first)
    page = rows[offset : offset + limit]
    await _name(client, page)
    result = SrList(
        items=page,
        **Page.of(returned=len(page), total=len(rows), offset=offset),
        critical=sum(row.level == "critical" for row in rows),
        warning=sum(row.level == "warning" for row in rows),
    )
    result._filter = filter
    result._extra = extra
    return result


def _row(sr: JsonObject, extra: list[str]) -> SrRow:
    size, used = as_int(sr.get("size")), as_int(sr.get("physical_usage"))
    percent = sr_usage_percent(sr)
    shared = sr.get("shared") is True
    return SrRow(
        id=str(sr.get("id")),
        name=as_str(sr.get("name_label")) or str(sr.get("id")),
        type=as_str(sr.get("SR_type")),
        shared=shared,
        # A local SR's `$container` is its host (CONTRACT-2 §6); a shared one's is the pool.
        host_id=None if shared else as_str(sr.get("$container")),
        pool_id=as_str(sr.get("$pool")),
        size=size,
        used=used,
        free=size - used if size is not None and used is not None else None,
        percent=round(percent, 1) if percent is not None else None,
        level=sr_level(percent) if percent is not None and sr_is_writable(sr) else None,
        extra={key: sr[key] for key in {name.split(".", 1)[0] for name in extra} if key in sr} or None,
    )


def _fullest_first(row: SrRow) -> tuple[float, str]:
    return (-(row.percent if row.percent is not None else -1.0), row.name.lower())


async def _name(client: XoClient, rows: list[SrRow]) -> None:
    """Pool and host names of the rows shown; ids stay when names cannot be read."""
    for collection, attribute in (("pools", "pool"), ("hosts", "host")):
        names = await known_names(client, collection, (getattr(row, f"{attribute}_id") for row in rows))
        for row in rows:
            setattr(row, attribute, names.get(getattr(row, f"{attribute}_id") or ""))


TOOLS = (list_srs,)
