"""get_pool_dashboard: a pool's health at a glance, from XO's /pools/{id}/dashboard."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from xo_mcp.arguments import XoId, object_id
from xo_mcp.client import XoClient
from xo_mcp.coerce import JsonObject, as_dict, as_dicts, as_list, as_number
from xo_mcp.formatting import fmt_bytes
from xo_mcp.tools.alarms import ALARM_FIELDS, MAX_ALARMS, AlarmLine, alarm_line, render_alarm
from xo_mcp.tools.base import Answer, NamedRef, Parts, XoContext, app_state, gather, tool
from xo_mcp.tools.inventory import POOL


class HostStatus(BaseModel):
    running: int
    disabled: int
    halted: int
    total: int


class VmStatus(BaseModel):
    running: int
    halted: int
    paused: int
    suspended: int
    total: int


class UsageLine(BaseModel):
    id: str
    name: str | None = None
    percent: float | None = None
    used: int | None = Field(default=None, description="bytes")
    size: int | None = Field(default=None, description="bytes")


class PoolDashboard(Answer):
    pool: NamedRef
    hosts: HostStatus | None = None
    vms: VmStatus | None = None
    top_hosts_ram: list[UsageLine] = []
    top_hosts_cpu: list[UsageLine] = []
    top_vms_ram: list[UsageLine] = []
    top_vms_cpu: list[UsageLine] = []
    srs: list[UsageLine] = []
    cpu_provisioning: dict[str, float] | None = None
    alarms_total: int = 0
    alarms: list[AlarmLine] = []
    missing_patches: int | None = Field(default=None, description="None when the XOA plan does not allow the check")
    notes: list[str] = []

    def render(self) -> str:
        lines = [f"Pool {self.pool.label} (id {self.pool.id}) dashboard"]
        if self.hosts:
            h = self.hosts
            lines.append(f"Hosts: {h.total} total — {h.running} running, {h.disabled} disabled, {h.halted} halted")
        if self.vms:
            v = self.vms
            lines.append(
                f"VMs: {v.total} total — {v.running} running, {v.halted} halted, {v.paused} paused, "
                f"{v.suspended} suspended"
            )
        if self.cpu_provisioning:
            cp = self.cpu_provisioning
            lines.append(
                f"vCPU provisioning: {cp.get('assigned', 0):.0f} vCPUs on {cp.get('total', 0):.0f} cores "
                f"({cp.get('percent', 0):.0f}%)"
            )
        lines.append(f"Top hosts by RAM: {_usage_text(self.top_hosts_ram)}")
        lines.append(f"Top hosts by CPU: {_usage_text(self.top_hosts_cpu)}")
        if self.top_vms_ram or self.top_vms_cpu:
            lines.append(f"Top VMs by RAM: {_usage_text(self.top_vms_ram)}")
            lines.append(f"Top VMs by CPU: {_usage_text(self.top_vms_cpu)}")
        lines.append(f"Storage (most used SRs): {_usage_text(self.srs)}")
        if self.alarms_total:
            shown = "; ".join(render_alarm(a) for a in self.alarms) or "details unavailable"
            more = f" (+{self.alarms_total - len(self.alarms)} more)" if self.alarms_total > len(self.alarms) else ""
            lines.append(f"Alarms: {self.alarms_total} — {shown}{more}")
        else:
            lines.append("Alarms: none")
        if self.missing_patches is None:
            lines.append("Missing patches: not checked (the XOA plan does not include it)")
        else:
            lines.append(f"Missing patches: {self.missing_patches}")
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)


@tool(title="Pool dashboard")
async def get_pool_dashboard(ctx: XoContext, pool_id: Annotated[XoId, object_id(POOL)]) -> PoolDashboard:
    """Health dashboard of one pool: hosts by status, VMs by power state, the top RAM/CPU consuming hosts
    and VMs, storage repository usage, vCPU provisioning, active alarms and missing patches.

    Use it for "how is pool X doing?" or capacity questions. Find the id with list_pools.
    """
    client = app_state(ctx).client
    # The pool itself first: an unknown id then gets one clear 404 instead of three.
    pool = await client.get_object(pool_id)
    # The dashboard is the answer and must succeed; the alarm details are a part that may fail.
    parts = Parts()
    alarms = parts.add("alarm details", _pool_alarms(client, pool_id))
    dashboard, _ = await gather(client.get_pool_dashboard(pool_id), parts.gather())
    return build(pool, dashboard, alarms.value or [], parts.notes())


async def _pool_alarms(client: XoClient, pool_id: XoId) -> list[JsonObject]:
    # The dashboard lists the ids of every alarm in the pool (on its hosts, VMs, SRs…), while
    # /pools/{id}/alarms holds only those raised on the pool object itself.
    return await client.list_objects("alarms", fields=ALARM_FIELDS, filter=f'$pool:"{pool_id}"', limit=MAX_ALARMS)


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
    return PoolDashboard(
        pool=NamedRef(id=str(pool.get("id")), name=pool.get("name_label")),
        hosts=_status(HostStatus, hosts.get("status")),
        vms=_status(VmStatus, vms.get("status")),
        top_hosts_ram=[_usage(u, "usage", "size") for u in as_dicts(host_top.get("ram"))],
        top_hosts_cpu=[_usage(u) for u in as_dicts(host_top.get("cpu"))],
        top_vms_ram=[_vm_ram(u) for u in as_dicts(vm_top.get("ram"))],
        top_vms_cpu=[_usage(u) for u in as_dicts(vm_top.get("cpu"))],
        srs=[_usage(u, "physical_usage", "size") for u in as_dicts(as_dict(dashboard.get("srs")).get("topFiveUsage"))],
        cpu_provisioning={k: v for k, raw in provisioning.items() if (v := as_number(raw)) is not None} or None,
        alarms_total=len(as_list(dashboard.get("alarms"))),
        alarms=[alarm_line(a) for a in alarms],
        missing_patches=len(patch_list) if patches.get("hasAuthorization") and isinstance(patch_list, list) else None,
        notes=notes,
    )


def _status(model: type[HostStatus] | type[VmStatus], value: Any) -> Any:
    data = as_dict(value)
    if not data:
        return None
    return model.model_validate({name: int(as_number(data.get(name)) or 0) for name in model.model_fields})


def _usage(item: JsonObject, used_key: str | None = None, size_key: str | None = None) -> UsageLine:
    used = as_number(item.get(used_key)) if used_key else None
    size = as_number(item.get(size_key)) if size_key else None
    percent = as_number(item.get("percent"))
    return UsageLine(
        id=str(item.get("id")),
        name=item.get("name_label"),
        percent=round(percent, 1) if percent is not None else None,
        used=int(used) if used is not None else None,
        size=int(size) if size is not None else None,
    )


def _vm_ram(item: JsonObject) -> UsageLine:
    line = _usage(item)
    memory = as_number(item.get("memory"))
    free = as_number(item.get("memoryFree"))
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


TOOLS = (get_pool_dashboard,)
