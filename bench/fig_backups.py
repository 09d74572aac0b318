"""Figure 11: backups. `get_backup_status` at 1 000, 10 000 and 100 000 VMs (the largest with 50 jobs and
10 000 runs), on XO's `/dashboard` path (admin) and on the computed path (the simulator's dashboards turned
off, as on an older XO; a non-admin's 403 takes the same path), each on a fresh server process so that its peak
RSS (kernel high-water mark, start-up included) belongs to that estate; time is the median of a few calls after
a warm-up call; the answer's tokens are counted at every size. `list_backup_jobs()` and `list_backup_runs()`
are timed beside it.

Then two questions, side by side with the official server on the 1 000-VM estate, counting the calls and the
tokens of the answers (text, what the model reads) that reach the facts:
- "Which VMs are not backed up?": ours is one `get_backup_status()`; the official server has no answer of its
  own, so the minimum is the data a model must combine itself: the jobs with their selections and schedules
  settings, the schedules, the runs of the last week with their tasks, and every VM with its tags and pool
  (four `*_query` calls; `dashboard_query` would add XO's counts, not the names). Facts: ours states XO's
  own counts (read from `/dashboard` directly); the official answers hold every VM the model would sort.
- "Why did last night's backup of VM X fail?" (X: the VM of the disaster-recovery job whose last runs fail
  with SR_BACKEND_FAILURE_44): ours is one `list_backup_runs(vm_id=X, since_hours=30)`; the official server
  needs the runs naming X in that window with their task trees (`backup_logs_query`, §4's filter), then its
  `search_documentation(topic="backups")` for an explanation. Facts: the error and a link to the section that
  explains it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import httpx

from bench import servers
from bench.context import OFFICIAL, OURS, Bench
from bench.driver import McpProcess, ServerCommand, launch
from bench.sim import Sim
from bench.stats import median, ms

F11 = "11 backups"
MIB = 1024 * 1024
CALL_LIMIT_S = 180.0
LARGE = 100_000
LARGE_JOBS, LARGE_RUNS = 50, 10_000
QUESTION_HOURS = 30
StartSim = Callable[[int, Sequence[str]], AbstractContextManager[Sim]]


def sim_options(size: int) -> list[str]:
    """Backups as current as the clock (the tools count from now), and the issue's 50 jobs / 10 000 runs at scale."""
    extra = ["--now", "now"]
    if size >= LARGE:
        extra += ["--backup-jobs", str(LARGE_JOBS), "--backup-runs", str(LARGE_RUNS)]
    return extra


def _rest(sim: Sim, path: str, **params: str) -> Any:
    headers = {"Cookie": f"authenticationToken={sim.token}"}
    response = httpx.get(f"{sim.url}/rest/v0{path}", params=params, headers=headers, timeout=120)
    response.raise_for_status()
    return response.json()


def _dashboards(sim: Sim, on: bool) -> None:
    httpx.post(f"{sim.url}/_simulator/dashboard", json={"routes": on}, timeout=30).raise_for_status()


async def _timed(process: McpProcess, tool: str, args: dict[str, Any], reps: int) -> dict[str, Any]:
    times: list[float] = []
    text = ""
    errors: list[str] = []
    for index in range(reps + 1):
        outcome = await process.call(tool, args, limit_s=CALL_LIMIT_S)
        if outcome.failure or outcome.is_error:
            errors.append(outcome.failure or outcome.text[:200])
            continue
        if index == 0:
            text = outcome.text
        else:  # the first call opens connections and the documentation index
            times.append(outcome.latency_s)
    return {"times": times, "text": text, "errors": errors}


async def _measure(bench: Bench, command: ServerCommand, *, others: bool) -> dict[str, Any]:
    found: dict[str, Any] = {}
    async with launch(command, list_prompts=False) as (process, _):
        found["status"] = await _timed(process, "get_backup_status", {}, bench.plan.scale_reps)
        if others:
            found["jobs"] = await _timed(process, "list_backup_jobs", {}, bench.plan.scale_reps)
            found["runs"] = await _timed(process, "list_backup_runs", {}, bench.plan.scale_reps)
        found["peak_rss_mib"] = process.peak_rss_bytes() / MIB
    return found


async def _scale(bench: Bench, sim: Sim) -> dict[str, Any]:
    measured = {"xo-dashboard": await _measure(bench, servers.ours(sim.url, sim.token), others=True)}
    _dashboards(sim, False)
    try:
        measured["computed"] = await _measure(bench, servers.ours(sim.url, sim.token), others=False)
    finally:
        _dashboards(sim, True)
    return measured


