"""list_objects and get_object: every other collection the REST API lets an MCP client read.

The kinds are the REST collections whose GET operations XO's OpenAPI spec (rest-api 0.39.0) marks
`x-mcp-exposure: allow`, minus those a dedicated tool answers better (`DEDICATED`); `DENIED` names what the
spec marks `deny`. The table was derived from the spec when this module was written, not at run time (the
package never reads the spec); `tests/tools/test_objects.py` checks it against the spec when it is beside
the checkout. Per kind: the default columns an administrator wants, and the properties that are references
(shown by name), times (seconds or milliseconds since the epoch) or lists shown as counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

from xo_mcp.arguments import Fields, Filter, ObjectKind, Offset, XoId, object_id, page_size
from xo_mcp.client import XoClient
from xo_mcp.coerce import JsonObject, as_str, ms_to_datetime, seconds_to_datetime
from xo_mcp.errors import InvalidArgument, XoMcpError, quote
from xo_mcp.formatting import fmt_bytes, fmt_when, inline
from xo_mcp.secrets import WITHHELD
from xo_mcp.tools.base import Answer, XoContext, app_state, gather, tool
from xo_mcp.tools.listing import ListSpec, ObjectList, list_page
from xo_mcp.tools.names import names_of

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_LINES = 40
"""Properties get_object shows; the rest are named on one line."""
MAX_VALUE_CHARS = 160
MAX_LISTED_NAMES = 5
MAX_NAMED = 100
"""References named per collection in one answer (the rest keep their ids)."""

Target = tuple[tuple[str, str], ...]
"""Where a reference points: (collection, property that names its objects), tried in order."""

VMS: Target = (("vms", "name_label"), ("vm-snapshots", "name_label"), ("vm-templates", "name_label"))
VM_OR_DOM0: Target = (*VMS, ("vm-controllers", "name_label"))
VDIS: Target = (("vdis", "name_label"), ("vdi-snapshots", "name_label"))
HOSTS: Target = (("hosts", "name_label"),)
POOLS: Target = (("pools", "name_label"),)
HOST_OR_POOL: Target = (*HOSTS, *POOLS)
NETWORKS: Target = (("networks", "name_label"),)
SRS: Target = (("srs", "name_label"),)
REFERENCES: dict[str, Target] = {
    "$pool": POOLS,
    "$host": HOSTS,
    "host": HOSTS,
    "$container": HOST_OR_POOL,
    "$network": NETWORKS,
    "$SR": SRS,
    "SR": SRS,
    "$VM": VMS,
    "VM": VM_OR_DOM0,
    "VDI": VDIS,
    "parent": VDIS,
    "jobId": (("backup-jobs", "name"),),
    "backupRepository": (("backup-repositories", "name"),),
    "proxy": (("proxies", "name"),),
    "roleId": (("acl-roles", "name"),),
    "pci": (("pcis", "device_name"),),
    "master": HOSTS,
    "affinityHost": HOSTS,
    "poolId": POOLS,
}
"""Properties holding one id, and where that id is found (a kind may override, e.g. `$snapshot_of`)."""
LIST_REFERENCES: dict[str, Target] = {
    "groups": (("groups", "name"),),
    "users": (("users", "email"),),
    "userIds": (("users", "email"),),
    "groupIds": (("groups", "name"),),
    "aclRoleIds": (("acl-roles", "name"),),
    "snapshots": (("vm-snapshots", "name_label"), ("vdi-snapshots", "name_label")),
}
"""Lists of ids whose objects have names: get_object shows the first few. Other lists of ids are counted."""
SECONDS = frozenset({"snapshot_time", "startTime", "installTime", "license_expiry", "time"})
MILLISECONDS = frozenset({"timestamp", "start", "end", "created_at", "expiration", "updatedAt"})
SIZES = frozenset({"size", "usage", "physical_usage", "chainPhysicalUsage"})
HIDDEN = frozenset({"id", "uuid", "type", "href", "_xapiRef", "$poolId", "poolId"})
"""Properties get_object never shows: the id is in the title, the rest repeat it or are XAPI internals."""


@dataclass(frozen=True)
class Kind:
    """A readable REST collection, as list_objects/get_object serve it."""

    name: str
    """The `kind` value: the REST collection, e.g. `vdi-snapshots`."""
    noun: str
    type_word: str
    """XO's word in `no such <type> <id>` answers."""
    fields: tuple[str, ...]
    hint: str
    """How to narrow a long list."""
    label: str = "name_label"
    plural: str | None = None
    references: Mapping[str, Target] = field(default_factory=dict)
    seconds: frozenset[str] = frozenset()
    """Properties of this kind in seconds whatever the default tables say (messages' `time`)."""
    query: tuple[tuple[str, str], ...] = ()
    single_reads: bool = True
    """False: get_object cannot fetch one (ids XO's routes cannot carry)."""

    @property
    def object_kind(self) -> ObjectKind:
        return ObjectKind(
            noun=self.noun, type_word=self.type_word, collection=self.name, lister=f'list_objects(kind="{self.name}")'
        )

    @property
    def spec(self) -> ListSpec:
        return ListSpec(
            collection=self.name,
            noun=self.noun,
            plural_noun=self.plural,
            default_fields=self.fields,
            narrow_hint=self.hint,
            pageable=True,
            query=self.query,
            endpoint=self.name,
        )

    def target(self, prop: str) -> Target | None:
        return self.references.get(prop) or REFERENCES.get(prop)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "networks",
            "network",
            "network",
            ("name_label", "bridge", "MTU", "VIFs", "$pool"),
            "`name_label:lan*` or `$pool:<pool id>`",
        ),
        Kind(
            "pifs",
            "PIF",
            "PIF",
            ("device", "$host", "$network", "ip", "mac", "vlan", "speed", "attached", "carrier", "management"),
            "`$host:<host id>` or `management?`",
            label="device",
        ),
        Kind(
            "vifs",
            "VIF",
            "VIF",
            ("device", "MAC", "$VM", "$network", "attached", "lockingMode"),
            "`$VM:<vm id>`, `$network:<network id>` or `MAC:02:5e*`",
            label="MAC",
        ),
        Kind(
            "vbds",
            "VBD",
            "VBD",
            ("device", "VM", "VDI", "attached", "is_cd_drive", "bootable", "read_only"),
            "`VM:<vm id>` or `VDI:<vdi id>`",
            label="device",
        ),
        Kind(
            "vdis",
            "VDI",
            "VDI",
            ("name_label", "size", "usage", "$SR", "VDI_type", "$VBDs"),
            "`$SR:<sr id>`, `name_label:data*` or `VDI_type:user`",
        ),
        Kind(
            "vdi-snapshots",
            "VDI snapshot",
            "VDI-snapshot",
            ("name_label", "size", "snapshot_time", "$snapshot_of", "$SR"),
            "`$SR:<sr id>` or `$snapshot_of:<vdi id>`",
            references={"$snapshot_of": VDIS},
        ),
        Kind(
            "vm-templates",
            "VM template",
            "VM-template",
            ("name_label", "isDefaultTemplate", "CPUs.number", "memory.size", "$pool"),
            "`isDefaultTemplate:false` or `name_label:debian*`",
        ),
        Kind(
            "vm-snapshots",
            "VM snapshot",
            "VM-snapshot",
            ("name_label", "snapshot_time", "$snapshot_of", "$pool"),
            "`$snapshot_of:<vm id>` (list_snapshots sorts them by age)",
            references={"$snapshot_of": VMS},
        ),
        Kind(
            "vm-controllers",
            "control domain",
            "VM-controller",
            ("name_label", "$container", "power_state", "CPUs.number", "memory.size"),
            "`$pool:<pool id>`",
        ),
        Kind(
            "messages",
            "message",
            "message",
            ("name", "time", "$object", "body"),
            "`name:VM_STARTED` or `$object:<object id>`",
            label="name",
            # A message does not say what its object is: each kind that raises messages is asked.
            references={"$object": (*VMS, *HOSTS, *SRS, *POOLS)},
        ),
        Kind(
            "schedules", "schedule", "schedule", ("name", "jobId", "cron", "timezone", "enabled"), "`enabled?`", "name"
        ),
        Kind(
            "backup-archives",
            "backup archive",
            "backup-archive",
            ("vm.name_label", "timestamp", "mode", "size", "backupRepository", "jobId"),
            "`vm:uuid:<vm id>` or `backupRepository:<repository id>`",
            label="id",
            query=(("backup-repository", "*"),),
            single_reads=False,
        ),
        Kind(
            "backup-repositories",
            "backup repository",
            "remote",
            ("name", "url", "enabled", "error", "proxy"),
            "`enabled?`",
            label="name",
            plural="backup repositories",
        ),
        Kind(
            "restore-logs",
            "restore log",
            "restore-log",
            ("message", "status", "start", "end", "data.backupId"),
            "`status:failure`",
            label="message",
        ),
        Kind(
            "servers",
            "Xen server connection",
            "xenServer",
            ("label", "host", "status", "poolNameLabel", "enabled", "readOnly"),
            "`status:disconnected`",
            label="label",
        ),
        Kind("proxies", "XO proxy", "proxy", ("name", "address", "url", "vmUuid", "version"), "`name:*`", "name"),
        Kind(
            "users", "user", "user", ("email", "permission", "groups", "authProviders"), "`permission:admin`", "email"
        ),
        Kind("groups", "group", "group", ("name", "users", "aclRoleIds", "provider"), "`name:ops*`", "name"),
        Kind(
            "pcis",
            "PCI device",
            "PCI",
            ("class_name", "device_name", "pci_id", "$host"),
            "`$host:<host id>`",
            label="device_name",
        ),
        Kind(
            "pgpus",
            "physical GPU",
            "PGPU",
            ("$host", "pci", "dom0Access", "isSystemDisplayDevice", "vgpus"),
            "`$host:<host id>`",
            label="id",
        ),
        Kind("sms", "storage manager", "SM", ("name_label", "SM_type", "vendor"), "`SM_type:nfs`"),
        Kind("pbds", "PBD", "PBD", ("host", "SR", "attached"), "`SR:<sr id>` or `attached:false`", label="id"),
        Kind(
            "acl-roles",
            "ACL role",
            "acl-role",
            ("name", "description", "privilegeIds", "userIds", "groupIds"),
            "`name:*`",
            label="name",
        ),
        Kind(
            "acl-privileges",
            "ACL privilege",
            "acl-privilege",
            ("action", "resource", "effect", "selector", "roleId"),
            "`roleId:<role id>` or `resource:vm`",
            label="id",
        ),
    )
}
"""Every kind list_objects reads: the spec's `allow` collections that no dedicated tool covers."""

