"""Generator step 4: backup repositories, a proxy, backup jobs of every kind, their schedules, and the
VMs each job selects (CONTRACT-2 §3, §5).

Smart-mode jobs select on `backup-*` tags that only a bounded sample of VMs carries (about 120, at any
estate size), so runs stay a realistic size at 100 000 VMs; extra "Customer" jobs select a few VMs by id.
The run history (gen_backup_logs), replicas and backup snapshots (gen_replicas) and archives
(gen_archives) follow from the plan made here.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from xo_mcp.simulator import estate
from xo_mcp.simulator.credentials import PROXY_URL_TOKEN, REMOTE_URL_PASSWORD
from xo_mcp.simulator.gen_context import GenContext
from xo_mcp.simulator.inventory import JsonObject
from xo_mcp.simulator.value_matcher import compile_pattern

HOUR_S = 3_600
DAY_S = 86_400
SCENARIO_JOBS = 12
_CANDIDATES = 120
_MIRRORED_VMS = 12
_PROD_ROLES = ("web", "app", "api", "cache", "lb", "k8s-node")
_INFRA_ROLES = ("mail", "dns", "monitoring", "vpn", "win-ad")


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


def plan_backups(ctx: GenContext, filler_jobs: int, replica_budget: int) -> BackupPlan:
    plan = BackupPlan()
    _repositories(ctx, plan)
    vms = list(ctx.inventory.vms.values())
    # VMs are dealt to pools in turn: a stride sharing a factor with the pool count would sample few pools.
    stride = max(1, len(vms) // _CANDIDATES)
    while math.gcd(stride, len(ctx.pools)) != 1:
        stride += 1
    candidates = vms[::stride]
    _tag_candidates(candidates)
    if replica_budget and vms:
        plan.dr_source = next((vm for vm in candidates if vm["name_label"].startswith("win-ad")), vms[0])
        dr_id = plan.dr_source["id"]
        db = [vm for vm in candidates if vm["name_label"].startswith("db-prod") and vm["id"] != dr_id]
        db_ids = {vm["id"] for vm in db}
        others = (vm for vm in vms if vm["id"] != dr_id and vm["id"] not in db_ids)
        plan.cr_sources = [*db, *itertools.islice(others, replica_budget)][: replica_budget - 2]
        for vm in plan.cr_sources:
            vm["tags"] = [*vm["tags"], "backup-cr"]
    last_pool = ctx.pools[-1]
    plan.dr_sr = last_pool.shared_sr
    _scenario_jobs(ctx, plan, candidates)
    _filler_jobs(ctx, plan, filler_jobs, vms)
    return plan


# Repositories ------------------------------------------------------------------------------------


def _repositories(ctx: GenContext, plan: BackupPlan) -> None:
    proxy_id = ctx.uuid()
    remotes = {
        "nas": (estate.REPOSITORY_NAS, "nfs://nas-lyon.example.net:/export/xo-backups", True, None),
        "s3": (
            estate.REPOSITORY_S3,
            "s3://AKIAWASABI7EXAMPLE2:obfuscated-q3oi6d9X8uenGvdLnHk2@s3.eu-central-2.wasabisys.com"
            "/xo-backups/prod?useVhdDirectory=true",
            True,
            None,
        ),
        # XO obfuscates the password fields it parses (s3, smb); an NFS URL's userinfo is kept verbatim.
        "mirror": (
            estate.REPOSITORY_MIRROR,
            f"nfs://xo-mirror:{REMOTE_URL_PASSWORD}@nfs-offsite.example.org:/srv/xo-mirror",
            True,
            None,
        ),
        "usb": (estate.REPOSITORY_DISABLED, "file:///mnt/usb-backup", False, None),
        "smb": (
            estate.REPOSITORY_BROKEN,
            "smb://xo-backup:obfuscated-Zm9vYmFyYmF6cXV4@PARIS\\\\10.0.8.20\\\\xo-backups",
            True,
            "connect EHOSTUNREACH 10.0.8.20:445",
        ),
    }
    for role, (name, url, enabled, error) in remotes.items():
        remote: JsonObject = {"id": ctx.uuid(), "name": name, "url": url, "enabled": enabled}
        if error is not None:
            remote["error"] = error
        if role == "mirror":
            remote["proxy"] = proxy_id
        if role in {"nas", "s3"}:
            remote["benchmarks"] = [
                {
                    "readRate": 180_000_000.0 + 1_000_000 * day + (0.5 if role == "s3" else 0.25),
                    "timestamp": ctx.now_ms - day * DAY_S * 1000,
                    "writeRate": 95_000_000.0 + 750_000 * day + 0.125,
                }
                for day in range(3, 0, -1)
            ]
        ctx.inventory.add("backup-repositories", remote)
        plan.remotes[role] = remote
    proxy_vm = next((vm["id"] for vm in ctx.inventory.vms.values() if vm["name_label"].startswith("backup-proxy")), "")
    plan.proxy = {
        "name": "Proxy Montreal",
        "vmUuid": proxy_vm or ctx.uuid(),
        "id": proxy_id,
        # As XO stores it: the proxy's authentication token in the URL's userinfo.
        "url": f"https://{PROXY_URL_TOKEN}@10.1.7.238/",
        "version": "0.29.29",
    }
    ctx.inventory.add("proxies", plan.proxy)


# VM selection ------------------------------------------------------------------------------------


def _tag_candidates(candidates: list[JsonObject]) -> None:
    """Give a bounded sample of VMs the tags smart-mode jobs select on (tag lists are shared: replace)."""
    shared: dict[tuple[str, ...], list[str]] = {}
    snap = 0
    daily = 0
    for position, vm in enumerate(candidates):
        role = vm["name_label"].rsplit("-", 1)[0]
        extra: list[str] = []
        if role in _PROD_ROLES and position % 5 != 4:
            extra.append("backup-daily")
            daily += 1
            if daily == 2:
                extra.append(estate.NO_BACKUP_TAG_WITH_REASON)
        if role in {"app", "api"} and snap < 8:
            extra.append("backup-snap")
            snap += 1
        if role in _INFRA_ROLES:
            extra.append("backup-weekly")
        if extra:
            tags = (*vm["tags"], *extra)
            vm["tags"] = shared.setdefault(tags, list(tags))


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


# Jobs --------------------------------------------------------------------------------------------


def _schedule(
    ctx: GenContext, job_id: str, name: str, cron: str, enabled: bool, timezone: str | None = "Europe/Paris"
) -> JsonObject:
    schedule: JsonObject = {"cron": cron, "enabled": enabled, "jobId": job_id, "name": name}
    if timezone is not None:
        schedule["timezone"] = timezone
    schedule["userId"] = ctx.admin_user_id
    schedule["id"] = ctx.uuid()
    ctx.inventory.add("schedules", schedule)
    return schedule


def _general_settings(report_when: str = "failure", **extra: Any) -> JsonObject:
    return {"reportWhen": report_when, "reportRecipients": ["ops@example.net"], "concurrency": 2, **extra}


def _vm_job(
    ctx: GenContext, name: str, mode: str, vms: JsonObject, remotes: list[str], srs: list[str], **extra: Any
) -> JsonObject:
    return {
        "id": ctx.uuid(),
        "name": name,
        "type": "backup",
        "userId": ctx.admin_user_id,
        "mode": mode,
        "compression": "zstd" if mode == "full" else "",
        "vms": vms,
        "remotes": {"id": remotes[0]} if len(remotes) == 1 else {"id": {"__or": remotes}},
        "srs": {"id": srs[0]} if len(srs) == 1 else {"id": {"__or": srs}},
        **extra,
    }


def _pool_forms(ctx: GenContext) -> tuple[JsonObject, JsonObject, JsonObject]:
    """XO 5's three `$pool` forms: these pools, all pools but some, these pools except some."""
    ids = [plan.pool["id"] for plan in ctx.pools]
    some = {"__or": ids}
    all_but_first = {"__not": {"__or": ids[:1]}}
    first_only = {"__and": [{"__or": ids}, {"__not": {"__or": ids[1:]}}]}
    return some, all_but_first, first_only


