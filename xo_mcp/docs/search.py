"""Turn a question into a ranked list of sections: the query, typo tolerance and the topic prior.

- Every query word is searched in all text fields at once, each with its BM25F weight (FIELD_BOOSTS):
  a section whose heading names the subject beats one that mentions it in passing.
- Words are OR-ed with a coordination bonus, so natural-language questions work (no word is mandatory)
  while sections matching more of them rank higher.
- A word the index does not know is replaced by its spelling corrections (weighted lower): a typo
  still finds its section.
- The requested topic is a prior, not a filter: sections of other topics stay findable, ranked down.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from xo_mcp.docs.analysis import stem, words
from xo_mcp.docs.schema import FIELD_BOOSTS

SPELLING_FIELDS = ("body", "heading", "code")
CORRECTED_WEIGHT = 0.7
MIN_CORRECTED_LENGTH = 4
COORDINATION = 1.0  # exponent of the share of the query's weight a section matches
K1 = 1.2
FIELD_B = {"heading": 0.5, "title": 0.3, "context": 0.3, "body": 0.75, "code": 0.75}
OFF_TOPIC_FACTOR = 0.55
CANDIDATES = 40


@dataclass(frozen=True)
class QueryTerm:
    stem: str
    weight: float
    written: str  # what the user typed, for messages


@dataclass(frozen=True)
class RankedSection:
    fields: dict[str, Any]
    score: float


def query_terms(searcher: Any, text: str) -> tuple[list[QueryTerm], list[str]]:
    """The index terms for the query, and the words it corrected (`certifcate -> certificate`)."""
    terms: dict[str, QueryTerm] = {}
    corrections = []
    reader = searcher.reader()
    for word in words(text):
        stemmed = stem(word)
        if stemmed in terms:
            continue
        if _known(reader, stemmed):
            terms[stemmed] = QueryTerm(stemmed, 1.0, word)
            continue
        for suggestion in _corrections(searcher, word):
            corrected = stem(suggestion)
            if corrected not in terms:
                terms[corrected] = QueryTerm(corrected, CORRECTED_WEIGHT, word)
                corrections.append(f"{word} -> {suggestion}")
    return list(terms.values()), corrections


class Ranker:
    """BM25F over the index's postings: per-field term frequencies, length-normalised and weighted,
    are summed before saturation, so a word repeated across heading and body is not counted twice.

    Postings are read from Whoosh once per (field, term) and kept: the vocabulary is small, and a
    query then costs a few dictionary walks instead of a tree of Whoosh matchers.
    """

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        reader = searcher.reader()
        self.reader = reader
        self.doc_count = reader.doc_count_all()
        self.lengths = {
            field: [reader.doc_field_length(doc, field, 0) or 0 for doc in range(self.doc_count)]
            for field in FIELD_BOOSTS
        }
        self.average = {field: (sum(lengths) / self.doc_count or 1.0) for field, lengths in self.lengths.items()}
        self._postings: dict[tuple[str, str], list[tuple[int, float]]] = {}

    def postings(self, field: str, term: str) -> list[tuple[int, float]]:
        key = (field, term)
        found = self._postings.get(key)
        if found is None:
            found = (
                list(self.reader.postings(field, term).items_as("weight"))
                if self.reader.doc_frequency(field, term)
                else []
            )
            self._postings[key] = found
        return found

    def rank(self, terms: list[QueryTerm], topic: str | None, limit: int) -> list[RankedSection]:
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, float] = defaultdict(float)
        total_idf = 0.0
        for term in terms:
            weighted_tf: dict[int, float] = defaultdict(float)
            for field, boost in FIELD_BOOSTS.items():
                lengths, average, b = self.lengths[field], self.average[field], FIELD_B[field]
                for doc, tf in self.postings(field, term.stem):
                    weighted_tf[doc] += boost * tf / (1 - b + b * lengths[doc] / average)
            if not weighted_tf:
                continue
            df = len(weighted_tf)
            idf = math.log(1 + (self.doc_count - df + 0.5) / (df + 0.5)) * term.weight
            total_idf += idf
            for doc, tf in weighted_tf.items():
                scores[doc] += idf * tf / (K1 + tf)
                matched[doc] += idf
        if not scores:
            return []
        for doc in scores:
            # coordination: a section matching the rarer words of the question is the better answer
            scores[doc] *= (matched[doc] / total_idf) ** COORDINATION
        best = heapq.nlargest(max(CANDIDATES, limit * 4), scores.items(), key=lambda item: item[1])
        ranked = []
        for doc, score in best:
            fields = self.searcher.stored_fields(doc)
            on_topic = topic is None or topic in fields["topics"].split(",")
            ranked.append(RankedSection(fields, score * (1.0 if on_topic else OFF_TOPIC_FACTOR)))
        ranked.sort(key=lambda r: -r.score)
        return ranked[:limit]


def _known(reader: Any, stemmed: str) -> bool:
    return any(reader.doc_frequency(field, stemmed) for field in FIELD_BOOSTS)


def _corrections(searcher: Any, word: str) -> list[str]:
    """The closest known spelling of a word the index lacks (none for short words: too ambiguous)."""
    if len(word) < MIN_CORRECTED_LENGTH or not word.isalpha():
        return []
    max_distance = 1 if len(word) < 8 else 2
    for field in SPELLING_FIELDS:
        found = searcher.corrector(field).suggest(word, limit=1, maxdist=max_distance)
        if found:
            return [str(found[0])]
    return []
