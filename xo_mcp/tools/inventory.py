"""list_pools, list_hosts, list_vms: filtered, capped, paged listings; the kinds of id they give."""

from __future__ import annotations

from typing import Annotated

from xo_mcp.arguments import Fields, Filter, ObjectKind, Offset, page_size
from xo_mcp.tools.base import XoContext, app_state, tool
from xo_mcp.tools.listing import ListSpec, ObjectList, list_page

POOL = ObjectKind(noun="pool", type_word="pool", collection="pools", lister="list_pools")
HOST = ObjectKind(noun="host", type_word="host", collection="hosts", lister="list_hosts")
VM = ObjectKind(noun="VM", type_word="VM", collection="vms", lister="list_vms")

# Pools and hosts are few; the cap only guards against a pathological estate.
POOL_HOST_CAP = 500
VM_DEFAULT_LIMIT = 100
VM_MAX_LIMIT = 1000

POOLS = ListSpec(
    collection="pools",
    noun="pool",
    default_fields=("id", "name_label", "name_description", "auto_poweron", "HA_enabled"),
    narrow_hint="fewer fields",
    pageable=False,
)
HOSTS = ListSpec(
    collection="hosts",
    noun="host",
    default_fields=("id", "name_label", "productBrand", "version", "power_state"),
    narrow_hint="a filter such as `$pool:<pool id>` or `name_label:xcp*`",
    pageable=False,
)
VMS = ListSpec(
    collection="vms",
    noun="VM",
    # The facts of XO's `CPUs,memory` without their bulk (memory also carries dynamic/static ranges).
    default_fields=("id", "name_label", "power_state", "CPUs.number", "memory.size"),
    narrow_hint="a filter such as `power_state:Running`, `name_label:web*`, `tags:prod` or `$pool:<pool id>`",
    pageable=True,
)


@tool(title="List pools")
async def list_pools(ctx: XoContext, fields: Fields = None) -> ObjectList:
    """List the pools (an XCP-ng pool groups hosts sharing storage and networks). Other fields: master,
    default_SR, cpus, platform_version, tags. get_pool_dashboard(pool_id) gives a pool's health.
    """
    client = app_state(ctx).client
    return await list_page(client, POOLS, fields=fields, filter=None, limit=POOL_HOST_CAP, offset=0)


@tool(title="List hosts")
async def list_hosts(ctx: XoContext, filter: Filter = None, fields: Fields = None) -> ObjectList:
    """List the hypervisor hosts (XCP-ng / XenServer). Other fields: address, enabled, $pool, memory
    (bytes), cpus, rebootRequired, tags. Filters: `power_state:Running`, `$pool:<pool id>`, `rebootRequired?`.
    """
    client = app_state(ctx).client
    return await list_page(client, HOSTS, fields=fields, filter=filter, limit=POOL_HOST_CAP, offset=0)


@tool(title="List VMs")
async def list_vms(
    ctx: XoContext,
    filter: Filter = None,
    fields: Fields = None,
    limit: Annotated[int, page_size(VM_MAX_LIMIT)] = VM_DEFAULT_LIMIT,
    offset: Offset = 0,
) -> ObjectList:
    """List VMs (templates and snapshots excluded) with the exact total matching: to count, use limit=1.
    Other fields: tags, $pool, $container (host id when running), mainIpAddress, os_version, auto_poweron.
    Filters: `power_state:Running`, `name_label:web*`, `tags:prod`, `CPUs:max:>=4`.
    """
    client = app_state(ctx).client
    return await list_page(client, VMS, fields=fields, filter=filter, limit=limit, offset=offset)


TOOLS = (list_pools, list_hosts, list_vms)
