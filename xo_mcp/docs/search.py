"""Turn a question into a ranked list of sections: BM25F, typo tolerance and the topic prior.

- Every query word is looked up in all text fields; per-field term frequencies, length-normalised and
  weighted (FIELD_BOOSTS), are summed before BM25 saturation (BM25F): a section whose heading names the
  subject beats one that mentions it in passing, and a word is not counted twice for being in both.
- Words are OR-ed, so natural-language questions work (no word is mandatory), and a coordination factor
  favours the sections matching the larger, rarer part of the question.
- A word the index does not know is replaced by its spelling correction (weighted lower).
- The requested topic is a prior, not a filter: sections of other topics stay findable, ranked down.

Postings are read from Whoosh once per (field, term) and kept with their query-independent BM25F factor
(field weight, length normalisation): the vocabulary is small, and a query then costs a few dictionary
walks instead of a tree of Whoosh matchers (an order of magnitude faster).
"""

from __future__ import annotations

import heapq
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xo_mcp.docs.analysis import stem, words
from xo_mcp.docs.schema import FIELD_BOOSTS
from xo_mcp.docs.spelling import SpellingCorrector

K1 = 1.2
FIELD_B = {"heading": 0.5, "title": 0.3, "context": 0.3, "body": 0.75, "code": 0.75}
COORDINATION = 1.0  # exponent of the share of the query's weight (idf) a section matches
CORRECTED_WEIGHT = 0.7
OFF_TOPIC_FACTOR = 0.55


@dataclass(frozen=True)
class QueryTerm:
    stem: str
    weight: float


@dataclass(frozen=True)
class RankedSection:
    fields: dict[str, Any]
    score: float


@dataclass(frozen=True)
class ParsedQuery:
    terms: list[QueryTerm]
    corrections: list[str]  # "certifcate -> certificate"

    @property
    def stems(self) -> set[str]:
        return {term.stem for term in self.terms}


class Ranker:
    def __init__(self, searcher: Any, vocabulary_path: Path) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.doc_count = self.reader.doc_count_all()
        self.lengths = {
            field: [self.reader.doc_field_length(doc, field, 0) or 0 for doc in range(self.doc_count)]
            for field in FIELD_BOOSTS
        }
        self.average = {field: (sum(lengths) / self.doc_count or 1.0) for field, lengths in self.lengths.items()}
        self._postings: dict[tuple[str, str], list[tuple[int, float]]] = {}
        self._topics: dict[str, frozenset[int]] = {}
        self._vocabulary_path = vocabulary_path
        self._corrector: SpellingCorrector | None = None

    def parse(self, text: str) -> ParsedQuery:
        terms: dict[str, QueryTerm] = {}
        corrections = []
        for word in words(text):
            stemmed = stem(word)
            if stemmed in terms:
                continue
            if self._known(stemmed):
                terms[stemmed] = QueryTerm(stemmed, 1.0)
                continue
            suggestion = self.corrector().correct(word)
            if suggestion is not None and (corrected := stem(suggestion)) not in terms:
                terms[corrected] = QueryTerm(corrected, CORRECTED_WEIGHT)
                corrections.append(f"{word} -> {suggestion}")
        return ParsedQuery(list(terms.values()), corrections)

    def rank(self, query: ParsedQuery, topic: str | None, limit: int) -> list[RankedSection]:
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, float] = defaultdict(float)
        total_idf = 0.0
        for term in query.terms:
            weighted_tf: dict[int, float] = defaultdict(float)
            for field in FIELD_BOOSTS:
                for doc, tf in self._weighted_postings(field, term.stem):
                    weighted_tf[doc] += tf
            if not weighted_tf:
                continue
            df = len(weighted_tf)
            idf = math.log(1 + (self.doc_count - df + 0.5) / (df + 0.5)) * term.weight
            total_idf += idf
            for doc, tf in weighted_tf.items():
                scores[doc] += idf * tf / (K1 + tf)
                matched[doc] += idf
        for doc in scores:
            scores[doc] *= (matched[doc] / total_idf) ** COORDINATION
        if topic is not None:
            in_topic = self._topic_docs(topic)
            for doc in scores:
                if doc not in in_topic:
                    scores[doc] *= OFF_TOPIC_FACTOR
        best = heapq.nlargest(limit, scores.items(), key=lambda item: item[1])
        return [RankedSection(self.searcher.stored_fields(doc), score) for doc, score in best]

    def corrector(self) -> SpellingCorrector:
        if self._corrector is None:
            self._corrector = SpellingCorrector(json.loads(self._vocabulary_path.read_text(encoding="utf-8")))
        return self._corrector

    def _topic_docs(self, topic: str) -> frozenset[int]:
        found = self._topics.get(topic)
        if found is None:
            ids = self.reader.postings("topics", topic).all_ids() if self.reader.doc_frequency("topics", topic) else ()
            found = self._topics[topic] = frozenset(ids)
        return found

    def _known(self, term: str) -> bool:
        return any(self._weighted_postings(field, term) for field in FIELD_BOOSTS)

    def _weighted_postings(self, field: str, term: str) -> list[tuple[int, float]]:
        """(doc, term frequency x field weight / length normalisation): the query-independent part of BM25F."""
        key = (field, term)
        found = self._postings.get(key)
        if found is None:
            found = []
            if self.reader.doc_frequency(field, term):
                boost, b = FIELD_BOOSTS[field], FIELD_B[field]
                lengths, average = self.lengths[field], self.average[field]
                found = [
                    (doc, boost * tf / (1 - b + b * lengths[doc] / average))
                    for doc, tf in self.reader.postings(field, term).items_as("weight")
                ]
            self._postings[key] = found
        return found
