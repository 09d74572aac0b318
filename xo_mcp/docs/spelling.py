"""Spelling correction against the index's own vocabulary: a misspelt word still finds its section.

Candidates come from shared single-character deletions (the SymSpell idea): a word and its likely
intended form have a deletion in common, so a dictionary from deletions to words finds candidates
without comparing against the whole vocabulary; the true edit distance then decides.

A word that is valid English (a list from the index build) is never corrected, even when the docs do
not use it: `tons` stays `tons` rather than becoming `tops`. Stop words are candidates too, so a
misspelt filler word (`wich`) becomes `which` and then drops out, instead of turning into a content word.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable

MIN_LENGTH = 4


class SpellingCorrector:
    def __init__(
        self, vocabulary: dict[str, int], english: Collection[str] = (), stop_words: Iterable[str] = ()
    ) -> None:
        # Stop words are as frequent as the most frequent word: a tie between a stop word and a rare
        # documentation word at the same distance goes to the stop word.
        most = max(vocabulary.values(), default=1)
        self.counts = {
            **{word: most for word in stop_words if len(word) >= MIN_LENGTH - 1 and word.isalpha()},
            **vocabulary,
        }
        self.english = frozenset(english)
        self._by_deletion: dict[str, list[str]] = defaultdict(list)
        for word in self.counts:
            for variant in _deletions(word) | {word}:
                self._by_deletion[variant].append(word)

    def correct(self, word: str) -> str | None:
        """The most frequent known word within the allowed edit distance (1, or 2 for long words)."""
        if len(word) < MIN_LENGTH or not word.isalpha() or word in self.counts or word in self.english:
            return None
        max_distance = 1 if len(word) < 8 else 2
        probes = {word} | _deletions(word)
        if max_distance > 1:
            probes |= {twice for once in _deletions(word) for twice in _deletions(once)}
        candidates = {found for probe in probes for found in self._by_deletion.get(probe, ())}
        scored = [
            (distance, -self.counts[candidate], candidate)
            for candidate in candidates
            if (distance := edit_distance(word, candidate, max_distance)) <= max_distance
        ]
        return min(scored)[2] if scored else None


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count once), or limit + 1 when above limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
