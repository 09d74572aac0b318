"""The project's simulator, started on 127.0.0.1 for the bench, with the few controls the figures need."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

POOLS = 4
HOSTS_PER_POOL = 8


@dataclass(frozen=True)
class SimCounters:
    requests: int
    injected_errors: int


class Sim:
    """A running simulator: where it listens, how to log in, and its fault knobs and request counters."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self.url: str = handle.url
        self.token: str = handle.admin_token
        self.port: int = urlsplit(self.url).port or 80
        self._mark = 0

    @property
    def state(self) -> Any:
        return self._handle.state

    def set_faults(self, *, error_rate: float, latency_ms: tuple[float, float]) -> None:
        raise NotImplementedError

    def clear_faults(self) -> None:
        raise NotImplementedError

    def reset_counters(self) -> None:
        raise NotImplementedError

    def counters(self) -> SimCounters:
        raise NotImplementedError


@contextlib.contextmanager
def simulator(vms: int, *, seed: int, spec: Path | None) -> Iterator[Sim]:
    """Wired to the simulator's `run_simulator` once it lands."""
    if vms >= 0:
        raise NotImplementedError("the simulator is not available yet")
    yield Sim(None)
