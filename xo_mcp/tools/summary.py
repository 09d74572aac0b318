"""get_infrastructure_summary: counts of pools, hosts and VMs in one small answer, at the same cost at any scale.

XO keeps these counts in memory and serves them as the first keys of `/dashboard?ndjson=true`; the stream
is closed as soon as they have arrived. When that route is refused (non-admin users: 403), absent (older
XO: 404, remembered) or answers something else, the same facts are counted by streaming each object's
power state (`fallback`), which costs one line per object.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, Field

from xo_mcp.client import XoClient
from xo_mcp.coerce import as_counts, as_dict, as_number
from xo_mcp.errors import XoApiError, XoAuthError, XoMcpDisabled
from xo_mcp.formatting import count_of, fmt_bytes, fmt_count, inline
from xo_mcp.tools.base import Answer, XoContext, app_state, gather, limited_view, tool

MAX_POOL_NAMES = 50
DASHBOARD_KEYS = frozenset({"hostsStatus", "vmsStatus", "resourcesOverview"})
"""What the summary reads from /dashboard: all among the fast keys XO sends first."""


class PoolCounts(BaseModel):
    total: int
    names: list[str]


class HostCounts(BaseModel):
    total: int
    running: int
    halted: int
    other: int
    by_power_state: dict[str, int]
    disabled: int | None = Field(default=None, description="running hosts disabled (maintenance), when XO says")


class VmCounts(BaseModel):
    total: int
    running: int
    halted: int
    other: int
    other_breakdown: dict[str, int]


class Resources(BaseModel):
    """XO's totals over the estate (absent when XO did not give them)."""

    cpu_cores: int | None = Field(default=None, description="physical cores of all pools")
    memory: int | None = Field(default=None, description="bytes of host memory")
    storage: int | None = Field(default=None, description="bytes of writable storage (SRs, ISO excluded)")


class InfrastructureSummary(Answer):
    pools: PoolCounts
    hosts: HostCounts
    vms: VmCounts
    resources: Resources | None = None
    counted_by: Literal["xo-dashboard", "streaming"] = Field(
        default="streaming", description="XO's own aggregates, or a count of every object's power state"
    )
    visible_to: str | None = Field(default=None, description="the non-admin XO user whose ACLs limit these counts")

    def render(self) -> str:
        pools, hosts, vms = self.pools, self.hosts, self.vms
        names = ", ".join(pools.names)
        if pools.total > len(pools.names):
            names += f" (+{pools.total - len(pools.names)} more)"
        host_other = ", ".join(
            f"{fmt_count(n)} {state}" for state, n in hosts.by_power_state.items() if state not in ("Running", "Halted")
        )
        disabled = f" ({fmt_count(hosts.disabled)} disabled)" if hosts.disabled else ""
        vm_other = ", ".join(f"{fmt_count(n)} {state}" for state, n in vms.other_breakdown.items())
        lines = [
            f"Pools: {fmt_count(pools.total)}" + (f" — {names}" if names else ""),
            f"Hosts: {fmt_count(hosts.total)} — {fmt_count(hosts.running)} running{disabled}, "
            f"{fmt_count(hosts.halted)} halted" + (f", {host_other}" if host_other else ""),
            f"VMs: {fmt_count(vms.total)} — {fmt_count(vms.running)} running, {fmt_count(vms.halted)} halted, "
            f"{fmt_count(vms.other)} other" + (f" ({vm_other})" if vm_other else ""),
        ]
        if self.resources is not None:
            r = self.resources
            parts = [
                count_of(r.cpu_cores, "CPU core") if r.cpu_cores is not None else "",
                f"{fmt_bytes(r.memory)} host memory" if r.memory is not None else "",
                f"{fmt_bytes(r.storage)} writable storage" if r.storage is not None else "",
            ]
            if any(parts):
                lines.append("Resources: " + ", ".join(part for part in parts if part))
        if self.visible_to:
            lines.append(f"As visible to {inline(self.visible_to)}: XO counts only what this user's ACLs allow.")
        return "\n".join(lines)


