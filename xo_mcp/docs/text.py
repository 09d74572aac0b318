"""Small text helpers shared by the parsers and the analyzer."""

from __future__ import annotations

import re

_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{2,}")


def tidy(text: str) -> str:
    """Collapse runs of spaces (padded table cells, indentation) and blank lines."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()


def word_set(text: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated block, for long constant lists."""
    return frozenset(text.split())
