"""Generator step 2: VMs with their disks (VDIs), network interfaces and snapshots.

This is the hot path at 100 000 VMs, hence its shape:
- each VM starts as a copy of a prepared dict holding every key in XO's order (CPython copies
  a dict without rehashing), then only its own values are written;
- values many VMs have in common (os_version, other, creation, tags, CPUs, memory without usage,
  empty containers) are one shared object each;
- one 128-bit random draw feeds all of a VM's small choices;
- a VM has at most 42 keys, the most a 64-slot dict table holds: a few cosmetic keys of real VMs
  (vga, videoram, startDelay, hasVendorDevice, $VGPUs) are left out, which halves each VM dict.
"""

from __future__ import annotations

import bisect
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
# Out of 100: 62 Running, 28 Halted, 5 Paused, 5 Suspended.
_POWER_STATES = ("Running",) * 62 + ("Halted",) * 28 + ("Paused",) * 5 + ("Suspended",) * 5
_ROLE_WEIGHTS = list(itertools.accumulate(role.weight for role in ROLES))
_GUEST_KEYS = ("mainIpAddress", "managementAgentDetected", "pvDriversDetected", "pvDriversVersion", "pvDriversUpToDate")


class _Draw:
    """Small choices carved out of one big random number."""

    def __init__(self, value: int) -> None:
        self.value = value

    def below(self, bound: int) -> int:
        self.value, result = divmod(self.value, bound)
        return result

    def chance(self, percent: int) -> bool:
        return self.below(100) < percent


