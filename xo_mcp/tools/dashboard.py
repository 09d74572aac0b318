"""get_pool_dashboard: a pool's health at a glance, from XO's /pools/{id}/dashboard."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult
from pydantic import Field

from xo_mcp.client import JsonObject, as_dict, check_id
from xo_mcp.errors import XoMcpError
from xo_mcp.formatting import fmt_bytes
from xo_mcp.models import HostStatus, NamedRef, PoolDashboard, UsageLine, VmStatus
from xo_mcp.state import AppState
from xo_mcp.tools._common import XoContext, answer, app_state, register_tool
from xo_mcp.tools.alarms import alarm_line, render_alarm

MAX_ALARMS = 5


async def get_pool_dashboard(
    ctx: XoContext,
    pool_id: Annotated[str, Field(description="The pool's id (UUID), as given by list_pools.", max_length=10_000)],
) -> Annotated[CallToolResult, PoolDashboard]:
    """Health dashboard of one pool: hosts by status, VMs by power state, the top RAM/CPU consuming hosts
    and VMs, storage repository usage, vCPU provisioning, active alarms and missing patches.

    Use it for "how is pool X doing?" or capacity questions. Find the id with list_pools.
    """
    client = app_state(ctx).client
    pool_id = check_id(pool_id, kind="pool", lister="list_pools")
    # The pool itself first: an unknown id then gets one clear 404 instead of three.
    pool = await client.get_pool(pool_id)
    dashboard: JsonObject = {}
    alarms: list[JsonObject] = []
    notes: list[str] = []

    async def fetch_dashboard() -> None:
        dashboard.update(await client.get_pool_dashboard(pool_id))

    async def fetch_alarms() -> None:
        try:
            # The dashboard lists the ids of every alarm in the pool (on its hosts, VMs, SRs…), while
            # /pools/{id}/alarms holds only those raised on the pool object itself.
            alarms.extend(
                await client.list_objects(
                    "alarms", fields=["name", "time", "body", "object"], filter=f'$pool:"{pool_id}"', limit=MAX_ALARMS
                )
            )
        except XoMcpError as exc:
            notes.append(f"alarm details unavailable: {exc.message}")

    async with anyio.create_task_group() as group:
        group.start_soon(fetch_dashboard)
        group.start_soon(fetch_alarms)
    result = build(pool, dashboard, alarms, notes)
    return answer(render(result), result)


def build(pool: JsonObject, dashboard: JsonObject, alarms: list[JsonObject], notes: list[str]) -> PoolDashboard:
    hosts = as_dict(dashboard.get("hosts"))
    vms = as_dict(dashboard.get("vms"))
    host_top = as_dict(hosts.get("topFiveUsage"))
    vm_top = as_dict(vms.get("topFiveUsage"))
    if vm_top.get("isExpired"):
        notes.append("VM top-five is from XO's cache and may be stale (isExpired).")
    patches = as_dict(hosts.get("missingPatches"))
    patch_list = patches.get("missingPatches")
    provisioning = as_dict(dashboard.get("cpuProvisioning"))
    alarm_ids = dashboard.get("alarms") if isinstance(dashboard.get("alarms"), list) else []
    return PoolDashboard(
        pool=NamedRef(id=str(pool.get("id")), name=pool.get("name_label")),
        hosts=_status(HostStatus, hosts.get("status")),
        vms=_status(VmStatus, vms.get("status")),
        top_hosts_ram=[_usage(u, "usage", "size") for u in _list(host_top.get("ram"))],
        top_hosts_cpu=[_usage(u) for u in _list(host_top.get("cpu"))],
        top_vms_ram=[_vm_ram(u) for u in _list(vm_top.get("ram"))],
        top_vms_cpu=[_usage(u) for u in _list(vm_top.get("cpu"))],
        srs=[_usage(u, "physical_usage", "size") for u in _list(as_dict(dashboard.get("srs")).get("topFiveUsage"))],
        cpu_provisioning={k: float(v) for k, v in provisioning.items() if isinstance(v, int | float)} or None,
        alarms_total=len(alarm_ids or []),
        alarms=[alarm_line(a) for a in alarms],
        missing_patches=len(patch_list) if patches.get("hasAuthorization") and isinstance(patch_list, list) else None,
        notes=notes,
    )


def _list(value: Any) -> list[JsonObject]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _status(model: type[HostStatus] | type[VmStatus], value: Any) -> Any:
    data = as_dict(value)
    if not data:
        return None
    return model.model_validate({name: int(data.get(name) or 0) for name in model.model_fields})


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _usage(item: JsonObject, used_key: str | None = None, size_key: str | None = None) -> UsageLine:
    used = _number(item.get(used_key)) if used_key else None
    size = _number(item.get(size_key)) if size_key else None
    percent = _number(item.get("percent"))
    return UsageLine(
        id=str(item.get("id")),
        name=item.get("name_label"),
        percent=round(percent, 1) if percent is not None else None,
        used=int(used) if used is not None else None,
        size=int(size) if size is not None else None,
    )


def _vm_ram(item: JsonObject) -> UsageLine:
    line = _usage(item)
    memory = _number(item.get("memory"))
    free = _number(item.get("memoryFree"))
    if memory is not None:
        line.size = int(memory)
        if free is not None:
            line.used = int(memory - free)
    return line


def _usage_text(lines: list[UsageLine]) -> str:
    parts = []
    for u in lines:
        text = f"{u.name or u.id} {u.percent:.0f}%" if u.percent is not None else f"{u.name or u.id}"
        if u.size is not None:
            text += (
                f" ({fmt_bytes(u.used)} of {fmt_bytes(u.size)})" if u.used is not None else f" ({fmt_bytes(u.size)})"
            )
        parts.append(text)
    return "; ".join(parts) or "no data"


def render(d: PoolDashboard) -> str:
    lines = [f"Pool {d.pool.name or d.pool.id} (id {d.pool.id}) dashboard"]
    if d.hosts:
        h = d.hosts
        lines.append(f"Hosts: {h.total} total — {h.running} running, {h.disabled} disabled, {h.halted} halted")
    if d.vms:
        v = d.vms
        lines.append(
            f"VMs: {v.total} total — {v.running} running, {v.halted} halted, {v.paused} paused, {v.suspended} suspended"
        )
    if d.cpu_provisioning:
        cp = d.cpu_provisioning
        lines.append(
            f"vCPU provisioning: {cp.get('assigned', 0):.0f} vCPUs on {cp.get('total', 0):.0f} cores "
            f"({cp.get('percent', 0):.0f}%)"
        )
    lines.append(f"Top hosts by RAM: {_usage_text(d.top_hosts_ram)}")
    lines.append(f"Top hosts by CPU: {_usage_text(d.top_hosts_cpu)}")
    if d.top_vms_ram or d.top_vms_cpu:
        lines.append(f"Top VMs by RAM: {_usage_text(d.top_vms_ram)}")
        lines.append(f"Top VMs by CPU: {_usage_text(d.top_vms_cpu)}")
    lines.append(f"Storage (most used SRs): {_usage_text(d.srs)}")
    if d.alarms_total:
        shown = "; ".join(render_alarm(a) for a in d.alarms) or "details unavailable"
        more = f" (+{d.alarms_total - len(d.alarms)} more)" if d.alarms_total > len(d.alarms) else ""
        lines.append(f"Alarms: {d.alarms_total} — {shown}{more}")
    else:
        lines.append("Alarms: none")
    if d.missing_patches is None:
        lines.append("Missing patches: not checked (the XOA plan does not include it)")
    else:
        lines.append(f"Missing patches: {d.missing_patches}")
    lines.extend(f"Note: {n}" for n in d.notes)
    return "\n".join(lines)


def register(mcp: MCPServer[AppState]) -> None:
    register_tool(mcp, get_pool_dashboard, title="Pool dashboard")
