"""Figure 9: the simulator itself at 1 000, 10 000 and 100 000 VMs (the test bed must not be the bottleneck).

Generation time is measured in a fresh interpreter (after its imports). Serving: the simulator runs as its
own process; ``GET /rest/v0/vms?fields=power_state&ndjson=true`` is streamed several times, timing the first
body byte and the full transfer. Memory: the process's RSS once the inventory is built and its peak (kernel
high-water mark) after the transfers; their difference is what serving costs, which stays flat when the
answer is streamed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import anyio.to_thread
import httpx

from bench.context import Bench
from bench.sim import HOSTS_PER_POOL, POOLS, Sim
from bench.stats import median, ms

F9 = "9 simulator"
MIB = 1024 * 1024
TRANSFERS = 3

_GENERATE = f"""
import sys, time
from xo_mcp.simulator.generator import generate_inventory
started = time.perf_counter()
generate_inventory(seed=int(sys.argv[1]), pools={POOLS}, hosts_per_pool={HOSTS_PER_POOL}, vms=int(sys.argv[2]))
print(time.perf_counter() - started)
"""


def _generation_s(seed: int, vms: int) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _GENERATE, str(seed), str(vms)], capture_output=True, text=True, check=True, timeout=300
    )
    return float(done.stdout.strip().splitlines()[-1])


def _memory_kib(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return float(line.split()[1])
    return float("nan")


def _transfer(sim: Sim) -> tuple[float, float, int]:
    """Seconds to the first body byte, seconds to the last, and lines received."""
    url = f"{sim.url}/rest/v0/vms"
    params = {"fields": "power_state", "ndjson": "true"}
    headers = {"Cookie": f"authenticationToken={sim.token}", "Accept-Encoding": "identity"}
    started = time.perf_counter()
    first = 0.0
    lines = 0
    with httpx.stream("GET", url, params=params, headers=headers, timeout=300) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            if not first:
                first = time.perf_counter() - started
            lines += chunk.count(b"\n")
    return first, time.perf_counter() - started, lines


async def run(bench: Bench, start_sim: Callable[[int], AbstractContextManager[Sim]]) -> None:
    r = bench.results
    for size in bench.plan.scale_sizes:
        label = f"{size:,} VMs".replace(",", " ")
        r.add(
            F9,
            f"{label}: inventory generation",
            "ms",
            ms(await anyio.to_thread.run_sync(_generation_s, bench.seed, size)),
        )
        with start_sim(size) as sim:
            pid = sim.process.pid
            built_kib = _memory_kib(pid, "VmRSS")
            runs = [await anyio.to_thread.run_sync(_transfer, sim) for _ in range(TRANSFERS)]
            peak_kib = _memory_kib(pid, "VmHWM")
        if any(lines != size for _, _, lines in runs):
            r.note(f"figure 9: a transfer at {label} did not return {size} lines")
        r.add(F9, f"{label}: first byte (ndjson, fields=power_state)", "ms", ms(median([f for f, _, _ in runs])))
        r.add(F9, f"{label}: full transfer", "ms", ms(median([t for _, t, _ in runs])))
        r.add(F9, f"{label}: simulator RSS with the inventory built", "MiB", built_kib / 1024)
        r.add(F9, f"{label}: simulator peak RSS after {TRANSFERS} transfers", "MiB", peak_kib / 1024)
        r.add(F9, f"{label}: serving overhead (peak − built)", "MiB", (peak_kib - built_kib) / 1024)
