"""`xo-mcp simulate`: serve a simulated XO REST API until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from xo_mcp.simulator.generator import generate_inventory
from xo_mcp.simulator.inventory import load_inventory
from xo_mcp.simulator.runner import run_simulator
from xo_mcp.simulator.state import SimulatorState
from xo_mcp.simulator.xo_dashboard import warm_up


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xo-mcp simulate", description="Serve a simulated Xen Orchestra REST API.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9000, help="port (default 9000; 0 picks a free one)")
    parser.add_argument("--seed", type=int, default=0, help="inventory seed (default 0)")
    parser.add_argument("--pools", type=int, default=2, help="pools to generate (default 2)")
    parser.add_argument("--hosts-per-pool", type=int, default=3, help="hosts per pool (default 3)")
    parser.add_argument("--vms", type=int, default=40, help="VMs to generate, replicas included (default 40)")
    parser.add_argument(
        "--backup-jobs", type=int, help="backup jobs (at least 12; default grows with --vms, 50 at 100k)"
    )
    parser.add_argument("--backup-runs", type=int, help="backup logs in all (default about ten per job)")
    parser.add_argument(
        "--now",
        type=_instant,
        help="instant the generated history ends at: seconds since the epoch, or `now` (default a fixed date)",
    )
    parser.add_argument("--inventory", type=Path, help="load this inventory JSON instead of generating one")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="latency added to every REST request")
    parser.add_argument("--mcp-disabled", action="store_true", help="turn XO's MCP kill-switch on")
    parser.add_argument(
        "--no-dashboards",
        action="store_true",
        help="answer 404 on /dashboard, /pools/{id}/dashboard and /vms/{id}/dashboard, like an older XO",
    )
    parser.add_argument(
        "--slow-dashboard-ms", type=float, default=0.0, help="delay before each slow /dashboard part (NDJSON)"
    )
    parser.add_argument("--swagger", type=Path, help="OpenAPI spec to serve at /rest/v0/docs/swagger.json")
    return parser


def _instant(text: str) -> float:
    if text == "now":
        return time.time()
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected seconds since the epoch, or `now`") from None


def main(argv: list[str]) -> int:
    options = _parser().parse_args(argv)
    try:
        if options.inventory is not None:
            inventory = load_inventory(options.inventory)
        else:
            inventory = generate_inventory(
                options.seed,
                options.pools,
                options.hosts_per_pool,
                options.vms,
                backup_jobs=options.backup_jobs,
                backup_runs=options.backup_runs,
                now=options.now,
            )
    except (OSError, ValueError) as error:
        print(f"xo-mcp simulate: cannot build the inventory: {error}", file=sys.stderr)
        return 2
    # XO has these aggregates at hand from its index: so should the simulated one, from its first request.
    warm_up(inventory)
    if options.swagger is not None and not options.swagger.is_file():
        print(f"xo-mcp simulate: no such spec file: {options.swagger}", file=sys.stderr)
        return 2
    state = SimulatorState(
        inventory=inventory,
        mcp_enabled=not options.mcp_disabled,
        swagger_path=options.swagger,
        base_latency_ms=options.latency_ms,
        dashboard_routes=not options.no_dashboards,
        slow_dashboard_parts_ms=options.slow_dashboard_ms,
    )
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        with run_simulator(state, host=options.host, port=options.port) as sim:
            counts = ", ".join(f"{count} {name}" for name, count in inventory.counts().items() if count)
            print(
                f"Simulated Xen Orchestra REST API at {sim.url}/rest/v0\n"
                f"  inventory: {counts}\n"
                f"  admin:  {sim.admin_username} / {sim.admin_password}  token {sim.admin_token}\n"
                f"  viewer: {sim.viewer_username} / {sim.viewer_password}  token {sim.viewer_token}"
                " (first pool only)\n"
                f"  try: XO_URL={sim.url} XO_TOKEN={sim.admin_token} xo-mcp\n"
                "Ctrl-C to stop.",
                file=sys.stderr,
                flush=True,
            )
            while not stop.is_set():
                time.sleep(0.2)
    except OSError as error:
        print(f"xo-mcp simulate: cannot listen on {options.host}:{options.port}: {error}", file=sys.stderr)
        return 1
    return 0
