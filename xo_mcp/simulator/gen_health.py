"""Generator step 8: objects for every check of XO 5's Health view (CONTRACT-2 §6), each next to a
near-miss the check's rule excludes. Names are in `estate`; the rules' verdicts are recomputed by the
tests from the inventory, never assumed.

Runs after the VMs and backups exist, so SR fill levels set here are final.
"""

from __future__ import annotations

import itertools

from xo_mcp.simulator import estate
from xo_mcp.simulator.catalog import GIB
from xo_mcp.simulator.gen_context import EMPTY_DICT, EMPTY_LIST, GenContext, PoolPlan
from xo_mcp.simulator.gen_replicas import vm_disks
from xo_mcp.simulator.gen_vms import snapshot
from xo_mcp.simulator.inventory import JsonObject

_DAY = 86_400
_GUEST_KEYS = ("mainIpAddress", "managementAgentDetected", "pvDriversDetected", "pvDriversVersion", "pvDriversUpToDate")


def generate_health(ctx: GenContext) -> None:
    first = ctx.pools[0]
    _fill_levels(ctx)
    _orphan_vdis(ctx, first)
    _control_domain_vdis(ctx, first)
    _snapshots(ctx)
    _duplicated_macs(ctx)
    _guest_tools(ctx)
    if not any(host["rebootRequired"] for host in ctx.inventory.hosts.values()):
        first.hosts[0]["rebootRequired"] = True


# Storage ------------------------------------------------------------------------------------------


def _fill(sr: JsonObject, fraction: float) -> None:
    """Bring the SR to exactly `fraction` full: raise its usage (space held outside the VDIs XO lists,
    such as base copies) or grow it when its disks already use more."""
    target = int(sr["size"] * fraction)
    if sr["physical_usage"] <= target:
        sr["physical_usage"] = target
        sr["usage"] = max(sr["usage"], target)
    else:
        sr["size"] = int(sr["physical_usage"] / fraction) + 1


def _fill_levels(ctx: GenContext) -> None:
    """Red (> 90 %) on pool 0's XOSTOR, yellow (80–90 %) on the next pool's shared SR; pool 0's ISO library
    is 96 % full, but ISO SRs are not storage for the check."""
    first = ctx.pools[0]
    red = first.linstor_sr or first.shared_sr
    yellow = ctx.pools[1].shared_sr if len(ctx.pools) > 1 else next(iter(first.local_srs.values()), None)
    if red is not None:
        _fill(red, 0.934)
    if yellow is not None and yellow is not red:
        _fill(yellow, 0.846)
    if first.iso_sr is not None:
        _fill(first.iso_sr, 0.96)


def _vdi(
    ctx: GenContext,
    sr: JsonObject,
    name: str,
    size: int,
    *,
    description: str = "",
    vdi_type: str = "user",
    vbds: list[str] | None = None,
    kind: str = "vdis",
) -> JsonObject:
    vdi_id = ctx.uuid()
    vdi: JsonObject = {
        "type": "VDI" if kind == "vdis" else "VDI-snapshot",
        "cbt_enabled": False,
        "missing": False,
        "name_description": description,
        "name_label": name,
        "size": size,
        "snapshots": EMPTY_LIST,
        "tags": EMPTY_LIST,
        "usage": size * 37 // 100,
        "VDI_type": vdi_type,
        "current_operations": EMPTY_DICT,
        "other_config": EMPTY_DICT,
        "$SR": sr["id"],
        "$VBDs": vbds if vbds is not None else EMPTY_LIST,
    }
    if kind == "vdi-snapshots":
        vdi["snapshot_time"] = ctx.now_s - 200 * _DAY
    vdi.update(ctx.xapi_identity(vdi_id, sr["$pool"]))
    ctx.inventory.add(kind, vdi)
    sr["VDIs"].append(vdi_id)
    sr["usage"] += size
    sr["physical_usage"] += vdi["usage"]
    return vdi


