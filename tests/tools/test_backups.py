"""get_backup_status, list_backup_jobs and list_backup_runs against XO's rules applied to the simulator's
inventory (`tests/estate_truth.py`, CONTRACT-2 §1–§5), on both paths of the overview (XO's /dashboard and the
computation), for admins and non-admins, with documentation links, bad input and damaged logs."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from tests import estate_truth, harness
from tests.conftest import Connect
from tests.harness import XoSession, make_state, simulator, text_of
from xo_mcp import backup_protection
from xo_mcp.simulator import Inventory, RunningSimulator, SimulatorState, estate
from xo_mcp.simulator.auth import Authenticator, User
from xo_mcp.simulator.catalog import NO_VMS_MATCH, REMOTE_UNREACHABLE, SR_FULL_ERROR, UNHEALTHY_CHAIN, VDI_IO_ERROR
from xo_mcp.tools import backups

pytestmark = pytest.mark.anyio

READER_TOKEN = "tok-reader-canary-6d2f81"
READER_PASSWORD = "pw-reader-canary-44ab"
harness.CANARIES.update({READER_TOKEN, READER_PASSWORD})
STACK_FRAME = "at Xapi._call"
"""What every simulated error's `stack` holds: it must never reach an answer."""
TROUBLESHOOTING = "https://docs.xen-orchestra.com/xo5/backup_troubleshooting#"


# Ground truth ----------------------------------------------------------------------------------------------


def job_named(inventory: Inventory, name: str) -> dict[str, Any]:
    return next(job for job in inventory.backup_jobs.values() if job.get("name") == name)


def in_xo_order(inventory: Inventory, ids: Iterable[str]) -> list[str]:
    """VMs in the order XO lists them (the simulator's: insertion order)."""
    wanted = set(ids)
    return [vm_id for vm_id in inventory.vms if vm_id in wanted]


def by_name(inventory: Inventory, ids: Iterable[str]) -> list[str]:
    return sorted(ids, key=lambda vm_id: (inventory.vms[vm_id].get("name_label") or "", vm_id))


def issues_truth(inventory: Inventory) -> list[tuple[str, list[str]]]:
    return [(issue["uuid"], issue["logs"]) for issue in estate_truth.backup_issues(inventory)]


def figures_of(answer: dict[str, Any]) -> dict[str, int]:
    jobs = answer["jobs"]
    return {
        "disabled": jobs["disabled"],
        "failed": jobs["failed"],
        "noRecentRun": jobs["no_recent_run"],
        "skipped": jobs["skipped"],
        "successful": jobs["successful"],
        "total": jobs["total"],
    }


def vm_counts_of(answer: dict[str, Any]) -> dict[str, int]:
    vms = answer["vms"]
    return {"protected": vms["protected"], "unprotected": vms["unprotected"], "notInJob": vms["not_in_job"]}


def issues_of(answer: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(issue["job"]["id"], issue["last_runs"]) for issue in answer["needing_attention"]]


def readable_view(inventory: Inventory, pools: frozenset[str]) -> Inventory:
    """What a non-admin limited to ``pools`` reads (CONTRACT-2 §8: collections filtered to readable objects;
    the simulator's ACL reads an object's `$pool`, so jobs, schedules and logs are not readable)."""
    view = Inventory(now_s=inventory.now_s)
    for name, objects in inventory.objects.items():
        view.objects[name] = {key: obj for key, obj in objects.items() if obj.get("$pool") in pools}
    return view


def runs_of_vm(inventory: Inventory, vm_id: str) -> list[dict[str, Any]]:
    """The runs that name a VM (its `vms` info or a task of its own), newest first."""
    found = []
    for log in inventory.backup_logs.values():
        listed = any(vm_id in (info.get("data") or {}).get("vms", []) for info in log.get("infos") or [])
        tasked = any((task.get("data") or {}).get("id") == vm_id for task in log.get("tasks") or [])
        if listed or tasked:
            found.append(log)
    return sorted(found, key=lambda log: log["start"], reverse=True)


def all_runs(inventory: Inventory) -> list[dict[str, Any]]:
    return sorted(inventory.backup_logs.values(), key=lambda log: (log["start"], log["id"]), reverse=True)


def reader_state(seed: int = 23) -> tuple[SimulatorState, str]:
    """An estate with a non-admin who may read everything: /dashboard refuses them (403), nothing else does."""
    state = make_state(vms=150, seed=seed)
    reader = User("0c0ffee0-0000-4000-8000-00000000beef", "reader@example.net", READER_PASSWORD, READER_TOKEN, False)
    state.users = [*(state.users or []), reader]
    state.authenticator = Authenticator(state.users, state.throttle_seconds)
    return state, READER_TOKEN


