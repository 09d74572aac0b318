"""Deterministic inventories: the same arguments always give the same objects, ids and order."""

from __future__ import annotations

import gc

from xo_mcp.simulator.catalog import NOW_S
from xo_mcp.simulator.gen_accounts import generate_accounts
from xo_mcp.simulator.gen_activity import generate_activity
from xo_mcp.simulator.gen_archives import generate_archives
from xo_mcp.simulator.gen_backup_logs import generate_backup_logs
from xo_mcp.simulator.gen_backup_plan import SCENARIO_JOBS
from xo_mcp.simulator.gen_backups import plan_backups
from xo_mcp.simulator.gen_context import GenContext
from xo_mcp.simulator.gen_devices import generate_devices
from xo_mcp.simulator.gen_health import generate_health
from xo_mcp.simulator.gen_infra import generate_infrastructure
from xo_mcp.simulator.gen_replicas import generate_backup_snapshots, generate_replicas, replica_budget
from xo_mcp.simulator.gen_tasks import generate_tasks
from xo_mcp.simulator.gen_vms import generate_vms
from xo_mcp.simulator.inventory import Inventory


def default_backup_jobs(vms: int) -> int:
    """12 scenario jobs, plus one per 2 500 VMs up to 50 in all."""
    return SCENARIO_JOBS + min(38, vms // 2_500)


def generate_inventory(
    seed: int = 0,
    pools: int = 2,
    hosts_per_pool: int = 3,
    vms: int = 40,
    *,
    backup_jobs: int | None = None,
    backup_runs: int | None = None,
    now: float | None = None,
) -> Inventory:
    """A realistic XO inventory: pools, hosts with their devices, SRs, networks, templates, VMs with
    disks, interfaces and snapshots, backup jobs, schedules, runs, replicas and archives, alarms,
    messages, tasks, users and server connections, and missing patches per host.

    `vms` counts every VM, replicas included (4 of them from 12 VMs on). `backup_jobs`: at least the
    12 scenario jobs of `estate` (default: more with the estate's size, 50 at 100 000 VMs);
    `backup_runs`: backup logs in all (default: about ten per job). `now` (seconds): the instant every
    timestamp is relative to; default a fixed date, so inventories are reproducible. Pass the current
    time for an estate whose "last 7 days" are this week.
    """
    if pools < 1 or hosts_per_pool < 1 or vms < 0:
        raise ValueError("an inventory needs at least one pool with one host, and a non-negative VM count")
    if backup_runs is not None and backup_runs < 0:
        raise ValueError("backup_runs must not be negative")
    inventory = Inventory()
    now_s = int(now if now is not None else NOW_S)
    inventory.now_s = now_s
    ctx = GenContext(seed, inventory, now_s)
    replicas = replica_budget(vms)
    jobs = max(SCENARIO_JOBS, backup_jobs if backup_jobs is not None else default_backup_jobs(vms))
    # Millions of long-lived, acyclic dicts and lists: the cycle collector has nothing to find in
    # them, yet would rescan them during generation (a quarter of its time at 100 000 VMs) and then
    # stall requests while it moves them through its generations (~0.6 s per pass at that size).
    # So it is paused while generating, and what exists afterwards is frozen out of its reach.
    collecting = gc.isenabled()
    gc.disable()
    try:
        generate_infrastructure(ctx, pools, hosts_per_pool)
        generate_devices(ctx)
        generate_vms(ctx, vms - replicas)
        backups = plan_backups(ctx, jobs - SCENARIO_JOBS, replicas)
        runs = generate_backup_logs(ctx, backups, backup_runs)
        generate_replicas(ctx, backups, replicas)
        generate_backup_snapshots(ctx, backups)
        generate_archives(ctx, backups, runs)
        generate_health(ctx)
        generate_activity(ctx)
        generate_tasks(ctx, backups)
        generate_accounts(ctx)
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    return inventory
