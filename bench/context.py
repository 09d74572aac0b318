"""What every figure shares: the plan (run counts), the results being collected, the tokenizer, the official server."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.official import Official
from bench.report import Results
from bench.sizes import Tokenizer

OURS = "ours"
OFFICIAL = "official"


@dataclass(frozen=True)
class Plan:
    """Run counts, chosen so the whole bench fits in 10 minutes on a 2-core machine."""

    cold_starts: int = 7
    question_reps: int = 15
    question_inventory_vms: int = 1000
    overhead_pairs: int = 200
    scale_sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    scale_reps: int = 3
    concurrent_calls: int = 200
    soak_calls: int = 20_000
    soak_concurrency: int = 32
    soak_error_rate: float = 0.05
    soak_latency_ms: tuple[float, float] = (0.0, 200.0)
    soak_inventory_vms: int = 200
    soak_time_cap_s: float = 300.0
    startup_part_runs: int = 3
    docs_searches: int = 20
    http_clients: int = 50
    http_calls_per_client: int = 100
    http_inventory_vms: int = 200
    health_sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    health_reps: int = 3
    health_official_sizes: tuple[int, ...] = (1_000, 10_000)
    """Sizes where the official server answers "is anything wrong?" too (its answers at 100 000 VMs are tens
    of megabytes: the tokens are counted at the smaller sizes)."""

    @classmethod
    def quick(cls) -> Plan:
        """A smoke run of every figure in about a minute (``python -m bench --quick``); not for publishing."""
        return cls(
            cold_starts=2,
            question_reps=3,
            overhead_pairs=30,
            scale_sizes=(1_000, 10_000),
            scale_reps=1,
            soak_calls=1_000,
            docs_searches=20,
            http_clients=10,
            http_calls_per_client=20,
            health_sizes=(1_000, 10_000),
            health_reps=1,
            health_official_sizes=(1_000,),
        )


@dataclass
class Bench:
    plan: Plan
    results: Results
    tokenizer: Tokenizer
    official: Official
    seed: int = 5
    failures: list[str] = field(default_factory=list)

    @property
    def compare(self) -> bool:
        return self.official.available
