"""Turn a question into a ranked list of sections: BM25F fused with meaning, typo tolerance, the topic prior.

- Every query word is looked up in all text fields; per-field term frequencies, length-normalised and
  weighted (FIELD_BOOSTS), are summed before BM25 saturation (BM25F): a section whose heading names the
  subject beats one that mentions it in passing, and a word is not counted twice for being in both.
- Words are OR-ed, so natural-language questions work (no word is mandatory), and a coordination factor
  favours the sections matching the larger, rarer part of the question.
- A word the index does not know is replaced by its spelling correction (weighted lower).
- The requested topic is a prior, not a filter: sections of other topics stay findable, ranked down.
- Meaning, when the index has a semantic part (`semantic.py`): the question's sentence vector is compared
  with every section's, and the two scores are fused, each divided by its best value for the question,
  SEMANTIC_WEIGHT of the total from meaning. Paraphrases that share no word with a heading ("the primary
  site burned down" / "Failover") are then found. A question none of whose words the docs know matches
  nothing, whatever its vector: meaning re-ranks what words found, it does not invent answers to noise.
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
from typing import TYPE_CHECKING, Any

from xo_mcp.docs.analysis import STOP_WORDS, stem, words
from xo_mcp.docs.schema import FIELD_BOOSTS, VOCABULARY_FILE
from xo_mcp.docs.spelling import SpellingCorrector

if TYPE_CHECKING:
    from xo_mcp.docs.semantic import SemanticIndex

K1 = 1.2
FIELD_B = {"heading": 0.5, "title": 0.3, "context": 0.3, "body": 0.75, "code": 0.75}
COORDINATION = 1.0  # exponent of the share of the query's weight (idf) a section matches
CORRECTED_WEIGHT = 0.7
OFF_TOPIC_FACTOR = 0.55
SEMANTIC_WEIGHT = 0.6  # share of the fused score that comes from meaning (the rest from words)
# A descendant scoring at least this share of its ancestor's score takes the ancestor's place.
SPECIFIC_SHARE = 0.8
CANDIDATES = 30  # sections reordered for specificity before the top `limit` are kept


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
    text: str = ""  # the question as asked: what the sentence model reads

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
        stored = [searcher.stored_fields(doc) for doc in range(self.doc_count)]
        self.parents = _parents(stored)
        self._doc_of_key = {fields["key"]: doc for doc, fields in enumerate(stored)}
        self._folder = folder
        self._semantic: SemanticIndex | None = None
        # 0 ranks by words alone, 1 by meaning alone (among the sections a word matched): for measuring
        self.semantic_weight = SEMANTIC_WEIGHT
        self._semantic_opened = False
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
                terms[stemmed] = QueryTerm(stemmed, 1.0)
                continue
            suggestion = self.corrector().correct(word)
            if suggestion is None:
                continue
            corrections.append(f"{word} -> {suggestion}")
            corrected = stem(suggestion)
            if suggestion not in STOP_WORDS and corrected not in terms:
                terms[corrected] = QueryTerm(corrected, CORRECTED_WEIGHT)
        for term in self._joined(words(text)):
            terms.setdefault(term.stem, term)
        return ParsedQuery(list(terms.values()), corrections, text)

    def _joined(self, found: list[str]) -> list[QueryTerm]:
        """Two adjacent words the docs write as one ("time zone": timezone, "data store": datastore)."""
        joined = []
        for first, second in itertools.pairwise(found):
            if first.isalpha() and second.isalpha() and self._known(together := stem(first + second)):
                joined.append(QueryTerm(together, 1.0))
        return joined

    def semantic(self) -> SemanticIndex | None:
        """The index's semantic part (its section vectors read now, its model on the first question), or None."""
        if not self._semantic_opened:
            from xo_mcp.docs.semantic import SemanticIndex

            self._semantic = SemanticIndex.open(self._folder, self._doc_of_key, self.doc_count)
            self._semantic_opened = True
        return self._semantic

    def rank(self, query: ParsedQuery, topic: str | None, limit: int, *, semantic: bool = True) -> list[RankedSection]:
        """The best `limit` sections; `semantic=False` ranks by words alone (what explain() needs)."""
        scores = self._lexical(query, topic)
        if not scores:
            return []
        index = self.semantic() if semantic and query.text and self.semantic_weight > 0 else None
        keep = max(limit, CANDIDATES)
        if index is not None:
            scores = self._fused(scores, index.similarities(query.text), topic, keep)
        best = heapq.nlargest(keep, scores.items(), key=lambda item: item[1])
        ordered = self._most_specific_first(best)[:limit]
        return [RankedSection(self.searcher.stored_fields(doc), score) for doc, score in ordered]

    def _fused(self, lexical: dict[int, float], similarity: Any, topic: str | None, keep: int) -> dict[int, float]:
        """Each score over its best, mixed: (1 - semantic_weight) words + semantic_weight meaning.

        Every section takes part (a paraphrase may share no word with the one that answers); the topic
        prior scales the similarity as it scales the word score.
        """
        import numpy as np

        words = np.zeros(self.doc_count, dtype=np.float32)
        words[list(lexical)] = list(lexical.values())
        meaning = np.maximum(similarity, 0.0)
        if topic is not None:
            off = np.ones(self.doc_count, dtype=bool)
            off[list(self.topic_docs(topic))] = False
            meaning[off] *= OFF_TOPIC_FACTOR
        fused = (1 - self.semantic_weight) * words / max(float(words.max()), 1e-9)
        fused += self.semantic_weight * meaning / max(float(meaning.max()), 1e-9)
        top = np.argpartition(-fused, min(keep, self.doc_count - 1))[: keep + 1]
        return {int(doc): float(fused[doc]) for doc in top}

    def _lexical(self, query: ParsedQuery, topic: str | None) -> dict[int, float]:
        """BM25F with the coordination factor and the topic prior, for the sections matching a word."""
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
        return scores

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


def _parents(fields: list[dict[str, Any]]) -> list[int | None]:
    """Each section's parent section (None for a page's top), from the pages' heading levels."""
    parents: list[int | None] = [None] * len(fields)
    stack: list[int] = []
    for doc in sorted(range(len(fields)), key=lambda d: (fields[d]["path"], fields[d]["order"])):
        if fields[doc]["order"] == 0:
            stack = []
        while stack and fields[stack[-1]]["level"] >= fields[doc]["level"]:
            stack.pop()
        parents[doc] = stack[-1] if stack else None
        stack.append(doc)
    return parents
