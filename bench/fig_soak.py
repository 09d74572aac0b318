"""Figure 7: the soak. 20 000 mixed calls over one session while the simulator fails 5 % of REST requests and
delays each by a random 0–200 ms.

Calls run through a fixed number of concurrent workers on one MCP session. Every answer is classified
(`bench.checks.verdict`): right, an isError answer worded for the model, wrong (a silent error), unanswered,
or an error answer leaking a traceback. The server's RSS is read when call 1 000 and call 20 000 complete.
"""

from __future__ import annotations

import time
from collections import Counter

import anyio

from bench import servers
from bench.checks import soak_mix, verdict
from bench.context import Bench
from bench.driver import launch
from bench.sim import Sim
from bench.stats import median, ms, percentile
from bench.truth import Truth

F7 = "7 soak"
MIB = 1024 * 1024
CALL_LIMIT_S = 60.0
RSS_MARK = 1_000


async def run(bench: Bench, sim: Sim, truth: Truth) -> None:
    plan = bench.plan
    calls = soak_mix(truth)
    verdicts: Counter[str] = Counter()
    by_tool: Counter[str] = Counter()
    examples: dict[str, str] = {}
    latencies: list[float] = []
    rss_series: list[tuple[int, float]] = []
    next_index = 0
    done = 0
    sim.reset_counters()
    sim.set_faults(error_rate=plan.soak_error_rate, latency_ms=plan.soak_latency_ms)
    try:
        async with launch(servers.ours(sim.url, sim.token), list_prompts=False) as (process, _):
            deadline = time.perf_counter() + plan.soak_time_cap_s

            async def worker() -> None:
                nonlocal next_index, done
                # Bounded in count and in time: a server slower than planned stops the soak early (reported).
                while next_index < plan.soak_calls and time.perf_counter() < deadline:
                    index = next_index
                    next_index += 1
                    call = calls[index % len(calls)]
                    outcome = await process.call(call.tool, call.args, limit_s=CALL_LIMIT_S)
                    kind = verdict(call, outcome)
                    verdicts[kind] += 1
                    by_tool[f"{call.tool} {kind}"] += 1
                    key = f"{kind} {call.tool}"
                    if kind not in ("ok", "error-ok") and key not in examples:
                        examples[key] = f"{call.tool}{call.args}: {(outcome.failure or outcome.text)[:240]}"
                    latencies.append(outcome.latency_s)
                    done += 1
                    if done % RSS_MARK == 0 or done == plan.soak_calls:
                        rss_series.append((done, process.rss_bytes() / MIB))

            start = time.perf_counter()
            async with anyio.create_task_group() as group:
                for _ in range(plan.soak_concurrency):
                    group.start_soon(worker)
            wall = time.perf_counter() - start
            alive = process.alive()
    finally:
        sim.clear_faults()
    counters = sim.counters()
    bench.results.details["soak_by_tool"] = dict(sorted(by_tool.items()))
    _report(bench, verdicts, examples, latencies, rss_series, wall, alive, counters.requests, counters.injected_errors)


def _report(
    bench: Bench,
    verdicts: Counter[str],
    examples: dict[str, str],
    latencies: list[float],
    rss_series: list[tuple[int, float]],
    wall: float,
    alive: bool,
    requests: int,
    injected: int,
) -> None:
    r = bench.results
    total = sum(verdicts.values())
    r.add(F7, "calls", "count", total)
    if total < bench.plan.soak_calls:
        cap = bench.plan.soak_time_cap_s
        r.note(f"soak stopped by its {cap:.0f} s time cap after {total} of {bench.plan.soak_calls} calls")
    r.add(F7, "wall time", "s", wall)
    r.add(F7, "throughput", "calls/s", total / wall if wall else None)
    r.add(F7, "latency p50", "ms", ms(median(latencies)))
    r.add(F7, "latency p95", "ms", ms(percentile(latencies, 95)))
    r.add(F7, "REST requests sent to the simulator", "count", requests)
    r.add(F7, "faults injected by the simulator", "count", injected)
    r.add(F7, "right answers", "count", verdicts["ok"])
    r.add(F7, "isError answers worded for the model", "count", verdicts["error-ok"])
    r.add(F7, "isError answers with a wrong diagnosis", "count", verdicts["misleading-error"])
    r.add(F7, "wrong answers (silent errors)", "count", verdicts["wrong"])
    r.add(F7, "error answers leaking internals", "count", verdicts["bad-error"])
    r.add(F7, "unanswered calls", "count", verdicts["unanswered"])
    at_mark = next((rss for n, rss in rss_series if n >= RSS_MARK), None)
    at_end = rss_series[-1][1] if rss_series else None
    r.add(F7, f"server RSS at call {RSS_MARK:,}", "MiB", at_mark)
    r.add(F7, f"server RSS at call {total:,}", "MiB", at_end)
    growth = (at_end - at_mark) / at_mark * 100 if at_mark and at_end is not None else None
    r.add(F7, "RSS growth", "%", growth)
    r.check(F7, "Zero crashes", "server alive at the end" if alive else "server died", alive)
    r.check(F7, f"{bench.plan.soak_calls:,} calls completed", f"{total:,}", total == bench.plan.soak_calls)
    r.check(F7, "Zero unanswered calls", str(verdicts["unanswered"]), verdicts["unanswered"] == 0)
    errors_right = verdicts["wrong"] + verdicts["bad-error"]
    r.check(F7, "Every error reported as an isError answer (no silent or leaking errors)", str(errors_right),
            errors_right == 0)  # fmt: skip
    r.target(F7, f"RSS growth call {RSS_MARK:,} → {total:,} ≤ 5 %", growth, lambda v: v <= 5, "{:.1f} %")
    for key, example in examples.items():
        r.note(f"soak, first {key} answer: {example}")
    r.details["soak"] = {
        "verdicts": dict(verdicts),
        "rss_mib_series": rss_series,
        "concurrency": bench.plan.soak_concurrency,
        "error_rate": bench.plan.soak_error_rate,
        "latency_ms": bench.plan.soak_latency_ms,
    }