DEDICATED: dict[str, str] = {
    "vms": "list_vms and get_vm_details",
    "hosts": "list_hosts and get_host_details",
    "pools": "list_pools and get_pool_dashboard",
    "srs": "list_srs",
    "alarms": "list_alarms",
    "tasks": "list_tasks",
    "backup-jobs": "list_backup_jobs",
    "backup-logs": "list_backup_runs",
}
"""`allow` collections answered better by a tool of their own (with names, sorting and XO's rules)."""

DENIED: dict[str, str] = {
    "stats": "performance statistics (RRD series of hosts, VMs and pools)",
    "logs": "host log archives (logs.tgz downloads)",
    "audit": "host audit logs (audit.txt downloads)",
    "exports": "VM, template, snapshot and disk exports (image downloads)",
    "swagger": "XO's API specification (docs/swagger.json)",
}
"""What XO's spec marks `x-mcp-exposure: deny`: binary or bulk downloads an MCP client may not read."""

_ALIASES = {
    "templates": "vm-templates",
    "snapshots": "vm-snapshots",
    "control-domains": "vm-controllers",
    "dom0": "vm-controllers",
    "remotes": "backup-repositories",
    "repositories": "backup-repositories",
    "archives": "backup-archives",
    "backups": "backup-archives",
    "roles": "acl-roles",
    "privileges": "acl-privileges",
    "xen-servers": "servers",
    "swagger.json": "swagger",
    "logs.tgz": "logs",
    "audit.txt": "audit",
}


