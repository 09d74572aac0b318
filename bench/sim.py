"""The project's simulator, started on 127.0.0.1 for the bench, with the few controls the figures need.

It runs in a thread of the bench process (`run_simulator`), so faults can be switched on and off between
phases. Requests and injected errors are counted by a `Faults` subclass (every /rest/v0 request passes
through `decide()`), because the simulator's request log is bounded and a soak sends more requests.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from xo_mcp.simulator import testing as sim_testing
from xo_mcp.simulator.faults import Decision, Faults
from xo_mcp.simulator.generator import generate_inventory
from xo_mcp.simulator.request_log import RequestLog
from xo_mcp.simulator.state import SimulatorState
from xo_mcp.simulator.testing import RunningSimulator, run_simulator

POOLS = 4
HOSTS_PER_POOL = 8
FAULT_SEED = 20_000


@dataclass(frozen=True)
class SimCounters:
    requests: int
    injected_errors: int


class CountingFaults(Faults):
    """The simulator's faults, counting every decision it takes."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self._count_lock = threading.Lock()
        self.requests = 0
        self.injected = 0

    def decide(self, method: str, path: str, base_latency_ms: float = 0.0) -> Decision:
        decision = super().decide(method, path, base_latency_ms)
        with self._count_lock:
            self.requests += 1
            if decision.label == "random-error":
                self.injected += 1
        return decision

    def reset_counts(self) -> None:
        with self._count_lock:
            self.requests = 0
            self.injected = 0


class Sim:
    """A running simulator: where it listens, how to log in, its fault knobs and request counters."""

    def __init__(self, running: RunningSimulator, faults: CountingFaults) -> None:
        self.running = running
        self.faults = faults
        self.url = running.url
        self.token = running.admin_token
        self.port = running.port

    @property
    def state(self) -> SimulatorState:
        return self.running.state

    def set_faults(self, *, error_rate: float, latency_ms: tuple[float, float]) -> None:
        self.faults.clear()
        self.faults.seed(FAULT_SEED)
        self.faults.error_rate = error_rate
        self.faults.latency_range_ms = latency_ms if latency_ms != (0.0, 0.0) else None

    def clear_faults(self) -> None:
        self.faults.clear()

    def reset_counters(self) -> None:
        self.faults.reset_counts()
        self.state.requests.clear()

    def counters(self) -> SimCounters:
        return SimCounters(requests=self.faults.requests, injected_errors=self.faults.injected)


@contextlib.contextmanager
def _nodelay_listener() -> Iterator[list[bool]]:
    """Make the simulator's listening socket TCP_NODELAY (inherited by accepted connections) if it is not.

    asyncio only sets TCP_NODELAY on sockets whose ``proto`` is IPPROTO_TCP; a socket made with
    ``socket.socket(AF_INET, SOCK_STREAM)`` has proto 0, so every keep-alive response stalls ~40 ms on
    Nagle + delayed ACK. That would add 40 ms to every REST request of every server under test.
    The yielded list holds True when the workaround was needed.
    """
    original = sim_testing._bind
    needed: list[bool] = []

    def bind(host: str, port: int) -> socket.socket:
        sock = original(host, port)
        if not sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            needed.append(True)
        return sock

    sim_testing._bind = bind
    try:
        yield needed
    finally:
        sim_testing._bind = original


NAGLE_NOTE = (
    "The bench sets TCP_NODELAY on the simulator's listening socket: without it every keep-alive response "
    "stalls ~40 ms (Nagle + delayed ACK; asyncio skips sockets created with proto 0)."
)
nagle_workaround_used: list[bool] = []


@contextlib.contextmanager
def simulator(vms: int, *, seed: int, spec: Path | None) -> Iterator[Sim]:
    """A simulator with ``vms`` VMs over 4 pools of 8 hosts, the same inventory for a given seed."""
    faults = CountingFaults(FAULT_SEED)
    state = SimulatorState(
        inventory=generate_inventory(seed, pools=POOLS, hosts_per_pool=HOSTS_PER_POOL, vms=vms),
        faults=faults,
        requests=RequestLog(maxlen=2_000),
        swagger_path=spec,
    )
    with _nodelay_listener() as needed, run_simulator(state) as running:
        nagle_workaround_used.extend(needed)
        yield Sim(running, faults)
