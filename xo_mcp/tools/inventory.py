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
    # The facts of XO's `CPUs,memory` without their bulk (memory also carries dynamic/static ranges).
    default_fields=("id", "name_label", "power_state", "CPUs.number", "memory.size"),
    narrow_hint="a filter such as `power_state:Running`, `name_label:web*`, `tags:prod` or `$pool:<pool id>`",
    pageable=True,
)

FieldsArg = Annotated[
    str | None,
    Field(
        description="Comma-separated property names, e.g. 'name_label,tags,CPUs.max'. Omit for the defaults.",
        max_length=2000,
    ),
]
FilterArg = Annotated[
    str | None,
    Field(
        description="XO filter, e.g. `power_state:Running name_label:web*` (space = AND). Omit for all.",
        max_length=2000,
    ),
]


async def list_pools(ctx: XoContext, fields: FieldsArg = None) -> Annotated[CallToolResult, ObjectList]:
    """List the Xen Orchestra pools (an XCP-ng pool groups hosts sharing storage and networks).

    Default fields: id, name_label, name_description, auto_poweron, HA_enabled. Other fields: master (host
    id), default_SR, cpus, platform_version, tags. get_pool_dashboard(pool_id) gives a pool's health.
    """
    client = app_state(ctx).client
    names = parse_fields(fields, POOLS.default_fields, "get_pool_dashboard")
    return await list_page(client, POOLS, fields=names, filter=None, limit=POOL_HOST_CAP, offset=0)


async def list_hosts(
    ctx: XoContext, filter: FilterArg = None, fields: FieldsArg = None
) -> Annotated[CallToolResult, ObjectList]:
    """List the hypervisor hosts (XCP-ng / XenServer servers) known to Xen Orchestra.

    Default fields: id, name_label, productBrand, version, power_state (Running, Halted, Unknown).
    Other fields: address, enabled, $pool, memory (bytes), cpus, rebootRequired, tags.
    Filters: `power_state:Running`, `$pool:<pool id>`, `rebootRequired?`.
    """
    client = app_state(ctx).client
    names = parse_fields(fields, HOSTS.default_fields, "list_hosts with a filter on its id")
    return await list_page(client, HOSTS, fields=names, filter=filter, limit=POOL_HOST_CAP, offset=0)


async def list_vms(
    ctx: XoContext,
    filter: FilterArg = None,
    fields: FieldsArg = None,
    limit: Annotated[int, Field(ge=1, le=VM_MAX_LIMIT, description="Page size.")] = VM_DEFAULT_LIMIT,
    offset: Annotated[int, Field(ge=0, le=10_000_000, description="Matching VMs to skip (next page).")] = 0,
) -> Annotated[CallToolResult, ObjectList]:
    """List virtual machines (templates and snapshots excluded), with a total and paging.

    Default fields: id, name_label, power_state (Running, Halted, Paused, Suspended), CPUs.number (vCPUs),
    memory.size (bytes). Other fields: tags, $pool, $container (host id when running), mainIpAddress, os_version,
    auto_poweron. Filters: `power_state:Running`, `name_label:web*`, `tags:prod`, `CPUs:max:>=4`.
    The answer gives the total matching: to count VMs matching a filter, use limit=1.
    """
    client = app_state(ctx).client
    names = parse_fields(fields, VMS.default_fields, "get_vm_details")
    return await list_page(client, VMS, fields=names, filter=filter, limit=limit, offset=offset)


def register(mcp: MCPServer[AppState]) -> None:
    register_tool(mcp, list_pools, title="List pools")
    register_tool(mcp, list_hosts, title="List hosts")
    register_tool(mcp, list_vms, title="List VMs")
