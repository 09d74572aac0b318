"""get_infrastructure_summary: counts of pools, hosts and VMs, streamed so 100 000 VMs stay cheap."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult

from xo_mcp.client import Collection, XoClient
from xo_mcp.formatting import fmt_count
from xo_mcp.models import HostCounts, InfrastructureSummary, PoolCounts, VmCounts
from xo_mcp.state import AppState
from xo_mcp.tools._common import XoContext, answer, app_state, register_tool

MAX_POOL_NAMES = 50


async def get_infrastructure_summary(ctx: XoContext) -> Annotated[CallToolResult, InfrastructureSummary]:
    """Counts for the whole Xen Orchestra estate in one small answer: pools (with names), hosts by power
    state, VMs total / running / halted / other (paused, suspended). Templates and snapshots are not VMs.

    Best first call for "how many VMs are running?" or "give me an overview". Then drill down with
    list_pools, list_hosts, list_vms or get_pool_dashboard.
    """
    summary = await summarize(app_state(ctx).client)
    return answer(render(summary), summary)


async def summarize(client: XoClient) -> InfrastructureSummary:
    pool_names: list[str] = []
    host_states: Counter[str] = Counter()
    vm_states: Counter[str] = Counter()

    async def pools() -> None:
        rows = await client.list_objects("pools", fields=["name_label"])
        pool_names.extend(str(row.get("name_label") or "(unnamed)") for row in rows)

    async def tally(collection: Collection, counter: Counter[str]) -> None:
        # Only power_state travels, one line per object: nothing whole is ever held.
        counter.update(await client.tally(collection, "power_state"))

    async with anyio.create_task_group() as group:
        group.start_soon(pools)
        group.start_soon(tally, "hosts", host_states)
        group.start_soon(tally, "vms", vm_states)

    hosts_total = sum(host_states.values())
    vms_total = sum(vm_states.values())
    others = {state: n for state, n in sorted(vm_states.items()) if state not in ("Running", "Halted")}
    return InfrastructureSummary(
        pools=PoolCounts(total=len(pool_names), names=sorted(pool_names)[:MAX_POOL_NAMES]),
        hosts=HostCounts(
            total=hosts_total,
            running=host_states["Running"],
            halted=host_states["Halted"],
            other=hosts_total - host_states["Running"] - host_states["Halted"],
            by_power_state=dict(sorted(host_states.items())),
        ),
        vms=VmCounts(
            total=vms_total,
            running=vm_states["Running"],
            halted=vm_states["Halted"],
            other=sum(others.values()),
            other_breakdown=others,
        ),
    )


def render(s: InfrastructureSummary) -> str:
    names = ", ".join(s.pools.names)
    if s.pools.total > len(s.pools.names):
        names += f" (+{s.pools.total - len(s.pools.names)} more)"
    host_other = ", ".join(
        f"{n} {state}" for state, n in s.hosts.by_power_state.items() if state not in ("Running", "Halted")
    )
    vm_other = ", ".join(f"{n} {state}" for state, n in s.vms.other_breakdown.items())
    lines = [
        f"Pools: {s.pools.total}" + (f" — {names}" if names else ""),
        f"Hosts: {s.hosts.total} — {s.hosts.running} running, {s.hosts.halted} halted"
        + (f", {host_other}" if host_other else ""),
        f"VMs: {fmt_count(s.vms.total)} — {fmt_count(s.vms.running)} running, {fmt_count(s.vms.halted)} halted, "
        f"{fmt_count(s.vms.other)} other" + (f" ({vm_other})" if vm_other else ""),
    ]
    return "\n".join(lines)


def register(mcp: MCPServer[AppState]) -> None:
    register_tool(mcp, get_infrastructure_summary, title="Infrastructure summary")
