"""The text analysis shared by indexing and querying: words, stop words, English stemming.

Questions are written in full sentences ("How do I make sure…"), so the stop list adds the question
and filler words of such sentences to Whoosh's English list; they carry no topic and only add noise.

Words are cleaned the same way on both sides, so a question and the docs meet on the same terms:
- identifiers are split into their parts (`power_state` -> power, state, powerstate; `sAMAccountName`
  -> its camel-case parts too), so prose questions find code and settings;
- letter/digit compounds keep their whole form and add their parts (`Office365` -> office365, office,
  365), so `Office365` meets "Microsoft 365" and `S3` still meets `S3`;
- contractions lose their fragments: a negation (`don't`, `won't`) is dropped whole, `it's` is `it`;
- small number words are digits (`two` -> 2), and single digits are kept: "XO 6", "2 hosts".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import STOP_WORDS as WHOOSH_STOP_WORDS
from whoosh.analysis import Filter, IntraWordFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang.porter import stem as porter_stem

from xo_mcp.docs.text import word_set

QUESTION_WORDS = word_set(
    """
    about after again all also am any anything are because been before being both but can could did do
    does doing done each else even every from get getting got had has have having her here him his how
    however i into its just let like me might more most much must my need needs nor now
    off once only other our ours out over own same should so some still such than their them then there
    these they thing things those though through too under until upon us very via want wants was way we
    were what whats when where which while who whom whose why without would yes you your yours
    """
)
SINGLE_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
STOP_WORDS = frozenset(WHOOSH_STOP_WORDS) | QUESTION_WORDS | SINGLE_LETTERS

# "one" stays a word: it is far more often a pronoun ("the one on host A") than a count.
NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"],
        start=2,
    )
}

# Words: letters and digits, joined by inner dots (config.toml, 8.3) so versions and file names hold,
# or by inner apostrophes so a contraction arrives whole at the contraction filter.
_WORD_PATTERN = r"\w+(?:['’.]\w+)*"
_LETTER_DIGIT_RUNS = re.compile(r"[^\W\d_]+|\d+")


class ContractionFilter(Filter):  # type: ignore[misc]
    """`don't`, `isn't` are dropped (negations carry no subject); `it's`, `we've`, `XO's` keep their stem."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            text = token.text.replace("’", "'")
            if "'" in text:
                if text.lower().endswith("n't"):
                    continue
                text = text.split("'", 1)[0]
            token.text = text
            yield token


class CompoundFilter(Filter):  # type: ignore[misc]
    """A letter/digit compound (`office365`, `xo6`, `s3`) is kept whole and also split into its runs.

    Dotted forms (versions `8.3`, `v5.100.0`, file names) are left as they are: their parts would only
    match unrelated numbers.
    """

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            text = token.text
            yield token
            if "." in text or text.isdigit() or text.isalpha():
                continue
            runs = _LETTER_DIGIT_RUNS.findall(text)
            if len(runs) > 1:
                for run in runs:
                    token.text = run
                    yield token


class NumberWordFilter(Filter):  # type: ignore[misc]
    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            token.text = NUMBER_WORDS.get(token.text, token.text)
            yield token


@functools.cache
def word_analyzer() -> Any:
    """Lower-cased words without stop words, not stemmed: what spelling correction works on."""
    return (
        RegexTokenizer(_WORD_PATTERN)
        | ContractionFilter()
        | IntraWordFilter(delims="_", splitnums=False, mergewords=True)
        | LowercaseFilter()
        | CompoundFilter()
        | NumberWordFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
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