def requests_to(state: SimulatorState, path: str, since: float) -> int:
    return sum(1 for r in state.requests.snapshot() if r.path == path and r.time >= since and r.client == "mcp")


# get_backup_status -------------------------------------------------------------------------------------------


async def test_the_overview_is_xos_figures_with_the_vms_behind_them(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    result = await xo.ok("get_backup_status")
    answer = result.structured_content
    assert answer is not None
    assert answer["jobs"]["counted_by"] == "xo-dashboard" and answer["vms"]["counted_by"] == "xo-dashboard"
    assert figures_of(answer) == estate_truth.backup_jobs_figures(inventory)
    protection = estate_truth.vms_protection(inventory)
    assert vm_counts_of(answer) == protection.counts()
    issues = issues_truth(inventory)
    assert answer["needing_attention_total"] == len(issues)
    assert issues_of(answer) == issues[: backups.MAX_ISSUES]
    unprotected = by_name(inventory, protection.unprotected)[: backups.MAX_NAMED_VMS]
    assert [vm["id"] for vm in answer["unprotected"]] == unprotected
    for vm in answer["unprotected"]:
        assert vm["name"] == inventory.vms[vm["id"]]["name_label"]
        assert vm["pool"] == inventory.pools[inventory.vms[vm["id"]]["$pool"]]["name_label"]
    not_in_job = in_xo_order(inventory, protection.not_in_job)[: backups.MAX_NAMED_VMS]
    assert [vm["id"] for vm in answer["not_in_job"]] == not_in_job
    text = text_of(result)
    assert f"Jobs: {answer['jobs']['total']} —" in text
    assert f"{answer['vms']['not_in_job']} in no active job" in text
    assert all(inventory.vms[vm_id]["name_label"] in text for vm_id in not_in_job)
    assert STACK_FRAME not in text and "{" not in text
    assert not answer.get("notes"), "XO's figures and the computation agree on the same estate"


async def test_an_unprotected_vm_names_the_job_that_leaves_it_so(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    answer = await xo.content("get_backup_status")
    legacy = job_named(inventory, estate.JOB_LEGACY)
    legacy_vms = [vm for vm in answer["unprotected"] if vm["id"] in (legacy["vms"]["id"]["__or"])]
    assert legacy_vms and all(vm["job"] == estate.JOB_LEGACY for vm in legacy_vms)  # a disabled job


@pytest.fixture
def every_vm_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """Name every VM of each set, so that whole sets can be compared (the server runs in this process)."""
    monkeypatch.setattr(backups, "MAX_NAMED_VMS", 100_000)


@pytest.mark.usefixtures("every_vm_named")
async def test_the_two_paths_agree_per_figure_and_per_vm_set(connect: Connect) -> None:
    """XO's /dashboard (admin), no /dashboard (an older XO: 404) and a refused one (a non-admin: 403) give the
    same figures and the same VMs in each set, all equal to XO's rules applied to the inventory."""
    state, reader = reader_state()
    inventory = state.inventory
    protection = estate_truth.vms_protection(inventory)
    with simulator(state) as sim:
        async with connect(sim.url) as admin:
            answers = {"xo-dashboard": await admin.content("get_backup_status")}
        async with connect(sim.url, token=reader) as user:
            answers["refused"] = await user.content("get_backup_status")
        state.dashboard_routes = False
        async with connect(sim.url) as older:
            answers["absent"] = await older.content("get_backup_status")
    assert answers["xo-dashboard"]["jobs"]["counted_by"] == "xo-dashboard"
    for path in ("refused", "absent"):
        assert answers[path]["jobs"]["counted_by"] == "computed" and answers[path]["vms"]["counted_by"] == "computed"
    for path, answer in answers.items():
        assert figures_of(answer) == estate_truth.backup_jobs_figures(inventory), path
        assert vm_counts_of(answer) == protection.counts(), path
        assert issues_of(answer) == issues_truth(inventory)[: backups.MAX_ISSUES], path
        assert {vm["id"] for vm in answer["unprotected"]} == protection.unprotected, path
        assert [vm["id"] for vm in answer["not_in_job"]] == in_xo_order(inventory, protection.not_in_job), path
        assert not answer.get("notes"), path


@pytest.mark.usefixtures("every_vm_named")
@pytest.mark.parametrize("routes", [True, False], ids=["xo-dashboard", "computed"])
async def test_one_pass_over_every_vm_gives_the_same_sets(
    connect: Connect, sim: RunningSimulator, monkeypatch: pytest.MonkeyPatch, routes: bool
) -> None:
    """When runs name more VMs than are worth asking by id, every VM is read once: same figures, same sets."""
    monkeypatch.setattr(backup_protection, "TARGETED_LIMIT", 0)
    inventory = sim.state.inventory
    protection = estate_truth.vms_protection(inventory)
    sim.state.dashboard_routes = routes
    async with connect(sim.url) as session:
        answer = await session.content("get_backup_status")
        one_pool = await session.content("get_backup_status", {"pool_id": next(iter(inventory.pools))})
    assert vm_counts_of(answer) == protection.counts()
    assert {vm["id"] for vm in answer["unprotected"]} == protection.unprotected
    assert [vm["id"] for vm in answer["not_in_job"]] == in_xo_order(inventory, protection.not_in_job)
    in_pool = {vm_id for vm_id, vm in inventory.vms.items() if vm["$pool"] == next(iter(inventory.pools))}
    assert [vm["id"] for vm in one_pool["not_in_job"]] == in_xo_order(inventory, protection.not_in_job & in_pool)


async def test_a_viewer_sees_the_protection_of_what_they_may_read(connect: Connect, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    first_pool = frozenset([next(iter(inventory.pools))])
    view = readable_view(inventory, first_pool)
    async with connect(sim.url, token=sim.viewer_token) as viewer:
        result = await viewer.ok("get_backup_status")
    answer = result.structured_content
    assert answer is not None
    assert answer["jobs"]["counted_by"] == "computed"
    assert figures_of(answer) == dict.fromkeys(estate_truth.backup_jobs_figures(view), 0)  # no job readable
    assert vm_counts_of(answer) == estate_truth.vms_protection(view).counts()
    assert vm_counts_of(answer)["notInJob"] == sum(not estate_truth.is_replica(vm) for vm in view.vms.values())
    assert "Jobs: none" in text_of(result)


async def test_one_pool(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    pool_id = list(inventory.pools)[1]
    answer = await xo.content("get_backup_status", {"pool_id": pool_id})
    protection = estate_truth.vms_protection(inventory)
    in_pool = {vm_id for vm_id, vm in inventory.vms.items() if vm["$pool"] == pool_id}
    plain = {vm_id for vm_id in in_pool if not estate_truth.is_replica(inventory.vms[vm_id])}
    expected = {
        "protected": len(protection.protected & in_pool),
        "unprotected": len(protection.unprotected & in_pool),
        "notInJob": len(plain) - len(protection.protected & in_pool) - len(protection.unprotected & in_pool),
    }
    assert vm_counts_of(answer) == expected
    assert answer["vms"]["pool"] == {"id": pool_id, "name": inventory.pools[pool_id]["name_label"]}
    assert answer["vms"]["counted_by"] == "computed"
    assert answer["jobs"]["counted_by"] == "xo-dashboard"  # job figures are the estate's, XO's own
    assert [vm["id"] for vm in answer["not_in_job"]] == in_xo_order(inventory, protection.not_in_job & in_pool)[
        : backups.MAX_NAMED_VMS
    ]
    assert all(inventory.vms[vm["id"]]["$pool"] == pool_id for vm in answer["unprotected"])


@pytest.mark.parametrize("since_hours", [1, 24, 72, 24 * 30])
async def test_another_window_is_computed(xo: XoSession, sim: RunningSimulator, since_hours: int) -> None:
    answer = await xo.content("get_backup_status", {"since_hours": since_hours})
    assert answer["jobs"]["counted_by"] == "computed" and answer["since_hours"] == since_hours
    assert figures_of(answer) == estate_truth.backup_jobs_figures(sim.state.inventory, since_hours)
    assert issues_of(answer) == issues_truth(sim.state.inventory)[: backups.MAX_ISSUES]  # last 3: no window


@pytest.mark.parametrize(
    ("fault", "note"),
    [("expired", "expired"), ("absent", "no backup figures"), ("error", "failed to compute")],
)
async def test_xos_figures_that_cannot_be_used_are_computed(
    xo: XoSession, sim: RunningSimulator, fault: str, note: str
) -> None:
    sim.state.dashboard_part_faults["backups"] = fault
    answer = await xo.content("get_backup_status")
    assert answer["jobs"]["counted_by"] == "computed" and answer["vms"]["counted_by"] == "computed"
    assert figures_of(answer) == estate_truth.backup_jobs_figures(sim.state.inventory)
    assert vm_counts_of(answer) == estate_truth.vms_protection(sim.state.inventory).counts()
    assert any(note in line for line in answer["notes"])


async def test_a_dashboard_that_takes_too_long_is_not_waited_for(
    connect: Connect, sim: RunningSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backups, "DASHBOARD_PATIENCE_S", 0.3)
    sim.state.slow_dashboard_parts_ms = 60_000
    async with connect(sim.url, timeout=5.0) as session:
        answer = await session.content("get_backup_status")
    assert answer["jobs"]["counted_by"] == "computed"
    assert figures_of(answer) == estate_truth.backup_jobs_figures(sim.state.inventory)


async def test_an_xo_without_dashboard_is_asked_once_and_a_refusal_every_time(
    connect: Connect, sim: RunningSimulator
) -> None:
    started = harness.now()
    sim.state.dashboard_routes = False
    async with connect(sim.url) as older:
        for _ in range(2):
            await older.content("get_backup_status")
    assert requests_to(sim.state, "/rest/v0/dashboard", started) == 1
    sim.state.dashboard_routes = True
    started = harness.now()
    async with connect(sim.url, token=sim.viewer_token) as viewer:
        for _ in range(2):
            await viewer.content("get_backup_status")
    assert requests_to(sim.state, "/rest/v0/dashboard", started) == 2


async def test_each_issue_carries_its_error_and_documentation(
    connect: Connect, sim: RunningSimulator, docs_index: Path
) -> None:
    inventory = sim.state.inventory
    async with connect(sim.url, docs_index=docs_index) as session:
        result = await session.ok("get_backup_status")
    answer = result.structured_content
    assert answer is not None
    issues = {issue["job"]["name"]: issue for issue in answer["needing_attention"]}
    expected = {
        estate.JOB_DAILY_DELTA: (VDI_IO_ERROR, f"{TROUBLESHOOTING}error-vdi_io_error"),
        estate.JOB_DR: (SR_FULL_ERROR, f"{TROUBLESHOOTING}sr_backend_failure_44"),
        estate.JOB_NO_MATCH: (NO_VMS_MATCH, f"{TROUBLESHOOTING}error-no-vms-match-this-pattern"),
        estate.JOB_BROKEN_REMOTE: (REMOTE_UNREACHABLE, None),  # nothing in the docs explains it: no link
    }
    for name, (error, url) in expected.items():
        issue = issues[name]
        assert issue["error"] == error, name
        assert (issue.get("doc") or {}).get("url") == url, name
    chain = issues[estate.JOB_CR]
    assert chain["error"] == UNHEALTHY_CHAIN and chain["error_vm"]["id"] in estate_truth.job_selection(
        inventory, job_named(inventory, estate.JOB_CR)
    )
    assert issues[estate.JOB_DAILY_DELTA]["kind"] == "delta backup"
    assert issues[estate.JOB_DR]["kind"] == "disaster recovery"
    text = text_of(result)
    daily = next(line for line in text.splitlines() if line.startswith(f"- {estate.JOB_DAILY_DELTA} "))
    number = daily.rsplit("[doc ", 1)[1].rstrip("]")
    assert f"{VDI_IO_ERROR} [doc {number}]" in daily
    assert f"[doc {number}] Backup troubleshooting › Error: VDI_IO_ERROR: {TROUBLESHOOTING}error-vdi_io_error" in text
    assert STACK_FRAME not in text and all(len(line) < 600 for line in text.splitlines())


async def test_without_a_documentation_index_errors_have_no_link(
    connect: Connect, sim: RunningSimulator, tmp_path: Path
) -> None:
    async with connect(sim.url, docs_index=tmp_path / "no-index") as session:
        answer = await session.content("get_backup_status")
    assert answer["needing_attention"] and not any(issue.get("doc") for issue in answer["needing_attention"])
    assert any(issue.get("error") == VDI_IO_ERROR for issue in answer["needing_attention"])


async def test_the_overview_stays_lean(xo: XoSession) -> None:
    text = text_of(await xo.ok("get_backup_status"))
    assert len(text) < 6_000  # about 1 500 tokens; the bench counts them at 100 000 VMs


async def test_an_estate_without_backup_jobs(connect: Connect) -> None:
    state = make_state(vms=30, seed=3)
    inventory = state.inventory
    for collection in ("backup-jobs", "backup-logs", "schedules"):
        inventory.objects[collection].clear()
    inventory.cache.clear()
    with simulator(state) as empty:
        async with connect(empty.url) as session:
            result = await session.ok("get_backup_status")
    answer = result.structured_content
    assert answer is not None and answer["jobs"]["total"] == 0 and answer["needing_attention"] == []
    plain = sum(not estate_truth.is_replica(vm) for vm in inventory.vms.values())
    assert vm_counts_of(answer) == {"protected": 0, "unprotected": 0, "notInJob": plain}
    assert "Jobs: none" in text_of(result)


# list_backup_jobs ----------------------------------------------------------------------------------------------


async def test_every_job_with_its_selection_schedules_targets_and_last_run(
    xo: XoSession, sim: RunningSimulator
) -> None:
    inventory = sim.state.inventory
    answer = await xo.content("list_backup_jobs", {"limit": 100})
    assert answer["total"] == len(inventory.backup_jobs) == answer["returned"]
    assert [job["id"] for job in answer["items"]] == list(inventory.backup_jobs)
    names = {r["id"]: r["name"] for r in inventory.backup_repositories.values()}
    now_ms = time.time() * 1000
    for item in answer["items"]:
        job = inventory.backup_jobs[item["id"]]
        assert item["name"] == job["name"] and item["type"] == job["type"]
        assert item["enabled"] == estate_truth.job_enabled(inventory, job), job["name"]
        if job["type"] == "backup":
            selected = estate_truth.runner_selection(inventory, job)
            assert item["selected_vms"] == len(selected), job["name"]
            if estate_truth.explicit_vm_ids(job) is None:
                assert "missing_vms" not in item
            else:
                assert item["missing_vms"] == sum(vm_id not in inventory.vms for vm_id in set(selected)), job["name"]
        own = [s for s in inventory.schedules.values() if s["jobId"] == job["id"]]
        assert {s["id"] for s in item["schedules"]} == {s["id"] for s in own}
        for schedule in item["schedules"]:
            source = inventory.schedules[schedule["id"]]
            assert schedule["cron"] == source["cron"] and schedule["enabled"] == source["enabled"]
            assert schedule.get("timezone") == source.get("timezone")
            assert schedule["counted"] == (schedule["id"] in job["settings"])
            settings = job["settings"].get(schedule["id"], {})
            for key, value in schedule["retention"].items():
                assert settings[key] == value
        repositories = [r["name"] for r in item.get("repositories", [])]
        remotes = job.get("remotes", {}).get("id")
        wanted = [remotes] if isinstance(remotes, str) else (remotes or {}).get("__or", [])
        assert repositories == [names[r] for r in wanted]
        logs = estate_truth.job_logs(inventory, job["id"])
        if logs:
            assert item["last_run"]["id"] == logs[0]["id"] and item["last_run"]["status"] == logs[0]["status"]
            assert item["last_run"]["start"] == backups.when(logs[0]["start"], now_ms)
        else:
            assert "last_run" not in item


async def test_jobs_in_an_administrators_words(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    result = await xo.ok("list_backup_jobs", {"limit": 100})
    answer = result.structured_content
    assert answer is not None
    items = {item["name"]: item for item in answer["items"]}
    pools = [pool["name_label"] for pool in inventory.pools.values()]
    kinds = {
        estate.JOB_DAILY_DELTA: "delta backup",
        estate.JOB_WEEKLY_FULL: "full backup",
        estate.JOB_DR: "disaster recovery",
        estate.JOB_CR: "continuous replication",
        estate.JOB_ROLLING: "rolling snapshot",
        estate.JOB_METADATA: "metadata backup",
        estate.JOB_MIRROR: "mirror of delta backups",
    }
    for name, kind in kinds.items():
        assert items[name]["kind"] == kind, name
    assert items[estate.JOB_DAILY_DELTA]["selection"] == (
        f"smart mode: pool {pools[0]} or {pools[1]}, tag backup-daily except tag db"
    )
    assert items[estate.JOB_BROKEN_REMOTE]["selection"] == f"smart mode: any pool except {pools[0]}, tag backup-weekly"
    weekly = job_named(inventory, estate.JOB_WEEKLY_FULL)
    assert items[estate.JOB_WEEKLY_FULL]["selection"] == f"{len(weekly['vms']['id']['__or'])} VMs by id"
    assert items[estate.JOB_LEGACY]["missing_vms"] == 1 and not items[estate.JOB_LEGACY]["enabled"]
    assert items[estate.JOB_NO_MATCH]["selected_vms"] == 0
    assert not items[estate.JOB_UNSCHEDULED]["enabled"]
    assert [s["counted"] for s in items[estate.JOB_UNSCHEDULED]["schedules"]] == [False]
    mirror = job_named(inventory, estate.JOB_MIRROR)
    assert items[estate.JOB_MIRROR]["source"]["name"] == inventory.backup_repositories[mirror["sourceRemote"]]["name"]
    assert [p["name"] for p in items[estate.JOB_METADATA]["pools"]] == pools
    dr = job_named(inventory, estate.JOB_DR)
    assert [sr["name"] for sr in items[estate.JOB_DR]["srs"]] == [inventory.srs[dr["srs"]["id"]]["name_label"]]
    text = text_of(result)
    assert "not in the job's settings: ignored by XO" in text and "DISABLED" in text
    assert "running (pending)" in text  # the daily delta job runs now
    for secret in harness.CANARIES:
        assert secret not in text


async def test_job_pages_and_filters(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    first = await xo.content("list_backup_jobs", {"limit": 5})
    assert first["returned"] == 5 and first["truncated"] and first["next_offset"] == 5
    assert first["total"] == len(inventory.backup_jobs)
    second = await xo.content("list_backup_jobs", {"limit": 5, "offset": 5})
    assert [j["id"] for j in first["items"] + second["items"]] == list(inventory.backup_jobs)[:10]
    vm_jobs = await xo.content("list_backup_jobs", {"filter": "type:/^backup$/"})
    assert vm_jobs["total"] == sum(job["type"] == "backup" for job in inventory.backup_jobs.values())
    past = await xo.ok("list_backup_jobs", {"offset": 500})
    assert "past the" in text_of(past)


# list_backup_runs ----------------------------------------------------------------------------------------------


async def test_runs_newest_first_with_exact_totals(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    runs = all_runs(inventory)
    answer = await xo.content("list_backup_runs")
    assert answer["total"] == len(runs) and answer["returned"] == backups.RUNS_DEFAULT_LIMIT
    assert [run["id"] for run in answer["items"]] == [log["id"] for log in runs[: backups.RUNS_DEFAULT_LIMIT]]
    page = await xo.content("list_backup_runs", {"limit": 7, "offset": 30})
    assert [run["id"] for run in page["items"]] == [log["id"] for log in runs[30:37]]
    assert page["next_offset"] == 37 and page["total"] == len(runs)
    for run in page["items"]:
        log = inventory.backup_logs[run["id"]]
        assert run["status"] == log["status"] and run["job"] == {"id": log["jobId"], "name": log["jobName"]}
        vm_tasks = [t for t in log.get("tasks") or [] if (t.get("data") or {}).get("type") == "VM"]
        assert run["vms_total"] == len(vm_tasks)
        assert sum(run["vms_by_status"].values()) == len(vm_tasks)
        failed = [t["data"]["id"] for t in vm_tasks if t["status"] != "success"]
        assert [vm["id"] for vm in run["vms"]] == failed
        if "end" in log:
            assert run["duration_s"] == (log["end"] - log["start"]) / 1000


@pytest.mark.parametrize("status", ["success", "failure", "interrupted", "skipped", "pending"])
async def test_runs_of_one_status(xo: XoSession, sim: RunningSimulator, status: str) -> None:
    expected = [log["id"] for log in all_runs(sim.state.inventory) if log["status"] == status]
    answer = await xo.content("list_backup_runs", {"status": status, "limit": 100})
    assert answer["total"] == len(expected)
    assert [run["id"] for run in answer["items"]] == expected[:100]


async def test_runs_of_one_job_and_of_one_vm(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    job = job_named(inventory, estate.JOB_DAILY_DELTA)
    logs = estate_truth.job_logs(inventory, job["id"])
    answer = await xo.content("list_backup_runs", {"job_id": job["id"], "limit": 3})
    assert answer["total"] == len(logs) and [r["id"] for r in answer["items"]] == [log["id"] for log in logs[:3]]
    assert answer["job"] == {"id": job["id"], "name": job["name"]}
    victim = next(
        t["data"]["id"] for log in logs for t in log.get("tasks") or [] if t["status"] == "failure" and t.get("data")
    )
    expected = runs_of_vm(inventory, victim)
    runs = await xo.content("list_backup_runs", {"vm_id": victim, "limit": 100})
    assert runs["total"] == len(expected) and [r["id"] for r in runs["items"]] == [log["id"] for log in expected]
    assert runs["vm"] == {"id": victim, "name": inventory.vms[victim]["name_label"]}
    for run in runs["items"]:
        own = [
            t for t in inventory.backup_logs[run["id"]].get("tasks") or [] if (t.get("data") or {}).get("id") == victim
        ]
        assert [vm["status"] for vm in run["vms"]] == [t["status"] for t in own]
    failed = await xo.content("list_backup_runs", {"vm_id": victim, "status": "failure", "limit": 1})
    assert failed["items"][0]["vms"][0]["error"] == VDI_IO_ERROR


async def test_runs_of_the_last_hours(xo: XoSession, sim: RunningSimulator) -> None:
    since = time.time() * 1000 - 30 * 3_600_000
    expected = [log["id"] for log in all_runs(sim.state.inventory) if log["start"] >= since]
    answer = await xo.content("list_backup_runs", {"since_hours": 30, "limit": 100})
    assert answer["total"] == len(expected) and [r["id"] for r in answer["items"]] == expected


async def test_why_did_last_nights_backup_fail(connect: Connect, sim: RunningSimulator, docs_index: Path) -> None:
    inventory = sim.state.inventory
    dr = job_named(inventory, estate.JOB_DR)
    vm_id = dr["vms"]["id"]
    async with connect(sim.url, docs_index=docs_index) as session:
        result = await session.ok("list_backup_runs", {"vm_id": vm_id, "since_hours": 30})
    answer = result.structured_content
    assert answer is not None
    run = answer["items"][0]
    assert run["status"] == "failure" and run["vms"][0]["error"] == SR_FULL_ERROR
    doc = answer["docs"][run["vms"][0]["doc"]]
    assert doc["url"] == f"{TROUBLESHOOTING}sr_backend_failure_44" and doc["title"] == "Backup troubleshooting"
    text = text_of(result)
    assert f"{SR_FULL_ERROR} [doc 1]" in text and "[doc 1] Backup troubleshooting › SR_BACKEND_FAILURE_44: " in text
    assert STACK_FRAME not in text


async def test_a_run_that_failed_before_its_vms_says_why(connect: Connect, sim: RunningSimulator) -> None:
    job = job_named(sim.state.inventory, estate.JOB_BROKEN_REMOTE)
    async with connect(sim.url) as session:
        result = await session.ok("list_backup_runs", {"job_id": job["id"], "limit": 1})
    answer = result.structured_content
    assert answer is not None
    run = answer["items"][0]
    assert run["vms_total"] == 0 and run["steps"][0]["error"] == REMOTE_UNREACHABLE
    assert run["error"].startswith("all targets have failed")
    remote = run["steps"][0]["subject"]
    repository = sim.state.inventory.backup_repositories[job["remotes"]["id"]]["name"]
    assert remote == f"repository {repository}"


async def test_a_run_in_progress(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    answer = await xo.content("list_backup_runs", {"status": "pending"})
    assert answer["total"] == 1
    run = answer["items"][0]
    log = inventory.backup_logs[run["id"]]
    listed = next(info["data"]["vms"] for info in log["infos"] if info["message"] == "vms")
    tasked = {t["data"]["id"] for t in log["tasks"]}
    assert run["not_reached"] == len(set(listed) - tasked) == 1
    assert "duration_s" not in run and "end" not in run
    waiting = next(vm_id for vm_id in listed if vm_id not in tasked)
    own = await xo.content("list_backup_runs", {"vm_id": waiting, "status": "pending"})
    assert own["items"][0]["vms"] == [
        {"id": waiting, "name": inventory.vms[waiting]["name_label"], "status": "not reached"}
    ]


# Bad input -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "arguments", "lister"),
    [
        ("list_backup_runs", {"job_id": "0b7c3e4a-0000-4000-8000-00000000dead"}, "list_backup_jobs"),
        ("list_backup_runs", {"vm_id": "0b7c3e4a-0000-4000-8000-00000000dead"}, "list_vms"),
        ("get_backup_status", {"pool_id": "0b7c3e4a-0000-4000-8000-00000000dead"}, "list_pools"),
    ],
)
async def test_unknown_ids_name_the_tool_that_lists_valid_ones(
    xo: XoSession, tool: str, arguments: dict[str, Any], lister: str
) -> None:
    message = await xo.error(tool, arguments)
    assert "0b7c3e4a-0000-4000-8000-00000000dead" in message and lister in message


@pytest.mark.parametrize(
    ("tool", "arguments", "named"),
    [
        ("list_backup_runs", {"status": "failed"}, "status"),
        ("list_backup_runs", {"status": "FAILURE"}, "status"),
        ("list_backup_runs", {"since_hours": -1}, "since_hours"),
        ("list_backup_runs", {"since_hours": 0}, "since_hours"),
        ("list_backup_runs", {"since_hours": 10**9}, "since_hours"),
        ("list_backup_runs", {"since_hours": True}, "since_hours"),
        ("list_backup_runs", {"since_hours": "24"}, "since_hours"),
        ("list_backup_runs", {"limit": 0}, "limit"),
        ("list_backup_runs", {"limit": 101}, "limit"),
        ("list_backup_runs", {"offset": -1}, "offset"),
        ("get_backup_status", {"since_hours": -5}, "since_hours"),
        ("get_backup_status", {"since_hours": 24 * 367}, "since_hours"),
        ("list_backup_jobs", {"limit": 1000}, "limit"),
        ("list_backup_jobs", {"filter": "x" * 3000}, "filter"),
    ],
)
async def test_bad_arguments_never_reach_xo(
    xo: XoSession, sim: RunningSimulator, tool: str, arguments: dict[str, Any], named: str
) -> None:
    before = sim.state.requests.counts()["requests"]
    message = await xo.error(tool, arguments)
    assert named in message and len(message) < 600
    assert sim.state.requests.counts()["requests"] == before


# Damaged logs -----------------------------------------------------------------------------------------------------


def damaged_state() -> tuple[SimulatorState, list[str]]:
    """An estate whose newest runs are damaged: unknown status, missing fields, odd children, a tree far
    deeper than XO writes, a run of a job that no longer exists."""
    state = make_state(vms=60, seed=7)
    inventory = state.inventory
    job = job_named(inventory, estate.JOB_DAILY_DELTA)
    vm_id = next(iter(inventory.vms))
    start = int(time.time() * 1000) - 60_000
    deep: dict[str, Any] = {"message": "transfer", "status": "failure", "result": {"message": "bottom"}}
    for level in range(60):
        deep = {"message": f"level {level}", "status": "failure", "tasks": [deep], "start": start}
    logs = [
        {"id": str(start), "jobId": job["id"], "jobName": job["name"], "start": start, "status": "exploded"},
        {
            "id": str(start + 1),
            "jobId": job["id"],
            "start": start + 1,
            "end": start,  # ends before it starts
            "status": "failure",
            "tasks": [
                "not a task",
                None,
                {"data": {"type": "VM", "id": vm_id}, "status": "failure", "tasks": [deep]},
                {"data": "nonsense", "status": 7},
                {"message": "backup VM", "status": "failure", "result": {"stack": "Error: x\n    at Xapi._call (y)"}},
            ],
            "infos": "not a list",
            "result": "a plain string error\nwith a second line",
        },
        {"id": str(start + 2), "jobId": "gone-job", "start": start + 2, "status": "success", "tasks": {}},
        {"id": str(start + 3), "start": start + 3},
    ]
    for log in logs:
        inventory.add("backup-logs", log)
    inventory.cache.clear()
    return state, [log["id"] for log in logs]


async def test_damaged_logs_never_crash_a_tool(connect: Connect) -> None:
    state, ids = damaged_state()
    with simulator(state) as damaged:
        async with connect(damaged.url) as session:
            runs = await session.ok("list_backup_runs", {"limit": 10})
            answer = await session.content("get_backup_status")
            jobs = await session.content("list_backup_jobs")
            vm = await session.content("get_vm_details", {"vm_id": next(iter(state.inventory.vms))})
    items = {item["id"]: item for item in (runs.structured_content or {})["items"]}
    assert items[ids[0]]["status"] == "unknown"
    odd = items[ids[1]]
    assert odd["error"] == "a plain string error" and "duration_s" not in odd
    assert odd["vms"][0]["status"] == "failure" and odd["vms"][0]["id"] == next(iter(state.inventory.vms))
    assert odd["deep"] is True  # its error lies below the levels read: said, not guessed
    assert "(the log is deeper than XO writes it" in text_of(runs)
    assert items[ids[2]]["job"]["id"] == "gone-job"
    assert STACK_FRAME not in text_of(runs)
    assert answer["jobs"]["total"] == len(state.inventory.backup_jobs)
    assert jobs["total"] == len(state.inventory.backup_jobs)
    assert "backups" in vm or any("backups" in note for note in vm.get("notes", []))
