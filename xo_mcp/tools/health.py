"""get_health_report: XO 5's Health view in one call, plus hosts to reboot or patch and XO's backup overview.

Each check follows the rule XO's own code applies (CONTRACT-2 §6, §7; the rules are in `health_checks.py`).
Cost at any estate size: the small collections first (pools, hosts, SRs, schedules, control domains,
templates), then the large ones concurrently, streamed, with only the fields the rules read; a large
collection is read whole only when every row serves a check, else XO's filter picks the rows a rule may flag
(one filtered request per check costs XO less than one superset serving several):

| collection | XO's filter | checks |
| --- | --- | --- |
| /vifs (MAC, VM) | none | duplicated MACs |
| /vm-snapshots | none | old and orphaned snapshots; the ids the MAC check leaves out |
| /vms | running without up-to-date tools; a 6th snapshot | guest tools; too many snapshots |
| /vdis, /vdi-snapshots | no VBD; a parent | orphan VDIs; unhealthy chains |
| /alarms | none | alarms |

Nothing is held whole: a check keeps a count and its first few findings (`Capped`); the MAC check keeps one VM
id per MAC, the chain check the parent of each VDI that has one. A part that fails makes its checks "could not
run" with XO's reason; the others still answer.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio
from pydantic import BaseModel, Field

from xo_mcp.arguments import XoId, object_id
from xo_mcp.client import XoClient, XoUser
from xo_mcp.coerce import JsonObject, as_count, as_dict, as_dicts, as_list, as_number, as_str
from xo_mcp.docs.results import DocLink
from xo_mcp.errors import XoForbidden, XoMcpError, XoNotFound
from xo_mcp.formatting import count_of, fmt_bytes, fmt_count, fmt_percent1, inline
from xo_mcp.state import AppState
from xo_mcp.tools import health_checks as rules
from xo_mcp.tools.alarms import ALARM_FIELDS, AlarmLine, named_alarm_lines, render_alarm
from xo_mcp.tools.base import Answer, NamedRef, Part, Parts, XoContext, app_state, gather, run_sync, tool, viewer_name
from xo_mcp.tools.health_checks import SHOWN, Capped, Finding
from xo_mcp.tools.inventory import HOST, POOL, VM
from xo_mcp.tools.objects import KINDS as OBJECT_KINDS
from xo_mcp.tools.rules import SR_CRITICAL_PERCENT, SR_WARNING_PERCENT, patches_not_checked, sr_is_writable
from xo_mcp.xo_filters import IDS_PER_FILTER, all_of, exactly, quoted

DOCS_TOPIC = "manage"
ALARMS_SHOWN = 3
"""Alarm lines are long: fewer of them are named."""
BACKUPS_WAIT_S = 10.0
"""XO computes its backup overview on demand (up to a minute on a large XO): the report does not wait longer."""
PATCH_QUERIES_AT_ONCE = 8
ONE_BY_ONE = 16
"""Up to this many objects are read by id, one GET each, rather than by a filter that makes XO scan."""

POOL_FIELDS = ("id", "name_label", "default_SR")
HOST_FIELDS = ("id", "name_label", "$pool", "power_state", "rebootRequired")
SR_FIELDS = ("id", "name_label", "$pool", "size", "physical_usage", "content_type", "shared", "SR_type", "$container")
ORPHAN_FIELDS = ("id", "name_label", "name_description", "$VBDs", "VDI_type", "size", "$SR")
ORPHAN_FILTER = '!$VBDs:"" VDI_type:|(system user ephemeral)'
"""VDIs without a VBD (`""` matches any VBD id) of the types the orphan rule counts (no other type contains
these words): the only ones it can flag, the rule deciding the rest."""
CHAIN_FIELDS = ("id", "parent", "$SR")
CHAIN_FILTER = "parent?"
SNAPSHOT_FIELDS = ("id", "name_label", "snapshot_time", "$snapshot_of", "other.xo:backup:schedule")
GUEST_TOOLS_FIELDS = (
    "id",
    "name_label",
    "power_state",
    "managementAgentDetected",
    "pvDriversDetected",
    "pvDriversUpToDate",
)
SNAPSHOT_COUNT_FIELDS = ("id", "name_label", "tags", "snapshots")
VIF_FIELDS = ("MAC", "$VM")
CONTROLLER_FIELDS = ("id", "name_label", "$pool", "$container", "$VBDs")
MAC_VM_FIELDS = ("id", "name_label", "$pool", "power_state", "blockedOperations")


@dataclass(frozen=True)
class CheckSpec:
    key: str
    title: str
    docs_words: str
    """The check's name as the documentation words it (XO 5 Health section), to find its section."""


CHECKS = (
    CheckSpec("storage_state", "Storage state", "Storage state"),
    CheckSpec("local_default_srs", "Local default SRs", "Local default SRs"),
    CheckSpec("pools_without_default_sr", "Pools with no default SR", "Pools with no default SR"),
    CheckSpec("unhealthy_vdis", "Unhealthy VDI chains", "Unhealthy VDIs"),
    CheckSpec("orphan_vdis", "Orphan VDIs", "Orphan VDIs"),
    CheckSpec("vdis_on_control_domain", "VDIs attached to a control domain", "VDIs attached to Control Domain"),
    CheckSpec("old_snapshots", "Old snapshots", "Old snapshots"),
    CheckSpec("orphaned_snapshots", "Orphaned VM snapshots", "Orphaned VM snapshot"),
    CheckSpec("too_many_snapshots", "VMs with too many snapshots", "Too many snapshots"),
    CheckSpec("duplicated_macs", "Duplicated MAC addresses", "Duplicated MAC addresses"),
    CheckSpec("guest_tools", "Guest tools", "Guest Tools status"),
    CheckSpec("alarms", "Alarms", "Alarms"),
    CheckSpec("hosts_needing_reboot", "Hosts needing a reboot", "Hosts needing a reboot"),
    CheckSpec("missing_patches", "Hosts with missing patches", "Available updates"),
)
SPECS = {spec.key: spec for spec in CHECKS}


