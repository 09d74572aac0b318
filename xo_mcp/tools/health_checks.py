"""The checks of XO 5's Health view as XO's own code applies them (CONTRACT-2 §6 and §7), over the rows the REST
API streams: no I/O here, only rules and the small accumulators that let a check run over 100 000 objects
holding only what it reports.

Each accumulator takes rows one by one (`add`) and keeps a count and the first few findings (`Capped`);
`tools/health.py` fetches the rows, feeds them and words the answer.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from xo_mcp.coerce import JsonObject, as_dict, as_list, as_number, as_str
from xo_mcp.formatting import fmt_age
from xo_mcp.tools.rules import SrLevel, sr_is_writable, sr_level, sr_usage_percent

T = TypeVar("T")

SHOWN = 5
"""Findings named per check; the count is always exact."""
OLD_SNAPSHOT_DAYS = 30
"""XO 5's Health view: a snapshot at least this old, not kept by an enabled backup schedule, is old."""
SNAPSHOTS_LIMIT = 5
"""More snapshots than this on one VM is too many (XO's code; the docs' prose says 3)."""
ALARM_NAMES = frozenset({"ALARM", "BOND_STATUS_CHANGED", "MULTIPATH_PERIODIC_ALERT"})
"""Messages XO 5's Health view counts as alarms, by exact name (/alarms matches them as substrings)."""
ORPHAN_VDI_TYPES = frozenset({"system", "user", "ephemeral"})
PVS_CACHE = "PVS cache VDI"
CONTINUOUS_REPLICATION_TAG = "Continuous Replication"
DAY_S = 86_400


class Finding(BaseModel):
    """One object a check flags: its id for follow-up calls, its name for the text, what is wrong."""

    id: str
    name: str | None = None
    detail: str | None = None
    related: list[str] | None = Field(default=None, description="ids of the objects involved (VMs of a MAC…)")

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass
class Capped(Generic[T]):
    """Everything a check flags is counted; only the ``size`` first (lowest ``rank``, else stream order) are kept."""

    size: int = SHOWN
    count: int = 0
    _heap: list[tuple[float, int, T]] = field(default_factory=list)
    _order: itertools.count[int] = field(default_factory=itertools.count)

    def add(self, item: T, rank: float | None = None) -> None:
        self.count += 1
        order = next(self._order)
        # A max-heap on (rank, order) through negation: the worst kept entry is popped first.
        entry = (-(rank if rank is not None else order), -order, item)
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, entry)
        elif entry > self._heap[0]:
            heapq.heapreplace(self._heap, entry)

    @property
    def kept(self) -> list[T]:
        return [item for _, _, item in sorted(self._heap, key=lambda entry: (-entry[0], -entry[1]))]


# Storage and pools (§6: Storage state, Local default SRs, No default SR) ------------------------------


@dataclass(frozen=True)
class SrUsage:
    id: str
    name: str
    percent: float
    level: SrLevel
    used: float
    size: float
    shared: bool
    host_id: str | None


def storage_state(srs: Iterable[JsonObject]) -> list[SrUsage]:
    """Storage state: SRs that are not ISO libraries and have a size, usage = physical_usage / size, fullest
    first; `level` is XO's meter (warning from 80 %, critical over 90 %, `tools/rules.py`)."""
    rows = []
    for sr in srs:
        percent = sr_usage_percent(sr)
        if not sr_is_writable(sr) or percent is None:
            continue
        rows.append(
            SrUsage(
                id=str(sr.get("id")),
                name=as_str(sr.get("name_label")) or str(sr.get("id")),
                percent=percent,
                level=sr_level(percent),
                used=as_number(sr.get("physical_usage")) or 0.0,
                size=as_number(sr.get("size")) or 0.0,
                shared=sr.get("shared") is True,
                host_id=None if sr.get("shared") is True else as_str(sr.get("$container")),
            )
        )
    return sorted(rows, key=lambda row: row.percent, reverse=True)


def local_default_srs(
    pools: Iterable[JsonObject], srs: dict[str, JsonObject], hosts_per_pool: Counter[str]
) -> list[tuple[JsonObject, JsonObject]]:
    """Local default SRs: pools whose `default_SR` is a storage SR (not ISO, sized) with `shared == false`, in a
    pool of more than one host. Returns (pool, SR) pairs."""
    found = []
    for pool in pools:
        sr = srs.get(as_str(pool.get("default_SR")) or "")
        if sr is not None and sr_is_writable(sr) and sr.get("shared") is False and hosts_per_pool[pool["id"]] > 1:
            found.append((pool, sr))
    return found


def pools_without_default_sr(pools: Iterable[JsonObject]) -> list[JsonObject]:
    """No default SR: pools without `default_SR`."""
    return [pool for pool in pools if not pool.get("default_SR")]


# VDIs (§6: Orphan VDIs, Unhealthy VDIs) --------------------------------------------------------------


