"""Collection answers: XO's `sendObjects` pipeline, streamed so memory stays flat at any size.

filter (on the full object) -> non-admin ACL -> limit (decremented, stops at exactly 0)
-> projection (`fields`) -> JSON array, NDJSON lines or a markdown table.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import anyio.lowlevel
from starlette.responses import StreamingResponse

from xo_mcp.complex_matcher import FilterParseError, compile_filter
from xo_mcp.simulator.auth import User
from xo_mcp.simulator.errors import filter_parse_error
from xo_mcp.simulator.inventory import JsonObject
from xo_mcp.simulator.projection import make_projector
from xo_mcp.simulator.query import CollectionQuery
from xo_mcp.simulator.render import (
    JSON_TYPE,
    MARKDOWN_TYPE,
    NDJSON_TYPE,
    markdown_chunks,
    ndjson_chunks,
    pretty_array_chunks,
)

Predicate = Callable[[object], bool]

_CHUNK_BYTES = 64 * 1024


def compile_user_filter(text: str) -> Predicate:
    """The complex-matcher predicate, or XO's 400 with the text that failed to parse."""
    try:
        return compile_filter(text)
    except FilterParseError as error:
        raise filter_parse_error(str(error), text) from error


def select(
    items: Iterable[tuple[str, JsonObject]],
    predicate: Predicate | None,
    user: User,
    limit: float | None,
) -> Iterator[tuple[str, JsonObject]]:
    for object_id, obj in items:
        if predicate is not None and not predicate(obj):
            continue
        if not user.can_read(obj):
            continue
        # XO decrements the limit per kept object and stops at exactly 0: `-1`, `1.5`, NaN never stop.
        if limit is not None:
            if limit == 0:
                return
            limit -= 1
        yield object_id, obj


def render_chunks(items: Iterable[Any], query: CollectionQuery) -> tuple[Iterator[str], str]:
    if query.ndjson:
        return ndjson_chunks(items), NDJSON_TYPE
    if query.markdown:
        return markdown_chunks(items), MARKDOWN_TYPE
    return pretty_array_chunks(items), JSON_TYPE


async def batched(chunks: Iterator[str]) -> AsyncIterator[bytes]:
    """Send the first piece at once, then about 64 KiB at a time, letting other requests run between."""
    buffer: list[str] = []
    size = 0
    first = True
    for chunk in chunks:
        buffer.append(chunk)
        size += len(chunk)
        if first or size >= _CHUNK_BYTES:
            yield "".join(buffer).encode("utf-8", "surrogatepass")
            buffer.clear()
            size = 0
            first = False
            await anyio.lowlevel.checkpoint()
    if buffer:
        yield "".join(buffer).encode("utf-8", "surrogatepass")


def collection_response(
    items: Iterable[tuple[str, JsonObject]],
    query: CollectionQuery,
    user: User,
    href_base: str,
    predicate: Predicate | None,
) -> StreamingResponse:
    project = make_projector(query.fields, href_base)
    shown = (project(object_id, obj) for object_id, obj in select(items, predicate, user, query.limit))
    chunks, media_type = render_chunks(shown, query)
    return StreamingResponse(batched(chunks), media_type=media_type)