class HealthCheck(BaseModel):
    check: str
    title: str
    count: int | None = Field(default=None, description="objects the check flags; absent when it could not run")
    items: list[Finding] = Field(default=[], description="the first of them, by name")
    more: int = Field(default=0, description="flagged objects not in items")
    summary: str | None = Field(default=None, description="the check's figures, e.g. how many objects it examined")
    list_all: str | None = Field(default=None, description="the call that lists every flagged object")
    reason: str | None = Field(default=None, description="why it could not run, or what it could not see")
    doc: DocLink | None = Field(default=None, description="the documentation section of the check")


class BackupOverview(BaseModel):
    """XO's own backup overview (/dashboard `backups`): jobs by outcome over 7 days, VMs by protection."""

    jobs: dict[str, int] | None = None
    vms: dict[str, int] | None = Field(default=None, description="protected, unprotected, notInJob")
    jobs_with_issues: list[str] = Field(default=[], description="jobs whose last 3 runs are not all successful")
    issues_total: int = 0
    no_job: bool = False
    stale: bool = Field(default=False, description="XO answered its cached value while recomputing (isExpired)")
    reason: str | None = Field(default=None, description="why the overview is unknown")


class HealthReport(Answer):
    pool: NamedRef | None = Field(default=None, description="the pool the report is limited to")
    checks: list[HealthCheck]
    backups: BackupOverview
    visible_to: str | None = Field(default=None, description="the non-admin XO user whose ACLs limit what is checked")

    def render(self) -> str:
        found = [c for c in self.checks if c.count]
        clear = [c for c in self.checks if c.count == 0 and c.reason is None]
        partial = [c for c in self.checks if c.count == 0 and c.reason is not None]
        unknown = [c for c in self.checks if c.count is None]
        where = f"pool {inline(self.pool.label)} (id {self.pool.id})" if self.pool else "all pools"
        lines = [
            f"Health of {where}, with XO 5's Health view rules: {count_of(len(found), 'check')} flag something, "
            f"{fmt_count(len(clear) + len(partial))} found nothing"
            + (f", {fmt_count(len(unknown))} could not run." if unknown else ".")
        ]
        if self.visible_to:
            lines.append(f"As visible to {inline(self.visible_to)}: XO lists only what this user's ACLs allow.")
        lines.extend(_found_line(check) for check in found)
        lines.extend(_partial_line(check) for check in partial)
        if clear:
            lines.append("Nothing found: " + ", ".join(_clear_text(check) for check in clear) + ".")
        lines.extend(f"{check.title}: could not run ({check.reason})." for check in unknown)
        lines.append(_backup_line(self.backups, limited_to_pool=self.pool is not None))
        return "\n".join(lines)


@tool(title="Health report", toolset="health")
async def get_health_report(ctx: XoContext, pool_id: Annotated[XoId | None, object_id(POOL)] = None) -> HealthReport:
    """Is anything wrong with my infrastructure? Every check of XO 5's Health view by XO's rules (full SRs,
    default SRs, VDI chains, orphan VDIs and snapshots, too many snapshots, duplicated MACs, guest tools,
    alarms), hosts needing a reboot or patches, and the backup overview: each with its count, first objects by
    name, how to list all, and a docs link.
    """
    state = app_state(ctx)
    client = state.client
    # The pools first, on their own: an unknown pool id, bad credentials or an unreachable XO is one clear
    # failure instead of a report where every check says the same.
    if pool_id is not None:
        pools = [await client.get_object(pool_id)]
    else:
        pools = await client.list_objects("pools", fields=POOL_FIELDS)
    return await _report(state, Scope(pool_id), pools, time.time())