def _official_calls(sim: Sim) -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, dict[str, Any]]], str]:
    now_ms = int(time.time() * 1000)
    week = now_ms - 8 * 86_400_000
    jobs = _rest(sim, "/backup-jobs", fields="id,name,vms")
    dr = next(job for job in jobs if job.get("name") == "DR nightly")
    vm_id = str(dr["vms"]["id"])
    not_backed_up = [
        ("backup_jobs_query", {"operation": "GetBackupJobs", "fields": "id,name,type,vms,settings"}),
        ("schedules_query", {"operation": "GetSchedules", "fields": "id,jobId,enabled"}),
        (
            "backup_logs_query",
            {"operation": "GetBackupLogs", "fields": "jobId,start,status,tasks", "filter": f"start:>{week}"},
        ),
        ("vms_query", {"operation": "GetVms", "fields": "id,name_label,tags,$pool"}),
    ]
    since = now_ms - QUESTION_HOURS * 3_600_000
    why_failed = [
        (
            "backup_logs_query",
            {
                "operation": "GetBackupLogs",
                "fields": "id,jobName,start,end,status,result,tasks",
                "filter": f"tasks:{vm_id} start:>{since}",
            },
        ),
        ("search_documentation", {"topic": "backups"}),
    ]
    return not_backed_up, why_failed, vm_id


