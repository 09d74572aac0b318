"""Generator step 2: VMs with their disks (VDIs), network interfaces and snapshots.

This is the hot path at 100 000 VMs: nested values that many VMs have in common (CPUs,
memory without usage, tags, os_version, other, creation, empty containers) are built once and
shared, so a VM costs its own dict plus a handful of unique strings.
"""

from __future__ import annotations

import itertools
from typing import Any

from xo_mcp.simulator.catalog import GIB, GUESTS, NOW_S, ROLES, Guest, Role
from xo_mcp.simulator.gen_context import EMPTY_DICT, EMPTY_LIST, GenContext, PoolPlan
from xo_mcp.simulator.inventory import JsonObject

_DAY = 86_400
_BIOS = {"bios-vendor": "Xen", "bios-version": "", "system-manufacturer": "Xen", "system-product-name": "HVM domU"}
_BOOT_BIOS = {"firmware": "bios", "order": "cd"}
_BOOT_UEFI = {"firmware": "uefi", "order": "cdn"}
_XENSTORE = {"vm-data": "", "vm-data/mmio-hole-size": "268435456"}
_NOTES = "critical: do not reboot during business hours"


class _Shared:
    """Interning caches: one object per distinct value."""

    def __init__(self) -> None:
        self.values: dict[Any, Any] = {}

    def get(self, key: Any, build: Any) -> Any:
        value = self.values.get(key)
        if value is None:
            value = self.values[key] = build()
        return value


def generate_vms(ctx: GenContext, count: int) -> None:
    if not ctx.pools:
        return
    shared = _Shared()
    counters: dict[str, int] = {}
    rng = ctx.rng
    weights = list(itertools.accumulate(role.weight for role in ROLES))
    for index in range(count):
        plan = ctx.pools[index % len(ctx.pools)]
        role = rng.choices(ROLES, cum_weights=weights)[0]
        counters[role.prefix] = number = counters.get(role.prefix, 0) + 1
        vm = _vm(ctx, shared, plan, role, f"{role.prefix}-{number:02d}", index)
        ctx.inventory.add("vms", vm)
        if index % 10 == 3:
            _snapshot(ctx, shared, vm, index)
    _settle_usage(ctx)


def _power_state(ctx: GenContext, plan: PoolPlan) -> str:
    draw = ctx.rng.random()
    state = "Running" if draw < 0.62 else "Halted" if draw < 0.9 else "Paused" if draw < 0.95 else "Suspended"
    if state in {"Running", "Paused"} and not plan.running_hosts:
        return "Halted"
    return state


def _addresses(ctx: GenContext, plan: PoolPlan) -> tuple[dict[str, str], str]:
    """The guest-reported addresses and XO's mainIpAddress (first IPv4 by sorted key, else first IPv6)."""
    plan.ip_counter += 1
    value = (10 << 24) + (plan.index % 64 << 18) + 256 + plan.ip_counter
    ipv4 = f"10.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"
    ipv6 = f"fe80::{ctx.rng.getrandbits(16):x}:{ctx.rng.getrandbits(16):x}:{ctx.rng.getrandbits(16):x}"
    draw = ctx.rng.random()
    if draw < 0.7:
        return {"0/ipv4/0": ipv4, "0/ipv6/0": ipv6}, ipv4
    if draw < 0.9:
        return {"0/ipv4/0": ipv4}, ipv4
    if draw < 0.95:
        return {"0/ipv4/0": ipv4, "1/ipv4/0": "172.17.0.1"}, ipv4
    return {"0/ipv6/0": ipv6}, ipv6


def _tags(shared: _Shared, ctx: GenContext, role: Role) -> list[str]:
    draw = ctx.rng.random()
    extra: tuple[str, ...] = ("backup",) if draw < 0.1 else ("xo:no-bak",) if draw < 0.13 else ()
    key = ("tags", *role.tags, *extra)
    tags: list[str] = shared.get(key, lambda: [*role.tags, *extra])
    return tags