@dataclass(frozen=True)
class Scope:
    """The optional pool every check is limited to (XO 5's pool filter, on `$pool`)."""

    pool_id: str | None

    def filter(self, rule: str | None = None) -> str | None:
        return all_of(f"$pool:{quoted(self.pool_id)}" if self.pool_id else None, rule)

    def fields(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """``names``, and `$pool` when the report is limited to a pool (to check each row's pool)."""
        return (*names, "$pool") if self.pool_id else names

    def keeps(self, obj: JsonObject) -> bool:
        return self.pool_id is None or obj.get("$pool") == self.pool_id

    def call(self, tool: str, rule: str | None = None, **arguments: str | int) -> str:
        """How to list a check's objects: a tool call, the pool's filter added when the tool takes one."""
        shown = [f"{name}={value!r}" for name, value in arguments.items()]
        if combined := self.filter(rule):
            shown.insert(0, f"filter={combined!r}")
        return f"{tool}({', '.join(shown)})"


# --- fetching ---------------------------------------------------------------------------------------------


@dataclass
class Streams:
    """What the passes over the large collections accumulate, check by check."""

    orphans: Capped[Finding] = field(default_factory=Capped)
    chains: rules.VdiChains = field(default_factory=rules.VdiChains)
    snapshots: rules.Snapshots | None = None
    too_many: Capped[Finding] = field(default_factory=Capped)
    guest_tools: Capped[Finding] = field(default_factory=Capped)
    guest_tools_kinds: Counter[str] = field(default_factory=Counter)
    macs: rules.MacAddresses = field(default_factory=rules.MacAddresses)


async def _report(state: AppState, scope: Scope, pools: list[JsonObject], now: float) -> HealthReport:
    client = state.client
    small = Parts()
    hosts = small.add("hosts", client.list_objects("hosts", fields=HOST_FIELDS, filter=scope.filter()))
    srs = small.add("SRs", client.list_objects("srs", fields=SR_FIELDS, filter=scope.filter()))
    schedules = small.add("schedules", client.list_objects("schedules", fields=["id", "enabled"]))
    controllers = small.add(
        "control domains",
        client.list_objects(
            "vm-controllers", fields=CONTROLLER_FIELDS, filter=scope.filter(), endpoint="/vm-controllers"
        ),
    )
    templates = small.add("templates", _ids(client, "vm-templates", scope))
    _, user = await gather(small.gather(), client.whoami())

    sr_map = {str(sr["id"]): sr for sr in srs.value or [] if scope.keeps(sr)}
    streams = Streams()
    streams.snapshots = _snapshot_accumulator(now, schedules, user)
    large = Parts()
    # One request per check and collection: XO picks the few rows each rule can flag, which costs it far less
    # than one superset serving several rules (/vms and /vdis are the largest collections after /vifs).
    orphans = [
        large.add(name, _orphan_pass(client, collection, scope, sr_map, streams.orphans))
        for name, collection in (("VDIs", "vdis"), ("VDI snapshots", "vdi-snapshots"))
    ]
    chains = [
        large.add(name, _chain_pass(client, collection, scope, sr_map, streams.chains))
        for name, collection in (("VDI chains", "vdis"), ("VDI snapshot chains", "vdi-snapshots"))
    ]
    vm_snapshots = large.add("VM snapshots", _snapshot_pass(client, scope, streams.snapshots))
    running_vms = large.add("running VMs", _guest_tools_pass(client, scope, streams))
    snapshotted_vms = large.add("VMs with snapshots", _too_many_pass(client, scope, streams))
    vifs = large.add("VIFs", _vif_pass(client, scope, streams.macs))
    alarms = large.add("alarms", _alarms(client, scope))
    dom0 = large.add("control domain disks", _dom0_vdis(client, controllers.value)) if controllers.ok else None
    patches = large.add("missing patches", _patches(client, hosts.value or [])) if hosts.ok else None
    _, backups, docs = await gather(large.gather(), _backups(client), _docs(state))

    # Second round, small: what the first round's findings need resolved.
    second = Parts()
    not_vms = (vm_snapshots.value or set()) | (templates.value or set()) | {c["id"] for c in controllers.value or []}
    mac_groups = streams.macs.candidate_groups(not_vms)
    owners = {vm for vms in mac_groups.values() for vm in vms}
    mac_vms = second.add("VMs of duplicated MACs", _objects_by_id(client, "vms", owners, fields=MAC_VM_FIELDS))
    chain_roots = second.add("VDI chains", _listed_roots(client, streams.chains.candidates(), sr_map))
    await second.gather()

    host_names = {str(h["id"]): as_str(h.get("name_label")) or str(h["id"]) for h in hosts.value or []}
    checks = Checks(scope, hosts, host_names, sr_map if srs.ok else None, srs.error, pools)
    results = [
        *checks.storage(),
        checks.unhealthy_vdis([*chains, chain_roots], streams.chains),
        checks.orphan_vdis(orphans, streams.orphans),
        checks.dom0_vdis(dom0, controllers),
        *checks.snapshots(vm_snapshots, schedules, streams.snapshots),
        *checks.vms(snapshotted_vms, running_vms, streams),
        checks.duplicated_macs(vifs, vm_snapshots, templates, mac_groups, mac_vms),
        checks.alarms(alarms),
        *checks.host_checks(patches),
    ]
    await _name_findings(client, results, sr_map, host_names)
    for result in results:
        result.doc = docs.get(result.check)
    pool = pools[0] if scope.pool_id and pools else None
    return HealthReport(
        pool=NamedRef(id=str(pool["id"]), name=as_str(pool.get("name_label"))) if pool else None,
        checks=results,
        backups=backups,
        visible_to=viewer_name(user),
    )


def _snapshot_accumulator(now: float, schedules: Part[list[JsonObject]], user: XoUser | None) -> rules.Snapshots:
    rows = schedules.value or []
    return rules.Snapshots(
        now_s=now,
        enabled_schedules={str(s["id"]) for s in rows if s.get("enabled") is True} if schedules.ok else None,
        readable_schedules={str(s["id"]) for s in rows},
        # An administrator reads every schedule: one missing is deleted, and XO calls its snapshots old. A
        # non-admin's list is filtered, so a schedule they cannot read says nothing (who is asking unknown:
        # XO's rule as is).
        judge_unreadable=user is None or user.is_admin,
    )


async def _ids(client: XoClient, collection: str, scope: Scope) -> set[str]:
    return {str(row["id"]) async for row in client.iter_objects(collection, fields=["id"], filter=scope.filter())}


async def _orphan_pass(
    client: XoClient, collection: str, scope: Scope, srs: dict[str, JsonObject], orphans: Capped[Finding]
) -> None:
    rows = client.iter_objects(collection, fields=scope.fields(ORPHAN_FIELDS), filter=scope.filter(ORPHAN_FILTER))
    async for vdi in rows:
        if scope.keeps(vdi) and rules.is_orphan_vdi(vdi, srs):
            size = as_number(vdi.get("size"))
            finding = Finding(
                id=str(vdi["id"]),
                name=as_str(vdi.get("name_label")),
                detail=fmt_bytes(size) or None,
                related=[str(vdi.get("$SR"))],  # its SR, named once the findings are known
            )
            orphans.add(finding, rank=-(size or 0.0))  # the largest first: the space to reclaim


async def _chain_pass(
    client: XoClient, collection: str, scope: Scope, srs: dict[str, JsonObject], chains: rules.VdiChains
) -> None:
    rows = client.iter_objects(collection, fields=scope.fields(CHAIN_FIELDS), filter=scope.filter(CHAIN_FILTER))
    async for vdi in rows:
        if scope.keeps(vdi):
            chains.add(vdi, snapshot=collection == "vdi-snapshots", srs=srs)


async def _snapshot_pass(client: XoClient, scope: Scope, snapshots: rules.Snapshots) -> set[str]:
    rows = client.iter_objects("vm-snapshots", fields=scope.fields(SNAPSHOT_FIELDS), filter=scope.filter())
    async for snapshot in rows:
        if scope.keeps(snapshot):
            snapshots.add(snapshot)
    return snapshots.ids


async def _guest_tools_pass(client: XoClient, scope: Scope, streams: Streams) -> None:
    fields, rule = scope.fields(GUEST_TOOLS_FIELDS), scope.filter(rules.GUEST_TOOLS_FILTER)
    async for vm in client.iter_objects("vms", fields=fields, filter=rule):
        if scope.keeps(vm) and (issue := rules.guest_tools_issue(vm)) is not None:
            streams.guest_tools.add(Finding(id=str(vm["id"]), name=as_str(vm.get("name_label")), detail=issue))
            streams.guest_tools_kinds[issue] += 1


async def _too_many_pass(client: XoClient, scope: Scope, streams: Streams) -> None:
    fields, rule = scope.fields(SNAPSHOT_COUNT_FIELDS), scope.filter(rules.TOO_MANY_SNAPSHOTS_FILTER)
    async for vm in client.iter_objects("vms", fields=fields, filter=rule):
        if scope.keeps(vm) and (count := rules.too_many_snapshots(vm)) is not None:
            finding = Finding(id=str(vm["id"]), name=as_str(vm.get("name_label")), detail=f"{count} snapshots")
            streams.too_many.add(finding, rank=-count)


async def _vif_pass(client: XoClient, scope: Scope, macs: rules.MacAddresses) -> None:
    async for vif in client.iter_objects("vifs", fields=scope.fields(VIF_FIELDS), filter=scope.filter()):
        if scope.keeps(vif):
            macs.add(vif)


async def _alarms(client: XoClient, scope: Scope) -> tuple[int, list[AlarmLine]]:
    """How many Health alarms, and the newest few with the objects they are on named."""
    kept: Capped[JsonObject] = Capped(ALARMS_SHOWN)
    async for alarm in client.iter_objects("alarms", fields=ALARM_FIELDS, filter=scope.filter()):
        if scope.keeps(alarm) and rules.is_health_alarm(alarm):
            kept.add(alarm, rank=-(as_number(alarm.get("time")) or 0.0))
    return kept.count, await named_alarm_lines(client, kept.kept)


async def _dom0_vdis(client: XoClient, controllers: list[JsonObject] | None) -> list[Finding]:
    """Every VDI behind a VBD of a control domain (looked up among VDIs, then VDI snapshots)."""
    host_of = {
        str(vbd): as_str(dom0.get("$container")) for dom0 in controllers or [] for vbd in as_list(dom0.get("$VBDs"))
    }
    if not host_of:
        return []
    vbds = await _objects_by_id(client, "vbds", host_of, fields=("id", "VDI"))
    vdi_of = {vbd_id: vdi for vbd_id, vbd in vbds.items() if (vdi := as_str(vbd.get("VDI")))}
    names = await _objects_by_id(client, "vdis", vdi_of.values(), fields=("id", "name_label"))
    missing = set(vdi_of.values()) - names.keys()
    if missing:
        names |= await _objects_by_id(client, "vdi-snapshots", missing, fields=("id", "name_label"))
    return [
        Finding(id=vdi, name=as_str(names[vdi].get("name_label")), related=[h] if (h := host_of[vbd_id]) else None)
        for vbd_id, vdi in vdi_of.items()
        if vdi in names
    ]


@dataclass
class HostPatches:
    """Per host: the names of its missing patches, or why they are unknown."""

    patches: dict[str, list[str]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


async def _patches(client: XoClient, hosts: list[JsonObject]) -> HostPatches:
    result = HostPatches()
    limiter = anyio.CapacityLimiter(PATCH_QUERIES_AT_ONCE)

    async def query(host_id: str) -> None:
        async with limiter:
            try:
                rows = await client.get_list(XoId(host_id, HOST), "missing_patches", endpoint="missing patches")
            except XoMcpError as exc:
                result.failures[host_id] = exc.message
                return
        result.patches[host_id] = [as_str(row.get("name")) or "?" for row in rows]

    async with anyio.create_task_group() as group:
        for host in hosts:
            group.start_soon(query, str(host["id"]))
    return result


async def _backups(client: XoClient) -> BackupOverview:
    """XO's backup overview from /dashboard, never failing: an overview XO cannot give says why."""
    found: dict[str, Any] | None = None
    try:
        with anyio.move_on_after(BACKUPS_WAIT_S):
            found = await client.dashboard_keys(frozenset({"backups"}))
    except XoForbidden:
        return BackupOverview(reason="XO's /dashboard is for administrators only")
    except XoNotFound:
        return BackupOverview(reason=_NO_DASHBOARD)
    except XoMcpError as exc:
        return BackupOverview(reason=exc.message)
    if found is None:
        return BackupOverview(reason=f"XO did not send its backup overview within {BACKUPS_WAIT_S:g} s")
    return _overview(found.get("backups"))


_NO_DASHBOARD = "this XO has no /dashboard endpoint (older than the REST route)"


def _overview(value: Any) -> BackupOverview:
    data = as_dict(value)
    if not data:
        return BackupOverview(reason="XO has not finished computing its backup overview")
    if data.get("error") is True:
        return BackupOverview(reason="XO failed to compute its backup overview")
    if data.get("isEmpty") is True:
        return BackupOverview(no_job=True)
    jobs = {key: n for key, raw in as_dict(data.get("jobs")).items() if (n := as_count(raw)) is not None}
    vms = {key: n for key, raw in as_dict(data.get("vmsProtection")).items() if (n := as_count(raw)) is not None}
    if not jobs:
        return BackupOverview(reason="XO's backup overview has an unknown shape")
    issues = [str(issue.get("name") or issue.get("uuid") or "?") for issue in as_dicts(data.get("issues"))]
    return BackupOverview(
        jobs=jobs,
        vms=vms or None,
        jobs_with_issues=issues[:SHOWN],
        issues_total=len(issues),
        stale=data.get("isExpired") is True,
    )


async def _objects_by_id(
    client: XoClient, collection: str, ids: Iterable[str], *, fields: tuple[str, ...]
) -> dict[str, JsonObject]:
    """The objects of ``collection`` with these ids that XO has and the user may read.

    A few ids are read one GET each (XO finds an object by id at once); more, IDS_PER_FILTER ids a filtered
    request (XO scans the collection; `limit` stops it once every id is found).
    """
    wanted = sorted(set(ids))
    if len(wanted) <= ONE_BY_ONE:
        return await _each_by_id(client, collection, wanted)
    found: dict[str, JsonObject] = {}
    for start in range(0, len(wanted), IDS_PER_FILTER):
        chunk = wanted[start : start + IDS_PER_FILTER]
        rows = await client.list_objects(collection, fields=fields, filter=exactly("id", chunk), limit=len(chunk))
        found.update((str(row["id"]), row) for row in rows)
    return found


async def _each_by_id(client: XoClient, collection: str, ids: list[str]) -> dict[str, JsonObject]:
    kind = VM if collection == "vms" else OBJECT_KINDS[collection].object_kind
    found: dict[str, JsonObject] = {}

    async def read(object_id: str) -> None:
        try:
            found[object_id] = await client.get_object(XoId(object_id, kind))
        except (XoNotFound, XoForbidden):
            return  # gone, of another type, or not readable by this user: as absent from a filtered list

    async with anyio.create_task_group() as group:
        for object_id in ids:
            group.start_soon(read, object_id)
    return found


async def _listed_roots(client: XoClient, candidates: list[str], srs: dict[str, JsonObject]) -> dict[str, str | None]:
    """Which chain candidates the REST API lists: id -> its SR when a VDI on a writable SR (a leaf XO walks
    from), None when a VDI snapshot."""
    if not candidates:
        return {}
    vdis, snapshots = await gather(
        _objects_by_id(client, "vdis", candidates, fields=("id", "$SR")),
        _objects_by_id(client, "vdi-snapshots", candidates, fields=("id",)),
    )
    roots: dict[str, str | None] = dict.fromkeys(snapshots)
    for vdi_id, vdi in vdis.items():
        sr_id = as_str(vdi.get("$SR")) or ""
        writable = (sr := srs.get(sr_id)) is not None and sr_is_writable(sr)
        roots[vdi_id] = sr_id if writable else None
    return roots


async def _docs(state: AppState) -> dict[str, DocLink]:
    return await run_sync(_doc_links, state)


def _doc_links(state: AppState) -> dict[str, DocLink]:
    """Each check's documentation section, found by the index from the check's own name (never a URL table)."""
    links = {}
    for spec in CHECKS:
        link = state.docs.explain(spec.docs_words, topic=DOCS_TOPIC)
        if link is not None:
            links[spec.key] = link
    return links


# --- checks ------------------------------------------------------------------------------------------------


@dataclass
class Checks:
    """Turns what was fetched into each check's result, or the reason it could not run."""

    scope: Scope
    hosts: Part[list[JsonObject]]
    host_names: dict[str, str]
    srs: dict[str, JsonObject] | None
    srs_error: str | None
    pools: list[JsonObject]

    def storage(self) -> list[HealthCheck]:
        if self.srs is None:
            reason = str(self._srs_reason())
            keys = ("storage_state", "local_default_srs")
            return [*(_unknown(k, reason) for k in keys), self._no_default_sr()]
        rows = rules.storage_state(self.srs.values())
        flagged = [row for row in rows if row.level != "ok"]
        critical = sum(row.level == "critical" for row in flagged)
        storage = _result(
            "storage_state",
            [
                Finding(
                    id=row.id,
                    name=row.name,
                    detail=f"{fmt_percent1(row.percent)}, {fmt_bytes(row.used)} of {fmt_bytes(row.size)}",
                    related=[row.host_id] if row.host_id else None,
                )
                for row in flagged
            ],
            count=len(flagged),
            summary=_levels(critical, len(flagged) - critical) + f", of {count_of(len(rows), 'SR')} checked",
            clear=f"{count_of(len(rows), 'SR')} below {SR_WARNING_PERCENT:g}%",
            list_all=self.scope.call("list_srs"),
        )
        return [storage, self._local_default_srs(self.srs), self._no_default_sr()]

    def _srs_reason(self) -> str | None:
        return None if self.srs is not None else f"SRs unavailable: {self.srs_error}"

    def _local_default_srs(self, srs: dict[str, JsonObject]) -> HealthCheck:
        if not self.hosts.ok:
            return _unknown("local_default_srs", f"hosts unavailable: {self.hosts.error}")
        per_pool = Counter(str(host.get("$pool")) for host in self.hosts.value or [])
        found = rules.local_default_srs(self.pools, srs, per_pool)
        return _result(
            "local_default_srs",
            [
                Finding(
                    id=str(pool["id"]),
                    name=as_str(pool.get("name_label")),
                    detail=f"default SR {sr_name(sr, self.host_names)}",
                )
                for pool, sr in found
            ],
            list_all="list_pools(fields='name_label,default_SR')",
        )

    def _no_default_sr(self) -> HealthCheck:
        found = rules.pools_without_default_sr(self.pools)
        return _result(
            "pools_without_default_sr",
            [Finding(id=str(pool["id"]), name=as_str(pool.get("name_label"))) for pool in found],
            list_all="list_pools(fields='name_label,default_SR')",
        )

    def unhealthy_vdis(self, parts: list[Part[Any]], chains: rules.VdiChains) -> HealthCheck:
        reason = self._srs_reason() or _first_error(*parts)
        if reason is not None:
            return _unknown("unhealthy_vdis", reason)
        roots: dict[str, str | None] = parts[-1].value or {}
        lengths, unseen = chains.unhealthy(roots)
        shown = Capped[Finding]()
        for vdi_id, length in lengths.items():
            shown.add(Finding(id=vdi_id, detail=f"{length} to coalesce"), rank=-length)
        result = _from_capped("unhealthy_vdis", shown, list_all="XO 5's Health view (Unhealthy VDIs)")
        if unseen:
            result.reason = (
                f"{count_of(unseen, 'VDI')} chain into base copies the REST API does not list: XO 5's Health "
                "view (Unhealthy VDIs) checks those"
            )
        return result

    def orphan_vdis(self, parts: list[Part[None]], orphans: Capped[Finding]) -> HealthCheck:
        reason = self._srs_reason() or _first_error(*parts)
        if reason is not None:
            return _unknown("orphan_vdis", reason)
        listing = f"{self.scope.call('list_objects', ORPHAN_FILTER, kind='vdis')} and kind='vdi-snapshots'"
        return _from_capped("orphan_vdis", orphans, list_all=listing)

    def dom0_vdis(self, found: Part[list[Finding]] | None, controllers: Part[list[JsonObject]]) -> HealthCheck:
        reason = _first_error(controllers, found)
        if reason is not None:
            return _unknown("vdis_on_control_domain", reason)
        return _result(
            "vdis_on_control_domain",
            found.value or [] if found else [],
            list_all=self.scope.call("list_objects", kind="vm-controllers", fields="name_label,$VBDs"),
        )

    def snapshots(
        self, pass_: Part[set[str]], schedules: Part[list[JsonObject]], found: rules.Snapshots | None
    ) -> list[HealthCheck]:
        reason = _first_error(pass_)
        if reason is not None or found is None:
            reason = reason or "not fetched"
            return [_unknown("old_snapshots", reason), _unknown("orphaned_snapshots", reason)]
        if schedules.ok:
            old = _from_capped("old_snapshots", found.old, list_all="list_snapshots(older_than_days=30)")
            old.summary = f"at least {rules.OLD_SNAPSHOT_DAYS} days old, kept by no enabled backup schedule"
            if found.not_judged:
                old.reason = (
                    f"{count_of(found.not_judged, ('more ' if found.old.count else '') + 'old snapshot')} belong to "
                    "backup schedules this user cannot read: not judged"
                )
        else:
            old = _unknown("old_snapshots", f"schedules unavailable: {schedules.error}")
        orphaned = _from_capped(
            "orphaned_snapshots",
            found.orphaned,
            list_all=self.scope.call("list_objects", "!$snapshot_of?", kind="vm-snapshots"),
        )
        return [old, orphaned]

    def vms(self, snapshotted: Part[None], running: Part[None], streams: Streams) -> list[HealthCheck]:
        if (reason := _first_error(snapshotted)) is not None:
            too_many = _unknown("too_many_snapshots", reason)
        else:
            listing = self.scope.call("list_vms", rules.TOO_MANY_SNAPSHOTS_FILTER)
            too_many = _from_capped("too_many_snapshots", streams.too_many, list_all=listing)
        if (reason := _first_error(running)) is not None:
            return [too_many, _unknown("guest_tools", reason)]
        tools = _from_capped(
            "guest_tools", streams.guest_tools, list_all=self.scope.call("list_vms", rules.GUEST_TOOLS_FILTER)
        )
        kinds = streams.guest_tools_kinds
        if kinds:
            tools.summary = "running VMs: " + ", ".join(
                f"{fmt_count(kinds[kind])} {kind}" for kind in ("no tools", "agent missing", "outdated") if kinds[kind]
            )
        return [too_many, tools]

    def duplicated_macs(
        self,
        vifs: Part[None],
        snapshots: Part[set[str]],
        templates: Part[set[str]],
        groups: dict[str, list[str]],
        vms: Part[dict[str, JsonObject]],
    ) -> HealthCheck:
        # Snapshots' and templates' VIFs copy their VM's MAC: without their ids the groups cannot be told apart.
        reason = _first_error(vifs, snapshots, templates, vms)
        if reason is not None:
            return _unknown("duplicated_macs", reason)
        known = vms.value or {}
        duplicated, on_running = rules.duplicated_macs(groups, known)
        ordered = sorted(duplicated, key=lambda mac: (mac not in on_running, mac))
        findings = [
            Finding(id=mac, name=mac, detail=_mac_detail(duplicated[mac], known), related=sorted(set(duplicated[mac])))
            for mac in ordered
        ]
        result = _result(
            "duplicated_macs",
            findings,
            list_all=self.scope.call("list_objects", "MAC:<address>", kind="vifs"),
        )
        if duplicated:
            result.summary = f"{fmt_count(len(on_running))} on more than one running VM"
        return result

    def alarms(self, alarms: Part[tuple[int, list[AlarmLine]]]) -> HealthCheck:
        if alarms.value is None:
            return _unknown("alarms", _first_error(alarms) or "not fetched")
        total, newest = alarms.value
        findings = [Finding(id=line.object_id or line.name, name=render_alarm(line)) for line in newest]
        result = _result("alarms", findings, count=total, list_all=self.scope.call("list_alarms"))
        if total:
            result.summary = "newest first"
        return result

    def host_checks(self, patches: Part[HostPatches] | None) -> list[HealthCheck]:
        if not self.hosts.ok:
            reason = f"hosts unavailable: {self.hosts.error}"
            return [_unknown("hosts_needing_reboot", reason), _unknown("missing_patches", reason)]
        hosts = [host for host in self.hosts.value or [] if self.scope.keeps(host)]
        reboot = _result(
            "hosts_needing_reboot",
            [Finding(id=str(h["id"]), name=as_str(h.get("name_label"))) for h in hosts if h.get("rebootRequired")],
            list_all=self.scope.call("list_hosts", "rebootRequired?"),
        )
        return [reboot, _missing_patches(hosts, patches)]


def _missing_patches(hosts: list[JsonObject], part: Part[HostPatches] | None) -> HealthCheck:
    if part is None or part.value is None:
        return _unknown("missing_patches", (part.error if part else None) or "hosts unavailable")
    found = part.value
    failed = [host for host in hosts if str(host["id"]) in found.failures]
    if hosts and len(failed) == len(hosts) and len(set(found.failures.values())) == 1:
        # One reason for every host (most often the XOA plan, or a missing route): said once, as XO words it.
        return _unknown("missing_patches", next(iter(found.failures.values())))
    flagged = [
        Finding(
            id=str(host["id"]), name=as_str(host.get("name_label")), detail=count_of(len(patches), "patch", "patches")
        )
        for host in hosts
        if (patches := found.patches.get(str(host["id"])))
    ]
    result = _result("missing_patches", flagged, list_all="get_host_details(host_id) names a host's patches")
    halted = [
        host
        for host in hosts
        if str(host["id"]) in found.patches and patches_not_checked(host, found.patches[str(host["id"])])
    ]
    notes = []
    if halted:
        names = ", ".join(inline(as_str(h.get("name_label")) or str(h["id"])) for h in halted[:SHOWN])
        notes.append(
            f"{count_of(len(halted), 'host')} not checked (XO cannot query a host that is not running): {names}"
            + (f" (+{len(halted) - SHOWN})" if len(halted) > SHOWN else "")
        )
    if failed:
        reason = next(iter(found.failures[str(h["id"])] for h in failed))
        notes.append(f"{count_of(len(failed), 'host')} not checked ({reason})")
    result.reason = "; ".join(notes) or None
    return result


async def _name_findings(
    client: XoClient, checks: list[HealthCheck], srs: dict[str, JsonObject], host_names: dict[str, str]
) -> None:
    """Names for what the findings only know by id: SRs and hosts from what was fetched, VDIs by one request
    (a name that cannot be read keeps its id)."""
    by_key = {check.check: check for check in checks}
    for finding in by_key["storage_state"].items:
        sr = srs.get(finding.id)
        if sr is not None:
            finding.name = sr_name(sr, host_names)
    for finding in by_key["orphan_vdis"].items:
        sr = srs.get((finding.related or [""])[0])
        if sr is not None:
            finding.detail = " on ".join(part for part in (finding.detail, sr_name(sr, host_names)) if part)
    for finding in by_key["vdis_on_control_domain"].items:
        if finding.related:
            host = finding.related[0]
            finding.detail = f"on the control domain of {inline(host_names.get(host, host))}"
    try:
        await _name_vdis(client, by_key["unhealthy_vdis"].items)
    except XoMcpError:
        return  # names are a nicety: ids stay


async def _name_vdis(client: XoClient, findings: list[Finding]) -> None:
    if not findings:
        return
    ids = [f.id for f in findings]
    rows = await _objects_by_id(client, "vdis", ids, fields=("id", "name_label"))
    for finding in findings:
        finding.name = as_str(rows.get(finding.id, {}).get("name_label"))


def _mac_detail(owners: list[str], vms: dict[str, JsonObject]) -> str:
    counts = Counter(owners)
    parts = []
    for vm_id in dict.fromkeys(owners):
        vm = vms[vm_id]
        name = inline(as_str(vm.get("name_label")) or vm_id)
        twice = f" ×{counts[vm_id]}" if counts[vm_id] > 1 else ""
        parts.append(f"{name}{twice} ({str(vm.get('power_state') or '?').lower()})")
    return "on " + ", ".join(parts)


def sr_name(sr: JsonObject, host_names: dict[str, str] | None = None) -> str:
    """An SR's name; a local SR also names its host (local SRs often share a name)."""
    name = inline(as_str(sr.get("name_label")) or str(sr.get("id")))
    host = as_str(sr.get("$container")) if sr.get("shared") is False else None
    if host and host_names and host in host_names:
        return f"{name} ({inline(host_names[host])})"
    return name


# --- results and text --------------------------------------------------------------------------------------


def _unknown(key: str, reason: str) -> HealthCheck:
    return HealthCheck(check=key, title=SPECS[key].title, count=None, reason=reason)


def _result(
    key: str,
    findings: list[Finding],
    *,
    count: int | None = None,
    summary: str | None = None,
    clear: str | None = None,
    list_all: str | None = None,
) -> HealthCheck:
    total = len(findings) if count is None else count
    shown = findings[:SHOWN]
    return HealthCheck(
        check=key,
        title=SPECS[key].title,
        count=total,
        items=shown,
        more=total - len(shown),
        summary=summary if total else clear,
        list_all=list_all,
    )


def _from_capped(key: str, capped: Capped[Finding], *, list_all: str | None = None) -> HealthCheck:
    return _result(key, capped.kept, count=capped.count, list_all=list_all)


def _first_error(*parts: Part[Any] | None) -> str | None:
    return next((part.note for part in parts if part is not None and part.note is not None), None)


def _found_line(check: HealthCheck) -> str:
    head = f"{check.title}: {fmt_count(check.count or 0)}"
    if check.summary:
        head += f" ({check.summary})"
    shown = "; ".join(_finding_text(finding) for finding in check.items)
    line = f"{head} — {shown}" if shown else head
    if check.more:
        line += f"; +{fmt_count(check.more)} more" + (f": {check.list_all}" if check.list_all else "")
    if check.reason:
        line += f". {check.reason[:1].upper()}{check.reason[1:]}"
    line += "."
    if check.doc is not None:
        line += f" Docs: {check.doc.url}"
    return line


def _partial_line(check: HealthCheck) -> str:
    line = f"{check.title}: none found; {check.reason}."
    return line + (f" Docs: {check.doc.url}" if check.doc is not None else "")


def _finding_text(finding: Finding) -> str:
    name = inline(finding.label)
    return f"{name} ({inline(finding.detail)})" if finding.detail else name


def _levels(critical: int, warning: int) -> str:
    levels = [
        f"{critical} over {SR_CRITICAL_PERCENT:g}%" if critical else "",
        f"{warning} from {SR_WARNING_PERCENT:g} to {SR_CRITICAL_PERCENT:g}%" if warning else "",
    ]
    return ", ".join(level for level in levels if level)


def _clear_text(check: HealthCheck) -> str:
    # "Orphan VDIs" -> "orphan VDIs", but "VMs with…" keeps its acronym.
    title = check.title[:1].lower() + check.title[1:] if check.title[1:2].islower() else check.title
    return f"{title} ({check.summary})" if check.summary else title


def _backup_line(overview: BackupOverview, *, limited_to_pool: bool) -> str:
    if overview.reason is not None:
        return f"Backups: unknown ({overview.reason}); get_backup_status reads the jobs and their runs."
    if overview.no_job:
        return "Backups: XO has no backup job."
    jobs = overview.jobs or {}
    outcome = ", ".join(
        f"{fmt_count(jobs[key])} {label}"
        for key, label in (
            ("failed", "failed"),
            ("skipped", "skipped"),
            ("noRecentRun", "with no run in 7 days"),
            ("disabled", "disabled"),
            ("successful", "successful"),
        )
        if jobs.get(key)
    )
    scope = "whole XO" + (", not only this pool" if limited_to_pool else "")
    stale = ", XO's cached value (isExpired)" if overview.stale else ""
    line = f"Backups (XO's overview, {scope}{stale}): {count_of(jobs.get('total', 0), 'job')}" + (
        f" — {outcome}" if outcome else ""
    )
    if overview.vms:
        vms = overview.vms
        line += (
            f"; VMs: {fmt_count(vms.get('protected', 0))} protected, {fmt_count(vms.get('unprotected', 0))} "
            f"unprotected, {fmt_count(vms.get('notInJob', 0))} in no job"
        )
    if overview.issues_total:
        names = ", ".join(inline(name) for name in overview.jobs_with_issues)
        more = overview.issues_total - len(overview.jobs_with_issues)
        line += f"; recent runs not all successful: {names}" + (f" (+{more})" if more > 0 else "")
    return line + ". get_backup_status for details."


TOOLS = (get_health_report,)