async def _ask(process: McpProcess, calls: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    texts, errors, latency = [], [], 0.0
    for tool, args in calls:
        outcome = await process.call(tool, args, limit_s=CALL_LIMIT_S)
        latency += outcome.latency_s
        texts.append(outcome.text)
        if outcome.failure or outcome.is_error:
            errors.append(f"{tool}: {(outcome.failure or outcome.text)[:160]}")
    return {"calls": [{"tool": t, "arguments": a} for t, a in calls], "texts": texts, "errors": errors, "s": latency}


async def _questions(bench: Bench, sim: Sim) -> dict[str, dict[str, Any]]:
    official_q1, official_q2, vm_id = _official_calls(sim)
    ours_q1: list[tuple[str, dict[str, Any]]] = [("get_backup_status", {})]
    ours_q2 = [("list_backup_runs", {"vm_id": vm_id, "since_hours": QUESTION_HOURS})]
    asked: dict[str, dict[str, Any]] = {"not_backed_up": {}, "why_failed": {}}
    async with launch(servers.ours(sim.url, sim.token), list_prompts=False) as (ours, _):
        asked["not_backed_up"][OURS] = await _ask(ours, ours_q1)
        asked["why_failed"][OURS] = await _ask(ours, ours_q2)
    if bench.compare:
        async with launch(bench.official.command(sim.url, token=sim.token), list_prompts=False) as (official, _):
            asked["not_backed_up"][OFFICIAL] = await _ask(official, official_q1)
            asked["why_failed"][OFFICIAL] = await _ask(official, official_q2)
    backups = _rest(sim, "/dashboard")["backups"]["vmsProtection"]
    vm_ids = [str(vm["id"]) for vm in _rest(sim, "/vms", fields="id")]
    facts: dict[str, dict[str, Callable[[str], bool]]] = {
        "not_backed_up": {
            OURS: lambda text: (
                f"{backups['unprotected']:,} unprotected" in text
                and f"{backups['notInJob']:,} in no active job" in text
            ),
            OFFICIAL: lambda text: all(vm in text for vm in vm_ids),
        },
        "why_failed": {
            OURS: lambda text: (
                "SR_BACKEND_FAILURE_44" in text and "backup_troubleshooting#sr_backend_failure_44" in text
            ),
            OFFICIAL: lambda text: "SR_BACKEND_FAILURE_44" in text and "insufficient space" in text.lower(),
        },
    }
    for key, per_server in asked.items():
        for label, exchange in per_server.items():
            text = "\n".join(exchange["texts"])
            exchange["tokens"] = sum(bench.tokenizer.count(exchange["texts"]))
            exchange["bytes"] = len(text.encode())
            exchange["facts_ok"] = facts[key][label](text)
            del exchange["texts"]
    return asked


async def run(bench: Bench, start_sim: StartSim) -> None:
    r = bench.results
    per_size: dict[int, dict[str, Any]] = {}
    questions: dict[str, dict[str, Any]] = {}
    for size in bench.plan.scale_sizes:
        with start_sim(size, sim_options(size)) as sim:
            per_size[size] = await _scale(bench, sim)
            if size == min(bench.plan.scale_sizes):
                questions = await _questions(bench, sim)
        scale = f", {LARGE_JOBS} jobs, {LARGE_RUNS:_} runs" if size >= LARGE else ""
        label = f"{size:_} VMs{scale}".replace("_", " ")
        for path, measured in per_size[size].items():
            status = measured["status"]
            r.add(F11, f"{label}: get_backup_status ({path}) time", "ms", ms(median(status["times"])))
            r.add(F11, f"{label}: get_backup_status ({path}) peak RSS", "MiB", measured["peak_rss_mib"])
            status["tokens"] = bench.tokenizer.count([status["text"]])[0] if status["text"] else None
            r.add(F11, f"{label}: get_backup_status ({path}) answer", "tokens", status["tokens"])
            for other in ("jobs", "runs"):
                if other in measured:
                    tool = {"jobs": "list_backup_jobs()", "runs": "list_backup_runs()"}[other]
                    r.add(F11, f"{label}: {tool} time", "ms", ms(median(measured[other]["times"])))
            for case in ("status", "jobs", "runs"):
                for error in measured.get(case, {}).get("errors", [])[:1]:
                    r.note(f"backups {label}, {case} ({path}): answered with an error: {error}")
            for case in ("status", "jobs", "runs"):
                measured.get(case, {}).pop("text", None)
    _question_rows(bench, questions)
    r.details["backups"] = {"scale": per_size, "questions": questions}
    _targets(bench, per_size, questions)


def _question_rows(bench: Bench, questions: dict[str, dict[str, Any]]) -> None:
    r = bench.results
    words = {
        "not_backed_up": "“Which VMs are not backed up?”",
        "why_failed": "“Why did last night's backup of VM X fail?”",
    }
    for key, per_server in questions.items():
        ours, official = per_server.get(OURS), per_server.get(OFFICIAL)
        section = f"{F11}: {words[key]}"
        r.add(
            section,
            "calls",
            "count",
            len(ours["calls"]) if ours else None,
            len(official["calls"]) if official else None,
        )
        r.add(section, "answers", "tokens", ours["tokens"] if ours else None, official["tokens"] if official else None)
        r.add(section, "answers", "bytes", ours["bytes"] if ours else None, official["bytes"] if official else None)
        for label, exchange in per_server.items():
            for error in exchange["errors"][:2]:
                r.note(f"{words[key]}: {label} answered with an error: {error}")
            if not exchange["facts_ok"]:
                r.note(f"{words[key]}: {label}'s answers lack facts needed to answer (checked against the simulator)")


def _targets(bench: Bench, per_size: dict[int, dict[str, Any]], questions: dict[str, dict[str, Any]]) -> None:
    r = bench.results
    largest = max(per_size)
    if largest >= LARGE:
        admin = per_size[largest]["xo-dashboard"]
        scale = f"{largest:_} VMs, {LARGE_JOBS} jobs, {LARGE_RUNS:_} runs".replace("_", " ")
        text = f"get_backup_status at {scale} ≤ 2 s (XO's figures, admin)"
        r.target(F11, text, median(admin["status"]["times"]), lambda v: v <= 2.0, "{:.2f} s")
        peak = max(measured["peak_rss_mib"] for measured in per_size[largest].values())
        r.target(F11, "Server peak RSS for it ≤ 150 MiB (both paths)", peak, lambda v: v <= 150, "{:.0f} MiB")
    else:
        r.check(F11, "get_backup_status at 100 000 VMs ≤ 2 s, ≤ 150 MiB", "not run (quick mode)", None)
    tokens = [m["status"]["tokens"] for sized in per_size.values() for m in sized.values() if m["status"]["tokens"]]
    r.target(
        F11,
        "Overview ≤ ~1 500 tokens at every estate size",
        max(tokens) if tokens else None,
        lambda v: v <= 1500,
        "{:.0f} tokens",
    )
    for key, words in (("not_backed_up", "which VMs are not backed up"), ("why_failed", "why a backup failed")):
        per_server = questions.get(key, {})
        ours, official = per_server.get(OURS), per_server.get(OFFICIAL)
        if ours is None or official is None:
            r.check(
                F11,
                f"“{words}”: fewer calls and tokens than the official server, same facts",
                "official unavailable",
                None,
            )
            continue
        ratio = ours["tokens"] / max(1, official["tokens"])
        measured = f"{len(ours['calls'])} vs {len(official['calls'])} calls, {ratio:.3f}× tokens"
        met = ours["facts_ok"] and len(ours["calls"]) < len(official["calls"]) and ours["tokens"] < official["tokens"]
        r.check(F11, f"“{words}”: fewer calls and tokens than the official server, same facts", measured, met)