def _vm(ctx: GenContext, shared: _Shared, plan: PoolPlan, role: Role, name: str, index: int) -> JsonObject:
    rng = ctx.rng
    guest_key = rng.choice(role.guests)
    guest = GUESTS[guest_key]
    template = plan.templates[guest.template]
    power_state = _power_state(ctx, plan)
    resident = power_state in {"Running", "Paused"}
    tools = resident and rng.random() < 0.88
    vm_id = ctx.uuid()
    pool_id = plan.pool["id"]

    on_local = rng.random() < 0.1 and bool(plan.running_hosts)
    host = rng.choice(plan.running_hosts) if (resident or on_local) and plan.running_hosts else None
    container = host["id"] if host is not None else pool_id
    if host is not None and resident:
        host["residentVms"].append(vm_id)
    sr = plan.local_srs[host["id"]] if on_local and host is not None else plan.shared_sr
    assert sr is not None

    vcpus = rng.choice(role.vcpus)
    live_vcpus = vcpus if not tools or rng.random() < 0.9 else max(1, vcpus // 2)
    size = rng.choice(role.memory_gib) * GIB
    if tools:
        memory: JsonObject = shared.get(("memory", size), lambda: _memory(size)).copy()
        memory["usage"] = int(size * rng.uniform(0.15, 0.92))
    else:
        memory = shared.get(("memory", size), lambda: _memory(size))

    notes = rng.random() < 0.04
    template_id = template["uuid"]
    vif = ctx.uuid()
    assert plan.vm_network is not None
    plan.vm_network["VIFs"].append(vif)
    vbds = _disks(ctx, plan, sr, name, rng.random() < 0.2)

    vm: JsonObject = {
        "type": "VM",
        "addresses": EMPTY_DICT,
        "auto_poweron": "prod" in role.tags and rng.random() < 0.5,
        "bios_strings": _BIOS,
        "blockedOperations": EMPTY_DICT,
        "boot": _BOOT_UEFI if guest.windows else _BOOT_BIOS,
        "CPUs": shared.get(("cpus", vcpus, live_vcpus), lambda: {"max": vcpus, "number": live_vcpus}),
        "creation": shared.get(("creation", template_id), lambda: _creation(ctx, template_id)),
        "current_operations": EMPTY_DICT,
        "expNestedHvm": False,
        "viridian": guest.windows,
        "high_availability": _high_availability(ctx, plan, role),
        "isFirmwareSupported": True,
        "memory": memory,
        "installTime": NOW_S - rng.randrange(30 * _DAY, 1000 * _DAY),
        "name_description": role.description,
        "name_label": name,
        "needsVtpm": False,
        "other": shared.get(("other", guest.template, notes), lambda: _other(guest, notes)),
        "os_version": guest.os_version if tools else None,
        "power_state": power_state,
        "hasVendorDevice": guest.windows,
        "snapshots": EMPTY_LIST,
        "startDelay": 0,
        "startTime": NOW_S - rng.randrange(600, 120 * _DAY) if resident else None,
        "secureBoot": guest.windows,
        "tags": _tags(shared, ctx, role),
        "VIFs": [vif],
        "VTPMs": EMPTY_LIST,
        "virtualizationMode": "pv" if role.prefix == "legacy" and guest_key == "centos7" else "hvm",
        "$container": container,
        "$VBDs": vbds,
        "VGPUs": EMPTY_LIST,
        "$VGPUs": EMPTY_LIST,
        "xenStoreData": _XENSTORE,
        "vga": "std",
        "videoram": 8,
    }
    if tools:
        vm["addresses"], vm["mainIpAddress"] = _addresses(ctx, plan)
        vm["managementAgentDetected"] = True
        vm["pvDriversDetected"] = True
        vm["pvDriversVersion"] = guest.pv_drivers
        vm["pvDriversUpToDate"] = not guest.pv_drivers.startswith("7.")
    if notes:
        vm["notes"] = _NOTES
    vm["id"] = vm_id
    vm["uuid"] = vm_id
    vm["$pool"] = pool_id
    vm["$poolId"] = pool_id
    vm["_xapiRef"] = ctx.ref()
    return vm


def _memory(size: int) -> JsonObject:
    return {"dynamic": [size, size], "static": [min(size, GIB), size], "size": size}


def _creation(ctx: GenContext, template_id: str) -> JsonObject:
    return {"date": "2024-11-05T09:30:00.000Z", "template": template_id, "user": ctx.admin_user_id}


def _other(guest: Guest, notes: bool) -> JsonObject:
    other = {"base_template_name": guest.template, "install-methods": "cdrom,nfs,http,ftp"}
    if not guest.windows:
        other["linux_template"] = "true"
    if notes:
        other["xo:notes"] = _NOTES
    return other


def _high_availability(ctx: GenContext, plan: PoolPlan, role: Role) -> str:
    if not plan.pool["HA_enabled"]:
        return ""
    if role.prefix.startswith("db-prod"):
        return "restart"
    return "best-effort" if ctx.rng.random() < 0.1 else ""


def _disks(ctx: GenContext, plan: PoolPlan, sr: JsonObject, name: str, data: bool) -> list[str]:
    sizes = [ctx.rng.choice((10, 20, 32, 50)) * GIB]
    if data:
        sizes.append(ctx.rng.choice((100, 250, 500)) * GIB)
    vbds = []
    for position, size in enumerate(sizes):
        vbd = ctx.uuid()
        vbds.append(vbd)
        vdi_id = ctx.uuid()
        usage = int(size * ctx.rng.uniform(0.1, 0.95))
        vdi: JsonObject = {
            "type": "VDI",
            "cbt_enabled": False,
            "missing": False,
            "name_description": "Created by XO",
            "name_label": f"{name} {'system' if position == 0 else 'data'}",
            "size": size,
            "snapshots": EMPTY_LIST,
            "tags": EMPTY_LIST,
            "usage": usage,
            "VDI_type": "user",
            "current_operations": EMPTY_DICT,
            "other_config": EMPTY_DICT,
            "$SR": sr["id"],
            "$VBDs": [vbd],
            "id": vdi_id,
            "uuid": vdi_id,
            "$pool": plan.pool["id"],
            "$poolId": plan.pool["id"],
            "_xapiRef": ctx.ref(),
        }
        ctx.inventory.add("vdis", vdi)
        sr["VDIs"].append(vdi_id)
        sr["usage"] += size
        sr["physical_usage"] += usage
    return vbds


def _snapshot(ctx: GenContext, shared: _Shared, vm: JsonObject, index: int) -> None:
    snapshot_id = ctx.uuid()
    snapshot_time = NOW_S - (index % 97 + 1) * 3_600
    snapshot: JsonObject = {
        **vm,
        "type": "VM-snapshot",
        "name_label": f"{vm['name_label']} before upgrade" if index % 20 == 3 else f"{vm['name_label']} daily",
        "power_state": "Halted",
        "startTime": None,
        "addresses": EMPTY_DICT,
        "VIFs": EMPTY_LIST,
        "$VBDs": EMPTY_LIST,
        "$container": vm["$pool"],
        "snapshots": EMPTY_LIST,
        "id": snapshot_id,
        "uuid": snapshot_id,
        "_xapiRef": ctx.ref(),
        "$snapshot_of": vm["id"],
        "snapshot_time": snapshot_time,
    }
    for guest_key in ("mainIpAddress", "managementAgentDetected", "pvDriversDetected", "pvDriversUpToDate"):
        snapshot.pop(guest_key, None)
    ctx.inventory.add("vm-snapshots", snapshot)
    vm["snapshots"] = [snapshot_id]


def _settle_usage(ctx: GenContext) -> None:
    """Derive host RAM usage from resident VMs, and grow SRs that the generated disks overfill."""
    vms = ctx.inventory.vms
    for plan in ctx.pools:
        for host in plan.running_hosts:
            size = host["memory"]["size"]
            used = 4 * GIB + sum(vms[vm_id]["memory"]["size"] for vm_id in host["residentVms"])
            host["memory"]["usage"] = min(used, int(size * 0.96))
            host["residentVms"].insert(0, host["controlDomain"])
        for sr in [plan.shared_sr, *plan.local_srs.values()]:
            if sr is not None and sr["physical_usage"] > sr["size"] * 0.9:
                fill = 0.45 + (int(sr["id"][:2], 16) / 255) * 0.5
                tib = 1024 * GIB
                sr["size"] = -(-int(sr["physical_usage"] / fill) // tib) * tib
