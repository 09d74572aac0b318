"""Generator step 1: pools, hosts, storage repositories (with their PBDs), networks (with their PIFs)
and templates.

Health-check material decided here (CONTRACT-2 §6): pool 1 keeps its default SR on its master's local
storage (a local default SR in a pool of several hosts); one pool has no default SR (pool 2, or pool 0
when there are only two); certificates and licences expire soon on a few hosts; every host has an
empty `Removable storage` (udev, content type disk, size 0) and pool 0's master a USB disk plugged in.
"""

from __future__ import annotations

from xo_mcp.simulator.catalog import (
    CPU_FLAGS,
    CPU_MODELS,
    EXTRA_TEMPLATES,
    GIB,
    GUESTS,
    PLATFORMS,
    POOL_DESCRIPTIONS,
    POOL_NAMES,
    XCP_PATCHES,
    XS_PATCHES,
)
from xo_mcp.simulator.gen_context import EMPTY_DICT, EMPTY_LIST, GenContext, PoolPlan
from xo_mcp.simulator.gen_storage import generate_storage
from xo_mcp.simulator.inventory import JsonObject

_HOST_BIOS = {"bios-vendor": "Dell Inc.", "bios-version": "2.19.1", "system-manufacturer": "Dell Inc."}
_LICENSE_PARAMS = {"restrict_pooling": "false", "restrict_xen_motion": "false", "enable_xha": "true"}
_LICENSE_SERVER = {"address": "localhost", "port": "27000"}
_CHIPSET = {"iommu": True}
_VM_BIOS = {"bios-vendor": "Xen", "bios-version": "", "system-manufacturer": "Xen", "system-product-name": "HVM domU"}
_BOOT_BIOS = {"firmware": "bios", "order": "cdn"}
_BOOT_UEFI = {"firmware": "uefi", "order": "cdn"}


def _pool_name(index: int) -> str:
    base = POOL_NAMES[index % len(POOL_NAMES)]
    return base if index < len(POOL_NAMES) else f"{base} {index // len(POOL_NAMES) + 1}"


def _host_state(pool_index: int, host_index: int, hosts_per_pool: int) -> tuple[str, bool]:
    """(power_state, enabled): the master always runs; odd pools have a halted and a disabled host."""
    if host_index == 0:
        return "Running", True
    if pool_index % 2 == 1 and hosts_per_pool >= 3 and host_index == hosts_per_pool - 1:
        return "Halted", True
    if pool_index % 2 == 1 and hosts_per_pool >= 3 and host_index == 1:
        return "Running", False
    if pool_index % 4 == 2 and host_index == hosts_per_pool - 1:
        return "Unknown", True
    return "Running", True


def no_default_sr_pool(pools: int) -> int | None:
    """The pool left without a default SR: pool 2, or pool 0 when there are only two (pool 1 shows the
    local default SR), none in a single-pool estate."""
    return 2 if pools > 2 else 0 if pools == 2 else None


def generate_infrastructure(ctx: GenContext, pools: int, hosts_per_pool: int) -> None:
    for pool_index in range(pools):
        plan = _pool(ctx, pool_index)
        for host_index in range(hosts_per_pool):
            _host(ctx, plan, host_index, hosts_per_pool)
        plan.pool["master"] = plan.hosts[0]["id"] if plan.hosts else None
        generate_storage(ctx, plan)
        if pool_index == 1 and len(plan.hosts) > 1:
            plan.pool["default_SR"] = plan.local_srs[plan.hosts[0]["id"]]["id"]
        if pool_index == no_default_sr_pool(pools):
            del plan.pool["default_SR"]
        _networks(ctx, plan)
        _templates(ctx, plan)
        cores = sum(host["cpus"]["cores"] for host in plan.hosts)
        sockets = sum(host["cpus"]["sockets"] for host in plan.hosts)
        plan.pool["cpus"] = {"cores": cores, "sockets": sockets}
        ctx.pools.append(plan)


