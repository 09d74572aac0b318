"""get_pool_dashboard: a pool's health at a glance, from XO's /pools/{id}/dashboard."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from xo_mcp.arguments import XoId, object_id
from xo_mcp.client import XoClient
from xo_mcp.coerce import JsonObject, as_dict, as_dicts, as_list, as_number, as_str
from xo_mcp.errors import XoApiError, XoMcpError
from xo_mcp.formatting import count_of, fmt_bytes, fmt_count, inline
from xo_mcp.tools.alarms import ALARM_FIELDS, MAX_ALARMS, AlarmLine, named_alarm_lines, newest, render_alarm
from xo_mcp.tools.base import Answer, NamedRef, Parts, XoContext, app_state, gather, tool
from xo_mcp.tools.inventory import POOL
from xo_mcp.tools.names import names_of
from xo_mcp.xo_filters import exactly


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
    alarms_total: int = Field(default=0, description="active alarms in the pool, from the dashboard")
    alarms: list[AlarmLine] = Field(default=[], description="the newest of them, with the objects they are on")
    alarms_error: str | None = Field(default=None, description="why the alarm details are unknown")
    missing_patches: int | None = Field(default=None, description="hosts' missing patches; absent when not checked")
    missing_patches_reason: str | None = Field(default=None, description="why missing patches were not checked")
    notes: list[str] = []

    def render(self) -> str:
        lines = [f"Pool {inline(self.pool.label)} (id {self.pool.id}) dashboard"]
        if self.hosts:
            h = self.hosts
            lines.append(
                f"Hosts: {fmt_count(h.total)} total — {fmt_count(h.running)} running, {fmt_count(h.disabled)} "
                f"disabled, {fmt_count(h.halted)} halted"
            )
        if self.vms:
            v = self.vms
            lines.append(
                f"VMs: {fmt_count(v.total)} total — {fmt_count(v.running)} running, {fmt_count(v.halted)} halted, "
                f"{fmt_count(v.paused)} paused, {fmt_count(v.suspended)} suspended"
            )
        if self.cpu_provisioning:
            cp = self.cpu_provisioning
            lines.append(
                f"vCPU provisioning: {fmt_count(cp.get('assigned', 0))} vCPUs of running VMs on "
                f"{count_of(int(cp.get('total', 0)), 'core')} ({fmt_count(cp.get('percent', 0))}%)"
            )
        lines.append(f"Top hosts by RAM: {_usage_text(self.top_hosts_ram)}")
        lines.append(f"Top hosts by CPU: {_usage_text(self.top_hosts_cpu)}")
        if self.top_vms_ram or self.top_vms_cpu:
            lines.append(f"Top VMs by RAM: {_usage_text(self.top_vms_ram)}")
            lines.append(f"Top VMs by CPU: {_usage_text(self.top_vms_cpu)}")
        lines.append(f"Storage (most used SRs): {_usage_text(self.srs)}")
        lines.append(self._alarms_line())
        if self.missing_patches is not None:
            lines.append(f"Missing patches: {fmt_count(self.missing_patches)}")
        else:
            lines.append(f"Missing patches: not checked ({self.missing_patches_reason or 'XO did not report them'})")
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _alarms_line(self) -> str:
        if not self.alarms_total:
            return "Alarms: none"
        if self.alarms_error is not None:
            return f"Alarms: {fmt_count(self.alarms_total)} (details unknown: {self.alarms_error})"
        shown = "; ".join(render_alarm(a) for a in self.alarms)
        listed = len(self.alarms)
        count = f"{fmt_count(self.alarms_total)}, newest {listed} shown" if self.alarms_total > listed else listed
        return f"Alarms ({count}): {shown}"


@tool(title="Pool dashboard")
async def get_pool_dashboard(ctx: XoContext, pool_id: Annotated[XoId, object_id(POOL)]) -> PoolDashboard:
    """One pool's dashboard: hosts and VMs by state, top RAM/CPU hosts and VMs, SR usage, vCPU provisioning,
    alarms, missing patches. For "how is pool X doing?" or capacity questions.
    """
    client = app_state(ctx).client
    # The pool itself first: an unknown id then gets one clear 404 instead of three.
    pool = await client.get_object(pool_id)
    # The dashboard is the answer and must succeed; alarm details and SR hosts are parts that may fail.
    parts = Parts()
    alarms = parts.add("alarm details", _newest_pool_alarms(client, pool_id))
    dashboard, _ = await gather(client.get_pool_dashboard(pool_id), parts.gather())
    if not any(isinstance(dashboard.get(key), dict) for key in ("hosts", "vms", "srs")):
        raise XoApiError(
            f"Xen Orchestra's answer to /pools/{{id}}/dashboard for pool {pool_id} is not a pool dashboard (it has "
            "none of hosts, vms, srs): an XO version this server does not know, or a proxy altering answers."
        )
    result = build(pool, dashboard)
    if alarms.value is not None:
        result.alarms = alarms.value
    result.alarms_error = alarms.error
    await _name_local_srs(client, result.srs)
    return result


async def _newest_pool_alarms(client: XoClient, pool_id: XoId) -> list[AlarmLine]:
    # The dashboard lists the ids of every alarm in the pool (on its hosts, VMs, SRs…), while
    # /pools/{id}/alarms holds only those raised on the pool object itself.
    stream = client.iter_objects("alarms", fields=ALARM_FIELDS, filter=f'$pool:"{pool_id}"')
    alarms, _ = await newest(stream, MAX_ALARMS)
    return await named_alarm_lines(client, alarms)


async def _name_local_srs(client: XoClient, srs: list[UsageLine]) -> None:
    """`Local storage (xcp-lyon-01)`: local SRs share a name, the host they belong to tells them apart."""
    if not srs:
        return
    try:
        rows = await client.list_objects(
            "srs", fields=["id", "shared", "$container"], filter=exactly("id", (sr.id for sr in srs))
        )
        local = {
            row["id"]: host for row in rows if row.get("shared") is False and (host := as_str(row.get("$container")))
        }
        hosts = await names_of(client, "hosts", local.values()) if local else {}
    except XoMcpError:
        return  # the SR names stay as XO gives them
    for sr in srs:
        if (host := hosts.get(local.get(sr.id, ""))) is not None:
            sr.name = f"{sr.name or sr.id} ({host})"


def build(pool: JsonObject, dashboard: JsonObject) -> PoolDashboard:
    hosts = as_dict(dashboard.get("hosts"))
    vms = as_dict(dashboard.get("vms"))
    host_top = as_dict(hosts.get("topFiveUsage"))
    vm_top = as_dict(vms.get("topFiveUsage"))
    notes = []
    if vm_top.get("isExpired"):
        notes.append("VM top-five is from XO's cache and may be stale (isExpired).")
    patches = as_dict(hosts.get("missingPatches"))
    patch_list = patches.get("missingPatches")
    provisioning = as_dict(dashboard.get("cpuProvisioning"))
    missing_patches: int | None = None
    not_checked: str | None = None
    if patches.get("hasAuthorization") is False:
        not_checked = "the XOA plan does not include it"
    elif isinstance(patch_list, list):
        missing_patches = len(patch_list)
    return PoolDashboard(
        pool=NamedRef(id=str(pool.get("id")), name=as_str(pool.get("name_label"))),
        hosts=_status(HostStatus, hosts.get("status")),
        vms=_status(VmStatus, vms.get("status")),
        top_hosts_ram=[_usage(u, "usage", "size") for u in as_dicts(host_top.get("ram"))],
        top_hosts_cpu=[_usage(u) for u in as_dicts(host_top.get("cpu"))],
        top_vms_ram=[_vm_ram(u) for u in as_dicts(vm_top.get("ram"))],
        top_vms_cpu=[_usage(u) for u in as_dicts(vm_top.get("cpu"))],
        srs=[_usage(u, "physical_usage", "size") for u in as_dicts(as_dict(dashboard.get("srs")).get("topFiveUsage"))],
        cpu_provisioning={k: v for k, raw in provisioning.items() if (v := as_number(raw)) is not None} or None,
        alarms_total=len(as_list(dashboard.get("alarms"))),
        missing_patches=missing_patches,
        missing_patches_reason=not_checked,
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
        name = inline(u.name or u.id)
        text = f"{name} {u.percent:.0f}%" if u.percent is not None else name
        if u.size is not None:
            text += (
                f" ({fmt_bytes(u.used)} of {fmt_bytes(u.size)})" if u.used is not None else f" ({fmt_bytes(u.size)})"
            )
        parts.append(text)
    return "; ".join(parts) or "no data"


TOOLS = (get_pool_dashboard,)
