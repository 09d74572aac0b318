"""Figure 6: 200 tool calls in flight at once over one session.

All calls are sent together on one MCP session; the simulator adds a fixed 50 ms to every REST request so
they are genuinely concurrent at XO. Every answer is checked against the simulator's ground truth;
the server process's TCP connections to the simulator are sampled to find the peak.
"""

from __future__ import annotations

import time

import anyio

from bench.checks import CheckedCall, official_equivalent, ours_mix, verdict
from bench.context import OFFICIAL, OURS, Bench
from bench.driver import CallOutcome, McpProcess
from bench.netwatch import PeakConnections
from bench.sim import Sim
from bench.stats import ms
from bench.truth import Truth

F6 = "6 concurrency"
LATENCY_MS = (50.0, 50.0)


async def _burst(process: McpProcess, calls: list[CheckedCall]) -> tuple[float, list[CallOutcome]]:
    outcomes: list[CallOutcome | None] = [None] * len(calls)

    async def one(index: int) -> None:
        outcomes[index] = await process.call(calls[index].tool, calls[index].args, limit_s=120)

    start = time.perf_counter()
    async with anyio.create_task_group() as group:
        for index in range(len(calls)):
            group.start_soon(one, index)
    wall = time.perf_counter() - start
    return wall, [outcome for outcome in outcomes if outcome is not None]


async def run(bench: Bench, sessions: dict[str, McpProcess], sim: Sim, truth: Truth) -> None:
    count = bench.plan.concurrent_calls
    ours_calls = ours_mix(truth, count)
    plans = {OURS: ours_calls}
    if OFFICIAL in sessions:
        plans[OFFICIAL] = [official_equivalent(call, truth) for call in ours_calls]
    measured: dict[str, dict[str, float]] = {}
    sim.set_faults(error_rate=0.0, latency_ms=LATENCY_MS)
    try:
        for label, calls in plans.items():
            sim.reset_counters()
            with PeakConnections(sessions[label].pid, sim.port) as watch:
                wall, outcomes = await _burst(sessions[label], calls)
            counters = sim.counters()
            verdicts = [verdict(call, outcome) for call, outcome in zip(calls, outcomes, strict=True)]
            correct = sum(
                1 for v, call in zip(verdicts, calls, strict=True) if v == ("error-ok" if call.expect_error else "ok")
            )
            measured[label] = {
                "wall_ms": ms(wall),
                "correct": correct,
                "peak_connections": watch.peak,
                "requests": counters.requests,
            }
            for call, v, outcome in zip(calls, verdicts, outcomes, strict=True):
                if v not in ("ok", "error-ok") or (v == "error-ok" and not call.expect_error):
                    bench.results.note(
                        f"concurrency: {label} {call.tool}{call.args}: {v}: {(outcome.failure or outcome.text)[:160]}"
                    )
                    break
    finally:
        sim.clear_faults()
    r = bench.results
    theirs = measured.get(OFFICIAL, {})
    r.add(F6, f"{count} calls answered correctly", "count", measured[OURS]["correct"], theirs.get("correct"))
    r.add(F6, "wall time for the burst", "ms", measured[OURS]["wall_ms"], theirs.get("wall_ms"))
    r.add(F6, "peak connections to XO", "count", measured[OURS]["peak_connections"], theirs.get("peak_connections"))
    r.add(F6, "REST requests sent", "count", measured[OURS]["requests"], theirs.get("requests"))
    correct = int(measured[OURS]["correct"])
    r.check(F6, f"{count} concurrent calls all answered correctly", f"{correct}/{count}", correct == count)
    r.details["concurrency"] = {"latency_ms_per_request": LATENCY_MS, **measured}
