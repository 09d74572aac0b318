"""The backup plan the generator steps share: jobs with what their runs are made of, and XO's runner
selection rule (CONTRACT-2 §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xo_mcp.simulator.gen_context import GenContext
from xo_mcp.simulator.inventory import JsonObject
from xo_mcp.simulator.value_matcher import compile_pattern

HOUR_S = 3_600
DAY_S = 86_400
SCENARIO_JOBS = 12


@dataclass
class JobPlan:
    job: JsonObject
    kind: str
    """`remote` (full/delta to repositories), `replication` (to SRs), `snapshot`, `metadata`, `mirror`."""
    schedule: JsonObject | None
    """The schedule its runs came from."""
    interval_s: int
    offset_s: int
    """Runs happen at `offset_s` past each multiple of `interval_s` (UTC)."""
    stopped_s: int = 0
    """The runs stopped this long ago (a disabled job keeps its old logs)."""
    natural_runs: int = 10
    """How many runs when no total is asked for."""
    fixed_runs: int | None = None
    """Exactly this many runs, whatever the total."""
    script: tuple[str, ...] = ()
    """Outcomes of the newest runs, newest first (see gen_backup_logs); older runs mostly succeed."""
    selection: list[JsonObject] = field(default_factory=list)
    """The VMs a run backs up (the runner's selection)."""
    missing_ids: list[str] = field(default_factory=list)
    """Explicitly selected ids of VMs that no longer exist: each run fails on them."""
    targets: list[tuple[str, str]] = field(default_factory=list)
    """(`remote` or `SR`, id) pairs each VM is exported to."""
    retention: int = 7
    runs: list[Any] = field(default_factory=list)
    """Filled by gen_backup_logs: the runs, newest first."""

    @property
    def runs_per_day(self) -> float:
        return DAY_S / self.interval_s


@dataclass
class BackupPlan:
    remotes: dict[str, JsonObject] = field(default_factory=dict)
    """By role: nas, s3, mirror, usb, smb."""
    proxy: JsonObject | None = None
    dr_sr: JsonObject | None = None
    jobs: list[JobPlan] = field(default_factory=list)
    dr_source: JsonObject | None = None
    cr_sources: list[JsonObject] = field(default_factory=list)
    replicas: dict[str, list[JsonObject]] = field(default_factory=dict)
    """Job id -> the replica VMs it made (filled by gen_replicas)."""


def runner_selection(ctx: GenContext, job: JsonObject, pool: list[JsonObject]) -> list[JsonObject]:
    """What XO's runner backs up (CONTRACT-2 §3): explicit ids that exist, else the smart-mode matches
    among `pool` minus this job's replicas and `xo:no-bak` VMs."""
    pattern = job.get("vms")
    vms = ctx.inventory.vms
    ids = pattern.get("id") if isinstance(pattern, dict) and len(pattern) == 1 else None
    if isinstance(ids, str):
        return [vms[ids]] if ids in vms else []
    if isinstance(ids, dict) and set(ids) == {"__or"}:
        return [vms[vm_id] for vm_id in ids["__or"] if vm_id in vms]
    matcher = compile_pattern({"type": "VM", **(pattern or {})})
    selected = []
    for vm in pool:
        other = vm.get("other") or {}
        replica = (vm.get("blockedOperations") or {}).get("start") and other.get("xo:backup:job") == job["id"]
        no_bak = any(tag.split("=", 1)[0] == "xo:no-bak" for tag in vm.get("tags") or ())
        if not replica and not no_bak and matcher(vm):
            selected.append(vm)
    return selected