def _pool(ctx: GenContext, index: int) -> PoolPlan:
    pool_id = ctx.uuid()
    platform = PLATFORMS[index % len(PLATFORMS)]
    pool: JsonObject = {
        "auto_poweron": index % 2 == 0,
        "current_operations": EMPTY_DICT,
        "HA_enabled": index % 2 == 1,
        "haSrs": [],
        "master": None,
        "tags": ["prod"] if index == 0 else [],
        "name_description": POOL_DESCRIPTIONS[index % len(POOL_DESCRIPTIONS)],
        "name_label": _pool_name(index),
        "otherConfig": {"memory-ratio-hvm": "0.25", "memory-ratio-pv": "0.25"},
        "cpus": {"cores": 0, "sockets": 0},
        "zstdSupported": True,
        "vtpmSupported": platform.brand == "XCP-ng",
        "platform_version": platform.platform_version,
        "type": "pool",
        **ctx.xapi_identity(pool_id, pool_id),
    }
    ctx.inventory.add("pools", pool)
    return PoolPlan(index=index, pool=pool, platform=platform)


def _host(ctx: GenContext, plan: PoolPlan, index: int, hosts_per_pool: int) -> None:
    power_state, enabled = _host_state(plan.index, index, hosts_per_pool)
    cpu = CPU_MODELS[(plan.index + index) % len(CPU_MODELS)]
    host_id = ctx.uuid()
    name = f"xcp-{plan.pool['name_label'].split()[0].lower()}-{index + 1:02d}"
    running = power_state == "Running"
    size = cpu.memory_gib * GIB
    if power_state == "Unknown":
        memory: JsonObject = {"usage": 0, "size": 0, "total": 0}
    else:
        memory = {"usage": 4 * GIB if running else 0, "size": size}
    boot_time = ctx.now_s - ctx.rng.randrange(86_400, 200 * 86_400) if running else None
    pifs = [ctx.uuid() for _ in range(2)]
    host: JsonObject = {
        "CPUs": {
            "cpu_count": str(cpu.cores * cpu.threads_per_core),
            "socket_count": str(cpu.sockets),
            "threads_per_core": str(cpu.threads_per_core),
            "vendor": cpu.vendor,
            "speed": cpu.speed,
            "modelname": cpu.modelname,
            "family": cpu.family,
            "model": cpu.model,
            "stepping": cpu.stepping,
            "flags": CPU_FLAGS,
        },
        "address": f"192.168.{plan.index % 250}.{10 + index % 240}",
        "bios_strings": _HOST_BIOS,
        "build": plan.platform.build,
        "chipset_info": _CHIPSET,
        "enabled": enabled,
        "controlDomain": ctx.uuid(),
        "cpus": {"cores": cpu.cores, "sockets": cpu.sockets},
        "current_operations": EMPTY_DICT,
        "hostname": name,
        "iscsiIqn": f"iqn.2024-01.net.example:{host_id[:8]}",
        "zstdSupported": True,
        "license_params": _LICENSE_PARAMS,
        "license_server": _LICENSE_SERVER,
        "license_expiry": _license_expiry(ctx, plan, index),
        "logging": EMPTY_DICT,
        "name_description": "Pool master" if index == 0 else f"Rack {plan.index + 1}, slot {index + 1}",
        "name_label": name,
        "memory": memory,
        "multipathing": False,
        "otherConfig": {"iscsi_iqn": f"iqn.2024-01.net.example:{host_id[:8]}"},
        "patches": EMPTY_LIST,
        "powerOnMode": "",
        "power_state": power_state,
        "residentVms": [],
        "startTime": boot_time,
        "supplementalPacks": EMPTY_LIST,
        "agentStartTime": boot_time + 60 if boot_time is not None else None,
        "rebootRequired": plan.index == 0 and index == 1,
        "tags": ["master"] if index == 0 else [],
        "version": plan.platform.version,
        "productBrand": plan.platform.brand,
        "hvmCapable": True,
        "PIFs": pifs,
        "$PIFs": pifs,
        "PCIs": EMPTY_LIST,
        "$PCIs": EMPTY_LIST,
        "PGPUs": EMPTY_LIST,
        "$PGPUs": EMPTY_LIST,
        "$PBDs": [],
        "certificates": [
            {"fingerprint": _fingerprint(host_id), "notAfter": _certificate_end(ctx, plan, index, hosts_per_pool)}
        ],
        "id": host_id,
        "type": "host",
        "uuid": host_id,
        "$pool": plan.pool["id"],
        "$poolId": plan.pool["id"],
        "_xapiRef": ctx.ref(),
    }
    ctx.inventory.add("hosts", host)
    plan.hosts.append(host)
    if running:
        plan.running_hosts.append(host)
    ctx.inventory.missing_patches[host_id] = _missing_patches(plan, index)


