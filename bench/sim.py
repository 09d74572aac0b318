"""The project's simulator, run as its own process (``xo-mcp simulate``) on 127.0.0.1 for the bench.

A separate process keeps the simulator's Python work off the bench's interpreter, so the client timings
and the raw REST requests of figure 4 are not slowed by the GIL they would otherwise share with it.
Faults and request counters go through the simulator's private control routes (``/_simulator/...``).
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

POOLS = 4
HOSTS_PER_POOL = 8
FAULT_SEED = 20_000
START_TIMEOUT_S = 120.0
_URL = re.compile(r"(http://127\.0\.0\.1:\d+)/rest/v0")


@dataclass(frozen=True)
class SimCounters:
    requests: int
    injected_errors: int


class Sim:
    """A running simulator: where it listens, how to log in, its fault knobs and request counters."""

    def __init__(self, url: str, token: str, process: subprocess.Popen[str]) -> None:
        self.url = url
        self.token = token
        self.port = int(url.rsplit(":", 1)[1])
        self.process = process
        self._control = httpx.Client(base_url=url + "/_simulator", timeout=30)

    def close(self) -> None:
        self._control.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._control.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def set_faults(self, *, error_rate: float, latency_ms: tuple[float, float]) -> None:
        bounds = None if latency_ms == (0.0, 0.0) else list(latency_ms)
        settings = {"clear": True, "seed": FAULT_SEED, "error_rate": error_rate, "latency_range_ms": bounds}
        self._call("POST", "/faults", settings)

    def set_dashboard_routes(self, served: bool) -> None:
        """False: /dashboard and its siblings answer 404, like an XO older than the route."""
        self._call("POST", "/dashboard", {"routes": served})

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def reset_counters(self) -> None:
        self._call("DELETE", "/requests")

    def counters(self) -> SimCounters:
        counts = self._call("GET", "/counts")
        return SimCounters(
            requests=int(counts["requests"]), injected_errors=int(counts["faults"].get("random-error", 0))
        )


def _read_url(stream: IO[str], found: list[str], lines: list[str]) -> None:
    for line in stream:
        lines.append(line)
        match = _URL.search(line)
        if match and not found:
            found.append(match.group(1))


@contextlib.contextmanager
def simulator(vms: int, *, seed: int, spec: Path | None, extra: Sequence[str] = ()) -> Iterator[Sim]:
    """A simulator with ``vms`` VMs over 4 pools of 8 hosts (the same inventory for a given seed); ``extra``:
    more `xo-mcp simulate` options (`--now now`, `--backup-jobs 50`…)."""
    command = [sys.executable, "-m", "xo_mcp", "simulate", "--port", "0", "--seed", str(seed), "--vms", str(vms)]
    command += ["--pools", str(POOLS), "--hosts-per-pool", str(HOSTS_PER_POOL), *extra]
    if spec is not None:
        command += ["--swagger", str(spec)]
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    found: list[str] = []
    lines: list[str] = []
    assert process.stderr is not None
    reader = threading.Thread(target=_read_url, args=(process.stderr, found, lines), daemon=True)
    reader.start()
    sim: Sim | None = None
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not found:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the simulator did not start: {''.join(lines)[-600:]}")
            time.sleep(0.05)
        url = found[0]
        info = httpx.get(url + "/_simulator/info", timeout=30).json()
        token = next(user["token"] for user in info["users"] if user["admin"])
        sim = Sim(url, token, process)
        yield sim
    finally:
        if sim is not None:
            sim.close()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
