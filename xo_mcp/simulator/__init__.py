"""A local Xen Orchestra REST API (/rest/v0) that behaves like the real one, quirks included.

    from xo_mcp.simulator import SimulatorState, generate_inventory, run_simulator

    with run_simulator(SimulatorState(inventory=generate_inventory(vms=1000))) as sim:
        ...  # sim.url, sim.admin_token, sim.state.faults, sim.state.requests

See CONTRACT-level details in the modules: `rest` (routes and checks) and its route families
(`rest_dashboards`, `rest_backups`, `rest_users`), `collection` (query pipeline), `auth`, `faults`,
`request_log`, `generator` (inventories, step by step in `gen_*`), `xo_dashboard`, `vm_dashboard` and
`backup_rules` (XO's aggregates), `estate` (names of the generated estate's notable objects).
"""

from __future__ import annotations

from xo_mcp.simulator.app import create_app
from xo_mcp.simulator.auth import User
from xo_mcp.simulator.credentials import (
    ADMIN_PASSWORD,
    ADMIN_TOKEN,
    ADMIN_USERNAME,
    VIEWER_PASSWORD,
    VIEWER_TOKEN,
    VIEWER_USERNAME,
)
from xo_mcp.simulator.faults import FaultRule, Faults
from xo_mcp.simulator.generator import generate_inventory
from xo_mcp.simulator.inventory import Inventory, inventory_from_data, load_inventory
from xo_mcp.simulator.request_log import RequestLog, RequestRecord
from xo_mcp.simulator.runner import RunningSimulator, run_simulator, run_simulator_async
from xo_mcp.simulator.state import SimulatorState

__all__ = [
    "ADMIN_PASSWORD",
    "ADMIN_TOKEN",
    "ADMIN_USERNAME",
    "VIEWER_PASSWORD",
    "VIEWER_TOKEN",
    "VIEWER_USERNAME",
    "FaultRule",
    "Faults",
    "Inventory",
    "RequestLog",
    "RequestRecord",
    "RunningSimulator",
    "SimulatorState",
    "User",
    "create_app",
    "generate_inventory",
    "inventory_from_data",
    "load_inventory",
    "run_simulator",
    "run_simulator_async",
]
