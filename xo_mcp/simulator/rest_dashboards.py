"""The dashboard routes: /dashboard (admin only), /pools/{id}/dashboard, /vms/{id}/dashboard, and the
missing-patches routes they draw on. `state.dashboard_routes = False` makes the three dashboards 404,
as on an XO that predates them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
from starlette.responses import Response, StreamingResponse

from xo_mcp.simulator.auth import User
from xo_mcp.simulator.collection import batched
from xo_mcp.simulator.dashboard import as_line, dashboard_parts, nest, pool_missing_patches
from xo_mcp.simulator.errors import SimulatedError, feature_unauthorized, not_enough_permissions
from xo_mcp.simulator.kinds import KINDS, Kind
from xo_mcp.simulator.query import ndjson_only_query
from xo_mcp.simulator.render import NDJSON_TYPE, compact_json
from xo_mcp.simulator.rest_base import Params, RestBase, json_response
from xo_mcp.simulator.vm_dashboard import (
    VmDashboardError,
    backup_archives,
    last_runs_and_protection,
    quick_info,
    replication,
    vm_alarms,
)
from xo_mcp.simulator.xo_dashboard import (
    CACHED_PARTS,
    FALLIBLE_PARTS,
    FAST_PARTS,
    KEY_ORDER,
    SLOW_PARTS,
    part_computers,
)

_ABSENT = object()


class DashboardRoutes(RestBase):
    def _xo_dashboard(self, user: User, params: Params) -> Response:
        if not user.admin:
            raise not_enough_permissions()
        ndjson = ndjson_only_query(params)
        state = self.state
        computers = part_computers(state.inventory, state.missing_patches_authorized, state.hv_supported_versions)
        faults = dict(state.dashboard_part_faults)

        def part(key: str) -> Any:
            fault = faults.get(key)
            if fault == "error":
                if key == "poolsStatus":
                    raise SimulatedError(500, "simulated failure of the dashboard's poolsStatus")
                if key in FALLIBLE_PARTS:
                    return {"error": True}
            if fault == "absent" and key in CACHED_PARTS:
                return _ABSENT
            value = computers[key]()
            if fault == "expired" and key in CACHED_PARTS:
                value = {**value, "isExpired": True}
            return value

        if not ndjson:
            values = {key: part(key) for key in KEY_ORDER}
            return json_response({key: value for key, value in values.items() if value is not _ABSENT})
        delay = state.slow_dashboard_parts_ms / 1000

        async def lines() -> AsyncIterator[bytes]:
            # The index-based parts first, then the slow ones as each completes.
            for key in FAST_PARTS:
                yield _line(key, part(key))
            for key in SLOW_PARTS:
                if delay > 0:
                    await anyio.sleep(delay)
                try:
                    value = part(key)
                except SimulatedError:
                    return  # XO's stream breaks off when poolsStatus throws after the headers
                yield _line(key, value)

        return StreamingResponse(lines(), media_type=NDJSON_TYPE)

    def _pool_dashboard(self, user: User, pool_id: str, params: Params) -> Response:
        pool = self._readable(user, KINDS["pools"], pool_id)
        ndjson = ndjson_only_query(params)
        parts = dashboard_parts(self.state.inventory, pool, self.state.missing_patches_authorized)
        if not ndjson:
            return json_response(nest(parts))
        lines = (compact_json(as_line(path, value)) + "\n" for path, value in parts)
        return StreamingResponse(batched(lines), media_type=NDJSON_TYPE)

    def _vm_dashboard(self, user: User, vm_id: str, params: Params) -> Response:
        vm = self._readable(user, KINDS["vms"], vm_id)
        ndjson = ndjson_only_query(params)
        inventory = self.state.inventory
        first: list[tuple[str, Any]] = [
            ("quickInfo", quick_info(vm)),
            ("alarms", vm_alarms(inventory, vm["id"])),
            ("backupsInfo", {"replication": replication(inventory, vm["id"])}),
        ]
        later: list[Callable[[], dict[str, Any]]] = [
            lambda: dict(zip(("lastRuns", "vmProtection"), last_runs_and_protection(inventory, vm), strict=True)),
            lambda: {"backupArchives": backup_archives(inventory, vm["id"])},
        ]
        if ndjson:

            async def lines() -> AsyncIterator[bytes]:
                for key, value in first:
                    yield _line(key, value)
                for compute in later:
                    try:
                        value = compute()
                    except VmDashboardError:
                        return  # headers are out: XO's answer just stops
                    yield _line("backupsInfo", value)

            return StreamingResponse(lines(), media_type=NDJSON_TYPE)
        try:
            runs = later[0]()
        except VmDashboardError as error:
            raise SimulatedError(500, str(error)) from error
        info = {**runs, **first[2][1], **later[1]()}
        return json_response({"quickInfo": first[0][1], "alarms": first[1][1], "backupsInfo": info})

    def _missing_patches(self, user: User, kind: Kind, object_id: str) -> Response:
        obj = self._readable(user, kind, object_id)
        if not self.state.missing_patches_authorized:
            raise feature_unauthorized("LIST_MISSING_PATCHES")
        inventory = self.state.inventory
        if kind.collection == "hosts":
            # The query fails on a host that is not running; XO answers an empty list then.
            running = obj.get("power_state") == "Running"
            return json_response(inventory.missing_patches.get(obj["id"], []) if running else [])
        hosts = [
            host
            for host in inventory.hosts.values()
            if host.get("$pool") == obj["id"] and host.get("power_state") == "Running"
        ]
        return json_response(pool_missing_patches(inventory, hosts))


def _line(key: str, value: Any) -> bytes:
    line = {} if value is _ABSENT else {key: value}
    return (compact_json(line) + "\n").encode()
