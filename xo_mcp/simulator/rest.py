"""The /rest/v0 API: authentication, the MCP gate, routing and the read-only handlers.

Order of checks, as in xo-server: authentication (400/401/500) for every path, then the MCP
kill-switch, then the route: authentication requirement (401), non-admin scope (403), query
validation (422), object lookup (404), ACL (403), filter parsing (400), answer.

Route families live in mixins: `rest_dashboards`, `rest_backups`, `rest_users`; the shared helpers
in `rest_base`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from xo_mcp.simulator.auth import User
from xo_mcp.simulator.errors import SimulatedError, invalid_credentials, mcp_disabled
from xo_mcp.simulator.inventory import JsonObject
from xo_mcp.simulator.kinds import KINDS, Kind
from xo_mcp.simulator.query import parse_query
from xo_mcp.simulator.render import JSON_TYPE
from xo_mcp.simulator.rest_backups import BackupRoutes
from xo_mcp.simulator.rest_base import PREFIX, Items, Params, error_response, json_response, where
from xo_mcp.simulator.rest_dashboards import DashboardRoutes
from xo_mcp.simulator.rest_users import UserRoutes

logger = logging.getLogger(__name__)

__all__ = ["PREFIX", "RestApi", "error_response", "json_response"]

XAPI_PARENTS = frozenset(
    {
        "pools",
        "hosts",
        "vms",
        "srs",
        "networks",
        "vdis",
        "vm-templates",
        "vm-snapshots",
        "vm-controllers",
        "vifs",
        "vdi-snapshots",
        "vbds",
        "pifs",
    }
)
"""Kinds with /{id}/alarms, /messages and /tasks sub-collections."""
VM_LIKE = frozenset({"vms", "vm-templates", "vm-snapshots", "vm-controllers"})
NO_MARKDOWN = frozenset({"acl-roles", "acl-privileges"})
"""Collections whose route does not declare `markdown` (the parameter is ignored there)."""
_TASK_OWNERS = {"users": "userId"}


def _segments(scope: Scope) -> list[str]:
    """Path segments after /rest/v0, decoded one by one so an encoded `/` stays inside an id."""
    raw = scope.get("raw_path") or scope["path"].encode()
    path = raw.decode("latin-1").split("?", 1)[0]
    relative = path[len(PREFIX) :]
    pieces = [unquote(piece) for piece in relative.split("/")[1:]]
    if pieces and pieces[-1] == "":
        pieces.pop()
    return pieces


class RestApi(DashboardRoutes, BackupRoutes, UserRoutes):
    """ASGI app for everything under /rest/v0."""

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
        redirect = self._me_redirect(user, request.url.path, request.url.query)
        if redirect is not None:
            return redirect
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
        if lowered == ["ping"]:
            return lambda: json_response({"result": "pong", "timestamp": int(time.time() * 1000)})
        if lowered == ["gui-routes"]:
            return lambda: json_response({"xo5": "/", "xo6": "/v6"})
        return None

    def _route(
        self, request: Request, user: User, segments: list[str], lowered: list[str], params: Params
    ) -> Callable[[], Response] | None:
        head = lowered[0]
        path = request.url.path.rstrip("/")
        if head in {"backup", "restore"}:
            return self._deprecated_route(user, segments, lowered, params, path)
        if head == "dashboard" and len(segments) == 1:
            return (lambda: self._xo_dashboard(user, params)) if self.state.dashboard_routes else None
        kind = KINDS.get(head)
        if kind is None:
            return None
        if len(segments) == 1:
            return self._collection_route(user, kind, params, path)
        object_id = segments[1]
        if len(segments) == 2:
            return self._single_route(user, kind, object_id)
        if len(segments) != 3:
            return None
        return self._sub_route(user, kind, object_id, lowered[2], params)

    def _collection_route(self, user: User, kind: Kind, params: Params, path: str) -> Callable[[], Response]:
        name = kind.collection
        if name == "backup-archives":
            return lambda: self._archives(user, params)
        if name == "users":
            return lambda: self._users(user, params)
        href_base = f"{PREFIX}/backup-jobs" if name == "backup-jobs" else path
        markdown = name not in NO_MARKDOWN
        return lambda: self._collection(user, kind, self._all(kind), params, href_base, markdown=markdown)

    def _single_route(self, user: User, kind: Kind, object_id: str) -> Callable[[], Response]:
        name = kind.collection
        if name == "backup-archives":
            return lambda: self._archive(user, object_id)
        if name in {"backup-logs", "restore-logs"}:
            return lambda: self._log(user, kind, object_id)
        if name == "users":
            return lambda: json_response(self._user(user, object_id))
        return lambda: self._single(user, kind, object_id)

    def _sub_route(
        self, user: User, kind: Kind, object_id: str, sub: str, params: Params
    ) -> Callable[[], Response] | None:
        name = kind.collection
        dashboards = self.state.dashboard_routes
        special: dict[tuple[str, str], Callable[[], Response]] = {
            ("users", "authentication_tokens"): lambda: self._tokens(user, object_id, params),
            ("users", "acl-privileges"): lambda: self._user_privileges(user, object_id, params),
            ("users", "groups"): lambda: self._user_groups(user, object_id, params),
            ("vms", "backup-jobs"): lambda: self._vm_backup_jobs(user, object_id, params),
            ("hosts", "missing_patches"): lambda: self._missing_patches(user, kind, object_id),
            ("pools", "missing_patches"): lambda: self._missing_patches(user, kind, object_id),
            ("hosts", "smt"): lambda: self._smt(user, object_id),
            ("backup-repositories", "health"): lambda: self._repository_health(user, object_id),
        }
        if dashboards:
            special[("pools", "dashboard")] = lambda: self._pool_dashboard(user, object_id, params)
            special[("vms", "dashboard")] = lambda: self._vm_dashboard(user, object_id, params)
        answer = special.get((name, sub))
        if answer is not None:
            return answer
        if self._child_kind(kind, sub) is None:
            return None
        return lambda: self._children(user, kind, object_id, sub, params)

    @staticmethod
    def _child_kind(parent: Kind, sub: str) -> Kind | None:
        name = parent.collection
        allowed = (
            (sub in {"alarms", "messages", "tasks"} and name in XAPI_PARENTS)
            or (sub == "tasks" and name in {"users", "servers", "groups"})
            or (sub == "vdis" and name in {*VM_LIKE, "srs"})
            or (sub == "vms" and name == "pools")
            or (sub == "users" and name in {"groups", "acl-roles"})
            or (sub == "groups" and name == "acl-roles")
            or (sub == "acl-roles" and name == "groups")
            or (sub == "privileges" and name == "acl-roles")
        )
        if not allowed:
            return None
        return KINDS["acl-privileges" if sub == "privileges" else sub]

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

    # Handlers ------------------------------------------------------------------------------

    def _smt(self, user: User, host_id: str) -> Response:
        host = self._readable(user, KINDS["hosts"], host_id)
        if host.get("power_state") != "Running":
            # The XAPI call reaches no host: a XenServer error (CONTRACT.md §3).
            ref = host.get("_xapiRef", "")
            body = {
                "error": f"HOST_OFFLINE({ref})",
                "data": {"code": "HOST_OFFLINE", "params": [ref]},
                "info": "This is a XenServer/XCP-ng error, not an XO error",
            }
            return json_response(body, 500)
        return json_response({"enabled": int((host.get("CPUs") or {}).get("threads_per_core", "1")) > 1})

    def _children(self, user: User, parent_kind: Kind, parent_id: str, sub: str, params: Params) -> Response:
        child_kind = self._child_kind(parent_kind, sub)
        assert child_kind is not None
        if parent_kind.collection == "users":
            parent: JsonObject = self._user(user, parent_id)
        else:
            parent = self._readable(user, parent_kind, parent_id)
        inventory = self.state.inventory
        href_base = f"{PREFIX}/{child_kind.collection}"
        own_clause: str | None = None
        items: Items
        if sub == "alarms":
            uuid = parent.get("uuid", parent.get("id"))
            own_clause = f"object:uuid:{uuid}"
            items = where(inventory.alarms, lambda alarm: (alarm.get("object") or {}).get("uuid") == uuid)
        elif sub == "messages":
            uuid = parent.get("uuid", parent.get("id"))
            own_clause = f"$object:{uuid}"
            items = where(inventory.messages, lambda message: message.get("$object") == uuid)
        elif sub == "tasks":
            owner = _TASK_OWNERS.get(parent_kind.collection, "objectId")
            items = where(inventory.tasks, lambda task: (task.get("properties") or {}).get(owner) == parent_id)
        elif sub == "vdis" and parent_kind.collection == "srs":
            items = where(inventory.vdis, lambda vdi: vdi.get("$SR") == parent["id"])
        elif sub == "vdis":
            vbds = set(parent.get("$VBDs") or [])
            items = where(inventory.vdis, lambda vdi: not vbds.isdisjoint(vdi.get("$VBDs") or []))
        elif sub == "vms":
            items = where(inventory.vms, lambda vm: vm.get("$pool") == parent["id"])
        elif sub == "users":
            wanted = parent.get("users") or parent.get("userIds") or []
            items = [(uid, record) for uid, record in self._user_records().items() if uid in wanted]
        elif sub == "groups":
            items = where(inventory.groups, lambda group: group["id"] in (parent.get("groupIds") or []))
        elif sub == "acl-roles":
            items = where(inventory.acl_roles, lambda role: role["id"] in (parent.get("aclRoleIds") or []))
        else:
            items = where(inventory.acl_privileges, lambda privilege: privilege.get("roleId") == parent["id"])
        markdown = child_kind.collection not in NO_MARKDOWN
        return self._collection(user, child_kind, items, params, href_base, own_clause, markdown=markdown)
