"""Fault injection, switchable while the server runs.

Rules match a method and a path glob (`fnmatch`, e.g. `/rest/v0/vms*`); the first live rule
that matches a request applies. Global knobs add random latency and random errors to every
/rest/v0 request, from a seeded RNG so a soak run is reproducible.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field, fields
from fnmatch import fnmatchcase
from typing import Any, Literal

Action = Literal["pass", "status", "truncate", "hang", "drop"]

DEFAULT_ERROR_KINDS: tuple[str, ...] = ("500", "502", "503", "504", "truncated")

_RANDOM_ERRORS: dict[str, tuple[int, Any, str]] = {
    "500": (500, {"error": "simulated internal error"}, "application/json; charset=utf-8"),
    "502": (502, "<html><body><h1>502 Bad Gateway</h1></body></html>\n", "text/html"),
    "503": (503, {"error": "simulated service unavailable"}, "application/json; charset=utf-8"),
    "504": (504, "Gateway Timeout\n", "text/plain"),
}


@dataclass
class FaultRule:
    path: str = "*"
    """fnmatch glob on the URL path, e.g. `/rest/v0/vms*` (case-sensitive)."""
    method: str = "*"
    latency_ms: float | tuple[float, float] = 0.0
    """Added delay: fixed, or a (low, high) range drawn per request."""
    status: int | None = None
    """Answer this status with `body` instead of the real answer."""
    body: Any = None
    """JSON value for `status` answers (a str is sent as text); default `{"error": "simulated fault"}`."""
    content_type: str | None = None
    truncate: int | None = None
    """Send only the first N bytes of the real (uncompressed) body, with a matching Content-Length."""
    hang: bool = False
    """Never answer: hold the connection until the client gives up or the server stops."""
    drop: bool = False
    """Close the connection without any response."""
    times: int | None = None
    """Apply to the next N matching requests only; None means until removed."""
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return (self.method == "*" or self.method.upper() == method) and fnmatchcase(path, self.path)

    def action(self) -> Action:
        if self.drop:
            return "drop"
        if self.hang:
            return "hang"
        if self.status is not None:
            return "status"
        if self.truncate is not None:
            return "truncate"
        return "pass"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if isinstance(self.latency_ms, tuple):
            data["latency_ms"] = list(self.latency_ms)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultRule:
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault rule keys: {', '.join(unknown)}")
        values = dict(data)
        latency = values.get("latency_ms")
        if isinstance(latency, list):
            values["latency_ms"] = (float(latency[0]), float(latency[1]))
        return cls(**values)


@dataclass(frozen=True)
class Decision:
    """What to do with one request."""

    action: Action = "pass"
    latency_s: float = 0.0
    status: int = 500
    body: Any = None
    content_type: str | None = None
    truncate: int = 0
    label: str | None = None


@dataclass
class _Globals:
    error_rate: float = 0.0
    latency_range_ms: tuple[float, float] | None = None
    error_kinds: tuple[str, ...] = DEFAULT_ERROR_KINDS
    seed: int = 0
    rules: list[FaultRule] = field(default_factory=list)


class Faults:
    """The fault controls of a running simulator; every method is thread-safe."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._state = _Globals(seed=seed)
        self._rng = random.Random(seed)

    # Rules ---------------------------------------------------------------------------------

    def add(self, rule: FaultRule | None = None, **options: Any) -> FaultRule:
        """Add a rule (`faults.add(path="/rest/v0/vms*", status=503)`); returns it for `remove()`."""
        new_rule = rule if rule is not None else FaultRule(**options)
        with self._lock:
            self._state.rules.append(new_rule)
        return new_rule

    def remove(self, rule: FaultRule) -> None:
        with self._lock:
            self._state.rules = [item for item in self._state.rules if item is not rule]

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._state.rules)

    # Global knobs --------------------------------------------------------------------------

    @property
    def error_rate(self) -> float:
        return self._state.error_rate

    @error_rate.setter
    def error_rate(self, rate: float) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("error_rate is a fraction between 0 and 1")
        with self._lock:
            self._state.error_rate = rate

    @property
    def latency_range_ms(self) -> tuple[float, float] | None:
        return self._state.latency_range_ms

    @latency_range_ms.setter
    def latency_range_ms(self, bounds: tuple[float, float] | None) -> None:
        with self._lock:
            self._state.latency_range_ms = None if bounds is None else (float(bounds[0]), float(bounds[1]))

    @property
    def error_kinds(self) -> tuple[str, ...]:
        return self._state.error_kinds

    @error_kinds.setter
    def error_kinds(self, kinds: tuple[str, ...]) -> None:
        unknown = set(kinds) - set(DEFAULT_ERROR_KINDS)
        if unknown or not kinds:
            raise ValueError(f"error kinds are some of {', '.join(DEFAULT_ERROR_KINDS)}")
        with self._lock:
            self._state.error_kinds = tuple(kinds)

    def seed(self, seed: int) -> None:
        with self._lock:
            self._state.seed = seed
            self._rng.seed(seed)

    def clear(self) -> None:
        """Remove every rule and reset the global knobs (the RNG restarts from the seed)."""
        with self._lock:
            seed = self._state.seed
            self._state = _Globals(seed=seed)
            self._rng.seed(seed)

    def describe(self) -> dict[str, Any]:
        with self._lock:
            bounds = self._state.latency_range_ms
            return {
                "rules": [rule.to_dict() for rule in self._state.rules],
                "error_rate": self._state.error_rate,
                "latency_range_ms": None if bounds is None else list(bounds),
                "error_kinds": list(self._state.error_kinds),
                "seed": self._state.seed,
            }

    def configure(self, data: dict[str, Any]) -> None:
        """The HTTP control's POST body: `rules` are appended; other keys set the global knobs."""
        known = {"rules", "error_rate", "latency_range_ms", "error_kinds", "seed", "clear"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(unknown)}")
        rules = [FaultRule.from_dict(item) for item in data.get("rules", [])]
        if data.get("clear"):
            self.clear()
        if "seed" in data:
            self.seed(int(data["seed"]))
        if "error_rate" in data:
            self.error_rate = float(data["error_rate"])
        if "latency_range_ms" in data:
            bounds = data["latency_range_ms"]
            self.latency_range_ms = None if bounds is None else (float(bounds[0]), float(bounds[1]))
        if "error_kinds" in data:
            self.error_kinds = tuple(str(kind) for kind in data["error_kinds"])
        for rule in rules:
            self.add(rule)

    # Per request ---------------------------------------------------------------------------

    def decide(self, method: str, path: str, base_latency_ms: float = 0.0) -> Decision:
        with self._lock:
            latency_ms = base_latency_ms
            bounds = self._state.latency_range_ms
            if bounds is not None:
                latency_ms += self._rng.uniform(*bounds)
            rule = next((item for item in self._state.rules if item.matches(method, path)), None)
            if rule is not None:
                rule.hits += 1
                latency = rule.latency_ms
                latency_ms += self._rng.uniform(*latency) if isinstance(latency, tuple) else latency
                return self._from_rule(rule, latency_ms / 1000)
            if self._state.error_rate and self._rng.random() < self._state.error_rate:
                return self._random_error(latency_ms / 1000)
        label = "latency" if latency_ms else None
        return Decision(latency_s=latency_ms / 1000, label=label)

    @staticmethod
    def _from_rule(rule: FaultRule, latency_s: float) -> Decision:
        action = rule.action()
        label = action if action != "pass" else ("latency" if latency_s else None)
        body = rule.body if rule.body is not None else {"error": "simulated fault"}
        return Decision(
            action=action,
            latency_s=latency_s,
            status=rule.status if rule.status is not None else 500,
            body=body,
            content_type=rule.content_type,
            truncate=rule.truncate or 0,
            label=label,
        )

    def _random_error(self, latency_s: float) -> Decision:
        kind = self._rng.choice(self._state.error_kinds)
        if kind == "truncated":
            # Negative: keep half of the body, whatever its size.
            return Decision(action="truncate", latency_s=latency_s, truncate=-1, label="random-error")
        status, body, content_type = _RANDOM_ERRORS[kind]
        return Decision(
            action="status",
            latency_s=latency_s,
            status=status,
            body=body,
            content_type=content_type,
            label="random-error",
        )
