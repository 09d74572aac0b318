"""list_pools, list_hosts, list_vms: filtered, capped, paged listings."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult
from pydantic import Field

from xo_mcp.models import ObjectList
from xo_mcp.state import AppState
from xo_mcp.tools._common import XoContext, app_state, register_tool
from xo_mcp.tools.listing import ListSpec, list_page, parse_fields

# Pools and hosts are few; the cap only guards against a pathological estate.
POOL_HOST_CAP = 500
VM_DEFAULT_LIMIT = 100
VM_MAX_LIMIT = 1000

POOLS = ListSpec(
    collection="pools",
    noun="pools",
    default_fields=("id", "name_label", "name_description", "auto_poweron", "HA_enabled"),
    narrow_hint="fewer fields",
    pageable=False,
)
HOSTS = ListSpec(
    collection="hosts",
    noun="hosts",
    default_fields=("id", "name_label", "productBrand", "version", "power_state"),
    narrow_hint="a filter such as `$pool:<pool id>` or `name_label:xcp*`",
    pageable=False,
)
VMS = ListSpec(
    collection="vms",
    noun="VMs",
    default_fields=("id", "name_label", "power_state", "CPUs", "memory"),
    narrow_hint="a filter such as `power_state:Running`, `name_label:web*`, `tags:prod` or `$pool:<pool id>`",
    pageable=True,
)

FieldsArg = Annotated[
    str | None,
    Field(
        description="Comma-separated XO property names to return (dotted paths allowed, e.g. 'CPUs.max'). "
        "Omit for the defaults. `id` is always included.",
        max_length=2000,
    ),
]
FilterArg = Annotated[
    str | None,
    Field(
        description="XO filter, e.g. `power_state:Running`, `name_label:web*`, `tags:prod`, "
        "`!power_state:Halted`, `|(name_label:web* name_label:db*)`, `CPUs:max:>=4`. Terms separated by "
        "spaces are ANDed. Omit for all.",
        max_length=2000,
    ),
]


async def list_pools(ctx: XoContext, fields: FieldsArg = None) -> Annotated[CallToolResult, ObjectList]:
    """List the Xen Orchestra pools (an XCP-ng pool groups hosts sharing storage and networks).

    Default fields: id, name_label, name_description, auto_poweron, HA_enabled. Other useful fields:
    master (host id), default_SR, cpus (cores/sockets), platform_version, tags.
    Use get_pool_dashboard(pool_id) for a pool's health, or get_infrastructure_summary for counts.
    """
    client = app_state(ctx).client
    names = parse_fields(fields, POOLS.default_fields, "get_pool_dashboard")
    return await list_page(client, POOLS, fields=names, filter=None, limit=POOL_HOST_CAP, offset=0)


async def list_hosts(
    ctx: XoContext, filter: FilterArg = None, fields: FieldsArg = None
) -> Annotated[CallToolResult, ObjectList]:
    """List the hypervisor hosts (XCP-ng / XenServer servers) known to Xen Orchestra.

    Default fields: id, name_label, productBrand, version, power_state (Running, Halted, Unknown).
    Other useful fields: address, enabled, $pool, memory (bytes: usage/size), cpus, rebootRequired, tags.
    Filter examples: `power_state:Running`, `$pool:<pool id>`, `name_label:xcp*`, `rebootRequired?`.
    """
    client = app_state(ctx).client
    names = parse_fields(fields, HOSTS.default_fields, "list_hosts with a filter on its id")
    return await list_page(client, HOSTS, fields=names, filter=filter, limit=POOL_HOST_CAP, offset=0)


async def list_vms(
    ctx: XoContext,
    filter: FilterArg = None,
    fields: FieldsArg = None,
    limit: Annotated[
        int, Field(ge=1, le=VM_MAX_LIMIT, description=f"Page size, 1-{VM_MAX_LIMIT} (default {VM_DEFAULT_LIMIT}).")
    ] = VM_DEFAULT_LIMIT,
    offset: Annotated[
        int, Field(ge=0, le=10_000_000, description="Skip this many matching VMs (for the next page).")
    ] = 0,
) -> Annotated[CallToolResult, ObjectList]:
    """List virtual machines (templates and snapshots excluded), with a total and paging.

    Default fields: id, name_label, power_state (Running, Halted, Paused, Suspended), CPUs (vCPUs), memory
    (bytes). Other useful fields: tags, $pool, $container (host id when running), mainIpAddress, os_version,
    auto_poweron, name_description. Filter examples: `power_state:Running`, `name_label:web*`, `tags:prod`,
    `power_state:Running name_label:db*` (AND), `CPUs:max:>=4`, `$pool:<pool id>`.
    The answer states how many VMs match in total; to count VMs by state use get_infrastructure_summary,
    or this tool with a filter and limit=1. A truncated page says so: never conclude from it alone.
    """
    client = app_state(ctx).client
    names = parse_fields(fields, VMS.default_fields, "get_vm_details")
    return await list_page(client, VMS, fields=names, filter=filter, limit=limit, offset=offset)


def register(mcp: MCPServer[AppState]) -> None:
    register_tool(mcp, list_pools, title="List pools")
    register_tool(mcp, list_hosts, title="List hosts")
    register_tool(mcp, list_vms, title="List VMs")