def kind_of(value: str) -> Kind:
    """The kind a caller means (`VDI`, `vdi_snapshots` and `templates` included), or a worded refusal."""
    word = value.strip().lower().replace("_", "-").replace(" ", "-")
    word = _ALIASES.get(word, word)
    for candidate in (word, word + "s", word + "es"):
        if candidate in KINDS:
            return KINDS[candidate]
        if candidate in DEDICATED:
            raise PydanticCustomError(
                "kind", f"{candidate} have their own tools, which name and sort them: {DEDICATED[candidate]}"
            )
        if candidate in DENIED:
            raise PydanticCustomError(
                "kind",
                f"{candidate} cannot be read here: XO's API marks {DENIED[candidate]} `x-mcp-exposure: deny` "
                "for MCP clients",
            )
    raise PydanticCustomError("kind", f"unknown kind {quote(value, 40)}: list_objects accepts {', '.join(KINDS)}")


@dataclass(frozen=True)
class _KindArgument:
    enum: bool
    """Publish the kinds as an enum (list_objects); get_object only refers to it (its kinds are the same)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(kind_of, core_schema.str_schema(strict=True))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        if self.enum:
            return {"type": "string", "enum": list(KINDS)}
        return {"type": "string", "description": "A kind list_objects accepts."}


KindArgument = Annotated[Kind, _KindArgument(enum=True)]
KindReference = Annotated[Kind, _KindArgument(enum=False)]
OBJECT = ObjectKind(noun="object", type_word="object", collection="networks", lister="list_objects")
"""The id argument of get_object: checked like every id, then given the kind the call names. Its
collection is the example kind's, so the contract tests pick an existing object."""