def _license_expiry(ctx: GenContext, plan: PoolPlan, index: int) -> int | None:
    """XCP-ng has no licence (null); XenServer's master licence runs out in 20 days, the others' in 200."""
    if plan.platform.brand != "XenServer":
        return None
    return ctx.now_s + (20 if index == 0 else 200) * 86_400


def _certificate_end(ctx: GenContext, plan: PoolPlan, index: int, hosts_per_pool: int) -> int:
    """Host TLS certificates (notAfter, seconds): pool 0's master expires in 12 days, pool 1's last host
    expired 3 days ago, the rest in about 10 months."""
    if plan.index == 0 and index == 0:
        return ctx.now_s + 12 * 86_400
    if plan.index == 1 and index == hosts_per_pool - 1:
        return ctx.now_s - 3 * 86_400
    return ctx.now_s + (300 + 7 * index) * 86_400


def _fingerprint(host_id: str) -> str:
    digits = (host_id.replace("-", "") * 2)[:64].upper()
    return ":".join(digits[i : i + 2] for i in range(0, 64, 2))


def _missing_patches(plan: PoolPlan, host_index: int) -> list[JsonObject]:
    catalog = XCP_PATCHES if plan.platform.patch_style == "xcp" else XS_PATCHES
    # The master lags the most; later hosts are progressively up to date.
    keep = max(0, len(catalog) - 2 * host_index)
    return list(catalog[:keep])


def _network(
    ctx: GenContext, plan: PoolPlan, name: str, bridge: str, mtu: int, description: str, with_pifs: bool
) -> JsonObject:
    network_id = ctx.uuid()
    slot = 0 if bridge == "xenbr0" else 1
    pifs = [host["PIFs"][slot] for host in plan.hosts] if with_pifs else []
    for position, (host, pif_id) in enumerate(zip(plan.hosts if with_pifs else [], pifs, strict=True)):
        _pif(ctx, plan, host, pif_id, network_id, slot, mtu, position)
    network: JsonObject = {
        "automatic": bridge == "xenbr0",
        "bridge": bridge,
        "current_operations": EMPTY_DICT,
        "defaultIsLocked": False,
        "MTU": mtu,
        "name_description": description,
        "name_label": name,
        "other_config": EMPTY_DICT,
        "tags": [],
        "PIFs": pifs,
        "VIFs": [],
        "isBonded": False,
        "nbd": False,
        "insecureNbd": False,
        "type": "network",
        **ctx.xapi_identity(network_id, plan.pool["id"]),
    }
    ctx.inventory.add("networks", network)
    return network


def _pif(
    ctx: GenContext, plan: PoolPlan, host: JsonObject, pif_id: str, network_id: str, slot: int, mtu: int, position: int
) -> None:
    """eth0 carries management (the host's address); eth1 the storage network. Pool 0's last host has
    its storage cable unplugged (no carrier)."""
    management = slot == 0
    running = host["power_state"] == "Running"
    unplugged = plan.index == 0 and slot == 1 and position == len(plan.hosts) - 1 and position > 0
    mac_tail = int(pif_id[:6], 16)
    pif: JsonObject = {
        "type": "PIF",
        "attached": running,
        "isBondMaster": False,
        "isBondSlave": False,
        "device": f"eth{slot}",
        "deviceName": "Ethernet Controller X710 for 10GbE SFP+",
        "dns": "192.168.0.53" if management else "",
        "disallowUnplug": management,
        "gateway": f"192.168.{plan.index % 250}.1" if management else "",
        "ip": host["address"] if management else f"10.10.{plan.index % 250}.{10 + position % 240}",
        "ipv6": EMPTY_LIST,
        "mac": f"3c:ec:ef:{(mac_tail >> 16) & 255:02x}:{(mac_tail >> 8) & 255:02x}:{(mac_tail + slot) & 255:02x}",
        "management": management,
        "carrier": running and not unplugged,
        "mode": "Static",
        "ipv6Mode": "None",
        "mtu": mtu,
        "netmask": "255.255.255.0",
        "physical": True,
        "primaryAddressType": "IPv4",
        "vlan": -1,
        "speed": 10000 if running and not unplugged else 0,
        "$host": host["id"],
        "$network": network_id,
        **ctx.xapi_identity(pif_id, plan.pool["id"], aux=True),
    }
    ctx.inventory.add("pifs", pif)


