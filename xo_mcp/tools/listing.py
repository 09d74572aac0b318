"""Paged listing of an XO collection: the machinery behind every `list_*` tool that shows objects as a table."""

from __future__ import annotations

import heapq
from collections.abc import AsyncIterable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import Field, PrivateAttr

from xo_mcp.client import XoClient
from xo_mcp.coerce import JsonObject, as_count, as_dict
from xo_mcp.errors import XoApiError, XoAuthError, XoMcpDisabled
from xo_mcp.formatting import has_path, inline, object_table, page_note
from xo_mcp.tools.base import Answer, limited_view


@dataclass(frozen=True)
class ListSpec:
    collection: str
    noun: str
    """Singular: `VM`, `pool`."""
    default_fields: tuple[str, ...]
    narrow_hint: str
    pageable: bool
    plural_noun: str | None = None
    """When the plural is not the noun + `s` (`backup repositories`)."""
    query: tuple[tuple[str, str], ...] = ()
    """Parameters the collection needs beside fields/filter/limit (archives: `backup-repository=*`)."""
    endpoint: str | None = None
    """How a 404 names this collection when an older XO may lack it (None: every XO has it)."""

    @property
    def plural(self) -> str:
        return self.plural_noun or self.noun + "s"


class Page(Answer):
    """A page of a list: how many it holds, the exact total, and where the next page starts."""

    returned: int
    total: int = Field(description="everything matching, not only this page")
    offset: int = 0
    truncated: bool = Field(description="true when more match than were returned")
    next_offset: int | None = None

    @staticmethod
    def of(*, returned: int, total: int, offset: int) -> dict[str, Any]:
        """The paging fields of a page of ``returned`` items starting at ``offset`` among ``total``."""
        more = offset + returned < total
        return {
            "returned": returned,
            "total": total,
            "offset": offset,
            "truncated": more,
            "next_offset": offset + returned if more else None,
        }

    def note(self, singular: str, plural: str, narrow_hint: str | None, *, pageable: bool = True) -> str:
        """The line saying which part of the list this is (see `page_note`)."""
        return page_note(
            singular=singular,
            plural=plural,
            returned=self.returned,
            offset=self.offset,
            total=self.total,
            truncated=self.truncated,
            narrow_hint=narrow_hint,
            pageable=pageable,
        )


K = TypeVar("K")


async def first_by(
    stream: AsyncIterable[JsonObject], count: int, key: Callable[[JsonObject], K]
) -> tuple[list[JsonObject], int]:
    """The ``count`` objects of a stream with the greatest ``key`` (XO's order on ties), greatest first, and
    how many the stream held: only ``count`` are ever kept, whatever its size."""
    total = 0
    kept: list[tuple[K, int, JsonObject]] = []
    async for item in stream:
        total += 1
        entry = (key(item), -total, item)  # on a tie, the earlier listed wins
        if len(kept) < count:
            heapq.heappush(kept, entry)
        elif count:
            heapq.heappushpop(kept, entry)
    return [item for *_, item in sorted(kept, key=lambda entry: entry[:2], reverse=True)], total


class ObjectList(Page):
    """A page of XO objects, each with its id and the requested fields (sizes in bytes)."""

    items: list[dict[str, Any]]
    missing_fields: list[str] | None = Field(default=None, description="requested fields present on no object")
    visible_to: str | None = Field(default=None, description="the non-admin XO user whose ACLs limit this list")

    _spec: ListSpec = PrivateAttr()
    _fields: list[str] = PrivateAttr()
    _filter: str | None = PrivateAttr(default=None)
    _shown: Sequence[dict[str, Any]] | None = PrivateAttr(default=None)
    """The rows as the text shows them (names for ids, readable times), when they differ from `items`."""

    def render(self) -> str:
        spec = self._spec
        note = self.note(spec.noun, spec.plural, None if self._filter else spec.narrow_hint, pageable=spec.pageable)
        lines = [f"Filter `{self._filter}`: {note}" if self._filter else note]
        if self.visible_to:
            lines.append(f"As visible to {inline(self.visible_to)}: XO lists only what this user's ACLs allow.")
        if self.missing_fields:
            lines.append(
                f"No object has the field(s) {', '.join(self.missing_fields)}: XO omits unknown properties "
                "(names are case-sensitive, e.g. name_label, power_state, CPUs.max)."
            )
        if self.items:
            lines.append(object_table(self._shown if self._shown is not None else self.items, self._fields))
        return "\n".join(lines)


async def list_page(
    client: XoClient,
    spec: ListSpec,
    *,
    fields: tuple[str, ...] | None,
    filter: str | None,
    limit: int,
    offset: int,
) -> ObjectList:
    names = list(fields) if fields else ["id", *(name for name in spec.default_fields if name != "id")]
    items: list[JsonObject] = []
    seen = 0
    # XO has no offset: ask for one object past the page so "more available" is known without counting.
    query = dict(spec.query)
    stream = client.iter_objects(
        spec.collection, fields=names, filter=filter, limit=offset + limit + 1, query=query, endpoint=spec.endpoint
    )
    async for item in stream:
        seen += 1
        if offset < seen <= offset + limit:
            item.pop("href", None)
            items.append(item)
    # After the page, not beside it: when the page fails, a concurrent request would be cancelled mid-flight
    # for nothing (and who the user is, cached per credentials, rarely costs a request).
    viewer = await limited_view(client)
    more = seen > offset + limit
    total = seen
    if more or (offset and not items):
        known = await _xo_total(client, spec.collection) if filter is None and not query and viewer is None else None
        # The exact total, at any size: XO streams one bare href per match (about 50 bytes each).
        total = (
            known
            if known is not None
            else await client.count(spec.collection, filter=filter, query=query, endpoint=spec.endpoint)
        )
    result = ObjectList(
        items=items,
        **Page.of(returned=len(items), total=total, offset=offset),
        missing_fields=_missing_fields(items, names) or None,
        visible_to=viewer,
    )
    result._spec = spec
    result._fields = names
    result._filter = filter
    return result


# The totals XO keeps in memory and serves first from /dashboard (CONTRACT-2 §1), by collection.
_XO_TOTALS = {"vms": ("vmsStatus", "total"), "hosts": ("hostsStatus", "total"), "pools": ("nPools", None)}


async def _xo_total(client: XoClient, collection: str) -> int | None:
    """An unfiltered collection's size from XO's own count, when XO gives it (administrators, recent XO):
    the same figure as counting every object, at the cost of one small answer at any size."""
    path = _XO_TOTALS.get(collection)
    if path is None:
        return None
    key, inner = path
    try:
        value = (await client.dashboard_keys(frozenset({key}))).get(key)
    except (XoAuthError, XoMcpDisabled):
        raise
    except XoApiError:
        return None  # an older XO (404), a non-admin (403), a failure: counted instead
    return as_count(as_dict(value).get(inner) if inner else value)


def _missing_fields(items: list[JsonObject], fields: list[str]) -> list[str]:
    if not items:
        return []
    return [name for name in fields if not any(has_path(item, name) for item in items)]