def is_orphan_vdi(vdi: JsonObject, srs: dict[str, JsonObject]) -> bool:
    """Orphan VDIs (VDIs and VDI snapshots): no VBD, type system/user/ephemeral, size not 0, not named `PVS cache
    VDI` in both name and description, on an SR that exists, is no ISO SR, and is no udev SR unless of size 0."""
    if as_list(vdi.get("$VBDs")) or vdi.get("VDI_type") not in ORPHAN_VDI_TYPES or vdi.get("size") == 0:
        return False
    if vdi.get("name_label") == PVS_CACHE and vdi.get("name_description") == PVS_CACHE:
        return False
    sr = srs.get(as_str(vdi.get("$SR")) or "")
    if sr is None or sr.get("SR_type") == "iso":
        return False
    return sr.get("SR_type") != "udev" or sr.get("size") == 0


@dataclass
class VdiChains:
    """Unhealthy VDI chains as far as the REST API shows them.

    XO (JSON-RPC `sr.getAllUnhealthyVdiChainsLength`) walks, per writable SR, from each managed non-snapshot VDI
    up its `vhd-parent` chain and counts the nodes that have exactly one child. The REST API lists VDIs and VDI
    snapshots with their `parent`, but not the base copies most chains run through: here a chain is walked
    through listed VDIs only, a node counts when it is listed and exactly one listed VDI names it as parent, and
    a walk that reaches an unlisted parent is counted as `unseen` (XO may judge that part otherwise).
    """

    parent_of: dict[str, str] = field(default_factory=dict)
    """Listed VDIs and VDI snapshots that have a parent."""
    children: Counter[str] = field(default_factory=Counter)
    leaves: dict[str, str] = field(default_factory=dict)
    """Managed non-snapshot VDIs (from /vdis) with a parent, on a writable SR: id -> SR id."""

    def add(self, vdi: JsonObject, *, snapshot: bool, srs: dict[str, JsonObject]) -> None:
        parent = as_str(vdi.get("parent"))
        if parent is None:
            return
        vdi_id = str(vdi.get("id"))
        self.parent_of[vdi_id] = parent
        self.children[parent] += 1
        sr_id = as_str(vdi.get("$SR")) or ""
        if not snapshot and (sr := srs.get(sr_id)) is not None and sr_is_writable(sr):
            self.leaves[vdi_id] = sr_id

    def candidates(self) -> list[str]:
        """Parents with exactly one listed child and no parent of their own in the listing: whether each is a
        listed VDI (a node that counts) or a base copy the REST API hides needs one lookup."""
        return sorted(p for p, n in self.children.items() if n == 1 and p not in self.parent_of)

    def unhealthy(self, listed_roots: dict[str, str | None]) -> tuple[dict[str, int], int]:
        """{VDI id: nodes waiting to coalesce in its chain} for the chains XO would list, and how many managed
        VDIs' chains reach a parent the REST API does not list. ``listed_roots``: candidates found listed, each
        with its SR when it is a managed non-snapshot VDI on a writable SR (it is then a leaf itself), else None."""
        leaves = dict(self.leaves)
        leaves.update((root, sr) for root, sr in listed_roots.items() if sr is not None)
        lengths: dict[str, int] = {}
        unseen = 0
        for leaf in leaves:
            length, reached_unlisted = self._walk(leaf, listed_roots)
            if length:
                lengths[leaf] = length
            unseen += reached_unlisted
        return lengths, unseen

    def _walk(self, start: str, listed_roots: dict[str, str | None]) -> tuple[int, bool]:
        length, node, seen = 0, start, set()
        while node not in seen:
            seen.add(node)
            listed = node in self.parent_of or node in listed_roots
            if not listed:
                return length, True
            if self.children.get(node) == 1:
                length += 1
            parent = self.parent_of.get(node)
            if parent is None:
                return length, False
            node = parent
        return length, False  # a loop in the chain: XO's walk would stop too


# VM snapshots (§6: Old snapshots, Orphaned VM snapshots) ------------------------------------------------


@dataclass
class Snapshots:
    """One pass over /vm-snapshots for two checks, and the snapshot ids the MAC check must leave out."""

    now_s: float
    enabled_schedules: set[str] | None
    """Ids of the enabled schedules, None when the schedules could not be read."""
    readable_schedules: set[str]
    judge_unreadable: bool
    """False for a non-admin, who sees only some schedules: a snapshot whose schedule is not among them is
    counted apart, not judged old."""
    old: Capped[Finding] = field(default_factory=Capped)
    not_judged: int = 0
    orphaned: Capped[Finding] = field(default_factory=Capped)
    ids: set[str] = field(default_factory=set)

    def add(self, snapshot: JsonObject) -> None:
        snapshot_id = str(snapshot.get("id"))
        self.ids.add(snapshot_id)
        name = as_str(snapshot.get("name_label"))
        taken = as_number(snapshot.get("snapshot_time"))
        if not snapshot.get("$snapshot_of"):
            self.orphaned.add(Finding(id=snapshot_id, name=name, detail=self._age(taken)))
        if self.enabled_schedules is None or taken is None or taken > self.now_s - OLD_SNAPSHOT_DAYS * DAY_S:
            return
        schedule = as_str(as_dict(snapshot.get("other")).get("xo:backup:schedule"))
        if schedule is not None and schedule in self.enabled_schedules:
            return  # kept by an enabled backup schedule
        if schedule is not None and schedule not in self.readable_schedules and not self.judge_unreadable:
            self.not_judged += 1
            return
        self.old.add(Finding(id=snapshot_id, name=name, detail=self._age(taken)), rank=taken)

    def _age(self, taken: float | None) -> str | None:
        if taken is None:
            return None
        return fmt_age(datetime.fromtimestamp(taken, UTC), datetime.fromtimestamp(self.now_s, UTC))


