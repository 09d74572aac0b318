"""Names instead of UUIDs: resolve the ids an answer mentions, one small request per collection."""

from __future__ import annotations

from collections.abc import Iterable

from xo_mcp.client import XoClient
from xo_mcp.coerce import as_str
from xo_mcp.errors import XoMcpError
from xo_mcp.xo_filters import IDS_PER_FILTER, exactly

# XO's object type words (alarm targets, `data.type` of tasks…) and the collection holding each.
COLLECTION_OF_TYPE = {
    "pool": "pools",
    "host": "hosts",
    "VM": "vms",
    "VM-controller": "vm-controllers",
    "VM-template": "vm-templates",
    "VM-snapshot": "vm-snapshots",
    "SR": "srs",
    "VDI": "vdis",
    "VDI-snapshot": "vdi-snapshots",
    "network": "networks",
    "PIF": "pifs",
    "VIF": "vifs",
}


async def names_of(
    client: XoClient, collection: str, ids: Iterable[str], *, label: str = "name_label"
) -> dict[str, str]:
    """`{id: name}` for the objects of ``collection`` with those ids that XO knows (and the user may read).

    ``label`` is the property that names the collection's objects: `name_label` for XAPI objects, `name` for
    XO's own (backup jobs, repositories, roles), `email` for users, `label` for servers.
    """
    wanted = sorted({object_id for object_id in ids if object_id})
    names: dict[str, str] = {}
    for start in range(0, len(wanted), IDS_PER_FILTER):
        chunk = wanted[start : start + IDS_PER_FILTER]
        # One anchored regular expression: XO tests it once per object, where an OR of quoted ids is a
        # substring test per id per object (about 8× the work at 100 000 objects).
        rows = await client.list_objects(collection, fields=["id", label], filter=exactly("id", chunk))
        names.update((row["id"], as_str(row.get(label)) or row["id"]) for row in rows if as_str(row.get("id")))
    return names


async def known_names(
    client: XoClient, collection: str, ids: Iterable[str], *, label: str = "name_label"
) -> dict[str, str]:
    """`names_of`, or `{}` when XO cannot say: names are a nicety, and the ids stay where none is known."""
    try:
        return await names_of(client, collection, ids, label=label)
    except XoMcpError:
        return {}
