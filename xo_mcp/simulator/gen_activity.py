"""Generator step 9: what XAPI reported on the infrastructure: alarms (reshaped as the REST API serves
them, CONTRACT.md §5 and CONTRACT-2 §7) and other messages."""

from __future__ import annotations

import itertools

from xo_mcp.simulator.catalog import MESSAGE_NAMES
from xo_mcp.simulator.gen_context import GenContext
from xo_mcp.simulator.inventory import JsonObject

_COLLECTIONS = {"VM": "vms", "host": "hosts", "SR": "srs", "VM-controller": "vm-controllers"}
# An alarm body XO cannot parse (`1e-05` is no percentage it reads): served with no value.
_UNPARSABLE = 'value: 1e-05\nconfig:\n<variable>\n\t<name value="sr_io_throughput_total_per_host"/>\n</variable>'
_MULTIPATH = "Unhealthy paths:\n[20250910T07:12:41Z] 1/2 paths active on host xcp-lyon-03 for SR NFS Lyon DC"


def generate_activity(ctx: GenContext) -> None:
    _alarms(ctx)
    _messages(ctx)


def _message_identity(ctx: GenContext, pool_id: str) -> JsonObject:
    message_id = ctx.uuid()
    return {
        "id": message_id,
        "type": "message",
        "uuid": message_id,
        "$pool": pool_id,
        "$poolId": pool_id,
        "_xapiRef": ctx.ref(),
    }


def _alarm(
    ctx: GenContext,
    pool_id: str,
    body: JsonObject,
    target: JsonObject | None,
    minutes_ago: int,
    name: str | None = None,
) -> None:
    """`target` None: the object is gone (`type: unknown`, no href)."""
    identity = _message_identity(ctx, pool_id)
    if target is None:
        subject: JsonObject = {"type": "unknown", "uuid": ctx.uuid()}
    else:
        href = f"/rest/v0/{_COLLECTIONS[target['type']]}/{target['id']}"
        subject = {"type": target["type"], "uuid": target["uuid"], "href": href}
    alarm: JsonObject = {
        "name": name or ("ALARM" if "value" in body else "BOND_STATUS_CHANGED"),
        "time": ctx.now_ms - minutes_ago * 60_000,
        "type": "message",
        "uuid": identity["uuid"],
        "$pool": pool_id,
        "$poolId": pool_id,
        "_xapiRef": identity["_xapiRef"],
        "id": identity["id"],
        "body": body,
        "object": subject,
    }
    ctx.inventory.add("alarms", alarm)


def _alarms(ctx: GenContext) -> None:
    inventory = ctx.inventory
    for plan in ctx.pools:
        pool_id = plan.pool["id"]
        if plan.running_hosts:
            master = plan.running_hosts[0]
            _alarm(ctx, pool_id, {"value": "96.4", "name": "mem_usage"}, master, 12)
        if plan.shared_sr is not None and plan.index == 0:
            _alarm(ctx, pool_id, {"value": "91.7", "name": "physical_utilisation"}, plan.shared_sr, 240)
        if plan.index == 1 and plan.hosts:
            raw = "The status of the eth0+eth1 bond changed: 1/2 up"
            _alarm(ctx, pool_id, {"name": raw}, plan.hosts[-1], 75)
        if plan.index == 0 and plan.hosts:
            dom0 = inventory.vm_controllers.get(plan.hosts[0]["controlDomain"])
            if dom0 is not None:
                _alarm(ctx, pool_id, {"value": "91.3", "name": "fs_usage"}, dom0, 33)
            _alarm(ctx, pool_id, {"value": "98.0", "name": "cpu_usage"}, None, 3 * 24 * 60)
            if plan.shared_sr is not None:
                _alarm(ctx, pool_id, {"name": _UNPARSABLE}, plan.shared_sr, 52, "ALARM")
            _alarm(ctx, pool_id, {"name": _MULTIPATH}, plan.hosts[-1], 140, "MULTIPATH_PERIODIC_ALERT")
    wanted = min(2 + len(inventory.vms) // 100, 2000)
    running = itertools.islice((vm for vm in inventory.vms.values() if vm["power_state"] == "Running"), wanted)
    for position, vm in enumerate(running):
        value = "NaN" if position == 1 else f"{85 + (position * 7) % 15}.{position % 10}"
        name = "memory_free_kib" if position == 1 else "cpu_usage"
        _alarm(ctx, vm["$pool"], {"value": value, "name": name}, vm, 5 + position * 3)


def _messages(ctx: GenContext) -> None:
    inventory = ctx.inventory
    hosts = inventory.hosts
    for position, vm in enumerate(inventory.vms.values()):
        if position % 10 != 0:
            continue
        name = MESSAGE_NAMES[(position // 10) % len(MESSAGE_NAMES)]
        if vm["power_state"] == "Halted":
            name = "VM_SHUTDOWN"
        host = hosts.get(vm["$container"])
        where = f" on host: {host['name_label']} (uuid: {host['uuid']})" if host is not None else ""
        verb = {"VM_STARTED": "started", "VM_SHUTDOWN": "shut down", "VM_REBOOTED": "rebooted"}.get(name, "updated")
        if name == "VM_SNAPSHOTTED":
            verb = "snapshotted"
        elif name == "VM_CLONED":
            verb = "cloned"
        message: JsonObject = {
            "body": f"VM '{vm['name_label']}' (uuid: {vm['uuid']}) {verb}{where}",
            "name": name,
            "time": ctx.now_s - 600 - position * 37,
            "$object": vm["uuid"],
            **_message_identity(ctx, vm["$pool"]),
        }
        inventory.add("messages", message)
    for plan in ctx.pools:
        if not plan.hosts:
            continue
        master = plan.hosts[0]
        message = {
            "body": f"The clock of host {master['name_label']} is 4 seconds away from the pool master's clock.",
            "name": "HOST_CLOCK_SKEW_DETECTED",
            "time": ctx.now_s - 7200 - plan.index,
            "$object": master["uuid"],
            **_message_identity(ctx, plan.pool["id"]),
        }
        inventory.add("messages", message)
