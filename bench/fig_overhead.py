"""Figure 4: what MCP adds to a call: our tool's latency minus the raw REST request it makes.

``list_pools`` makes exactly one REST request (an NDJSON GET of the default fields). The raw side sends that
same request with our own `XoClient` (same httpx settings, same simulator, from the bench process). Tool call
and raw request alternate; the overhead is the median of the per-pair differences, so drifts of the machine
cancel out. The floor any server on this SDK pays, a ``tools/call`` round trip of the SDK baseline server's
trivial tool, is shown beside it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench import servers
from bench.context import Bench
from bench.driver import McpProcess, launch
from bench.stats import median, ms, percentile
from xo_mcp.client import XoClient
from xo_mcp.config import load_settings
from xo_mcp.tools.inventory import POOL_HOST_CAP, POOLS

F4 = "4 MCP overhead"


async def _timed(action: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await action()
    return time.perf_counter() - start


async def run(bench: Bench, ours: McpProcess, url: str, token: str) -> None:
    client = XoClient(load_settings({"XO_URL": url, "XO_TOKEN": token}))
    pool_fields = list(POOLS.default_fields)

    async def raw_pools() -> None:
        rows = [row async for row in client.iter_objects("pools", fields=pool_fields, limit=POOL_HOST_CAP + 1)]
        assert rows

    async def tool(name: str) -> None:
        outcome = await ours.call(name)
        if not outcome.answered or outcome.is_error:
            raise RuntimeError(f"{name} failed during the overhead run: {outcome.failure or outcome.text[:200]}")

    cases: list[tuple[str, Callable[[], Awaitable[None]], str, int]] = [
        ("list_pools", raw_pools, "1 NDJSON GET /pools", bench.plan.overhead_pairs),
    ]
    try:
        for name, raw, what, pairs in cases:
            for _ in range(5):  # warm both paths: connections, caches
                await tool(name)
                await raw()
            deltas: list[float] = []
            tool_times: list[float] = []
            raw_times: list[float] = []
            for index in range(pairs):
                if index % 2 == 0:
                    t_tool = await _timed(functools.partial(tool, name))
                    t_raw = await _timed(raw)
                else:
                    t_raw = await _timed(raw)
                    t_tool = await _timed(functools.partial(tool, name))
                tool_times.append(t_tool)
                raw_times.append(t_raw)
                deltas.append(t_tool - t_raw)
            r = bench.results
            r.add(F4, f"{name} via MCP, p50", "ms", ms(median(tool_times)))
            r.add(F4, f"{name} raw REST ({what}), p50", "ms", ms(median(raw_times)))
            r.add(F4, f"{name} overhead (paired difference), p50", "ms", ms(median(deltas)))
            r.add(F4, f"{name} overhead (paired difference), p95", "ms", ms(percentile(deltas, 95)))
            if name == "list_pools":
                r.target(
                    F4,
                    "MCP overhead per call ≤ 2 ms p50 (list_pools)",
                    ms(median(deltas)),
                    lambda v: v <= 2,
                    "{:.2f} ms",
                )
    finally:
        await client.aclose()
    async with launch(servers.baseline(), list_prompts=False) as (baseline, _):
        for _ in range(5):
            await baseline.call("ping")
        floor = [(await baseline.call("ping")).latency_s for _ in range(bench.plan.overhead_pairs)]
    bench.results.add(
        F4, "SDK floor: tools/call round trip of the baseline server's ping, p50", "ms", ms(median(floor))
    )
