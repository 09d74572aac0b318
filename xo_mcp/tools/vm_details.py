"""get_vm_details: what an administrator looks at first about one VM, in a few lines."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult
from pydantic import Field

from xo_mcp.client import Collection, JsonObject, XoClient, as_dict, check_id
from xo_mcp.errors import XoMcpError
from xo_mcp.formatting import fmt_bytes
from xo_mcp.models import Disk, NamedRef, VmDetails
from xo_mcp.state import AppState
from xo_mcp.tools._common import XoContext, answer, app_state, register_tool
from xo_mcp.tools.alarms import alarm_line, render_alarm

MAX_DISKS = 16
MAX_ALARMS = 5
T = TypeVar("T")


async def get_vm_details(
    ctx: XoContext,
    vm_id: Annotated[str, Field(description="The VM's id (UUID), as given by list_vms.", max_length=10_000)],
) -> Annotated[CallToolResult, VmDetails]:
    """Details of one VM: power state, host and pool, vCPUs, memory (bytes), OS, IP addresses, guest tools,
    disks with sizes and SRs, network interfaces, tags, snapshots and its active alarms.

    Use it to answer "what is wrong with VM X?" or "tell me about VM X". Find the id with
    list_vms(filter="name_label:X").
    """
    client = app_state(ctx).client
    vm = await client.get_vm(check_id(vm_id, kind="VM", lister="list_vms"))
    details = await _enrich(client, vm)
    return answer(render(details), details)


async def _enrich(client: XoClient, vm: JsonObject) -> VmDetails:
    """Fetch names, disks and alarms concurrently; a part that fails becomes a note, not a failure."""
    notes: list[str] = []
    host_id = vm.get("$container") if vm.get("$container") != vm.get("$pool") else None
    pool_id = vm.get("$pool")
    found: dict[str, Any] = {}

    async def part(key: str, coroutine: Awaitable[T]) -> None:
        try:
            found[key] = await coroutine
        except XoMcpError as exc:
            notes.append(f"{key} unavailable: {exc.message}")

    async with anyio.create_task_group() as group:
        if isinstance(host_id, str):
            group.start_soon(part, "host", _name_of(client, "hosts", host_id))
        if isinstance(pool_id, str):
            group.start_soon(part, "pool", _name_of(client, "pools", pool_id))
        group.start_soon(part, "disks", _disks(client, vm["id"]))
        group.start_soon(
            part,
            "alarms",
            client.list_object_alarms("vms", vm["id"], fields=["name", "time", "body", "object"], limit=MAX_ALARMS),
        )
    return _details(vm, found, notes)


async def _name_of(client: XoClient, collection: Collection, object_id: str) -> NamedRef:
    rows = await client.list_objects(collection, fields=["id", "name_label"], filter=f'id:"{object_id}"', limit=1)
    name = rows[0].get("name_label") if rows else None
    return NamedRef(id=object_id, name=name if isinstance(name, str) else None)


async def _disks(client: XoClient, vm_id: str) -> list[Disk]:
    vdis = await client.list_vm_vdis(vm_id, fields=["name_label", "size", "usage", "$SR"], limit=MAX_DISKS)
    sr_ids = sorted({v["$SR"] for v in vdis if isinstance(v.get("$SR"), str)})
    sr_names: dict[str, str] = {}
    if sr_ids:
        wanted = " ".join(f'"{sr}"' for sr in sr_ids)
        srs = await client.list_objects("srs", fields=["id", "name_label"], filter=f"id:|({wanted})")
        sr_names = {s["id"]: str(s.get("name_label") or s["id"]) for s in srs if isinstance(s.get("id"), str)}
    return [
        Disk(
            name=v.get("name_label"),
            size=_int(v.get("size")),
            usage=_int(v.get("usage")),
            sr=sr_names.get(v.get("$SR", ""), v.get("$SR")),
        )
        for v in vdis
    ]


def _details(vm: JsonObject, found: dict[str, Any], notes: list[str]) -> VmDetails:
    cpus = as_dict(vm.get("CPUs"))
    memory = as_dict(vm.get("memory"))
    static = memory.get("static") if isinstance(memory.get("static"), list) else []
    addresses = as_dict(vm.get("addresses"))
    return VmDetails(
        id=str(vm.get("id")),
        name_label=str(vm.get("name_label", "")),
        name_description=vm.get("name_description") or None,
        power_state=str(vm.get("power_state", "unknown")),
        host=found.get("host"),
        pool=found.get("pool"),
        vcpus=_int(cpus.get("number")),
        vcpus_max=_int(cpus.get("max")),
        memory_size=_int(memory.get("size")),
        memory_usage=_int(memory.get("usage")),
        memory_static_max=_int(static[-1]) if static else None,
        os=_os_name(vm.get("os_version")),
        main_ip=vm.get("mainIpAddress") if isinstance(vm.get("mainIpAddress"), str) else None,
        ips=sorted({ip for ip in addresses.values() if isinstance(ip, str)}),
        guest_tools=_guest_tools(vm),
        virtualization_mode=vm.get("virtualizationMode"),
        auto_poweron=vm.get("auto_poweron") if isinstance(vm.get("auto_poweron"), bool) else None,
        high_availability=vm.get("high_availability") or None,
        disks=found.get("disks", []),
        vifs=len(vm.get("VIFs") or []),
        tags=[t for t in vm.get("tags") or [] if isinstance(t, str)],
        snapshots=len(vm.get("snapshots") or []),
        started=_timestamp(vm.get("startTime")) if vm.get("power_state") == "Running" else None,
        alarms=[alarm_line(a) for a in found.get("alarms", [])],
        notes=notes,
    )


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _os_name(os_version: Any) -> str | None:
    # os_version is the guest agent's map, or null without tools (the spec claims non-null).
    if not isinstance(os_version, dict):
        return None
    name = os_version.get("name") or os_version.get("distro")
    if not name:
        return None
    version = ".".join(str(os_version[k]) for k in ("major", "minor") if os_version.get(k) not in (None, ""))
    name = str(name)
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


def _timestamp(seconds: Any) -> str | None:
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds <= 0:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


def render(d: VmDetails) -> str:
    where = []
    if d.host:
        where.append(f"on host {d.host.name or d.host.id}")
    if d.pool:
        where.append(f"in pool {d.pool.name or d.pool.id}")
    lines = [f"VM {d.name_label} (id {d.id}): {d.power_state} {' '.join(where)}".rstrip()]
    if d.name_description:
        lines.append(f"Description: {d.name_description}")
    specs = []
    if d.vcpus is not None:
        specs.append(f"vCPUs {d.vcpus}" + (f" (max {d.vcpus_max})" if d.vcpus_max and d.vcpus_max != d.vcpus else ""))
    if d.memory_size is not None:
        used = f", guest uses {fmt_bytes(d.memory_usage)}" if d.memory_usage else ""
        specs.append(f"memory {fmt_bytes(d.memory_size)}{used}")
    specs.append(f"OS {d.os or 'unknown (no guest agent data)'}")
    lines.append(" · ".join(specs))
    ips = d.ips if len(d.ips) <= 4 else [*d.ips[:4], f"+{len(d.ips) - 4} more"]
    lines.append(f"IP: {d.main_ip or 'none reported'}" + (f" (all: {', '.join(ips)})" if len(d.ips) > 1 else ""))
    misc = [f"guest tools: {d.guest_tools or 'not detected'}"]
    if d.virtualization_mode:
        misc.append(d.virtualization_mode.upper())
    if d.auto_poweron is not None:
        misc.append(f"auto power-on {'on' if d.auto_poweron else 'off'}")
    if d.high_availability:
        misc.append(f"HA {d.high_availability}")
    lines.append(" · ".join(misc))
    if d.disks:
        disks = "; ".join(
            f"{disk.name or '?'} {fmt_bytes(disk.size)}"
            + (f" (used {fmt_bytes(disk.usage)})" if disk.usage else "")
            + (f" on {disk.sr}" if disk.sr else "")
            for disk in d.disks
        )
        lines.append(f"Disks ({len(d.disks)}): {disks}")
    lines.append(f"Network interfaces: {d.vifs} · snapshots: {d.snapshots} · tags: {', '.join(d.tags) or 'none'}")
    if d.started:
        lines.append(f"Running since {d.started}")
    if d.alarms:
        lines.append(f"Alarms ({len(d.alarms)}): " + "; ".join(render_alarm(a) for a in d.alarms))
    else:
        lines.append("Alarms: none")
    lines.extend(f"Note: {note}" for note in d.notes)
    return "\n".join(lines)


def register(mcp: MCPServer[AppState]) -> None:
    register_tool(mcp, get_vm_details, title="VM details")
