"""get_vm_details: what an administrator looks at first about one VM, in a few lines."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from xo_mcp.arguments import XoId, object_id
from xo_mcp.client import XoClient
from xo_mcp.coerce import JsonObject, as_bool, as_dict, as_int, as_list, as_str, seconds_to_datetime, utc_text
from xo_mcp.formatting import fmt_bytes, inline, os_name
from xo_mcp.tools.alarms import ALARM_FIELDS, MAX_ALARMS, AlarmLine, alarm_line, newest, render_alarm
from xo_mcp.tools.backups import VmProtectionLine, vm_protection_line
from xo_mcp.tools.base import Answer, NamedRef, Part, Parts, XoContext, app_state, tool
from xo_mcp.tools.inventory import VM
from xo_mcp.tools.names import names_of

MAX_DISKS = 16
"""Disks shown; the answer still counts them all."""
MAX_LISTED = 1000
"""A guard on the per-VM sub-collections (XAPI allows 255 VBDs; alarms pile up on a sick VM)."""


class Disk(BaseModel):
    name: str | None = None
    size: int | None = Field(default=None, description="bytes")
    usage: int | None = Field(default=None, description="bytes")
    sr: str | None = None


class VmDetails(Answer):
    id: str
    name_label: str
    name_description: str | None = None
    power_state: str
    host: NamedRef | None = None
    pool: NamedRef | None = None
    vcpus: int | None = None
    vcpus_max: int | None = None
    memory_size: int | None = Field(default=None, description="bytes")
    memory_usage: int | None = Field(default=None, description="bytes, from guest metrics")
    memory_static_max: int | None = Field(default=None, description="bytes")
    os: str | None = None
    main_ip: str | None = None
    ips: list[str] = []
    guest_tools: str | None = None
    virtualization_mode: str | None = None
    auto_poweron: bool | None = None
    high_availability: str | None = None
    disks: list[Disk] = Field(default=[], description="the first disks, in XO's order")
    disks_total: int | None = Field(default=None, description="every disk of the VM; absent when unknown")
    vifs: int = 0
    tags: list[str] = []
    snapshots: int = 0
    started: str | None = None
    alarms: list[AlarmLine] = Field(default=[], description="the newest active alarms")
    alarms_total: int | None = Field(default=None, description="every active alarm of the VM; absent when unknown")
    backups: VmProtectionLine | None = Field(default=None, description="its protection, as XO's VM dashboard says")
    notes: list[str] = Field(default=[], description="parts that could not be fetched")

    def render(self) -> str:
        where = []
        if self.host:
            where.append(f"on host {inline(self.host.label)}")
        if self.pool:
            where.append(f"in pool {inline(self.pool.label)}")
        lines = [f"VM {inline(self.name_label)} (id {self.id}): {self.power_state} {' '.join(where)}".rstrip()]
        if self.name_description:
            lines.append(f"Description: {inline(self.name_description)}")
        specs = []
        if self.vcpus is not None:
            vcpus_max = f" (max {self.vcpus_max})" if self.vcpus_max and self.vcpus_max != self.vcpus else ""
            specs.append(f"vCPUs {self.vcpus}{vcpus_max}")
        if self.memory_size is not None:
            used = f", guest uses {fmt_bytes(self.memory_usage)}" if self.memory_usage else ""
            specs.append(f"memory {fmt_bytes(self.memory_size)}{used}")
        specs.append(f"OS {self.os or 'unknown (no guest agent data)'}")
        lines.append(" · ".join(specs))
        ips = self.ips if len(self.ips) <= 4 else [*self.ips[:4], f"+{len(self.ips) - 4} more"]
        all_ips = f" (all: {', '.join(ips)})" if len(self.ips) > 1 else ""
        lines.append(f"IP: {self.main_ip or 'none reported'}{all_ips}")
        misc = [f"guest tools: {self.guest_tools or 'not detected'}"]
        if self.virtualization_mode:
            misc.append(self.virtualization_mode.upper())
        if self.auto_poweron is not None:
            misc.append(f"auto power-on {'on' if self.auto_poweron else 'off'}")
        if self.high_availability:
            misc.append(f"HA {self.high_availability}")
        lines.append(" · ".join(misc))
        lines.append(self._disks_line())
        tags = ", ".join(self.tags) or "none"
        lines.append(f"Network interfaces: {self.vifs} · snapshots: {self.snapshots} · tags: {tags}")
        if self.started:
            lines.append(f"Running since {self.started}")
        lines.append(self._alarms_line())
        lines.append(self.backups.render() if self.backups else f"Backups: unknown ({self._reason('backups')})")
        lines.extend(f"Note: {note}" for note in self.notes if not note.startswith(("disks ", "alarms ", "backups ")))
        return "\n".join(lines)

    def _disks_line(self) -> str:
        if self.disks_total is None:
            return f"Disks: unknown ({self._reason('disks')})"
        if not self.disks_total:
            return "Disks: none"
        shown = "; ".join(
            f"{inline(disk.name or '?')} {fmt_bytes(disk.size)}"
            + (f" (used {fmt_bytes(disk.usage)})" if disk.usage else "")
            + (f" on {inline(disk.sr)}" if disk.sr else "")
            for disk in self.disks
        )
        count = (
            f"{self.disks_total}, {len(self.disks)} shown" if self.disks_total > len(self.disks) else self.disks_total
        )
        return f"Disks ({count}): {shown}"

    def _alarms_line(self) -> str:
        if self.alarms_total is None:
            return f"Alarms: unknown ({self._reason('alarms')})"
        if not self.alarms_total:
            return "Alarms: none"
        shown = "; ".join(render_alarm(alarm, subject_id=self.id) for alarm in self.alarms)
        count = f"{self.alarms_total}, newest {len(self.alarms)} shown" if self.alarms_total > len(self.alarms) else ""
        return f"Alarms ({count or self.alarms_total}): {shown}"

    def _reason(self, part: str) -> str:
        return next((note.split(": ", 1)[-1] for note in self.notes if note.startswith(f"{part} ")), "not fetched")


@tool(title="VM details")
async def get_vm_details(ctx: XoContext, vm_id: Annotated[XoId, object_id(VM)]) -> VmDetails:
    """One VM: state, host, pool, vCPUs, memory, OS, IPs, guest tools, disks, interfaces, tags, snapshots,
    alarms and backups (protected or not, last runs). For "what is wrong with VM X?"; the id from
    list_vms(filter="name_label:X").
    """
    client = app_state(ctx).client
    vm = await client.get_object(vm_id)
    # Names, disks and alarms concurrently; a part that fails becomes a note, not a failure.
    parts = Parts()
    container, pool_id = as_str(vm.get("$container")), as_str(vm.get("$pool"))
    on_host = container and container != pool_id
    host = parts.add("host", _named(client, "hosts", container)) if container and on_host else None
    pool = parts.add("pool", _named(client, "pools", pool_id)) if pool_id else None
    disks = parts.add("disks", _disks(client, vm_id))
    alarms = parts.add("alarms", newest(client.iter_objects("alarms", fields=ALARM_FIELDS, parent=vm_id), MAX_ALARMS))
    backups = parts.add("backups", vm_protection_line(client, vm_id, vm))
    await parts.gather()
    details = _details(vm_id, vm, host, pool, disks, alarms, parts.notes())
    details.backups = backups.value
    return details


async def _named(client: XoClient, collection: str, object_id: str) -> NamedRef:
    return NamedRef(id=object_id, name=(await names_of(client, collection, [object_id])).get(object_id))


async def _disks(client: XoClient, vm_id: XoId) -> tuple[list[Disk], int]:
    """The first disks with their SR names, and how many disks the VM has."""
    fields = ["name_label", "size", "usage", "$SR"]
    every = await client.list_objects("vdis", fields=fields, limit=MAX_LISTED, parent=vm_id)
    vdis = every[:MAX_DISKS]
    sr_names = await names_of(client, "srs", (sr for v in vdis if (sr := as_str(v.get("$SR")))))
    disks = [
        Disk(
            name=as_str(v.get("name_label")),
            size=as_int(v.get("size")),
            usage=as_int(v.get("usage")),
            sr=sr_names.get(sr, sr) if (sr := as_str(v.get("$SR"))) else None,
        )
        for v in vdis
    ]
    return disks, len(every)


def _details(
    vm_id: str,
    vm: JsonObject,
    host: Part[NamedRef] | None,
    pool: Part[NamedRef] | None,
    disks: Part[tuple[list[Disk], int]],
    alarms: Part[tuple[list[JsonObject], int]],
    notes: list[str],
) -> VmDetails:
    cpus = as_dict(vm.get("CPUs"))
    memory = as_dict(vm.get("memory"))
    static = as_list(memory.get("static"))
    addresses = as_dict(vm.get("addresses"))
    return VmDetails(
        id=vm_id,
        name_label=str(vm.get("name_label", "")),
        name_description=as_str(vm.get("name_description")),
        power_state=str(vm.get("power_state", "unknown")),
        host=host.value if host else None,
        pool=pool.value if pool else None,
        vcpus=as_int(cpus.get("number")),
        vcpus_max=as_int(cpus.get("max")),
        memory_size=as_int(memory.get("size")),
        memory_usage=as_int(memory.get("usage")),
        memory_static_max=as_int(static[-1]) if static else None,
        os=_os_name(vm.get("os_version")),
        main_ip=as_str(vm.get("mainIpAddress")),
        ips=sorted({ip for ip in addresses.values() if isinstance(ip, str)}),
        guest_tools=_guest_tools(vm),
        virtualization_mode=as_str(vm.get("virtualizationMode")),
        auto_poweron=as_bool(vm.get("auto_poweron")),
        high_availability=as_str(vm.get("high_availability")),
        disks=disks.value[0] if disks.value else [],
        disks_total=disks.value[1] if disks.value else None,
        vifs=len(as_list(vm.get("VIFs"))),
        tags=[t for t in as_list(vm.get("tags")) if isinstance(t, str)],
        snapshots=len(as_list(vm.get("snapshots"))),
        started=utc_text(seconds_to_datetime(vm.get("startTime"))) if vm.get("power_state") == "Running" else None,
        alarms=[alarm_line(a) for a in alarms.value[0]] if alarms.value else [],
        alarms_total=alarms.value[1] if alarms.value else None,
        notes=notes,
    )


def _os_name(os_version: object) -> str | None:
    # os_version is the guest agent's map, or null without tools (the spec claims non-null).
    if not isinstance(os_version, dict):
        return None
    name = os_version.get("name") or os_version.get("distro")
    if not name:
        return None
    version = ".".join(str(os_version[k]) for k in ("major", "minor") if os_version.get(k) not in (None, ""))
    name = os_name(str(name))
    return f"{name} {version}" if version and version not in name else name


def _guest_tools(vm: JsonObject) -> str | None:
    agent = vm.get("managementAgentDetected")
    drivers = vm.get("pvDriversDetected")
    if agent is None and drivers is None:
        return None
    parts = [f"management agent {'yes' if agent else 'no'}", f"PV drivers {'yes' if drivers else 'no'}"]
    if vm.get("pvDriversVersion"):
        parts[-1] += f" {vm['pvDriversVersion']}"
        if vm.get("pvDriversUpToDate") is False:
            parts[-1] += " (outdated)"
    return ", ".join(parts)


TOOLS = (get_vm_details,)
