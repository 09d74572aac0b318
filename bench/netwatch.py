"""Count a process's open TCP connections to one port, sampled in a thread: peak connections to XO.

Independent of the simulator and of the server under test (works the same for node and Python): the kernel's
socket table is read with psutil every few milliseconds while a burst runs.
"""

from __future__ import annotations

import threading
from types import TracebackType

import psutil

SAMPLE_S = 0.003


def open_connections(pid: int, port: int) -> int:
    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0
    return sum(
        1 for conn in connections if conn.raddr and conn.raddr.port == port and conn.status == psutil.CONN_ESTABLISHED
    )


class PeakConnections:
    """``with PeakConnections(pid, port) as watch: …`` then ``watch.peak``."""

    def __init__(self, pid: int, port: int) -> None:
        self.pid = pid
        self.port = port
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-connections", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, open_connections(self.pid, self.port))
            self.samples += 1
            self._stop.wait(SAMPLE_S)

    def __enter__(self) -> PeakConnections:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
