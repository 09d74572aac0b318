"""Figure 5: ``get_infrastructure_summary`` and ``list_vms(limit=100)`` at 1 000, 10 000 and 100 000 VMs.

For each size one simulator holds the inventory and each server is started fresh against it, so its peak RSS
(kernel high-water mark, start-up included) belongs to that size alone. Times are medians of a few calls
after one warm-up call; the official server's equivalents are its ``get_infrastructure_summary`` and
``vms_query(operation="GetVms", limit=100)``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from bench import servers
from bench.context import OFFICIAL, OURS, Bench
from bench.driver import McpProcess, ServerCommand, launch
from bench.sim import Sim
from bench.stats import median, ms

F5 = "5 scale"
MIB = 1024 * 1024
CALL_LIMIT_S = 180.0

CALLS: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {
    "summary": {
        OURS: ("get_infrastructure_summary", {}),
        OFFICIAL: ("get_infrastructure_summary", {}),
    },
    "list_vms(limit=100)": {
        OURS: ("list_vms", {"limit": 100}),
        OFFICIAL: ("vms_query", {"operation": "GetVms", "limit": 100}),
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


async def run(bench: Bench, start_sim: Callable[[int], AbstractContextManager[Sim]]) -> None:
    r = bench.results
    per_size: dict[int, dict[str, dict[str, Any]]] = {}
    for size in bench.plan.scale_sizes:
        with start_sim(size) as sim:
            measured = {OURS: await _measure(bench, servers.ours(sim.url, sim.token), OURS)}
            if bench.compare:
                measured[OFFICIAL] = await _measure(bench, bench.official.command(sim.url, token=sim.token), OFFICIAL)
        per_size[size] = measured
        label = f"{size:,} VMs".replace(",", " ")
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
            if not median(ours_t[case]["times"]) < median(theirs_t[case]["times"])
        )
        if not measured[OURS]["peak_rss_mib"] < measured[OFFICIAL]["peak_rss_mib"]:
            losses.append(f"bigger at {size}")
    measured_text = "yes at every size" if not losses else "; ".join(losses)
    r.check(F5, "Faster and smaller than the official server at every size", measured_text, not losses)