# VMs (§6: Too many snapshots, Guest tools) ----------------------------------------------------------------


GUEST_TOOLS_FILTER = "power_state:Running |(!managementAgentDetected? !pvDriversUpToDate?)"
"""The VMs the guest tools rule can flag, picked by XO (CONTRACT §9: truthy `?`); the rule decides."""
TOO_MANY_SNAPSHOTS_FILTER = f"snapshots:{SNAPSHOTS_LIMIT}?"
"""VMs with a (SNAPSHOTS_LIMIT + 1)th snapshot, i.e. more than SNAPSHOTS_LIMIT (CONTRACT §9: array indexes)."""


def guest_tools_issue(vm: JsonObject) -> str | None:
    """Guest tools: a running VM without the management agent or with drivers not up to date (absent fields
    count as false); `no tools` without PV drivers, else `agent missing`, else `outdated`."""
    if vm.get("power_state") != "Running":
        return None
    if vm.get("managementAgentDetected") and vm.get("pvDriversUpToDate"):
        return None
    if not vm.get("pvDriversDetected"):
        return "no tools"
    if not vm.get("managementAgentDetected"):
        return "agent missing"
    return "outdated"


def too_many_snapshots(vm: JsonObject) -> int | None:
    """Too many snapshots: the VM's snapshot count when over the limit and the VM is not tagged `Continuous
    Replication` (an exact tag), else None."""
    count = len(as_list(vm.get("snapshots")))
    tags = as_list(vm.get("tags"))
    return count if count > SNAPSHOTS_LIMIT and CONTINUOUS_REPLICATION_TAG not in tags else None


# Network (§6: Duplicated MAC addresses) -------------------------------------------------------------------


@dataclass
class MacAddresses:
    """VIFs grouped by their exact MAC, holding one VM id per MAC plus the VMs of MACs seen more than once.

    XO groups the VIFs of `VM`s (not snapshots or templates, whose VIFs copy their VM's MACs), leaving out VMs
    whose `start` and `start_on` are both blocked; a group of more than one VIF (the same VM may count twice)
    is a duplicate, and XO's filter keeps those with more than one VIF on running VMs.
    """

    first: dict[str, str] = field(default_factory=dict)
    more: dict[str, list[str]] = field(default_factory=dict)

    def add(self, vif: JsonObject) -> None:
        mac, vm = vif.get("MAC"), as_str(vif.get("$VM"))
        if not isinstance(mac, str) or vm is None:
            return
        if mac in self.first:
            self.more.setdefault(mac, []).append(vm)
        else:
            self.first[mac] = vm

    def candidate_groups(self, not_vms: set[str]) -> dict[str, list[str]]:
        """MAC -> VM ids of its VIFs (one per VIF), for MACs on more than one VIF once non-VM owners are left out."""
        groups = {}
        for mac, others in self.more.items():
            owners = [vm for vm in (self.first[mac], *others) if vm not in not_vms]
            if len(owners) > 1:
                groups[mac] = owners
        return groups


def duplicated_macs(
    groups: dict[str, list[str]], vms: dict[str, JsonObject]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The duplicated MACs (MAC -> VM ids, one per VIF) among VIFs of existing `VM`s that can start, and those of
    them with more than one VIF on running VMs."""
    duplicated: dict[str, list[str]] = {}
    on_running: dict[str, list[str]] = {}
    for mac, owners in groups.items():
        kept = [vm for vm in owners if vm in vms and not _start_blocked(vms[vm])]
        if len(kept) > 1:
            duplicated[mac] = kept
            if sum(vms[vm].get("power_state") == "Running" for vm in kept) > 1:
                on_running[mac] = kept
    return duplicated, on_running


def _start_blocked(vm: JsonObject) -> bool:
    blocked = as_dict(vm.get("blockedOperations"))
    return "start" in blocked and "start_on" in blocked


# Alarms (§6) and hosts (§7) ---------------------------------------------------------------------------------


def is_health_alarm(alarm: JsonObject) -> bool:
    """Alarms: XAPI messages named exactly ALARM, BOND_STATUS_CHANGED or MULTIPATH_PERIODIC_ALERT."""
    return alarm.get("name") in ALARM_NAMES
