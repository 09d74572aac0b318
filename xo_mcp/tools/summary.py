"""get_infrastructure_summary: counts of pools, hosts and VMs, streamed so 100 000 VMs stay cheap."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel

from xo_mcp.client import XoClient
from xo_mcp.formatting import fmt_count
from xo_mcp.tools.base import Answer, XoContext, app_state, gather, tool

MAX_POOL_NAMES = 50


class PoolCounts(BaseModel):
    total: int
    names: list[str]


class HostCounts(BaseModel):
    total: int
    running: int
    halted: int
    other: int
    by_power_state: dict[str, int]


class VmCounts(BaseModel):
    total: int
    running: int
    halted: int
    other: int
    other_breakdown: dict[str, int]


class InfrastructureSummary(Answer):
    pools: PoolCounts
    hosts: HostCounts
    vms: VmCounts

    def render(self) -> str:
        pools, hosts, vms = self.pools, self.hosts, self.vms
        names = ", ".join(pools.names)
        if pools.total > len(pools.names):
            names += f" (+{pools.total - len(pools.names)} more)"
        host_other = ", ".join(
            f"{n} {state}" for state, n in hosts.by_power_state.items() if state not in ("Running", "Halted")
        )
        vm_other = ", ".join(f"{n} {state}" for state, n in vms.other_breakdown.items())
        lines = [
            f"Pools: {pools.total}" + (f" — {names}" if names else ""),
            f"Hosts: {hosts.total} — {hosts.running} running, {hosts.halted} halted"
            + (f", {host_other}" if host_other else ""),
            f"VMs: {fmt_count(vms.total)} — {fmt_count(vms.running)} running, {fmt_count(vms.halted)} halted, "
            f"{fmt_count(vms.other)} other" + (f" ({vm_other})" if vm_other else ""),
        ]
        return "\n".join(lines)


@tool(title="Infrastructure summary")
async def get_infrastructure_summary(ctx: XoContext) -> InfrastructureSummary:
    """Counts for the whole Xen Orchestra estate in one small answer: pools (with names), hosts by power
    state, VMs total / running / halted / other (paused, suspended). Templates and snapshots are not VMs.

    Best first call for "how many VMs are running?" or "give me an overview". Then drill down with
    list_pools, list_hosts, list_vms or get_pool_dashboard.
    """
    return await summarize(app_state(ctx).client)


async def summarize(client: XoClient) -> InfrastructureSummary:
    # Only power_state travels, one line per object: nothing whole is ever held.
    pools, host_states, vm_states = await gather(
        client.list_objects("pools", fields=["name_label"]),
        client.tally("hosts", "power_state"),
        client.tally("vms", "power_state"),
    )
    pool_names = sorted(str(row.get("name_label") or "(unnamed)") for row in pools)
    return InfrastructureSummary(
        pools=PoolCounts(total=len(pool_names), names=pool_names[:MAX_POOL_NAMES]),
        hosts=_host_counts(host_states),
        vms=_vm_counts(vm_states),
    )


def _host_counts(states: Counter[str]) -> HostCounts:
    total = sum(states.values())
    return HostCounts(
        total=total,
        running=states["Running"],
        halted=states["Halted"],
        other=total - states["Running"] - states["Halted"],
        by_power_state=dict(sorted(states.items())),
    )


def _vm_counts(states: Counter[str]) -> VmCounts:
    others = {state: n for state, n in sorted(states.items()) if state not in ("Running", "Halted")}
    return VmCounts(
        total=sum(states.values()),
        running=states["Running"],
        halted=states["Halted"],
        other=sum(others.values()),
        other_breakdown=others,
    )


TOOLS = (get_infrastructure_summary,)
