"""Private control routes for out-of-process drivers (benchmarks, soak tests); never logged as XO traffic.

GET    /_simulator/faults     current rules and knobs
POST   /_simulator/faults     {"rules": [...], "error_rate": 0.05, "latency_range_ms": [0, 200], "seed": 1}
                              (optional "clear": true first removes what was set)
DELETE /_simulator/faults     remove every rule and knob
GET    /_simulator/requests   the request log (the latest 10 000 records)
GET    /_simulator/counts     {"requests": n, "faults": {"random-error": k, ...}} since the last clear
DELETE /_simulator/requests   empty it
POST   /_simulator/mcp        {"enabled": false} flips the MCP kill-switch
GET    /_simulator/dashboard  the dashboard knobs
POST   /_simulator/dashboard  {"routes": false, "parts": {"backups": "expired"}, "slow_parts_ms": 500}
                              (see SimulatorState: dashboard_routes, dashboard_part_faults, slow_dashboard_parts_ms)
POST   /_simulator/reset      no faults, empty log, no throttled users, MCP enabled, dashboards restored
GET    /_simulator/info       inventory counts and credentials
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from xo_mcp.simulator.state import SimulatorState


def control_routes(state: SimulatorState) -> list[BaseRoute]:
    async def read_json(request: Request) -> dict[str, Any]:
        body = await request.body()
        data = json.loads(body) if body.strip() else {}
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        return data

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            try:
                state.faults.configure(await read_json(request))
            except (ValueError, TypeError) as error:
                return JSONResponse({"error": str(error)}, status_code=400)
        elif request.method == "DELETE":
            state.faults.clear()
        return JSONResponse(state.faults.describe())

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            state.requests.clear()
        return JSONResponse([record.to_dict() for record in state.requests.snapshot()])

    async def counts(_request: Request) -> Response:
        return JSONResponse(state.requests.counts())

    async def mcp(request: Request) -> Response:
        try:
            enabled = (await read_json(request))["enabled"]
        except (ValueError, KeyError) as error:
            return JSONResponse({"error": f"expected {{'enabled': bool}}: {error}"}, status_code=400)
        state.mcp_enabled = bool(enabled)
        return JSONResponse({"enabled": state.mcp_enabled})

    def dashboard_knobs() -> dict[str, Any]:
        return {
            "routes": state.dashboard_routes,
            "parts": dict(state.dashboard_part_faults),
            "slow_parts_ms": state.slow_dashboard_parts_ms,
        }

    async def dashboard(request: Request) -> Response:
        if request.method == "POST":
            try:
                settings = await read_json(request)
                unknown = sorted(set(settings) - {"routes", "parts", "slow_parts_ms"})
                if unknown:
                    raise ValueError(f"unknown dashboard settings: {', '.join(unknown)}")
                parts = settings.get("parts", state.dashboard_part_faults)
                if not isinstance(parts, dict) or not set(parts.values()) <= {"expired", "absent", "error"}:
                    raise ValueError("parts maps /dashboard keys to expired, absent or error")
                state.dashboard_routes = bool(settings.get("routes", state.dashboard_routes))
                state.dashboard_part_faults = {str(key): str(value) for key, value in parts.items()}
                state.slow_dashboard_parts_ms = float(settings.get("slow_parts_ms", state.slow_dashboard_parts_ms))
            except (ValueError, TypeError) as error:
                return JSONResponse({"error": str(error)}, status_code=400)
        return JSONResponse(dashboard_knobs())

    async def reset(_request: Request) -> Response:
        state.reset()
        return JSONResponse({"reset": True})

    async def info(_request: Request) -> Response:
        users = [{"username": user.email, "token": user.token, "admin": user.admin} for user in state.users or []]
        return JSONResponse({"counts": state.inventory.counts(), "users": users, "mcp_enabled": state.mcp_enabled})

    return [
        Route("/_simulator/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_simulator/requests", requests, methods=["GET", "DELETE"]),
        Route("/_simulator/counts", counts, methods=["GET"]),
        Route("/_simulator/mcp", mcp, methods=["POST"]),
        Route("/_simulator/dashboard", dashboard, methods=["GET", "POST"]),
        Route("/_simulator/reset", reset, methods=["POST"]),
        Route("/_simulator/info", info, methods=["GET"]),
    ]
