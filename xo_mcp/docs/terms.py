"""Build-time knowledge about words, from a general English word-frequency list (`wordfreq`).

Which words are valid English, for the spelling corrector: it never "corrects" one of them into a
documentation word (`tons` is not `tops`, `overlay` is not `overlap`). Only the index build imports
wordfreq; the server reads the list from the index.

(Until the semantic part, the list also down-weighted words common in everyday English. Measured with
the sentence model, that changed nothing, and without the model it made the words-only ranking worse:
section hit@1 0.549 with it, 0.575 without, on our questions; it was removed.)
"""

from __future__ import annotations

from collections.abc import Iterable

LANGUAGE = "en"
# A word at least this frequent (one per million words, Zipf 3: the is 7.7, network 5.0, coalesce 2.6) is
# valid English.
ENGLISH_FROM = 1e-6


def english_words(min_length: int, known: Iterable[str] = ()) -> list[str]:
    """Alphabetic English words of at least `min_length` letters, frequent enough to be valid, minus `known`."""
    from wordfreq import get_frequency_dict

    skip = set(known)
    return sorted(
        word
        for word, frequency in get_frequency_dict(LANGUAGE).items()
        if frequency >= ENGLISH_FROM
        and len(word) >= min_length
        and word.isalpha()
        and word.isascii()
        and word not in skip
    )
