"""Heading ids as Docusaurus makes them: GitHub-style slugs, numbered when a page repeats a title."""

from __future__ import annotations

import unicodedata

_KEPT_PUNCTUATION = frozenset("-_ ")


def github_slug(text: str) -> str:
    """Lower-case, drop punctuation and symbols (emoji included), spaces become hyphens."""
    kept = [
        char for char in text.strip().lower() if char in _KEPT_PUNCTUATION or unicodedata.category(char)[0] in "LNM"
    ]
    return "".join(kept).replace(" ", "-")


class Slugger:
    """Unique slugs within one page: the second `Upgrade` becomes `upgrade-1`."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def slug(self, text: str) -> str:
        base = github_slug(text)
        candidate = base
        while candidate in self._seen:
            self._seen[base] += 1
            candidate = f"{base}-{self._seen[base]}"
        self._seen[candidate] = 0
        return candidate

    def reserve(self, anchor: str) -> None:
        """An explicit `{#id}` takes its id so a later generated slug does not collide with it."""
        self._seen.setdefault(anchor, 0)