def _scenario_jobs(ctx: GenContext, plan: BackupPlan, candidates: list[JsonObject]) -> None:
    remotes = plan.remotes
    nas, s3, mirror, usb, smb = (remotes[role]["id"] for role in ("nas", "s3", "mirror", "usb", "smb"))
    dr_sr = plan.dr_sr["id"] if plan.dr_sr is not None else ""
    some_pools, all_but_first, first_only = _pool_forms(ctx)
    # Only these VMs carry the tags the smart patterns below need (a test checks it over every VM).
    pool = list({vm["id"]: vm for vm in [*candidates, *plan.cr_sources]}.values())
    db = [vm["id"] for vm in candidates if vm["name_label"].startswith("db-prod")][:8]
    legacy = next((vm["id"] for vm in candidates if vm["name_label"].startswith("legacy")), None)
    legacy = legacy or (candidates[-1]["id"] if candidates else None)
    windows = [vm["id"] for vm in candidates if vm["name_label"].startswith(("win-ad", "win-rds"))][:4]

    def add(job_plan: JobPlan, settings: JsonObject, schedules: list[JsonObject], in_settings: bool = True) -> None:
        job = job_plan.job
        job["settings"] = {"": settings}
        if in_settings:
            for schedule in schedules:
                job["settings"][schedule["id"]] = schedule.pop("_settings")
        else:
            for schedule in schedules:
                schedule.pop("_settings")
        if job["type"] == "backup":
            job_plan.selection = runner_selection(ctx, job, pool)
            job_plan.missing_ids = _missing_ids(ctx, job)
        elif job["type"] == "mirrorBackup":
            # What the source repository holds: the VMs of the jobs writing to it.
            source = {
                vm["id"]: vm
                for other in plan.jobs
                if ("remote", job["sourceRemote"]) in other.targets
                for vm in other.selection
            }
            job_plan.selection = list(source.values())[:_MIRRORED_VMS]
        ctx.inventory.add("backup-jobs", job)
        plan.jobs.append(job_plan)

    def sched(job: JsonObject, name: str, cron: str, enabled: bool, tz: str | None, **settings: Any) -> JsonObject:
        schedule = _schedule(ctx, job["id"], name, cron, enabled, tz)
        schedule["_settings"] = settings
        return schedule

    # 1. Delta to two repositories, smart mode with a tag exception.
    job = _vm_job(
        ctx,
        estate.JOB_DAILY_DELTA,
        "delta",
        {
            "type": "VM",
            "$pool": some_pools,
            "tags": {"__and": [{"__or": [["backup-daily"]]}, {"__not": {"__or": [["db"]]}}]},
        },
        [nas, s3],
        [],
    )
    nightly = sched(
        job,
        "Nightly",
        "0 2 * * *",
        True,
        "Europe/Paris",
        exportRetention=14,
        fullInterval=7,
        healthCheckSr=ctx.pools[0].shared_sr["id"] if ctx.pools[0].shared_sr else "",
        healthCheckVmsWithTags=[],
    )
    weekly = sched(job, "Weekly full (paused)", "0 4 * * 0", False, "Europe/Paris", exportRetention=4)
    add(
        JobPlan(
            job,
            "remote",
            nightly,
            DAY_S,
            2 * HOUR_S,
            script=("pending", "vm-failure", "lacks-vm", "retried", "success", "success", "vm-failure"),
            targets=[("remote", nas), ("remote", s3)],
            retention=14,
        ),
        _general_settings(nRetriesVmBackupFailures=1, timeout=4 * HOUR_S * 1000, maxExportRate=0),
        [nightly, weekly],
    )

    # 2. Full to one repository, explicit list.
    job = _vm_job(ctx, estate.JOB_WEEKLY_FULL, "full", {"id": {"__or": db}}, [nas], [])
    saturday = sched(job, "Saturday", "0 3 * * 6", True, None, exportRetention=4)
    add(
        JobPlan(
            job,
            "remote",
            saturday,
            7 * DAY_S,
            3 * HOUR_S + 2 * DAY_S,
            natural_runs=5,
            script=("success", "success", "interrupted"),
            targets=[("remote", nas)],
            retention=4,
        ),
        _general_settings("always", offlineSnapshot=False, checkpointSnapshot=True),
        [saturday],
    )

    # 3. Disaster recovery: full to an SR, a single VM by id.
    source = plan.dr_source["id"] if plan.dr_source is not None else ctx.uuid()
    job = _vm_job(ctx, estate.JOB_DR, "full", {"id": source}, [], [dr_sr])
    dr = sched(job, "Nightly DR", "30 1 * * *", True, "Europe/Berlin", copyRetention=2)
    add(
        JobPlan(
            job,
            "replication",
            dr,
            DAY_S,
            HOUR_S + 1_800,
            script=("sr-full", "sr-full", "success", "success"),
            targets=[("SR", dr_sr)],
            retention=2,
        ),
        _general_settings(),
        [dr],
    )

    # 4. Continuous replication: delta to an SR, smart mode on a tag.
    job = _vm_job(ctx, estate.JOB_CR, "delta", {"type": "VM", "tags": {"__or": [["backup-cr"]]}}, [], [dr_sr])
    cr = sched(job, "Daily CR", "0 22 * * *", True, "UTC", copyRetention=6)
    add(
        JobPlan(
            job, "replication", cr, DAY_S, 22 * HOUR_S, script=("chain-skipped",), targets=[("SR", dr_sr)], retention=6
        ),
        _general_settings(),
        [cr],
    )

    # 5. Rolling snapshots every 4 hours, running VMs only.
    job = _vm_job(
        ctx,
        estate.JOB_ROLLING,
        "full",
        {"type": "VM", "power_state": "Running", "$pool": first_only, "tags": {"__or": [["backup-snap"]]}},
        [],
        [],
    )
    four_hourly = sched(job, "Every 4 hours", "0 */4 * * *", True, "Europe/Paris", snapshotRetention=6)
    add(
        JobPlan(job, "snapshot", four_hourly, 4 * HOUR_S, 0, natural_runs=18, retention=6),
        _general_settings("never"),
        [four_hourly],
    )

    # 6. Monthly rolling snapshot: two runs ever, none this week.
    job = _vm_job(ctx, estate.JOB_MONTHLY, "full", {"id": {"__or": windows}}, [], [])
    monthly = sched(job, "Monthly", "0 1 1 * *", True, "Europe/Paris", snapshotRetention=2)
    add(
        JobPlan(job, "snapshot", monthly, 30 * DAY_S, HOUR_S, stopped_s=20 * DAY_S, fixed_runs=2, retention=2),
        _general_settings(),
        [monthly],
    )

    # 7. Disabled: its only schedule is off; selects a VM deleted since.
    gone = ctx.uuid()
    job = _vm_job(ctx, estate.JOB_LEGACY, "full", {"id": {"__or": [*([legacy] if legacy else []), gone]}}, [usb], [])
    legacy_schedule = sched(job, "Nightly (legacy)", "0 0 * * *", False, None, exportRetention=7)
    add(
        JobPlan(
            job,
            "remote",
            legacy_schedule,
            DAY_S,
            0,
            stopped_s=40 * DAY_S,
            natural_runs=6,
            script=("vm-gone", "vm-gone"),
            targets=[("remote", usb)],
        ),
        _general_settings(),
        [legacy_schedule],
    )

    # 8. A pattern nothing matches.
    job = _vm_job(ctx, estate.JOB_NO_MATCH, "delta", {"type": "VM", "tags": {"__or": [["decommissioned"]]}}, [s3], [])
    no_match = sched(job, "Nightly", "15 2 * * *", True, "Europe/Paris", exportRetention=7)
    add(
        JobPlan(job, "remote", no_match, DAY_S, 2 * HOUR_S + 900, natural_runs=5, targets=[("remote", s3)]),
        _general_settings(),
        [no_match],
    )

    # 9. Metadata: XO's configuration and every pool's.
    job = {
        "id": ctx.uuid(),
        "name": estate.JOB_METADATA,
        "type": "metadataBackup",
        "userId": ctx.admin_user_id,
        "pools": {"id": {"__or": [pool_plan.pool["id"] for pool_plan in ctx.pools]}},
        "xoMetadata": True,
        "remotes": {"id": nas},
    }
    metadata = sched(job, "Daily metadata", "0 5 * * *", True, "UTC", retentionXoMetadata=7, retentionPoolMetadata=7)
    add(
        JobPlan(job, "metadata", metadata, DAY_S, 5 * HOUR_S, script=("success", "success", "success", "vm-failure")),
        _general_settings(),
        [metadata],
    )

    # 10. Mirror of the first repository to the one with a credential in its URL.
    job = {
        "id": ctx.uuid(),
        "name": estate.JOB_MIRROR,
        "type": "mirrorBackup",
        "userId": ctx.admin_user_id,
        "mode": "delta",
        "sourceRemote": nas,
        "remotes": {"id": mirror},
    }
    mirror_schedule = sched(job, "Nightly mirror", "0 8 * * *", True, "Europe/Paris", exportRetention=7)
    add(
        JobPlan(
            job,
            "mirror",
            mirror_schedule,
            DAY_S,
            8 * HOUR_S,
            script=("interrupted",),
            targets=[("remote", mirror)],
            retention=3,
        ),
        _general_settings(),
        [mirror_schedule],
    )

    # 11. An enabled schedule missing from `settings`: XO considers the job disabled.
    job = _vm_job(ctx, estate.JOB_UNSCHEDULED, "full", {"id": {"__or": windows[:2]}}, [nas], [])
    sunday = sched(job, "Sunday", "0 6 * * 0", True, "America/New_York", exportRetention=2)
    add(
        JobPlan(
            job,
            "remote",
            sunday,
            7 * DAY_S,
            6 * HOUR_S,
            stopped_s=12 * DAY_S,
            natural_runs=3,
            targets=[("remote", nas)],
        ),
        _general_settings(),
        [sunday],
        in_settings=False,
    )

    # 12. An unreachable repository: runs fail before any VM.
    job = _vm_job(
        ctx,
        estate.JOB_BROKEN_REMOTE,
        "full",
        {"type": "VM", "$pool": all_but_first, "tags": {"__or": [["backup-weekly"]]}},
        [smb],
        [],
    )
    friday = sched(job, "Weekly SMB", "0 23 * * 5", True, "Europe/Paris", exportRetention=4)
    add(
        JobPlan(
            job,
            "remote",
            friday,
            7 * DAY_S,
            23 * HOUR_S + DAY_S,
            natural_runs=5,
            script=("remote-failure",) * 5,
            targets=[("remote", smb)],
        ),
        _general_settings(),
        [friday],
    )


