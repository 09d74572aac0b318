"""Generator step 1b: a pool's storage repositories and the PBDs that plug them into its hosts."""

from __future__ import annotations

from xo_mcp.simulator.catalog import GIB
from xo_mcp.simulator.gen_context import EMPTY_DICT, GenContext, PoolPlan
from xo_mcp.simulator.inventory import JsonObject

_DEVICE_CONFIGS: dict[str, JsonObject] = {
    "nfs": {"server": "nfs-storage.example.net", "serverpath": "/export/vm-storage", "nfsversion": "4.1"},
    "iso": {"location": "nfs-isos.example.net:/export/isos", "type": "nfs_iso"},
    "linstor": {"group-name": "linstor_group/thin_device", "redundancy": "2", "provisioning": "thin"},
    "ext": {"device": "/dev/disk/by-id/nvme-SAMSUNG_MZQL2960HCJR-00A07_S64FNE0R-part3"},
    "udev-iso": {"location": "/dev/xapi/cd"},
    "udev-disk": {"location": "/dev/xapi/block"},
}


def _sr(
    ctx: GenContext,
    plan: PoolPlan,
    *,
    name: str,
    sr_type: str,
    content_type: str,
    shared: bool,
    size: int,
    container: str,
    hosts: list[JsonObject],
    aux: bool = False,
) -> JsonObject:
    """`aux`: an SR the first version of the generator did not make draws from the second stream."""
    uuid = ctx.aux_uuid if aux else ctx.uuid
    sr_id = uuid()
    pool_id = plan.pool["id"]
    pbds = [uuid() for _ in hosts]
    config = _DEVICE_CONFIGS[f"{sr_type}-{content_type}" if sr_type == "udev" else sr_type]
    for host, pbd in zip(hosts, pbds, strict=True):
        host["$PBDs"].append(pbd)
        _pbd(ctx, pbd, host, sr_id, pool_id, config)
    sr: JsonObject = {
        "type": "SR",
        "content_type": content_type,
        "physical_usage": 0,
        "allocationStrategy": "thin" if sr_type in {"ext", "nfs", "linstor"} else "thick",
        "current_operations": EMPTY_DICT,
        "inMaintenanceMode": False,
        "name_description": "",
        "name_label": name,
        "size": size,
        "shared": shared,
        "SR_type": sr_type,
        "tags": [],
        "usage": 0,
        "VDIs": [],
        "other_config": EMPTY_DICT,
        "sm_config": EMPTY_DICT,
        "$container": container,
        "$PBDs": pbds,
        **ctx.xapi_identity(sr_id, pool_id, aux),
    }
    ctx.inventory.add("srs", sr)
    plan.srs.append(sr)
    return sr


def _pbd(ctx: GenContext, pbd_id: str, host: JsonObject, sr_id: str, pool_id: str, config: JsonObject) -> None:
    pbd: JsonObject = {
        "type": "PBD",
        "attached": host["power_state"] == "Running",
        "host": host["id"],
        "SR": sr_id,
        "device_config": config,
        "otherConfig": EMPTY_DICT,
        **ctx.xapi_identity(pbd_id, pool_id, aux=True),
    }
    ctx.inventory.add("pbds", pbd)


def generate_storage(ctx: GenContext, plan: PoolPlan) -> None:
    """The pool's SRs: shared NFS (the default SR), an ISO library, XOSTOR on XCP-ng, and per host its local
    storage, DVD drives and removable storage."""
    pool_id = plan.pool["id"]
    shared = _sr(
        ctx,
        plan,
        name=f"NFS {plan.pool['name_label']}",
        sr_type="nfs",
        content_type="user",
        shared=True,
        size=20 * 1024 * GIB,
        container=pool_id,
        hosts=plan.hosts,
    )
    shared["name_description"] = "Shared VM storage"
    plan.shared_sr = shared
    plan.pool["default_SR"] = shared["id"]
    plan.pool["crashDumpSr"] = shared["id"]
    plan.pool["suspendSr"] = shared["id"]
    if plan.pool["HA_enabled"]:
        plan.pool["haSrs"] = [shared["id"]]
    iso = _sr(
        ctx,
        plan,
        name="ISO library",
        sr_type="iso",
        content_type="iso",
        shared=True,
        size=500 * GIB,
        container=pool_id,
        hosts=plan.hosts,
    )
    iso["physical_usage"] = iso["usage"] = 61 * GIB
    plan.iso_sr = iso
    if plan.platform.brand == "XCP-ng":
        plan.linstor_sr = _sr(
            ctx,
            plan,
            name="XOSTOR NVMe",
            sr_type="linstor",
            content_type="user",
            shared=True,
            size=8 * 1024 * GIB,
            container=pool_id,
            hosts=plan.hosts,
        )
    for host in plan.hosts:
        local = _sr(
            ctx,
            plan,
            name="Local storage",
            sr_type="ext",
            content_type="user",
            shared=False,
            size=ctx.rng.choice((900, 1800, 3600)) * GIB,
            container=host["id"],
            hosts=[host],
        )
        plan.local_srs[host["id"]] = local
        _sr(
            ctx,
            plan,
            name="DVD drives",
            sr_type="udev",
            content_type="iso",
            shared=False,
            size=0,
            container=host["id"],
            hosts=[host],
        )
        plan.removable_srs[host["id"]] = _sr(
            ctx,
            plan,
            name="Removable storage",
            sr_type="udev",
            content_type="disk",
            shared=False,
            size=0,
            container=host["id"],
            hosts=[host],
            aux=True,
        )
