"""The /rest/v0 API: authentication, the MCP gate, routing and the read-only handlers.

Order of checks, as in xo-server: authentication (400/401/500) for every path, then the MCP
kill-switch, then the route: authentication requirement (401), non-admin scope (403), query
validation (422), object lookup (404), ACL (403), filter parsing (400), answer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import anyio
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from xo_mcp.simulator.auth import User
from xo_mcp.simulator.collection import batched, collection_response, compile_user_filter
from xo_mcp.simulator.dashboard import as_line, dashboard_parts, nest, pool_missing_patches
from xo_mcp.simulator.errors import (
    SimulatedError,
    feature_unauthorized,
    invalid_credentials,
    mcp_disabled,
    missing_privilege,
    no_such_object,
    not_enough_permissions,
)
from xo_mcp.simulator.inventory import JsonObject
from xo_mcp.simulator.kinds import KINDS, Kind
from xo_mcp.simulator.query import collection_query, ndjson_only_query, parse_query
from xo_mcp.simulator.render import JSON_TYPE, compact_json, pretty_json
from xo_mcp.simulator.state import SimulatorState
from xo_mcp.simulator.value_matcher import matches

logger = logging.getLogger(__name__)

PREFIX = "/rest/v0"
XAPI_PARENTS = ("pools", "hosts", "vms", "srs", "networks", "vdis", "vm-templates", "vm-snapshots")
VM_LIKE = ("vms", "vm-templates", "vm-snapshots")
DEPRECATED_JOB_TYPES = {"vm": "backup", "metadata": "metadataBackup", "mirror": "mirrorBackup"}

Items = Iterable[tuple[str, JsonObject]]


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(pretty_json(value), status_code=status, headers=headers, media_type=JSON_TYPE)


def error_response(error: SimulatedError) -> Response:
    return json_response(error.body(), error.status, error.headers)


def _segments(scope: Scope) -> list[str]:
    """Path segments after /rest/v0, decoded one by one so an encoded `/` stays inside an id."""
    raw = scope.get("raw_path") or scope["path"].encode()
    path = raw.decode("latin-1").split("?", 1)[0]
    relative = path[len(PREFIX) :]
    pieces = [unquote(piece) for piece in relative.split("/")[1:]]
    if pieces and pieces[-1] == "":
        pieces.pop()
    return pieces


class RestApi:
    """ASGI app for everything under /rest/v0."""

    def __init__(self, state: SimulatorState, stopping: threading.Event) -> None:
        self.state = state
        self.stopping = stopping

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = self.handle(request)
        except SimulatedError as error:
            response = error_response(error)
        except Exception as error:  # an answer rather than a dropped connection, and a log line
            logger.exception("simulator failure on %s %s", request.method, request.url.path)
            response = json_response({"error": f"simulator failure: {error}"}, 500)
        await response(scope, receive, send)

    # Dispatch ------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        segments = _segments(request.scope)
        if not segments:
            return RedirectResponse(f"{PREFIX}/docs", status_code=302)
        user = self.state.authenticator.authenticate(request.headers, request.cookies)
        relative = request.url.path[len(PREFIX) :]
        client = request.headers.get("x-xo-client", "")
        if not self.state.mcp_enabled and client.lower() == "mcp" and relative != "/mcp/status":
            raise mcp_disabled()
        if request.method != "GET":
            raise SimulatedError(
                405, f"{request.method} is not served: this simulator is read-only", {}, {"Allow": "GET"}
            )
        lowered = [segment.lower() for segment in segments]
        public = self._public_route(lowered)
        if public is not None:
            return public()
        if user is None:
            raise invalid_credentials()
        params = parse_query(request.url.query)
        route = self._route(request, user, segments, lowered, params)
        if route is None:
            raise SimulatedError(404, f"Cannot GET {request.url.path}")
        return route()

    def _public_route(self, lowered: list[str]) -> Callable[[], Response] | None:
        if lowered == ["mcp", "status"]:
            return self._mcp_status
        if lowered == ["docs", "swagger.json"]:
            return self._swagger
        if lowered == ["docs"]:
            return self._docs
        return None

    def _route(
        self, request: Request, user: User, segments: list[str], lowered: list[str], params: dict[str, Any]
    ) -> Callable[[], Response] | None:
        head = lowered[0]
        path = request.url.path.rstrip("/")
        if head == "backup":
            return self._deprecated_backup_route(user, segments, lowered, params, path)
        kind = KINDS.get(head)
        if kind is None:
            return None
        if len(segments) == 1:
            href_base = f"{PREFIX}/backup-jobs" if head == "backup-jobs" else path
            return lambda: self._collection(user, kind, self._all(kind), params, href_base)
        object_id = segments[1]
        if len(segments) == 2:
            return lambda: self._single(user, kind, object_id)
        if len(segments) != 3:
            return None
        sub = lowered[2]
        if head == "pools" and sub == "dashboard":
            return lambda: self._dashboard(user, object_id, params)
        if head in {"pools", "hosts"} and sub == "missing_patches":
            return lambda: self._missing_patches(user, kind, object_id)
        child = self._sub_collection(kind, sub)
        if child is None:
            return None
        return lambda: self._children(user, kind, object_id, sub, params)

    @staticmethod
    def _sub_collection(parent: Kind, sub: str) -> Kind | None:
        parent_name = parent.collection
        allowed = (
            (sub in {"alarms", "messages", "tasks"} and parent_name in XAPI_PARENTS)
            or (sub == "vdis" and parent_name in {*VM_LIKE, "srs"})
            or (sub == "backup-jobs" and parent_name == "vms")
            or (sub == "vms" and parent_name == "pools")
        )
        return KINDS[sub] if allowed else None

    # Public routes -------------------------------------------------------------------------

    def _mcp_status(self) -> Response:
        if not self.state.mcp_enabled:
            raise mcp_disabled()
        return json_response({"enabled": True})

    def _swagger_file(self) -> Path:
        if self.state.swagger_path is None or not self.state.swagger_path.is_file():
            raise SimulatedError(404, f"Cannot GET {PREFIX}/docs/swagger.json")
        return self.state.swagger_path

    def _swagger(self) -> Response:
        return Response(self._swagger_file().read_bytes(), media_type=JSON_TYPE)

    def _docs(self) -> Response:
        self._swagger_file()
        page = (
            "<!doctype html><title>XO REST API (simulated)</title><p>Spec: <a href=docs/swagger.json>swagger.json</a>"
        )
        return Response(page, media_type="text/html; charset=utf-8")

    # Lookups -------------------------------------------------------------------------------

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

    # Handlers ------------------------------------------------------------------------------

    def _collection(
        self,
        user: User,
        kind: Kind,
        items: Items,
        params: dict[str, Any],
        href_base: str,
        own_clause: str | None = None,
    ) -> Response:
        if not user.admin and not kind.acl_scoped:
            raise not_enough_permissions()
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

    def _dashboard(self, user: User, pool_id: str, params: dict[str, Any]) -> Response:
        pool = self._readable(user, KINDS["pools"], pool_id)
        ndjson = ndjson_only_query(params)
        parts = dashboard_parts(self.state.inventory, pool, self.state.missing_patches_authorized)
        if not ndjson:
            return json_response(nest(parts))
        lines = (compact_json(as_line(path, value)) + "\n" for path, value in parts)
        return StreamingResponse(batched(lines), media_type="application/x-ndjson")

    def _missing_patches(self, user: User, kind: Kind, object_id: str) -> Response:
        obj = self._readable(user, kind, object_id)
        if not self.state.missing_patches_authorized:
            raise feature_unauthorized("LIST_MISSING_PATCHES")
        inventory = self.state.inventory
        if kind.collection == "hosts":
            return json_response(inventory.missing_patches.get(obj["id"], []))
        hosts = [host for host in inventory.hosts.values() if host.get("$pool") == obj["id"]]
        return json_response(pool_missing_patches(inventory, hosts))

    def _children(self, user: User, parent_kind: Kind, parent_id: str, sub: str, params: dict[str, Any]) -> Response:
        child_kind = KINDS[sub]
        if not user.admin and not child_kind.acl_scoped:
            raise not_enough_permissions()
        parent = self._readable(user, parent_kind, parent_id)
        inventory = self.state.inventory
        href_base = f"{PREFIX}/{sub}"
        own_clause: str | None = None
        items: Items
        if sub == "alarms":
            uuid = parent.get("uuid", parent.get("id"))
            own_clause = f"object:uuid:{uuid}"
            items = _where(inventory.alarms, lambda alarm: (alarm.get("object") or {}).get("uuid") == uuid)
        elif sub == "messages":
            uuid = parent.get("uuid", parent.get("id"))
            own_clause = f"$object:{uuid}"
            items = _where(inventory.messages, lambda message: message.get("$object") == uuid)
        elif sub == "tasks":
            items = _where(inventory.tasks, lambda task: (task.get("properties") or {}).get("objectId") == parent_id)
        elif sub == "vdis" and parent_kind.collection == "srs":
            items = _where(inventory.vdis, lambda vdi: vdi.get("$SR") == parent["id"])
        elif sub == "vdis":
            vbds = set(parent.get("$VBDs") or [])
            items = _where(inventory.vdis, lambda vdi: not vbds.isdisjoint(vdi.get("$VBDs") or []))
        elif sub == "vms":
            items = _where(inventory.vms, lambda vm: vm.get("$pool") == parent["id"])
        else:
            items = _where(inventory.backup_jobs, lambda job: matches(job.get("vms"), parent))
        return self._collection(user, child_kind, items, params, href_base, own_clause)

    def _deprecated_backup_route(
        self, user: User, segments: list[str], lowered: list[str], params: dict[str, Any], path: str
    ) -> Callable[[], Response] | None:
        inventory = self.state.inventory
        if lowered[1:2] == ["logs"] and len(segments) in {2, 3}:
            kind = KINDS["backup-logs"]
            if len(segments) == 3:
                return lambda: self._single(user, kind, segments[2])
            return lambda: self._collection(user, kind, inventory.backup_logs.items(), params, path)
        if lowered[1:2] == ["jobs"] and len(segments) in {3, 4} and lowered[2] in DEPRECATED_JOB_TYPES:
            kind = KINDS["backup-jobs"]
            job_type = DEPRECATED_JOB_TYPES[lowered[2]]
            jobs = _where(inventory.backup_jobs, lambda job: job.get("type") == job_type)
            if len(segments) == 4:
                return lambda: self._single_of(user, kind, jobs, segments[3])
            return lambda: self._collection(user, kind, jobs, params, path)
        return None

    def _single_of(self, user: User, kind: Kind, items: Items, object_id: str) -> Response:
        if not user.admin:
            raise not_enough_permissions()
        found = dict(items).get(object_id)
        if found is None:
            raise no_such_object(kind.type_word, object_id)
        return json_response(found)

    def _watch_tasks(self, user: User, items: Items, ndjson: bool, predicate: Any) -> Response:
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


def _where(objects: dict[str, JsonObject], keep: Callable[[JsonObject], bool]) -> Iterator[tuple[str, JsonObject]]:
    return ((object_id, obj) for object_id, obj in objects.items() if keep(obj))