class _VmFactory:
    def __init__(self, ctx: GenContext) -> None:
        self.ctx = ctx
        self.uuid = ctx.uuid
        self.bits = ctx.rng.getrandbits
        self.vms = ctx.inventory.vms
        self.vdis = ctx.inventory.vdis
        self.counters: dict[str, int] = {}
        self.shared: dict[Any, Any] = {}
        self.vm_bases: dict[tuple[Any, ...], JsonObject] = {}
        self.vdi_bases: dict[tuple[str, str], JsonObject] = {}

    def _share(self, key: Any, value: Any) -> Any:
        return self.shared.setdefault(key, value)

    def vm(self, plan: PoolPlan, index: int) -> JsonObject:
        draw = _Draw(self.bits(128))
        role = ROLES[bisect.bisect_right(_ROLE_WEIGHTS, draw.below(_ROLE_WEIGHTS[-1]))]
        self.counters[role.prefix] = number = self.counters.get(role.prefix, 0) + 1
        guest_key = role.guests[draw.below(len(role.guests))]
        power_state = _POWER_STATES[draw.below(100)]
        if power_state in {"Running", "Paused"} and not plan.running_hosts:
            power_state = "Halted"
        resident = power_state in {"Running", "Paused"}
        tools = resident and draw.chance(88)
        notes = draw.chance(4)
        on_local = draw.chance(10) and bool(plan.running_hosts)
        host = plan.running_hosts[draw.below(len(plan.running_hosts))] if plan.running_hosts else None
        if not (resident or on_local):
            host = None

        vm = self._base(plan, role, guest_key, tools, notes).copy()
        vm_id = self.uuid()
        name = f"{role.prefix}-{number:02d}"
        if host is not None and resident:
            host["residentVms"].append(vm_id)
        vcpus = role.vcpus[draw.below(len(role.vcpus))]
        live_vcpus = vcpus if not tools or draw.chance(90) else max(1, vcpus // 2)
        size = role.memory_gib[draw.below(len(role.memory_gib))] * GIB
        memory = self._share(
            ("memory", size), {"dynamic": [size, size], "static": [min(size, GIB), size], "size": size}
        )
        if tools:
            usage = size * (150 + draw.below(770)) // 1000
            memory = {"dynamic": memory["dynamic"], "static": memory["static"], "size": size, "usage": usage}
        vif = self.uuid()
        assert plan.vm_network is not None
        plan.vm_network["VIFs"].append(vif)
        sr = plan.local_srs[host["id"]] if on_local and host is not None else plan.shared_sr
        assert sr is not None

        vm["auto_poweron"] = "prod" in role.tags and draw.chance(50)
        vm["CPUs"] = self._share(("cpus", vcpus, live_vcpus), {"max": vcpus, "number": live_vcpus})
        vm["high_availability"] = _high_availability(plan, role, draw)
        vm["memory"] = memory
        vm["installTime"] = NOW_S - 30 * _DAY - draw.below(970 * _DAY)
        vm["name_label"] = name
        vm["power_state"] = power_state
        vm["startTime"] = NOW_S - 600 - draw.below(120 * _DAY) if resident else None
        vm["tags"] = self._tags(role, draw.below(100))
        vm["VIFs"] = [vif]
        vm["$container"] = host["id"] if host is not None else plan.pool["id"]
        vm["$VBDs"] = self._disks(plan, sr, name, data_disk=draw.chance(20))
        if tools:
            vm["addresses"], vm["mainIpAddress"] = _addresses(plan, self.bits(48))
        vm["id"] = vm_id
        vm["uuid"] = vm_id
        vm["_xapiRef"] = "OpaqueRef:" + self.uuid()
        return vm

    def _base(self, plan: PoolPlan, role: Role, guest_key: str, tools: bool, notes: bool) -> JsonObject:
        """Every key of a VM in XO's order, shared values filled in, own values as placeholders."""
        key = (plan.index, role.prefix, guest_key, tools, notes)
        base = self.vm_bases.get(key)
        if base is not None:
            return base
        guest = GUESTS[guest_key]
        template = plan.templates[guest.template]
        template_id = template["uuid"]
        pool_id = plan.pool["id"]
        base = {
            "type": "VM",
            "addresses": EMPTY_DICT,
            "auto_poweron": False,
            "bios_strings": _BIOS,
            "blockedOperations": EMPTY_DICT,
            "boot": _BOOT_UEFI if guest.windows else _BOOT_BIOS,
            "CPUs": None,
            "creation": self._share(("creation", template_id), _creation(self.ctx, template_id)),
            "current_operations": EMPTY_DICT,
            "expNestedHvm": False,
            "viridian": guest.windows,
            "high_availability": "",
            "isFirmwareSupported": True,
            "memory": None,
            "installTime": None,
            "name_description": role.description,
            "name_label": "",
            "needsVtpm": False,
            "other": self._share(("other", guest.template, notes), _other(guest, notes)),
            "os_version": guest.os_version if tools else None,
            "power_state": "Halted",
            "snapshots": EMPTY_LIST,
            "startTime": None,
            "secureBoot": guest.windows,
            "tags": EMPTY_LIST,
            "VIFs": EMPTY_LIST,
            "VTPMs": EMPTY_LIST,
            "virtualizationMode": "pv" if role.prefix == "legacy" and guest_key == "centos7" else "hvm",
            "$container": pool_id,
            "$VBDs": EMPTY_LIST,
            "VGPUs": EMPTY_LIST,
            "xenStoreData": _XENSTORE,
        }
        if tools:
            base["mainIpAddress"] = ""
            base["managementAgentDetected"] = True
            base["pvDriversDetected"] = True
            base["pvDriversVersion"] = guest.pv_drivers
            base["pvDriversUpToDate"] = not guest.pv_drivers.startswith("7.")
        if notes:
            base["notes"] = _NOTES
        base.update({"id": "", "uuid": "", "$pool": pool_id, "$poolId": pool_id, "_xapiRef": ""})
        self.vm_bases[key] = base
        return base

    def _tags(self, role: Role, percent: int) -> list[str]:
        extra: tuple[str, ...] = ("backup",) if percent < 10 else ("xo:no-bak",) if percent < 13 else ()
        tags: list[str] = self._share(("tags", *role.tags, *extra), [*role.tags, *extra])
        return tags

    def _disks(self, plan: PoolPlan, sr: JsonObject, name: str, data_disk: bool) -> list[str]:
        base = self.vdi_bases.get((plan.pool["id"], sr["id"]))
        if base is None:
            base = self.vdi_bases[(plan.pool["id"], sr["id"])] = _vdi_base(plan, sr)
        draw = _Draw(self.bits(32))
        sizes = [(10, 20, 32, 50)[draw.below(4)] * GIB]
        if data_disk:
            sizes.append((100, 250, 500)[draw.below(3)] * GIB)
        vbds = []
        for position, size in enumerate(sizes):
            vbd = self.uuid()
            vbds.append(vbd)
            vdi_id = self.uuid()
            usage = size * (10 + draw.below(85)) // 100
            vdi = base.copy()
            vdi["name_label"] = f"{name} {'system' if position == 0 else 'data'}"
            vdi["size"] = size
            vdi["usage"] = usage
            vdi["$VBDs"] = [vbd]
            vdi["id"] = vdi_id
            vdi["uuid"] = vdi_id
            vdi["_xapiRef"] = "OpaqueRef:" + self.uuid()
            self.vdis[vdi_id] = vdi
            sr["VDIs"].append(vdi_id)
            sr["usage"] += size
            sr["physical_usage"] += usage
        return vbds


def _vdi_base(plan: PoolPlan, sr: JsonObject) -> JsonObject:
    return {
        "type": "VDI",
        "cbt_enabled": False,
        "missing": False,
        "name_description": "Created by XO",
        "name_label": "",
        "size": 0,
        "snapshots": EMPTY_LIST,
        "tags": EMPTY_LIST,
        "usage": 0,
        "VDI_type": "user",
        "current_operations": EMPTY_DICT,
        "other_config": EMPTY_DICT,
        "$SR": sr["id"],
        "$VBDs": EMPTY_LIST,
        "id": "",
        "uuid": "",
        "$pool": plan.pool["id"],
        "$poolId": plan.pool["id"],
        "_xapiRef": "",
    }


def generate_vms(ctx: GenContext, count: int) -> None:
    if not ctx.pools:
        return
    factory = _VmFactory(ctx)
    vms = ctx.inventory.vms
    pools = ctx.pools
    for index in range(count):
        vm = factory.vm(pools[index % len(pools)], index)
        vms[vm["id"]] = vm
        if index % 10 == 3:
            _snapshot(ctx, vm, index)
    _settle_usage(ctx)


def _addresses(plan: PoolPlan, bits: int) -> tuple[dict[str, str], str]:
    """Guest-reported addresses and XO's mainIpAddress (first IPv4 by sorted key, else first IPv6)."""
    plan.ip_counter += 1
    value = (10 << 24) + (plan.index % 64 << 18) + 256 + plan.ip_counter
    ipv4 = f"10.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"
    ipv6 = f"fe80::{bits & 0xFFFF:x}:{(bits >> 16) & 0xFFFF:x}:{(bits >> 32) & 0xFFFF:x}"
    mode = (bits >> 40) % 100
    if mode < 70:
        return {"0/ipv4/0": ipv4, "0/ipv6/0": ipv6}, ipv4
    if mode < 90:
        return {"0/ipv4/0": ipv4}, ipv4
    if mode < 95:
        return {"0/ipv4/0": ipv4, "1/ipv4/0": "172.17.0.1"}, ipv4
    return {"0/ipv6/0": ipv6}, ipv6


def _creation(ctx: GenContext, template_id: str) -> JsonObject:
    return {"date": "2024-11-05T09:30:00.000Z", "template": template_id, "user": ctx.admin_user_id}


def _other(guest: Guest, notes: bool) -> JsonObject:
    other = {"base_template_name": guest.template, "install-methods": "cdrom,nfs,http,ftp"}
    if not guest.windows:
        other["linux_template"] = "true"
    if notes:
        other["xo:notes"] = _NOTES
    return other


def _high_availability(plan: PoolPlan, role: Role, draw: _Draw) -> str:
    if not plan.pool["HA_enabled"]:
        return ""
    if role.prefix == "db-prod":
        return "restart"
    return "best-effort" if draw.chance(10) else ""


def _snapshot(ctx: GenContext, vm: JsonObject, index: int) -> None:
    snapshot_id = ctx.uuid()
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
        "snapshot_time": NOW_S - (index % 97 + 1) * 3_600,
    }
    for guest_key in _GUEST_KEYS:
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
