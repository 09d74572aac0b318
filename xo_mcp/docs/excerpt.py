"""Pick the part of a section that shows why it matched: the window holding the most query words."""

from __future__ import annotations

import re
from collections.abc import Collection

from xo_mcp.docs.analysis import stem

EXCERPT_CHARS = 600
# Words as the index splits them, identifiers broken at underscores (power_state: power, state).
_WORD = re.compile(r"[^\W_]+(?:\.[^\W_]+)*")
_LOOKBACK = 160  # how far before the first match to look for a line or sentence start


def excerpt(text: str, stems: Collection[str], limit: int = EXCERPT_CHARS) -> str:
    if len(text) <= limit:
        return text
    hits = [(m.start(), word) for m in _WORD.finditer(text) if (word := stem(m.group().lower())) in stems]
    start = _best_window_start(hits, limit) if hits else 0
    start = _snap_start(text, start)
    end = start + limit - 2
    if end < len(text):
        end = text.rfind(" ", start, end) if " " in text[start:end] else end
    body = text[start:end].strip()
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def _best_window_start(hits: list[tuple[int, str]], limit: int) -> int:
    """Start of the window (of `limit` chars, a margin kept) with the most distinct words, ties to the earliest."""
    span = limit * 3 // 4
    best_start, best_count = hits[0][0], 0
    right = 0
    for left, (position, _) in enumerate(hits):
        right = max(right, left)
        while right + 1 < len(hits) and hits[right + 1][0] - position <= span:
            right += 1
        count = len({word for _, word in hits[left : right + 1]})
        if count > best_count:
            best_start, best_count = position, count
    return best_start


def _snap_start(text: str, position: int) -> int:
    """Back up to the start of the line or sentence the window begins in, if it is near."""
    floor = max(0, position - _LOOKBACK)
    line_start = text.rfind("\n", floor, position)
    if line_start >= 0:
        return line_start + 1
    sentence = text.rfind(". ", floor, position)
    if sentence >= 0:
        return sentence + 2
    return position if position == 0 else max(floor, text.rfind(" ", floor, position) + 1)