class ObjectDetails(Answer):
    kind: str
    id: str
    name: str | None = None
    object: dict[str, Any] = Field(description="XO's properties, secrets withheld, lists cut to 50")
    lengths: dict[str, int] = Field(default={}, description="whole lengths of the lists cut")
    names: dict[str, str] = Field(default={}, description="names of the ids it refers to")

    def render(self) -> str:
        kind = KINDS[self.kind]
        noun = kind.noun[:1].upper() + kind.noun[1:]
        lines = [f"{noun} {inline(self.name)} (id {self.id})" if self.name else f"{noun} {self.id}"]
        shown = [key for key in self.object if key not in HIDDEN and key != kind.label and _worth(self.object[key])]
        now = datetime.now(UTC)
        for key in shown[:MAX_LINES]:
            value = _value(kind, key, self.object[key], self.names, now, whole=True, length=self.lengths.get(key))
            lines.append(f"{key}: {value}")
        if len(shown) > MAX_LINES:
            rest = shown[MAX_LINES:]
            lines.append(f"(+{len(rest)} more: {', '.join(rest)}; list_objects(fields=…) reads them)")
        empty = [key for key in self.object if key not in HIDDEN and not _worth(self.object[key])]
        if empty:
            lines.append(f"Empty: {', '.join(empty)}")
        return "\n".join(lines)


