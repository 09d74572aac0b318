"""Deterministic inventories: the same arguments always give the same objects, ids and order."""

from __future__ import annotations

import gc

from xo_mcp.simulator.gen_activity import generate_activity
from xo_mcp.simulator.gen_context import GenContext
from xo_mcp.simulator.gen_infra import generate_infrastructure
from xo_mcp.simulator.gen_vms import generate_vms
from xo_mcp.simulator.inventory import Inventory


def generate_inventory(seed: int = 0, pools: int = 2, hosts_per_pool: int = 3, vms: int = 40) -> Inventory:
    """A realistic XO inventory: pools, hosts, SRs, networks, templates, VMs with disks and snapshots,
    alarms, messages, tasks, backup jobs and logs, and missing patches per host."""
    if pools < 1 or hosts_per_pool < 1 or vms < 0:
        raise ValueError("an inventory needs at least one pool with one host, and a non-negative VM count")
    inventory = Inventory()
    ctx = GenContext(seed, inventory)
    # Millions of long-lived, acyclic dicts and lists: the cycle collector has nothing to find in
    # them, yet would rescan them during generation (a quarter of its time at 100 000 VMs) and then
    # stall requests while it moves them through its generations (~0.6 s per pass at that size).
    # So it is paused while generating, and what exists afterwards is frozen out of its reach.
    collecting = gc.isenabled()
    gc.disable()
    try:
        generate_infrastructure(ctx, pools, hosts_per_pool)
        generate_vms(ctx, vms)
        generate_activity(ctx)
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    return inventory
