"""Small, dependency-free statistics: medians and nearest-rank percentiles."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float:
    if not values:
        return math.nan
    return float(statistics.median(values))


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


def ratio(ours: float, theirs: float) -> float:
    """ours / theirs, NaN when either side is missing or theirs is zero."""
    if math.isnan(ours) or math.isnan(theirs) or theirs == 0:
        return math.nan
    return ours / theirs


def paired_ratio(ours: Sequence[float], theirs: Sequence[float]) -> float:
    """Median of per-pair ratios: each pair was measured back to back in the same run."""
    pairs = [a / b for a, b in zip(ours, theirs, strict=False) if b > 0]
    return median(pairs)


def ms(seconds: float) -> float:
    return seconds * 1000.0