def _networks(ctx: GenContext, plan: PoolPlan) -> None:
    plan.vm_network = _network(
        ctx, plan, "Pool-wide network associated with eth0", "xenbr0", 1500, "Management and VM traffic", True
    )
    _network(ctx, plan, "Pool-wide network associated with eth1", "xenbr1", 9000, "Storage network", True)
    _network(ctx, plan, "Host internal management network", "xenapi", 1500, "Link-local XAPI access", False)


def _templates(ctx: GenContext, plan: PoolPlan) -> None:
    pool_id = plan.pool["id"]
    names = list(dict.fromkeys(guest.template for guest in GUESTS.values())) + list(EXTRA_TEMPLATES)
    for name in names:
        template_uuid = ctx.uuid()
        windows = name.startswith("Windows")
        template = _template_object(ctx, plan, name, template_uuid, f"{pool_id}-{template_uuid}", windows, True)
        plan.templates[name] = template
    custom_uuid = ctx.uuid()
    _template_object(ctx, plan, "Debian 12 Cloud-Init (hub)", custom_uuid, custom_uuid, False, False)


def _template_object(
    ctx: GenContext, plan: PoolPlan, name: str, template_uuid: str, template_id: str, windows: bool, default: bool
) -> JsonObject:
    memory = 4 * GIB if windows else 2 * GIB
    disk_size = (32 if windows else 10) * GIB
    template: JsonObject = {
        "type": "VM-template",
        "addresses": EMPTY_DICT,
        "auto_poweron": False,
        "bios_strings": EMPTY_DICT if default else _VM_BIOS,
        "blockedOperations": EMPTY_DICT,
        "boot": _BOOT_UEFI if windows else _BOOT_BIOS,
        "CPUs": {"max": 2, "number": 2},
        "current_operations": EMPTY_DICT,
        "expNestedHvm": False,
        "viridian": windows,
        "high_availability": "",
        "isFirmwareSupported": True,
        "memory": {"dynamic": [memory, memory], "static": [memory // 2, memory], "size": memory},
        "installTime": None,
        "name_description": f"Template for {name}" if default else "Cloud-init ready Debian 12 from the XO Hub",
        "name_label": name,
        "needsVtpm": windows,
        "other": {"default_template": "true"} if default else {"xo:resource:namespace": "Debian12"},
        "os_version": None,
        "power_state": "Halted",
        "hasVendorDevice": windows,
        "snapshots": EMPTY_LIST,
        "startDelay": 0,
        "startTime": None,
        "secureBoot": windows,
        "tags": EMPTY_LIST if default else ["hub"],
        "VIFs": EMPTY_LIST,
        "VTPMs": EMPTY_LIST,
        "virtualizationMode": "hvm",
        "$container": plan.pool["id"],
        "$VBDs": EMPTY_LIST,
        "VGPUs": EMPTY_LIST,
        "$VGPUs": EMPTY_LIST,
        "xenStoreData": EMPTY_DICT,
        "vga": "std",
        "videoram": 8,
        "id": template_id,
        "isDefaultTemplate": default,
        "template_info": {
            "disks": [{"bootable": True, "device": "0", "size": disk_size, "type": "system", "SR": ""}],
            "install_methods": ["cdrom"] if windows else ["cdrom", "nfs", "http", "ftp"],
        },
        "uuid": template_uuid,
        "$pool": plan.pool["id"],
        "$poolId": plan.pool["id"],
        "_xapiRef": ctx.ref(),
    }
    ctx.inventory.add("vm-templates", template)
    return template