def _orphan_vdis(ctx: GenContext, plan: PoolPlan) -> None:
    shared = plan.shared_sr
    if shared is None:
        return
    _vdi(ctx, shared, estate.ORPHAN_VDI, 100 * GIB, description="Created by XO")
    _vdi(ctx, shared, estate.ORPHAN_VDI_SNAPSHOT, 50 * GIB, description="Created by XO", kind="vdi-snapshots")
    _vdi(ctx, shared, estate.HALF_PVS_CACHE, 20 * GIB, description="Read cache for PVS targets")
    # Near-misses: each is excluded by one clause of the rule.
    if plan.iso_sr is not None:
        _vdi(ctx, plan.iso_sr, "debian-12.7.0-amd64-netinst.iso", 661 * 1024 * 1024)
    _vdi(ctx, shared, "empty disk", 0)
    _vdi(ctx, shared, "PVS cache VDI", 20 * GIB, description=estate.PVS_CACHE_DESCRIPTION)
    _vdi(ctx, shared, "Statefile for HA", 4 * 1024 * 1024, vdi_type="ha_statefile")
    removable = plan.removable_srs.get(plan.hosts[0]["id"])
    if removable is not None:
        removable["size"] = 64 * GIB
        _vdi(ctx, removable, "USB backup stick", 64 * GIB)


def _control_domain_vdis(ctx: GenContext, plan: PoolPlan) -> None:
    """A config drive and a backup's VDI snapshot left attached to pool 0's master's control domain."""
    inventory = ctx.inventory
    dom0 = inventory.vm_controllers.get(plan.hosts[0]["controlDomain"])
    if dom0 is None or plan.shared_sr is None:
        return
    vbds: list[str] = []
    config_drive_vbd = ctx.uuid()
    drive = _vdi(ctx, plan.shared_sr, estate.DOM0_VDI, 10 * 1024 * 1024, vbds=[config_drive_vbd])
    attached = [(config_drive_vbd, drive)]
    snapshot_vdi = next(
        (vdi for vdi in inventory.vdi_snapshots.values() if vdi["$pool"] == plan.pool["id"] and vdi["$VBDs"]), None
    )
    if snapshot_vdi is not None:
        vbd_id = ctx.uuid()
        snapshot_vdi["$VBDs"] = [*snapshot_vdi["$VBDs"], vbd_id]
        attached.append((vbd_id, snapshot_vdi))
    for position, (vbd_id, vdi) in enumerate(attached):
        vbd: JsonObject = {
            "type": "VBD",
            "attached": True,
            "bootable": False,
            "device": f"xvd{'bc'[position]}",
            "is_cd_drive": False,
            "position": str(position + 1),
            "read_only": vdi["type"] == "VDI-snapshot",
            "VDI": vdi["id"],
            "VM": dom0["id"],
            **ctx.xapi_identity(vbd_id, plan.pool["id"]),
        }
        inventory.add("vbds", vbd)
        vbds.append(vbd_id)
    dom0["$VBDs"] = vbds


# Snapshots ----------------------------------------------------------------------------------------


_SAMPLE = 2_000


def _plain_vms(ctx: GenContext) -> list[JsonObject]:
    """The first VMs that are no replica: the cases below need a few, at any estate size."""
    plain = (vm for vm in ctx.inventory.vms.values() if not (vm["blockedOperations"] or {}).get("start"))
    return list(itertools.islice(plain, _SAMPLE))


