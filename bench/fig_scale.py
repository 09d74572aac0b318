"""Figure 5: ``get_infrastructure_summary`` and ``list_vms(limit=100)`` at 1 000, 10 000 and 100 000 VMs.

For each size one simulator holds the inventory and each server is started fresh against it, so its peak RSS
(kernel high-water mark, start-up included) belongs to that size alone. Times are medians of a few calls
after one warm-up call; the official server's equivalents are its ``get_infrastructure_summary`` and
``vms_query(operation="GetVms", limit=100)``. Our summary is measured twice: reading XO's ``/dashboard``
aggregates (the default path) and, with the simulator's dashboard routes answering 404 like an older XO, the
streaming count it falls back to (each in a fresh server, so the 404 is learnt once). The yardstick of the
aggregate path is the cost of one small REST request made through the same server: ``list_pools`` (one
``GET /pools`` of a few objects), timed the same way; the direct ``GET /pools?fields=id&limit=1`` from the bench
is shown beside it for the floor.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx

from bench import servers
from bench.context import OFFICIAL, OURS, Bench
from bench.driver import McpProcess, ServerCommand, launch
from bench.sim import Sim
from bench.stats import median, ms

F5 = "5 scale"
MIB = 1024 * 1024
CALL_LIMIT_S = 180.0
FALLBACK = "summary, streaming fallback"
SMALL_REQUEST = "one small REST request, direct"
YARDSTICK = "list_pools (one small REST request)"

CALLS: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {
    "summary": {
        OURS: ("get_infrastructure_summary", {}),
        OFFICIAL: ("get_infrastructure_summary", {}),
    },
    "list_vms(limit=100)": {
        OURS: ("list_vms", {"limit": 100}),
        OFFICIAL: ("vms_query", {"operation": "GetVms", "limit": 100}),
    },
    YARDSTICK: {
        OURS: ("list_pools", {}),
        OFFICIAL: ("pools_query", {"operation": "GetPools"}),
    },
}


async def _measure(bench: Bench, command: ServerCommand, label: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    async with launch(command, list_prompts=False) as (process, _):
        for case, per_server in CALLS.items():
            tool, args = per_server[label]
            times, sizes, errors = await _repeat(process, tool, args, bench.plan.scale_reps)
            found[case] = {"times": times, "bytes": sizes, "errors": errors}
        found["peak_rss_mib"] = process.peak_rss_bytes() / MIB
    return found


async def _repeat(
    process: McpProcess, tool: str, args: dict[str, Any], reps: int
) -> tuple[list[float], list[int], list[str]]:
    times: list[float] = []
    sizes: list[int] = []
    errors: list[str] = []
    for index in range(reps + 1):
        outcome = await process.call(tool, args, limit_s=CALL_LIMIT_S)
        if outcome.failure or outcome.is_error:
            errors.append(outcome.failure or outcome.text[:200])
            continue
        if index > 0:  # the first call warms connections and caches
            times.append(outcome.latency_s)
            sizes.append(outcome.text_bytes)
    return times, sizes, errors


async def _fallback(sim: Sim, reps: int) -> dict[str, Any]:
    """Our summary on an XO without /dashboard: the streaming count."""
    sim.set_dashboard_routes(False)
    try:
        async with launch(servers.ours(sim.url, sim.token), list_prompts=False) as (process, _):
            times, sizes, errors = await _repeat(process, "get_infrastructure_summary", {}, reps)
            return {"times": times, "bytes": sizes, "errors": errors, "peak_rss_mib": process.peak_rss_bytes() / MIB}
    finally:
        sim.set_dashboard_routes(True)


def _small_request(sim: Sim, reps: int) -> list[float]:
    with httpx.Client(base_url=f"{sim.url}/rest/v0", cookies={"authenticationToken": sim.token}) as client:
        client.get("/pools", params={"fields": "id", "limit": "1"}).raise_for_status()  # warm the connection
        times = []
        for _ in range(max(reps, 5)):
            started = time.perf_counter()
            client.get("/pools", params={"fields": "id", "limit": "1"}).raise_for_status()
            times.append(time.perf_counter() - started)
    return times


async def run(bench: Bench, start_sim: Callable[[int], AbstractContextManager[Sim]]) -> None:
    r = bench.results
    per_size: dict[int, dict[str, dict[str, Any]]] = {}
    for size in bench.plan.scale_sizes:
        with start_sim(size) as sim:
            measured = {OURS: await _measure(bench, servers.ours(sim.url, sim.token), OURS)}
            measured[OURS][FALLBACK] = await _fallback(sim, bench.plan.scale_reps)
            measured[OURS][SMALL_REQUEST] = {"times": _small_request(sim, bench.plan.scale_reps)}
            if bench.compare:
                measured[OFFICIAL] = await _measure(bench, bench.official.command(sim.url, token=sim.token), OFFICIAL)
        per_size[size] = measured
        ours = measured[OURS]
        label = f"{size:,} VMs".replace(",", " ")
        official_summary = measured[OFFICIAL]["summary"]["times"] if OFFICIAL in measured else None
        r.add(
            F5,
            f"{label}: {FALLBACK} time",
            "ms",
            ms(median(ours[FALLBACK]["times"])),
            ms(median(official_summary)) if official_summary else None,
        )
        r.add(F5, f"{label}: {FALLBACK} peak RSS", "MiB", ours[FALLBACK]["peak_rss_mib"], None)
        r.add(F5, f"{label}: {SMALL_REQUEST} time", "ms", ms(median(ours[SMALL_REQUEST]["times"])), None)
        for error in ours[FALLBACK]["errors"][:1]:
            r.note(f"scale {label}, {FALLBACK}: our server answered with an error: {error}")
        for case in CALLS:
            t = {server: ms(median(values[case]["times"])) for server, values in measured.items()}
            b = {server: median([float(n) for n in values[case]["bytes"]]) for server, values in measured.items()}
            r.add(F5, f"{label}: {case} time", "ms", t[OURS], t.get(OFFICIAL))
            r.add(F5, f"{label}: {case} answer", "bytes", b[OURS], b.get(OFFICIAL))
            for server, values in measured.items():
                for error in values[case]["errors"][:1]:
                    r.note(f"scale {label}, {case}: {server} answered with an error: {error}")
        rss = {server: values["peak_rss_mib"] for server, values in measured.items()}
        r.add(F5, f"{label}: server peak RSS", "MiB", rss[OURS], rss.get(OFFICIAL))
    r.details["scale"] = per_size
    _targets(bench, per_size)


def _targets(bench: Bench, per_size: dict[int, dict[str, dict[str, Any]]]) -> None:
    r = bench.results
    ratios = {
        size: median(measured[OURS]["summary"]["times"]) / median(measured[OURS][YARDSTICK]["times"])
        for size, measured in per_size.items()
    }
    worst = max(ratios.values())
    r.target(
        F5,
        "Summary (XO's aggregates) within 2× one small REST request (list_pools) at every size",
        worst,
        lambda v: v <= 2.0,
        "{:.2f}× at worst (" + ", ".join(f"{size:,}: {ratio:.2f}×" for size, ratio in sorted(ratios.items())) + ")",
    )
    largest = max(per_size)
    if largest >= 100_000:
        ours = per_size[largest][OURS]
        summary_s = median(ours["summary"]["times"])
        r.target(F5, f"Summary at {largest:,} VMs ≤ 2 s", summary_s, lambda v: v <= 2.0, "{:.2f} s")
        peak = ours["peak_rss_mib"]
        r.target(
            F5, f"Server peak RSS at {largest:,} VMs ≤ 150 MB (checked in MiB)", peak, lambda v: v <= 150, "{:.0f} MiB"
        )
    else:
        r.check(F5, "Summary at 100 000 VMs ≤ 2 s, peak RSS ≤ 150 MB", "not run (quick mode)", None)
    if not bench.compare:
        r.check(F5, "Faster and smaller than the official server at every size", "official unavailable", None)
        return
    losses: list[str] = []
    for size, measured in sorted(per_size.items()):
        ours_t, theirs_t = measured[OURS], measured[OFFICIAL]
        losses.extend(
            f"{case} slower at {size}"
            for case in CALLS
            if case != YARDSTICK and not median(ours_t[case]["times"]) < median(theirs_t[case]["times"])
        )
        if not measured[OURS]["peak_rss_mib"] < measured[OFFICIAL]["peak_rss_mib"]:
            losses.append(f"bigger at {size}")
    measured_text = "yes at every size" if not losses else "; ".join(losses)
    r.check(F5, "Faster and smaller than the official server at every size", measured_text, not losses)
