"""GET /pools/{id}/dashboard, computed from the inventory (the real shape, not the spec's example).

CPU figures come from XO's RRD stats in reality; here they are stable pseudo-random values
derived from each object's id, so the same inventory always shows the same dashboard.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Iterable
from typing import Any

from xo_mcp.simulator.inventory import Inventory, JsonObject

DashboardPart = tuple[tuple[str, ...], Any]


def _stable_fraction(object_id: str, salt: str) -> float:
    return zlib.crc32(f"{salt}:{object_id}".encode()) / 2**32


def host_cpu_percent(host: JsonObject) -> float:
    return 2.0 + 70.0 * _stable_fraction(host["id"], "host-cpu")


def vm_cpu_percent(vm: JsonObject) -> float:
    return 100.0 * _stable_fraction(vm["id"], "vm-cpu") ** 3


def _top_five(items: Iterable[JsonObject]) -> list[JsonObject]:
    return heapq.nlargest(5, items, key=lambda item: item["percent"])


def dashboard_parts(inventory: Inventory, pool: JsonObject, patches_authorized: bool) -> list[DashboardPart]:
    """The dashboard as (path, value) parts: nested for JSON, one NDJSON line each otherwise."""
    pool_id = pool["id"]
    hosts = [host for host in inventory.hosts.values() if host.get("$pool") == pool_id]
    vms = [vm for vm in inventory.vms.values() if vm.get("$pool") == pool_id]
    return [
        (("hosts", "status"), _host_status(hosts)),
        (("hosts", "topFiveUsage"), _host_top_five(hosts)),
        (("hosts", "missingPatches"), _missing_patches(inventory, hosts, patches_authorized)),
        (("vms", "status"), _vm_status(vms)),
        (("vms", "topFiveUsage"), _vm_top_five(vms)),
        (("srs", "topFiveUsage"), _sr_top_five(inventory, pool_id)),
        (("alarms",), [alarm_id for alarm_id, alarm in inventory.alarms.items() if alarm.get("$pool") == pool_id]),
        (("cpuProvisioning",), _cpu_provisioning(pool, vms)),
    ]


def nest(parts: list[DashboardPart]) -> JsonObject:
    result: JsonObject = {}
    for path, value in parts:
        node = result
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return result


def as_line(path: tuple[str, ...], value: Any) -> JsonObject:
    line: Any = value
    for key in reversed(path):
        line = {key: line}
    result: JsonObject = line
    return result


def _host_status(hosts: list[JsonObject]) -> JsonObject:
    running = [host for host in hosts if host.get("power_state") == "Running"]
    return {
        "running": sum(1 for host in running if host.get("enabled")),
        "disabled": sum(1 for host in running if not host.get("enabled")),
        "halted": sum(1 for host in hosts if host.get("power_state") == "Halted"),
        "total": len(hosts),
    }


def _host_top_five(hosts: list[JsonObject]) -> JsonObject:
    running = [host for host in hosts if host.get("power_state") == "Running"]
    ram = [
        {
            "name_label": host["name_label"],
            "id": host["id"],
            "size": host["memory"]["size"],
            "usage": host["memory"]["usage"],
            "percent": host["memory"]["usage"] / host["memory"]["size"] * 100,
        }
        for host in running
        if host.get("memory", {}).get("size")
    ]
    cpu = [{"percent": host_cpu_percent(host), "id": host["id"], "name_label": host["name_label"]} for host in running]
    return {"ram": _top_five(ram), "cpu": _top_five(cpu)}


def _missing_patches(inventory: Inventory, hosts: list[JsonObject], authorized: bool) -> JsonObject:
    if not authorized:
        return {"hasAuthorization": False}
    running = [host for host in hosts if host.get("power_state") == "Running"]  # the others' query fails
    return {"hasAuthorization": True, "missingPatches": pool_missing_patches(inventory, running)}


def pool_missing_patches(inventory: Inventory, hosts: list[JsonObject]) -> list[JsonObject]:
    """The patches missing on any host of the pool, each once."""
    seen: set[tuple[Any, ...]] = set()
    patches: list[JsonObject] = []
    for host in hosts:
        for patch in inventory.missing_patches.get(host["id"], []):
            key = (patch.get("name"), patch.get("version"), patch.get("release"), patch.get("id"))
            if key not in seen:
                seen.add(key)
                patches.append(patch)
    return patches


def _vm_status(vms: list[JsonObject]) -> JsonObject:
    counts = {"Running": 0, "Halted": 0, "Paused": 0, "Suspended": 0}
    for vm in vms:
        state = vm.get("power_state")
        if state in counts:
            counts[state] += 1
    return {
        "running": counts["Running"],
        "halted": counts["Halted"],
        "paused": counts["Paused"],
        "total": len(vms),
        "suspended": counts["Suspended"],
    }


def _vm_top_five(vms: list[JsonObject]) -> JsonObject:
    active = [vm for vm in vms if vm.get("power_state") in {"Running", "Paused"}]
    ram = []
    for vm in active:
        memory = vm.get("memory", {})
        if vm.get("managementAgentDetected") and memory.get("size") and "usage" in memory:
            free = memory["size"] - memory["usage"]
            ram.append(
                {
                    "id": vm["id"],
                    "name_label": vm["name_label"],
                    "memory": memory["size"],
                    "memoryFree": free,
                    "percent": (memory["size"] - free) / memory["size"] * 100,
                }
            )
    cpu = [{"id": vm["id"], "name_label": vm["name_label"], "percent": vm_cpu_percent(vm)} for vm in active]
    return {"ram": _top_five(ram), "cpu": _top_five(cpu)}


def _sr_top_five(inventory: Inventory, pool_id: str) -> list[JsonObject]:
    usable = [
        sr
        for sr in inventory.srs.values()
        if sr.get("$pool") == pool_id and sr.get("size", 0) > 0 and sr.get("content_type") != "iso"
        if sr.get("SR_type") != "udev"
    ]
    return _top_five(
        {
            "name_label": sr["name_label"],
            "id": sr["id"],
            "percent": sr.get("physical_usage", 0) / sr["size"] * 100,
            "physical_usage": sr.get("physical_usage", 0),
            "size": sr["size"],
        }
        for sr in usable
    )


def _cpu_provisioning(pool: JsonObject, vms: list[JsonObject]) -> JsonObject:
    total = pool.get("cpus", {}).get("cores", 0)
    assigned = sum(vm.get("CPUs", {}).get("number", 0) for vm in vms if vm.get("power_state") == "Running")
    return {"total": total, "assigned": assigned, "percent": assigned * 100 / total if total else 0}
