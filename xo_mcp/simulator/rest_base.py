"""What every /rest/v0 handler shares: answers, lookups with XO's 404/403 order, and the collection
pipeline entry point (filter, ACL, limit, projection, format)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import anyio
from starlette.responses import Response, StreamingResponse

from xo_mcp.simulator.auth import User
from xo_mcp.simulator.collection import Predicate, collection_response, compile_user_filter
from xo_mcp.simulator.errors import (
    SimulatedError,
    missing_privilege,
    no_such_object,
    not_enough_permissions,
)
from xo_mcp.simulator.inventory import JsonObject
from xo_mcp.simulator.kinds import Kind
from xo_mcp.simulator.query import QueryValue, collection_query
from xo_mcp.simulator.render import JSON_TYPE, compact_json, pretty_json
from xo_mcp.simulator.state import SimulatorState

PREFIX = "/rest/v0"
Items = Iterable[tuple[str, JsonObject]]
Params = dict[str, QueryValue]


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(pretty_json(value), status_code=status, headers=headers, media_type=JSON_TYPE)


def error_response(error: SimulatedError) -> Response:
    return json_response(error.body(), error.status, error.headers)


def where(objects: dict[str, JsonObject], keep: Callable[[JsonObject], bool]) -> Iterator[tuple[str, JsonObject]]:
    return ((object_id, obj) for object_id, obj in objects.items() if keep(obj))


class RestBase:
    def __init__(self, state: SimulatorState, stopping: threading.Event) -> None:
        self.state = state
        self.stopping = stopping

    # Lookups ---------------------------------------------------------------------------------

    def _all(self, kind: Kind) -> Items:
        return self.state.inventory.collection(kind.collection).items()

    def _lookup(self, kind: Kind, object_id: str) -> JsonObject:
        """By XO id, or by XAPI opaque ref; an id of another type is not found."""
        objects = self.state.inventory.collection(kind.collection)
        obj = objects.get(object_id)
        if obj is None and object_id.startswith("OpaqueRef:"):
            obj = next((item for item in objects.values() if item.get("_xapiRef") == object_id), None)
        if obj is None:
            raise no_such_object(kind.type_word, object_id)
        return obj

    def _readable(self, user: User, kind: Kind, object_id: str) -> JsonObject:
        """The object, after the scope check (403), lookup (404) and ACL check (403)."""
        if not user.admin and not kind.acl_scoped:
            raise not_enough_permissions()
        obj = self._lookup(kind, object_id)
        if not user.can_read(obj):
            raise missing_privilege(obj.get("id", object_id), kind.resource)
        return obj

    # Answers ---------------------------------------------------------------------------------

    def _collection(
        self,
        user: User,
        kind: Kind,
        items: Items,
        params: Params,
        href_base: str,
        own_clause: str | None = None,
        *,
        markdown: bool = True,
    ) -> Response:
        """`markdown=False`: a route that does not declare it (the query parameter is then ignored)."""
        if not user.admin and not kind.acl_scoped:
            raise not_enough_permissions()
        if not markdown:
            params = {key: value for key, value in params.items() if key != "markdown"}
        query = collection_query(params, with_watch=kind.collection == "tasks")
        predicate = None
        if query.filter:
            text = f"({query.filter}) {own_clause}" if own_clause is not None else query.filter
            predicate = compile_user_filter(text)
        if query.watch:
            return self._watch_tasks(user, items, query.ndjson, predicate)
        return collection_response(items, query, user, href_base, predicate)

    def _single(self, user: User, kind: Kind, object_id: str) -> Response:
        return json_response(self._readable(user, kind, object_id))

    def _watch_tasks(self, user: User, items: Items, ndjson: bool, predicate: Predicate | None) -> Response:
        if not ndjson:
            raise SimulatedError(400, "watch=true requires ndjson=true")
        current = [(task_id, task) for task_id, task in items if predicate is None or predicate(task)]
        stopping = self.stopping

        async def events() -> AsyncIterator[bytes]:
            for _task_id, task in current:
                if user.can_read(task):
                    yield (compact_json(["update", task]) + "\n").encode()
            # Nothing changes in a static inventory: keep the watch open until the client or server leaves.
            # The flag is a threading.Event set by the thread stopping the server, hence polling.
            while not stopping.is_set():  # noqa: ASYNC110
                await anyio.sleep(0.05)

        return StreamingResponse(events(), media_type="application/x-ndjson")