def _snapshots(ctx: GenContext) -> None:
    inventory = ctx.inventory
    vms = _plain_vms(ctx)
    if not vms:
        return
    many = vms[0]
    disks = vm_disks(inventory, many)
    for number in range(1, 8):
        snapshot(ctx, many, disks, f"{many['name_label']} {estate.TOO_MANY_SNAPSHOTS_NAME}{number}", number * _DAY)
    five = next((vm for vm in vms[1:] if not vm["snapshots"]), None)
    if five is not None:
        disks = vm_disks(inventory, five)
        for number in range(1, 6):
            snapshot(ctx, five, disks, f"{five['name_label']} {estate.FIVE_SNAPSHOTS_NAME}{number}", number * 3_600)
    old = vms[len(vms) // 2]
    disks = vm_disks(inventory, old)
    snapshot(ctx, old, disks, f"{old['name_label']} before kernel upgrade", 45 * _DAY)
    # A backup snapshot whose schedule was deleted with its job: old, and kept by no enabled schedule.
    other = {
        **old["other"],
        "xo:backup:datetime": "20250611T013000Z",
        "xo:backup:job": ctx.uuid(),
        "xo:backup:schedule": ctx.uuid(),
        "xo:backup:vm": old["id"],
    }
    snapshot(ctx, old, disks, f"[XO Backup Old nightly] {old['name_label']}", 120 * _DAY, other)
    # The VM these were taken from is gone.
    gone = vms[-1]
    orphaned_disks = vm_disks(inventory, gone)
    snapshot(ctx, gone, orphaned_disks, estate.ORPHANED_SNAPSHOT, 64 * _DAY, orphaned=True)
    snapshot(ctx, gone, orphaned_disks[:1], f"{estate.ORPHANED_SNAPSHOT} (2)", 63 * _DAY, orphaned=True)


# Network ------------------------------------------------------------------------------------------


def _set_mac(ctx: GenContext, vm: JsonObject, mac: str, extra: bool = False) -> None:
    inventory = ctx.inventory
    if not extra:
        vif = inventory.vifs[vm["VIFs"][0]]
        vif["MAC"] = mac
        return
    first = inventory.vifs[vm["VIFs"][0]]
    vif_id = ctx.uuid()
    inventory.add("vifs", {**first, "device": "1", "MAC": mac, **ctx.xapi_identity(vif_id, vm["$pool"])})
    inventory.networks[first["$network"]]["VIFs"].append(vif_id)
    vm["VIFs"] = [*vm["VIFs"], vif_id]


def _duplicated_macs(ctx: GenContext) -> None:
    """Running clones sharing a MAC (one twice), halted VMs sharing one, a running and a halted VM
    sharing one, and one MAC spelled in two cases (grouping is exact: no duplicate)."""
    vms = [vm for vm in _plain_vms(ctx) if vm["VIFs"]]
    running = [vm for vm in vms if vm["power_state"] == "Running"]
    halted = [vm for vm in vms if vm["power_state"] == "Halted"]
    if len(running) >= 5 and len(halted) >= 3:
        r1, r2, r3, r4, r5 = running[-5:]
        h1, h2, h3 = halted[-3:]
        for vm in (r1, r2):
            _set_mac(ctx, vm, estate.DUPLICATED_MAC_RUNNING)
        _set_mac(ctx, r1, estate.DUPLICATED_MAC_RUNNING, extra=True)
        for vm in (h1, h2):
            _set_mac(ctx, vm, estate.DUPLICATED_MAC_HALTED)
        for vm in (r3, h3):
            _set_mac(ctx, vm, estate.DUPLICATED_MAC_MIXED)
        lower, upper = estate.MAC_CASE_NEAR_MISS
        _set_mac(ctx, r4, lower)
        _set_mac(ctx, r5, upper)


# Guest tools --------------------------------------------------------------------------------------


def _guest_tools(ctx: GenContext) -> None:
    """Running VMs without tools and with outdated drivers exist by chance; make sure of each, and add
    one whose drivers run without the management agent."""
    running = [vm for vm in _plain_vms(ctx) if vm["power_state"] == "Running"]
    with_tools = [vm for vm in running if vm.get("managementAgentDetected") and vm.get("pvDriversUpToDate")]
    if not with_tools:
        return
    agentless = next((vm for vm in with_tools if vm["viridian"]), with_tools[0])
    agentless["managementAgentDetected"] = False
    agentless["pvDriversUpToDate"] = False
    agentless.pop("pvDriversVersion", None)
    spare = (vm for vm in with_tools if vm is not agentless)
    if not any(vm.get("pvDriversDetected") is not True for vm in running):
        bare = next(spare, None)
        if bare is not None:
            for key in _GUEST_KEYS:
                bare.pop(key, None)
            bare["os_version"] = None
            bare["addresses"] = EMPTY_DICT
    if not any(
        vm.get("pvDriversDetected") and not vm.get("pvDriversUpToDate") for vm in running if vm is not agentless
    ):
        outdated = next(itertools.chain(spare), None)
        if outdated is not None:
            outdated["pvDriversVersion"] = "7.30.0-11"
            outdated["pvDriversUpToDate"] = False
