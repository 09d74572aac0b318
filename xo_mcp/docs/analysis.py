"""The text analysis shared by indexing and querying: words, stop words, English stemming.

Questions are written in full sentences ("How do I make sure…"), so the stop list adds the question
and filler words of such sentences to Whoosh's English list; they carry no topic and only add noise.
"""

from __future__ import annotations

import functools
from typing import Any

from whoosh.analysis import STOP_WORDS as WHOOSH_STOP_WORDS
from whoosh.analysis import IntraWordFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang.porter import stem as porter_stem

from xo_mcp.docs.text import word_set

QUESTION_WORDS = word_set(
    """
    about after again all also am any anything are because been before being both but can could did do
    does doing done each else even every from get getting got had has have having her here him his how
    however i i'm i've into its it's just let like me might more most much must my need needs nor now
    off once only other our ours out over own same should so some still such than their them then there
    these they thing things those though through too under until upon us very via want wants was way we
    were what what's whats when where which while who whom whose why without won't would yes you your
    yours xo's
    """
)
STOP_WORDS = frozenset(WHOOSH_STOP_WORDS) | QUESTION_WORDS

# Words: letters and digits, joined by inner dots (config.toml, 8.3) so versions and file names hold.
_WORD_PATTERN = r"\w+(?:\.\w+)*"


@functools.cache
def word_analyzer() -> Any:
    """Lower-cased words without stop words, not stemmed: what spelling correction works on.

    Identifiers are also split into their parts (`power_state` -> power, state, powerstate;
    `sAMAccountName` -> its camel-case parts too), so prose questions find code and settings.
    """
    return (
        RegexTokenizer(_WORD_PATTERN)
        | IntraWordFilter(delims="_", splitnums=False, mergewords=True)
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=2)
    )


@functools.cache
def text_analyzer() -> Any:
    """The index analyzer of every searchable text field."""
    return word_analyzer() | StemFilter(cachesize=50000)


def words(text: str) -> list[str]:
    return [token.text for token in word_analyzer()(text)]


@functools.cache
def stem(word: str) -> str:
    """The index form of one lower-cased word (the stemmer of `text_analyzer`)."""
    return str(porter_stem(word))
