"""Generator step 2: what each host carries besides VMs: its control domain (dom0, served as a
`VM-controller`), PCI devices (a GPU, as a PGPU, on pool 0's master), and each pool's SM plugins.

Ids come from the second random stream (see GenContext)."""

from __future__ import annotations

from xo_mcp.simulator.catalog import GIB, GPU_PCI, HOST_PCIS, SM_PLUGINS, PciDevice
from xo_mcp.simulator.gen_context import EMPTY_DICT, EMPTY_LIST, GenContext, PoolPlan
from xo_mcp.simulator.inventory import JsonObject

_PERFMON = (
    '<config><variable><name value="fs_usage"/><alarm_trigger_level value="0.9"/></variable>'
    '<variable><name value="mem_usage"/><alarm_trigger_level value="0.95"/></variable></config>'
)
_DOM0_MEMORY = {
    8: {"dynamic": [8 * GIB, 8 * GIB], "static": [8 * GIB, 8 * GIB], "size": 8 * GIB},
    4: {"dynamic": [4 * GIB, 4 * GIB], "static": [4 * GIB, 4 * GIB], "size": 4 * GIB},
}


def generate_devices(ctx: GenContext) -> None:
    for plan in ctx.pools:
        for position, host in enumerate(plan.hosts):
            _control_domain(ctx, plan, host)
            devices = list(HOST_PCIS if plan.platform.brand == "XCP-ng" else HOST_PCIS[:2])
            pcis = [_pci(ctx, plan, host, device) for device in devices]
            if plan.index == 0 and position == 0:
                gpu = _pci(ctx, plan, host, GPU_PCI)
                pcis.append(gpu)
                host["PGPUs"] = host["$PGPUs"] = [_pgpu(ctx, plan, host, gpu)]
            host["PCIs"] = host["$PCIs"] = pcis
        _sm_plugins(ctx, plan)


def _control_domain(ctx: GenContext, plan: PoolPlan, host: JsonObject) -> None:
    running = host["power_state"] == "Running"
    vcpus = 16 if int(host["CPUs"]["cpu_count"]) >= 64 else 8
    dom0: JsonObject = {
        "type": "VM-controller",
        "addresses": EMPTY_DICT,
        "affinityHost": host["id"],
        "auto_poweron": False,
        "bios_strings": EMPTY_DICT,
        "blockedOperations": EMPTY_DICT,
        "boot": EMPTY_DICT,
        "CPUs": {"max": vcpus, "number": vcpus},
        "current_operations": EMPTY_DICT,
        "expNestedHvm": False,
        "viridian": False,
        "high_availability": "",
        "isFirmwareSupported": True,
        "memory": _DOM0_MEMORY[8 if vcpus == 16 else 4],
        "installTime": None,
        "name_description": "The domain which manages physical devices and manages other domains",
        "name_label": f"Control domain on host: {host['hostname']}",
        "needsVtpm": False,
        "other": {"storage_driver_domain": ctx.aux_ref(), "is_system_domain": "true", "perfmon": _PERFMON},
        "os_version": None,
        "power_state": "Running" if running else "Halted",
        "hasVendorDevice": False,
        "snapshots": EMPTY_LIST,
        "startDelay": 0,
        "startTime": host["startTime"],
        "secureBoot": False,
        "tags": EMPTY_LIST,
        "VIFs": EMPTY_LIST,
        "VTPMs": EMPTY_LIST,
        "virtualizationMode": "pv",
        "xenTools": False,
        "$container": host["id"],
        "$VBDs": EMPTY_LIST,
        "VGPUs": EMPTY_LIST,
        "$VGPUs": EMPTY_LIST,
        "xenStoreData": EMPTY_DICT,
        "PV_args": "",
        **ctx.xapi_identity(host["controlDomain"], plan.pool["id"], aux=True),
    }
    ctx.inventory.add("vm-controllers", dom0)


def _pci(ctx: GenContext, plan: PoolPlan, host: JsonObject, device: PciDevice) -> str:
    pci_id = ctx.aux_uuid()
    pci: JsonObject = {
        "type": "PCI",
        "class_name": device.class_name,
        "device_name": device.device_name,
        "pci_id": device.pci_id,
        "$host": host["id"],
        **ctx.xapi_identity(pci_id, plan.pool["id"], aux=True),
    }
    ctx.inventory.add("pcis", pci)
    return pci_id


def _pgpu(ctx: GenContext, plan: PoolPlan, host: JsonObject, pci_id: str) -> str:
    pgpu_id = ctx.aux_uuid()
    pgpu: JsonObject = {
        "type": "PGPU",
        "dom0Access": "enabled",
        "enabledVgpuTypes": EMPTY_LIST,
        "gpuGroup": ctx.aux_uuid(),
        "isSystemDisplayDevice": False,
        "pci": pci_id,
        "supportedVgpuTypes": EMPTY_LIST,
        "host": host["id"],
        "$host": host["id"],
        "vgpus": EMPTY_LIST,
        "$vgpus": EMPTY_LIST,
        **ctx.xapi_identity(pgpu_id, plan.pool["id"], aux=True),
    }
    ctx.inventory.add("pgpus", pgpu)
    return pgpu_id


def _sm_plugins(ctx: GenContext, plan: PoolPlan) -> None:
    """SMs carry `pool`/`poolId` (spec schema XoSm), not the `$pool` other XAPI objects have."""
    pool_id = plan.pool["id"]
    for plugin in SM_PLUGINS:
        if plugin.sm_type == "linstor" and plan.platform.brand != "XCP-ng":
            continue
        sm_id = ctx.aux_uuid()
        sm: JsonObject = {
            "type": "SM",
            "uuid": sm_id,
            "name_description": plugin.name_description,
            "name_label": plugin.name_label,
            "SM_type": plugin.sm_type,
            "configuration": plugin.configuration,
            "vendor": "Vates SAS" if plugin.sm_type == "linstor" else "Citrix Systems Inc",
            "features": {"SR_PROBE": 1, "SR_UPDATE": 1, "VDI_CREATE": 1, "VDI_DELETE": 1, "VDI_SNAPSHOT": 1},
            "driver_filename": plugin.driver,
            "required_cluster_stack": EMPTY_LIST,
            "supported_image_formats": EMPTY_LIST,
            "id": sm_id,
            "pool": pool_id,
            "poolId": pool_id,
            "_xapiRef": ctx.aux_ref(),
        }
        ctx.inventory.add("sms", sm)
