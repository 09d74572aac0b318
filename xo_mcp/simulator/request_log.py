"""What reached the simulated XO: one record per /rest/v0 request, secrets never included."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from xo_mcp.simulator.auth import AuthKind


@dataclass
class RequestRecord:
    method: str
    path: str
    query: dict[str, list[str]]
    """Query parameters as parsed (`+` is a space); a repeated key lists every value."""
    auth: AuthKind
    client: str | None
    """The `X-XO-Client` header, if any."""
    status: int | None = None
    """The answered status; None while unanswered, and for hung or dropped connections."""
    fault: str | None = None
    """The injected fault, if any: latency, status, truncate, hang, drop, random-error."""
    time: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RequestLog:
    """A bounded, thread-safe list of records: iterate it, index it, `clear()` it.

    Only the latest `maxlen` records are kept; `counts()` covers every request since the last clear.
    """

    def __init__(self, maxlen: int = 10_000) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self._total = 0
        self._faults: Counter[str] = Counter()

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)
            self._total += 1
            if record.fault is not None:
                self._faults[record.fault] += 1

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self._total = 0
            self._faults.clear()

    def counts(self) -> dict[str, Any]:
        """`{"requests": n, "faults": {"random-error": k, ...}}` since the last clear."""
        with self._lock:
            return {"requests": self._total, "faults": dict(self._faults)}

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def methods(self) -> set[str]:
        return {record.method for record in self.snapshot()}

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, index: int) -> RequestRecord:
        return self.snapshot()[index]
