"""Build-time knowledge about words, from a general English word-frequency list (`wordfreq`).

Which words are valid English, for the spelling corrector: it never "corrects" one of them into a
documentation word (`tons` is not `tops`, `overlay` is not `overlap`). Only the index build imports
wordfreq; the server reads the list from the index.

(Until the semantic part, the list also down-weighted words common in everyday English. Measured with
the sentence model, that changed nothing, and without the model it made the words-only ranking worse:
section hit@1 0.549 with it, 0.575 without, on our questions; it was removed.)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

LANGUAGE = "en"
# Zipf scale: log10 of a word's frequency per billion words (the: 7.7, network: 5.0, coalesce: 2.6).
ENGLISH_FROM = 3.0  # a word at least this frequent (one per million words) is valid English


@functools.cache
def _zipf_by_word() -> dict[str, float]:
    """wordfreq's English list as Zipf values (one dictionary lookup per word afterwards)."""
    from wordfreq import get_frequency_dict

    return {word: math.log10(frequency) + 9 for word, frequency in get_frequency_dict(LANGUAGE).items()}


def english_words(min_length: int, known: Iterable[str] = ()) -> list[str]:
    """Alphabetic English words of at least `min_length` letters, frequent enough to be valid, minus `known`."""
    skip = set(known)
    return sorted(
        word
        for word, zipf in _zipf_by_word().items()
        if zipf >= ENGLISH_FROM and len(word) >= min_length and word.isalpha() and word.isascii() and word not in skip
    )
