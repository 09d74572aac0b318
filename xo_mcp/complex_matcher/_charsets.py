"""Sets of UTF-16 units for JavaScript regexes: ranges, the predefined classes, and /i closure."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from functools import lru_cache
from typing import Final

from ._jsvalues import JS_WHITESPACE

Ranges = list[tuple[int, int]]  # sorted, disjoint, inclusive

MAX_UNIT: Final = 0xFFFF
LINE_TERMINATORS: Final = "\n\r\u2028\u2029"


def normalize(ranges: Iterable[tuple[int, int]]) -> Ranges:
    merged: Ranges = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            if high > merged[-1][1]:
                merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return merged


def negate(ranges: Ranges) -> Ranges:
    result: Ranges = []
    start = 0
    for low, high in normalize(ranges):
        if low > start:
            result.append((start, low - 1))
        start = high + 1
    if start <= MAX_UNIT:
        result.append((start, MAX_UNIT))
    return result


def of_chars(chars: str) -> Ranges:
    return normalize((ord(char), ord(char)) for char in chars)


DIGITS: Final = [(0x30, 0x39)]
WORD: Final = [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)]
SPACE: Final = of_chars(JS_WHITESPACE)
DOT: Final = negate(of_chars(LINE_TERMINATORS))
CLASS_ESCAPES: Final = {
    "d": DIGITS,
    "D": negate(DIGITS),
    "w": WORD,
    "W": negate(WORD),
    "s": SPACE,
    "S": negate(SPACE),
}


@lru_cache(maxsize=1)
def _case_tables() -> tuple[list[int], dict[int, tuple[int, ...]], dict[int, int]]:
    """JavaScript's Canonicalize for non-unicode /i, over all units.

    Canonicalize(ch) is ch upper-cased when that gives one unit and does not turn a non-ASCII
    unit into an ASCII one. Returns the sorted units whose equivalence class has other members,
    those classes, and the str.translate table of units whose canonical form differs.
    """
    groups: dict[int, list[int]] = {}
    canonical_of: dict[int, int] = {}
    for unit in range(MAX_UNIT + 1):
        upper = chr(unit).upper()
        canonical = unit
        if len(upper) == 1 and not (unit >= 0x80 and ord(upper) < 0x80):
            canonical = ord(upper)
            if canonical != unit:
                canonical_of[unit] = canonical
        groups.setdefault(canonical, []).append(unit)
    equivalents: dict[int, tuple[int, ...]] = {}
    for canonical, members in groups.items():
        if canonical not in members:
            members.append(canonical)
        if len(members) > 1:
            for unit in members:
                equivalents[unit] = tuple(members)
    return sorted(equivalents), equivalents, canonical_of


def case_close(ranges: Ranges) -> Ranges:
    """Every unit that some member of `ranges` equals under /i."""
    cased, equivalents, _ = _case_tables()
    lows = [low for low, _ in ranges]
    extra: Ranges = []
    for unit in cased:
        slot = bisect.bisect_right(lows, unit) - 1
        if slot >= 0 and unit <= ranges[slot][1]:
            extra.extend((other, other) for other in equivalents[unit])
    return normalize([*ranges, *extra]) if extra else ranges


def canonicalize(text: str) -> str:
    """`text` with each unit replaced by its /i canonical form (to compare back-references)."""
    return text.translate(_case_tables()[2])


def contains(ranges: Ranges, unit: int) -> bool:
    slot = bisect.bisect_right(ranges, (unit, MAX_UNIT + 1)) - 1
    return slot >= 0 and ranges[slot][0] <= unit <= ranges[slot][1]