@tool(title="Infrastructure summary")
async def get_infrastructure_summary(ctx: XoContext) -> InfrastructureSummary:
    """Counts for the whole estate in one small answer: pools (named), hosts by power state, VMs running /
    halted / other, and XO's totals of CPU cores, memory and storage. Best first call for "how many VMs are
    running?" or "give me an overview".
    """
    return await summarize(app_state(ctx).client)


async def summarize(client: XoClient) -> InfrastructureSummary:
    pools, aggregates = await gather(client.list_objects("pools", fields=["name_label"]), _xo_aggregates(client))
    pool_names = sorted(str(row.get("name_label") or "(unnamed)") for row in pools)
    pool_counts = PoolCounts(total=len(pool_names), names=pool_names[:MAX_POOL_NAMES])
    if aggregates is not None:
        hosts, vms, resources = aggregates
        return InfrastructureSummary(
            pools=pool_counts, hosts=hosts, vms=vms, resources=resources, counted_by="xo-dashboard"
        )
    # Only power_state travels, one line per object: nothing whole is ever held.
    host_states, vm_states, viewer = await gather(
        client.tally("hosts", "power_state"), client.tally("vms", "power_state"), limited_view(client)
    )
    return InfrastructureSummary(
        pools=pool_counts, hosts=_host_counts(host_states), vms=_vm_counts(vm_states), visible_to=viewer
    )


async def _xo_aggregates(client: XoClient) -> tuple[HostCounts, VmCounts, Resources | None] | None:
    """The counts from XO's /dashboard, or None when they must be counted instead."""
    try:
        keys = await client.dashboard_keys(DASHBOARD_KEYS)
    except (XoAuthError, XoMcpDisabled):
        raise  # the same refusal would meet the fallback: say it once, now
    except XoApiError:
        # 404 (an older XO), 403 (non-admin: XO's dashboard is admin-only and counts what the user may not
        # see), a 5xx, an unreadable or cut answer: counting the user's own view is always right.
        return None
    hosts, vms = _dashboard_hosts(keys.get("hostsStatus")), _dashboard_vms(keys.get("vmsStatus"))
    if hosts is None or vms is None:
        return None
    return hosts, vms, _resources(keys.get("resourcesOverview"))


def _dashboard_hosts(value: Any) -> HostCounts | None:
    counts = as_counts(value, ("running", "disabled", "halted", "unknown", "total"))
    if (
        counts is None
        or counts["running"] + counts["disabled"] + counts["halted"] + counts["unknown"] != counts["total"]
    ):
        return None
    # XO splits running hosts into enabled (`running`) and disabled ones; both are powered on.
    states = Counter({"Running": counts["running"] + counts["disabled"], "Halted": counts["halted"]})
    states["Unknown"] = counts["unknown"]
    summary = _host_counts(+states)
    summary.disabled = counts["disabled"]
    return summary


def _dashboard_vms(value: Any) -> VmCounts | None:
    counts = as_counts(value, ("running", "halted", "paused", "suspended", "unknown", "total"))
    if (
        counts is None
        or sum(counts[k] for k in ("running", "halted", "paused", "suspended", "unknown")) != counts["total"]
    ):
        return None
    states = Counter(
        {name.capitalize(): counts[name] for name in ("running", "halted", "paused", "suspended", "unknown")}
    )
    return _vm_counts(+states)


def _resources(value: Any) -> Resources | None:
    data = as_dict(value)
    if not data or data.get("isEmpty"):
        return None
    cores, memory, storage = (as_number(data.get(key)) for key in ("nCpus", "memorySize", "srSize"))
    if cores is None and memory is None and storage is None:
        return None
    return Resources(
        cpu_cores=int(cores) if cores is not None else None,
        memory=int(memory) if memory is not None else None,
        storage=int(storage) if storage is not None else None,
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