@tool(title="List objects of a kind", toolset="objects", example={"kind": "networks", "limit": 5})
async def list_objects(
    ctx: XoContext,
    kind: KindArgument,
    filter: Filter = None,
    fields: Fields = None,
    limit: Annotated[int, page_size(MAX_LIMIT)] = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> ObjectList:
    """List objects of any other XO collection (networks, VIFs, VDIs, templates, users, backup repositories…),
    paged, references by name. For kinds no dedicated tool covers; get_object shows one.
    """
    client = app_state(ctx).client
    page = await list_page(client, kind.spec, fields=fields, filter=filter, limit=limit, offset=offset)
    names = await _names(client, kind, page.items, whole=False)
    now = datetime.now(UTC)
    page._shown = [
        {key: _value(kind, key, value, names, now, whole=False) for key, value in item.items()} for item in page.items
    ]
    return page


@tool(title="Object details", toolset="objects", example={"kind": "networks"})
async def get_object(ctx: XoContext, kind: KindReference, id: Annotated[XoId, object_id(OBJECT)]) -> ObjectDetails:
    """One object of a list_objects kind (a network, VDI, user, backup repository…): every property on its own
    line, the ids it refers to named."""
    if not kind.single_reads:
        raise InvalidArgument(
            f"One {kind.noun} cannot be read by id (its id holds '/'): list_objects(kind=\"{kind.name}\", "
            f"filter='id:\"<id>\"', fields=…) gives every property."
        )
    client = app_state(ctx).client
    found = await client.get_object(XoId(id, kind.object_kind), endpoint=kind.name)
    names = await _names(client, kind, [found], whole=True)
    return ObjectDetails(
        kind=kind.name,
        id=str(found.get("id", id)),
        name=as_str(found.get(kind.label)) if kind.label != "id" else None,
        object={key: value[:50] if isinstance(value, list) else value for key, value in found.items()},
        lengths={key: len(value) for key, value in found.items() if isinstance(value, list) and len(value) > 50},
        names=names,
    )


def _worth(value: Any) -> bool:
    return value not in (None, "", [], {})


async def _names(client: XoClient, kind: Kind, items: Iterable[JsonObject], *, whole: bool) -> dict[str, str]:
    """Names of the ids the items refer to: one request per collection that may hold them."""
    wanted: dict[tuple[str, str], set[str]] = {}
    pending: dict[Target, set[str]] = {}
    for item in items:
        for key, value in item.items():
            target = kind.target(key)
            if target is not None and isinstance(value, str) and value:
                pending.setdefault(target, set()).add(value)
            elif whole and key in LIST_REFERENCES and isinstance(value, list):
                ids = {v for v in value[:MAX_LISTED_NAMES] if isinstance(v, str)}
                pending.setdefault(LIST_REFERENCES[key], set()).update(ids)
    for target, ids in pending.items():
        for place in target:
            wanted.setdefault(place, set()).update(list(ids)[:MAX_NAMED])

    async def lookup(place: tuple[str, str], ids: set[str]) -> dict[str, str]:
        collection, label = place
        try:
            return await names_of(client, collection, ids, label=label)
        except XoMcpError:
            return {}  # names are a nicety: the ids stay

    found = await gather(*(lookup(place, ids) for place, ids in wanted.items()))
    names: dict[str, str] = {}
    for part in found:
        names.update({key: value for key, value in part.items() if key not in names})
    return names


def _value(
    kind: Kind,
    key: str,
    value: Any,
    names: Mapping[str, str],
    now: datetime,
    *,
    whole: bool,
    length: int | None = None,
) -> Any:
    """A property as text: names for ids, UTC times with their age, sizes with units, counts for long lists."""
    if value is None or value == WITHHELD:
        return value
    if isinstance(value, str) and kind.target(key) is not None and value:
        name = names.get(value)
        if name is None:
            return value
        return f"{inline(name)} ({value})" if whole else inline(name)
    if key in SIZES and isinstance(value, int | float) and not isinstance(value, bool):
        return fmt_bytes(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and (moment := _moment(kind, key, value)):
        return fmt_when(moment, now)
    if isinstance(value, list):
        return _list_value(key, value, names, whole=whole, length=length or len(value))
    if not whole:
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return _clip(", ".join(f"{k}={_sized(key, k, v)}" for k, v in value.items()))
    return _clip(inline(str(value)))


def _moment(kind: Kind, key: str, value: float) -> datetime | None:
    if key in kind.seconds or key in SECONDS:
        return seconds_to_datetime(value)
    if key in MILLISECONDS:
        return ms_to_datetime(value)
    return None


def _list_value(key: str, value: list[Any], names: Mapping[str, str], *, whole: bool, length: int) -> Any:
    ids = bool(value) and all(isinstance(v, str) and _looks_like_id(v) for v in value)
    if not whole:
        return length if ids else value
    if not value:
        return "none"
    if ids and key in LIST_REFERENCES:
        shown = [names.get(v, v) for v in value[:MAX_LISTED_NAMES]]
        more = f" (+{length - len(shown)} more)" if length > len(shown) else ""
        return _clip(f"{length}: {', '.join(inline(v) for v in shown)}{more}")
    if ids:
        return str(length)
    return _clip("; ".join(_compact(v) for v in value))


def _looks_like_id(text: str) -> bool:
    """A uuid-like reference (`$VBDs`, `PIFs`, `privilegeIds`…), not a word (tags, install methods)."""
    return len(text) >= 32 and text.count("-") >= 4


def _sized(key: str, sub: str, value: Any) -> str:
    """A value inside a map, in bytes where XO counts bytes (`memory`, sizes)."""
    if (key == "memory" or sub in SIZES) and isinstance(value, int) and not isinstance(value, bool):
        return fmt_bytes(value)
    if key == "memory" and isinstance(value, list) and all(isinstance(v, int) for v in value):
        return "–".join(fmt_bytes(v) for v in value)
    return _compact(value)


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return inline(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


TOOLS = (list_objects, get_object)
