"""Generator step 3: VMs with their disks (VBDs and VDIs, an empty CD drive on Windows VMs, a suspend
image for suspended ones), their network interfaces (VIFs) and snapshots (VM snapshots whose VDI
snapshots hang off a base copy, as XAPI's VHD chains do: only the REST-visible links are served).

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

from xo_mcp.simulator.catalog import GIB, GUESTS, ROLES, Guest, Role
from xo_mcp.simulator.gen_context import EMPTY_DICT, EMPTY_LIST, GenContext, PoolPlan, derived_ref
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
_IDENTITY_KEYS = frozenset({"id", "uuid", "$pool", "$poolId", "_xapiRef"})
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
        # VBD and VIF objects, MACs, CD drives and suspend images draw from the second stream.
        self.aux_uuid = ctx.aux_uuid
        self.aux_bits = ctx.aux_rng.getrandbits
        self.vms = ctx.inventory.vms
        self.vdis = ctx.inventory.vdis
        self.vifs = ctx.inventory.vifs
        self.vbds = ctx.inventory.vbds
        self.now_s = ctx.now_s
        self.counters: dict[str, int] = {}
        self.shared: dict[Any, Any] = {}
        self.vm_bases: dict[tuple[Any, ...], JsonObject] = {}
        self.vdi_bases: dict[tuple[str, str], JsonObject] = {}
        self.vif_bases: dict[tuple[str, bool], JsonObject] = {}
        self.vbd_bases: dict[tuple[str, bool, int], JsonObject] = {}
        self.last_vdis: list[JsonObject] = []
        """The disks of the VM made last (its snapshot copies them)."""

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
        attached = resident

        vm["auto_poweron"] = "prod" in role.tags and draw.chance(50)
        vm["CPUs"] = self._share(("cpus", vcpus, live_vcpus), {"max": vcpus, "number": live_vcpus})
        vm["high_availability"] = _high_availability(plan, role, draw)
        vm["memory"] = memory
        vm["installTime"] = self.now_s - 30 * _DAY - draw.below(970 * _DAY)
        vm["name_label"] = name
        vm["power_state"] = power_state
        vm["startTime"] = self.now_s - 600 - draw.below(120 * _DAY) if resident else None
        vm["tags"] = self._tags(role, draw.below(100))
        vm["VIFs"] = [vif]
        vm["$container"] = host["id"] if host is not None else plan.pool["id"]
        vm["$VBDs"] = self._disks(plan, sr, name, vm_id, attached, data_disk=draw.chance(20))
        if GUESTS[guest_key].windows:
            vm["$VBDs"].append(self._vbd(plan, vm_id, None, attached, len(vm["$VBDs"])))
        if power_state == "Suspended":
            vm["suspendVdi"] = self._suspend_image(plan, sr, name, size)
        self._vif(plan, vif, vm_id, attached)
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

    def _vdi_base(self, plan: PoolPlan, sr: JsonObject) -> JsonObject:
        base = self.vdi_bases.get((plan.pool["id"], sr["id"]))
        if base is None:
            base = self.vdi_bases[(plan.pool["id"], sr["id"])] = _vdi_base(plan, sr)
        return base

    def _disks(
        self, plan: PoolPlan, sr: JsonObject, name: str, vm_id: str, attached: bool, data_disk: bool
    ) -> list[str]:
        base = self._vdi_base(plan, sr)
        draw = _Draw(self.bits(32))
        sizes = [(10, 20, 32, 50)[draw.below(4)] * GIB]
        if data_disk:
            sizes.append((100, 250, 500)[draw.below(3)] * GIB)
        vbds = []
        self.last_vdis = []
        for position, size in enumerate(sizes):
            vbd = self.uuid()
            vdi_id = self.uuid()
            self._vbd(plan, vm_id, vdi_id, attached, position, vbd)
            vbds.append(vbd)
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
            self.last_vdis.append(vdi)
            sr["VDIs"].append(vdi_id)
            sr["usage"] += size
            sr["physical_usage"] += usage
        return vbds

    def _vbd(
        self, plan: PoolPlan, vm_id: str, vdi_id: str | None, attached: bool, position: int, vbd_id: str = ""
    ) -> str:
        """A disk's VBD, or an empty CD drive's (no `VDI` key) when vdi_id is None."""
        key = (plan.pool["id"], attached, position if vdi_id is not None else -1)
        base = self.vbd_bases.get(key)
        if base is None:
            base = self.vbd_bases[key] = _vbd_base(plan, attached, position, cd=vdi_id is None)
        vbd = base.copy()
        vbd_id = vbd_id or self.aux_uuid()
        if vdi_id is not None:
            vbd["VDI"] = vdi_id
        vbd["VM"] = vm_id
        vbd["id"] = vbd_id
        vbd["uuid"] = vbd_id
        vbd["_xapiRef"] = derived_ref(vbd_id)
        self.vbds[vbd_id] = vbd
        return vbd_id

    def _vif(self, plan: PoolPlan, vif_id: str, vm_id: str, attached: bool) -> None:
        assert plan.vm_network is not None
        key = (plan.pool["id"], attached)
        base = self.vif_bases.get(key)
        if base is None:
            base = self.vif_bases[key] = _vif_base(plan, plan.vm_network["id"], attached)
        vif = base.copy()
        # XAPI's random MACs: locally administered, unicast.
        mac = bytearray(self.aux_bits(48).to_bytes(6, "big"))
        mac[0] = (mac[0] & 0xFC) | 0x02
        vif["MAC"] = mac.hex(":")
        vif["$VM"] = vm_id
        vif["id"] = vif_id
        vif["uuid"] = vif_id
        vif["_xapiRef"] = derived_ref(vif_id)
        self.vifs[vif_id] = vif

    def _suspend_image(self, plan: PoolPlan, sr: JsonObject, name: str, memory: int) -> str:
        """A suspended VM's memory image: a `suspend` VDI with no VBD (the Health view must not call it
        an orphan)."""
        vdi = self._vdi_base(plan, sr).copy()
        vdi_id = self.aux_uuid()
        vdi["name_label"] = f"Suspend image for {name}"
        vdi["name_description"] = "Suspend image"
        vdi["VDI_type"] = "suspend"
        vdi["size"] = vdi["usage"] = memory + 16 * 1024 * 1024
        vdi["id"] = vdi["uuid"] = vdi_id
        vdi["_xapiRef"] = "OpaqueRef:" + self.aux_uuid()
        self.vdis[vdi_id] = vdi
        sr["VDIs"].append(vdi_id)
        sr["usage"] += vdi["size"]
        sr["physical_usage"] += vdi["usage"]
        return vdi_id


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


def _vbd_base(plan: PoolPlan, attached: bool, position: int, cd: bool) -> JsonObject:
    base: JsonObject = {
        "type": "VBD",
        "attached": attached,
        "bootable": position == 0,
        "device": "xvdd" if cd else f"xvd{'abcdefgh'[position % 8]}",
        "is_cd_drive": cd,
        "position": "3" if cd else str(position),
        "read_only": cd,
        "VM": "",
        "id": "",
        "uuid": "",
        "$pool": plan.pool["id"],
        "$poolId": plan.pool["id"],
        "_xapiRef": "",
    }
    if not cd:
        # XO writes VDI before VM; an empty CD drive has no VDI key at all.
        base = {key: base[key] for key in ("type", "attached", "bootable", "device", "is_cd_drive", "position")}
        base.update({"read_only": False, "VDI": "", "VM": "", "id": "", "uuid": ""})
        base.update({"$pool": plan.pool["id"], "$poolId": plan.pool["id"], "_xapiRef": ""})
    return base


def _vif_base(plan: PoolPlan, network_id: str, attached: bool) -> JsonObject:
    return {
        "type": "VIF",
        "allowedIpv4Addresses": EMPTY_LIST,
        "allowedIpv6Addresses": EMPTY_LIST,
        "attached": attached,
        "device": "0",
        "lockingMode": "network_default",
        "MAC": "",
        "MTU": 1500,
        "other_config": EMPTY_DICT,
        "txChecksumming": True,
        "$network": network_id,
        "$VM": "",
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
            snapshot(ctx, vm, factory.last_vdis, _snapshot_name(vm, index), _snapshot_age_s(index))
    _settle_usage(ctx)


def _snapshot_name(vm: JsonObject, index: int) -> str:
    return f"{vm['name_label']} before upgrade" if index % 20 == 3 else f"{vm['name_label']} daily"


def _snapshot_age_s(index: int) -> int:
    """Mostly hours old; one in four "before upgrade" snapshots forgotten for 1 to 4 months."""
    if index % 80 == 43:
        return (31 + index % 90) * _DAY
    return (index % 97 + 1) * 3_600


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


def snapshot(
    ctx: GenContext,
    vm: JsonObject,
    vdis: list[JsonObject],
    name: str,
    age_s: int,
    other: JsonObject | None = None,
    orphaned: bool = False,
) -> JsonObject:
    """A VM snapshot: the VM's fields frozen, its disks as VDI snapshots attached to it through VBDs.

    The live VDI and its snapshot then share a (REST-invisible) base copy as VHD parent, listed in the
    SR's VDIs. `orphaned`: the snapshotted VM is gone (no `$snapshot_of`).
    """
    snapshot_id = ctx.uuid()
    snapshot_time = ctx.now_s - age_s
    vbds = [_vdi_snapshot(ctx, snapshot_id, vdi, position, snapshot_time) for position, vdi in enumerate(vdis)]
    snapshot: JsonObject = {
        **vm,
        "type": "VM-snapshot",
        "name_label": name,
        "power_state": "Halted",
        "startTime": None,
        "addresses": EMPTY_DICT,
        "VIFs": EMPTY_LIST,
        "$VBDs": vbds,
        "$container": vm["$pool"],
        "snapshots": EMPTY_LIST,
        "id": snapshot_id,
        "uuid": snapshot_id,
        "_xapiRef": ctx.ref(),
        "$snapshot_of": vm["id"],
        "snapshot_time": snapshot_time,
    }
    if other is not None:
        snapshot["other"] = other
    if orphaned:
        del snapshot["$snapshot_of"]
    for guest_key in (*_GUEST_KEYS, "suspendVdi", "notes"):
        snapshot.pop(guest_key, None)
    ctx.inventory.add("vm-snapshots", snapshot)
    if not orphaned:
        vm["snapshots"] = [*vm["snapshots"], snapshot_id]
    return snapshot


def _vdi_snapshot(ctx: GenContext, snapshot_id: str, vdi: JsonObject, position: int, snapshot_time: int) -> str:
    inventory = ctx.inventory
    sr = inventory.srs[vdi["$SR"]]
    base_copy = vdi.get("parent")
    if base_copy is None:
        base_copy = vdi["parent"] = ctx.aux_uuid()
        sr["VDIs"].append(base_copy)
    vbd_id = ctx.aux_uuid()
    copy_id = ctx.aux_uuid()
    # XO's key order: the VDI's own fields, then snapshot_time and $snapshot_of, then the identity.
    copy: JsonObject = {key: value for key, value in vdi.items() if key not in _IDENTITY_KEYS}
    copy.update({"type": "VDI-snapshot", "snapshots": EMPTY_LIST, "$VBDs": [vbd_id], "parent": base_copy})
    copy.update({"snapshot_time": snapshot_time, "$snapshot_of": vdi["id"]})
    copy.update(ctx.xapi_identity(copy_id, vdi["$pool"], aux=True))
    inventory.add("vdi-snapshots", copy)
    vdi["snapshots"] = [*vdi["snapshots"], copy_id]
    sr["VDIs"].append(copy_id)
    vbd: JsonObject = {
        "type": "VBD",
        "attached": False,
        "bootable": position == 0,
        "device": f"xvd{'abcdefgh'[position % 8]}",
        "is_cd_drive": False,
        "position": str(position),
        "read_only": False,
        "VDI": copy_id,
        "VM": snapshot_id,
        **ctx.xapi_identity(vbd_id, vdi["$pool"], aux=True),
    }
    inventory.add("vbds", vbd)
    return vbd_id


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
