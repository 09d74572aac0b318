"""Build-time knowledge about words, from a general English word-frequency list (`wordfreq`).

- How common a word is in everyday English, as a weight below 1 for the index's stems: a question's
  incidental words ("sometimes", "middle", "nightly") then weigh less than its subject, even when they
  happen to be rare in the docs (where BM25's idf alone would make them decisive).
- Which words are valid English, for the spelling corrector: it never "corrects" one of them into a
  documentation word (`tons` is not `tops`, `overlay` is not `overlap`).

Only the index build imports wordfreq; the server reads the results from the index.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping

LANGUAGE = "en"
# Zipf scale: log10 of a word's frequency per billion words (the: 7.7, network: 5.0, coalesce: 2.6).
RECORDED_FROM = 2.5  # stems rarer than this in English are not recorded (the ranker gives them full weight)
ENGLISH_FROM = 3.0  # a word at least this frequent (one per million words) is valid English


@functools.cache
def _zipf_by_word() -> dict[str, float]:
    """wordfreq's English list as Zipf values (one dictionary lookup per word afterwards)."""
    from wordfreq import get_frequency_dict

    return {word: math.log10(frequency) + 9 for word, frequency in get_frequency_dict(LANGUAGE).items()}


def english_zipf(words_by_stem: Mapping[str, Iterable[str]]) -> dict[str, float]:
    """The Zipf frequency of each stem's most frequent surface word, for stems at least RECORDED_FROM.

    The ranker turns it into a weight (`search.commonness_weight`): the curve stays a query-time choice.
    """
    zipf_of = _zipf_by_word()
    found = {}
    for stem, surface in words_by_stem.items():
        zipf = max((zipf_of.get(word, 0.0) for word in surface), default=0.0)
        if zipf >= RECORDED_FROM:
            found[stem] = round(zipf, 2)
    return found


def english_words(min_length: int, known: Iterable[str] = ()) -> list[str]:
    """Alphabetic English words of at least `min_length` letters, frequent enough to be valid, minus `known`."""
    skip = set(known)
    return sorted(
        word
        for word, zipf in _zipf_by_word().items()
        if zipf >= ENGLISH_FROM and len(word) >= min_length and word.isalpha() and word.isascii() and word not in skip
    )