def _missing_ids(ctx: GenContext, job: JsonObject) -> list[str]:
    ids = (job.get("vms") or {}).get("id")
    listed = [ids] if isinstance(ids, str) else ids.get("__or", []) if isinstance(ids, dict) else []
    return [vm_id for vm_id in listed if vm_id not in ctx.inventory.vms]


def _filler_jobs(ctx: GenContext, plan: BackupPlan, count: int, vms: list[JsonObject]) -> None:
    """Customer jobs: a few VMs each by id, daily to the first repository, an occasional VM failure."""
    if not vms:
        return
    nas = plan.remotes["nas"]["id"]
    for number in range(1, count + 1):
        size = 1 + number % 4
        picked = [vms[(number * 7919 + step * 104_729) % len(vms)]["id"] for step in range(size)]
        selection: JsonObject = {"id": picked[0]} if size == 1 else {"id": {"__or": list(dict.fromkeys(picked))}}
        job = _vm_job(ctx, f"{estate.FILLER_JOB_PREFIX}{number:02d} daily", "delta", selection, [nas], [])
        hour = 18 + number % 6
        schedule = _schedule(ctx, job["id"], "Daily", f"{number % 60} {hour} * * *", True, "Europe/Paris")
        job["settings"] = {"": _general_settings(), schedule["id"]: {"exportRetention": 7}}
        script = ("vm-failure",) if number % 7 == 3 else ("skipped-vm",) if number % 11 == 5 else ()
        job_plan = JobPlan(
            job,
            "remote",
            schedule,
            DAY_S,
            hour * HOUR_S + (number % 60) * 60,
            natural_runs=8,
            script=script,
            targets=[("remote", nas)],
        )
        job_plan.selection = runner_selection(ctx, job, [])
        job_plan.missing_ids = _missing_ids(ctx, job)
        ctx.inventory.add("backup-jobs", job)
        plan.jobs.append(job_plan)
