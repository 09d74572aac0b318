"""Turn a question into a ranked list of sections: BM25F, typo tolerance and the topic prior.

- Every query word is looked up in all text fields; per-field term frequencies, length-normalised and
  weighted (FIELD_BOOSTS), are summed before BM25 saturation (BM25F): a section whose heading names the
  subject beats one that mentions it in passing, and a word is not counted twice for being in both.
- Words are OR-ed, so natural-language questions work (no word is mandatory), and a coordination factor
  favours the sections matching the larger, rarer part of the question.
- A word the index does not know is replaced by its spelling correction (weighted lower).
- Words common in everyday English weigh less (terms.json, from a word-frequency list at build time),
  so a question's incidental words do not decide the ranking.
- Names the docs give as synonyms ("backup repository" / "remote", "CR" / "incremental replication")
  are added to the query at a lower weight.
- The requested topic is a prior, not a filter: sections of other topics stay findable, ranked down.
- The most specific section wins: a sub-section scoring close to one of its ancestors takes its place
  (the ancestor, with more text and the same headings, would otherwise win on the broad words).

Postings are read from Whoosh once per (field, term) and kept with their query-independent BM25F factor
(field weight, length normalisation): the vocabulary is small, and a query then costs a few dictionary
walks instead of a tree of Whoosh matchers (an order of magnitude faster).
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xo_mcp.docs.analysis import STOP_WORDS, stem, words
from xo_mcp.docs.schema import FIELD_BOOSTS, TERMS_FILE, VOCABULARY_FILE
from xo_mcp.docs.spelling import SpellingCorrector

K1 = 1.2
FIELD_B = {"heading": 0.5, "title": 0.3, "context": 0.3, "body": 0.75, "code": 0.75}
COORDINATION = 1.0  # exponent of the share of the query's weight (idf) a section matches
CORRECTED_WEIGHT = 0.7
SYNONYM_WEIGHT = 0.5
# A word in more than this share of the sections needs no synonym, and is no useful one either.
FREQUENT_SHARE = 0.1
OFF_TOPIC_FACTOR = 0.55
# A descendant scoring at least this share of its ancestor's score takes the ancestor's place.
SPECIFIC_SHARE = 0.8
CANDIDATES = 30  # sections reordered for specificity before the top `limit` are kept
# Weight of a word from its Zipf frequency in English (log10 per billion words: the 7.7, network 5.0).
COMMON_FROM = 3.5  # at or below: full weight
VERY_COMMON = 6.0  # at or above: MIN_COMMON_WEIGHT
MIN_COMMON_WEIGHT = 0.4


def commonness_weight(zipf: float) -> float:
    """1 for words rare in everyday English, down to MIN_COMMON_WEIGHT for the most common ones."""
    if zipf <= COMMON_FROM:
        return 1.0
    share = min(1.0, (zipf - COMMON_FROM) / (VERY_COMMON - COMMON_FROM))
    return 1.0 - share * (1.0 - MIN_COMMON_WEIGHT)


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
    def __init__(self, searcher: Any, folder: Path) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.doc_count: int = self.reader.doc_count_all()
        self.lengths = {
            field: [self.reader.doc_field_length(doc, field, 0) or 0 for doc in range(self.doc_count)]
            for field in FIELD_BOOSTS
        }
        self.average = {field: (sum(lengths) / self.doc_count or 1.0) for field, lengths in self.lengths.items()}
        self.parents = _parents(searcher, self.doc_count)
        terms = json.loads((folder / TERMS_FILE).read_text(encoding="utf-8"))
        self.weights = {term: commonness_weight(zipf) for term, zipf in terms["english_zipf"].items()}
        self.synonyms: dict[str, list[tuple[frozenset[str], tuple[str, ...]]]] = defaultdict(list)
        for needed, added in terms["synonyms"]:
            for term in needed:  # any of its words leads to the rule: frequent ones may be left out
                self.synonyms[term].append((frozenset(needed), tuple(added)))
        self._postings: dict[tuple[str, str], list[tuple[int, float]]] = {}
        self._topics: dict[str, frozenset[int]] = {}
        self._vocabulary_path = folder / VOCABULARY_FILE
        self._corrector: SpellingCorrector | None = None

    def parse(self, text: str) -> ParsedQuery:
        terms: dict[str, QueryTerm] = {}
        corrections = []
        for word in words(text):
            stemmed = stem(word)
            if stemmed in terms:
                continue
            if self._known(stemmed):
                terms[stemmed] = QueryTerm(stemmed, self.weights.get(stemmed, 1.0))
                continue
            suggestion = self.corrector().correct(word)
            if suggestion is None:
                continue
            corrections.append(f"{word} -> {suggestion}")
            corrected = stem(suggestion)
            if suggestion not in STOP_WORDS and corrected not in terms:
                terms[corrected] = QueryTerm(corrected, CORRECTED_WEIGHT * self.weights.get(corrected, 1.0))
        for term in self._joined(words(text)) + self._synonyms_of(set(terms)):
            terms.setdefault(term.stem, term)
        return ParsedQuery(list(terms.values()), corrections)

    def _joined(self, found: list[str]) -> list[QueryTerm]:
        """Two adjacent words the docs write as one ("time zone": timezone, "data store": datastore)."""
        joined = []
        for first, second in itertools.pairwise(found):
            if first.isalpha() and second.isalpha() and self._known(together := stem(first + second)):
                joined.append(QueryTerm(together, self.weights.get(together, 1.0)))
        return joined

    def _synonyms_of(self, stems: set[str]) -> list[QueryTerm]:
        """The docs' other names for what the query names, at SYNONYM_WEIGHT.

        Frequent words are left out on both sides: "Xen Orchestra Appliance" / "XOA" fires on
        "appliance" alone, and "VM" gains nothing (every section says "virtual machine" anyway).
        """
        added: dict[str, float] = {}
        for needed, gained in (rule for first in stems for rule in self.synonyms.get(first, ())):
            distinctive = {term for term in needed if not self._frequent(term)}
            if distinctive and distinctive <= stems:
                for term in gained:
                    if term not in stems and self._known(term) and not self._frequent(term):
                        added[term] = SYNONYM_WEIGHT * self.weights.get(term, 1.0)
        return [QueryTerm(term, weight) for term, weight in added.items()]

    def _frequent(self, term: str) -> bool:
        return self._document_frequency(term) > FREQUENT_SHARE * self.doc_count

    def _document_frequency(self, term: str) -> int:
        return len({doc for field in FIELD_BOOSTS for doc, _ in self._weighted_postings(field, term)})

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
            in_topic = self.topic_docs(topic)
            for doc in scores:
                if doc not in in_topic:
                    scores[doc] *= OFF_TOPIC_FACTOR
        best = heapq.nlargest(max(limit, CANDIDATES), scores.items(), key=lambda item: item[1])
        ordered = self._most_specific_first(best)[:limit]
        return [RankedSection(self.searcher.stored_fields(doc), score) for doc, score in ordered]

    def _most_specific_first(self, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Swap each section with its best-scoring descendant when that one scores close to it.

        The two exchange places and scores, so the list stays sorted; the promoted descendant is
        checked in turn against its own descendants.
        """
        ranked = list(ranked)
        for position in range(len(ranked)):
            while True:
                doc, score = ranked[position]
                below = [
                    (other_position, other_score)
                    for other_position, (other, other_score) in enumerate(ranked[position + 1 :], position + 1)
                    if other_score >= SPECIFIC_SHARE * score and self._is_ancestor(doc, other)
                ]
                if not below:
                    break
                other_position, other_score = max(below, key=lambda item: item[1])
                ranked[position] = (ranked[other_position][0], score)
                ranked[other_position] = (doc, other_score)
        return ranked

    def _is_ancestor(self, ancestor: int, doc: int) -> bool:
        parent = self.parents[doc]
        while parent is not None:
            if parent == ancestor:
                return True
            parent = self.parents[parent]
        return False

    def corrector(self) -> SpellingCorrector:
        if self._corrector is None:
            vocabulary = json.loads(self._vocabulary_path.read_text(encoding="utf-8"))
            self._corrector = SpellingCorrector(vocabulary["corpus"], vocabulary["english"], STOP_WORDS)
        return self._corrector

    def topic_docs(self, topic: str) -> frozenset[int]:
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


def _parents(searcher: Any, doc_count: int) -> list[int | None]:
    """Each section's parent section (None for a page's top), from the pages' heading levels."""
    fields = [searcher.stored_fields(doc) for doc in range(doc_count)]
    parents: list[int | None] = [None] * doc_count
    stack: list[int] = []
    for doc in sorted(range(doc_count), key=lambda d: (fields[d]["path"], fields[d]["order"])):
        if fields[doc]["order"] == 0:
            stack = []
        while stack and fields[stack[-1]]["level"] >= fields[doc]["level"]:
            stack.pop()
        parents[doc] = stack[-1] if stack else None
        stack.append(doc)
    return parents
