"""Paged listing of an XO collection: the machinery behind every `list_*` tool that shows objects as a table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field, PrivateAttr

from xo_mcp.client import XoClient
from xo_mcp.coerce import JsonObject
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


class ObjectList(Answer):
    """A page of XO objects, each with its id and the requested fields (sizes in bytes)."""

    items: list[dict[str, Any]]
    returned: int
    total: int = Field(description="objects matching the filter")
    offset: int = 0
    truncated: bool = Field(description="true when more objects match than were returned")
    next_offset: int | None = None
    missing_fields: list[str] | None = Field(default=None, description="requested fields present on no object")
    visible_to: str | None = Field(default=None, description="the non-admin XO user whose ACLs limit this list")

    _spec: ListSpec = PrivateAttr()
    _fields: list[str] = PrivateAttr()
    _filter: str | None = PrivateAttr(default=None)
    _shown: Sequence[dict[str, Any]] | None = PrivateAttr(default=None)
    """The rows as the text shows them (names for ids, readable times), when they differ from `items`."""

    def render(self) -> str:
        spec = self._spec
        note = page_note(
            singular=spec.noun,
            plural=spec.plural,
            returned=self.returned,
            offset=self.offset,
            total=self.total,
            truncated=self.truncated,
            narrow_hint=None if self._filter else spec.narrow_hint,
            pageable=spec.pageable,
        )
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
        # The exact total, at any size: XO streams one bare href per match (about 50 bytes each).
        total = await client.count(spec.collection, filter=filter, query=query, endpoint=spec.endpoint)
    result = ObjectList(
        items=items,
        returned=len(items),
        total=total,
        offset=offset,
        truncated=more,
        next_offset=offset + len(items) if more else None,
        missing_fields=_missing_fields(items, names) or None,
        visible_to=viewer,
    )
    result._spec = spec
    result._fields = names
    result._filter = filter
    return result


def _missing_fields(items: list[JsonObject], fields: list[str]) -> list[str]:
    if not items:
        return []
    return [name for name in fields if not any(has_path(item, name) for item in items)]
