"""Generator step 4b: the backup jobs, one per scenario of `estate` plus "Customer" jobs, and their
schedules (CONTRACT-2 §3): every job kind, smart-mode and explicit selections, per-schedule retention,
disabled schedules, a schedule missing from its job's settings, timezones or none."""

from __future__ import annotations

from typing import Any

from xo_mcp.simulator import estate
from xo_mcp.simulator.gen_backup_plan import DAY_S, HOUR_S, BackupPlan, JobPlan, runner_selection
from xo_mcp.simulator.gen_context import GenContext
from xo_mcp.simulator.inventory import JsonObject

_MIRRORED_VMS = 12


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


def scenario_jobs(ctx: GenContext, plan: BackupPlan, candidates: list[JsonObject]) -> None:
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


def filler_jobs(ctx: GenContext, plan: BackupPlan, count: int, vms: list[JsonObject]) -> None:
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
