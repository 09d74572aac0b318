"""Measure search quality and speed on a question set: `python -m xo_mcp.docs.evaluate QUESTIONS [--index DIR]`.

A question is `{"q", "topic", "page", "heading"}` (plus `"intent"`: how-to, symptom, is-it-possible or
concept, in the project's own set, and optionally `"accept"`). A result is a hit at page level when it is
from the expected page, at section level when it is also the expected section (its own heading, compared
without case) or one of the sections `accept` names. Each question is asked with its topic, as a model
would, or under `all` (`use_topic=False`).

How sections are labelled (the rule the set was audited against):
- `heading` is the most specific section that answers the whole question by itself: a child rather than
  its parent when the child alone answers, the parent when the answer needs several of its children.
- `accept` names, by the end of their heading path ("From the CLI › Upgrade"), the expected section's
  descendants that answer the question just as completely, when the parent and one child both do (the
  parent's lead says yes, the child says how). Only descendants, decided by reading the docs, never from
  what a ranker returns; a heading path, not a bare heading, because a page may repeat a heading.

Reported for page and section: MRR (over the first MAX_RANK results), hit@1/3/5, and nDCG@5 with the one
expected item as the only relevant one (1/log2(1 + rank)); overall, per topic and per intent. The
official server's approach is scored page-level on the same questions (`official_baseline`): it fetches
`https://docs.xen-orchestra.com/<topic>` whole, which is the expected page or not; four of those URLs are
client-side redirect stubs with nearly no text (see docs_corpus/README.md), which answer nothing.

The question file is always given by the caller: the package reads nothing outside the index at run time.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xo_mcp.docs.library import DocsLibrary
from xo_mcp.docs.results import HEADING_SEPARATOR, SearchAnswer

MAX_RANK = 5  # results asked for when scoring: hit@5 and nDCG@5 need five
DEFAULT_RESULTS = 3  # what a model gets without max_results: the answer size is measured on it
TIMING_ROUNDS = 5
INTENTS = ("how-to", "symptom", "is-it-possible", "concept")
LEVELS = ("page", "section")


@dataclass(frozen=True)
class Question:
    text: str
    topic: str
    page: str
    heading: str
    intent: str | None = None
    accept: tuple[str, ...] = ()  # heading-path endings of descendants that answer as well

    def is_section(self, heading_path: str) -> bool:
        """Whether a result's heading path (" › "-joined) is the expected section or an accepted one."""
        path = heading_path.lower()
        own = path.split(HEADING_SEPARATOR)[-1]
        return own == self.heading.lower() or any(
            path == other.lower() or path.endswith(HEADING_SEPARATOR + other.lower()) for other in self.accept
        )


def load_questions(path: Path) -> list[Question]:
    """The questions of a JSON file; a malformed entry is an error naming it."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    questions = []
    for number, entry in enumerate(entries, 1):
        try:
            questions.append(
                Question(
                    text=str(entry["q"]),
                    topic=str(entry["topic"]),
                    page=str(entry["page"]),
                    heading=str(entry["heading"]),
                    intent=str(entry["intent"]) if "intent" in entry else None,
                    accept=tuple(str(other) for other in entry.get("accept", ())),
                )
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: question {number} is malformed ({exc})") from None
    return questions


def first_ranks(answer: SearchAnswer, question: Question) -> tuple[int | None, int | None]:
    """1-based rank of the first result on the expected page, and of the expected section (None: absent)."""
    page_rank = section_rank = None
    for rank, hit in enumerate(answer.results, 1):
        if hit.source_path != question.page:
            continue
        page_rank = page_rank or rank
        if section_rank is None and question.is_section(hit.heading):
            section_rank = rank
    return page_rank, section_rank


def scores(ranks: Sequence[int | None]) -> dict[str, float]:
    """MRR, hit@1/3/5 and nDCG@5 of a list of first ranks (one relevant item per question)."""
    count = len(ranks) or 1
    found = [rank for rank in ranks if rank is not None]
    return {
        "mrr": round(sum(1 / rank for rank in found) / count, 3),
        **{f"hit@{k}": round(sum(rank <= k for rank in found) / count, 3) for k in (1, 3, 5)},
        "ndcg@5": round(sum(1 / math.log2(1 + rank) for rank in found if rank <= 5) / count, 3),
    }


def _grouped(ranked: list[tuple[Question, int | None, int | None]], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[tuple[Question, int | None, int | None]]] = defaultdict(list)
    for item in ranked:
        groups[str(getattr(item[0], key))].append(item)
    return {
        name: {
            "questions": len(items),
            "page": scores([page for _, page, _ in items]),
            "section": scores([section for _, _, section in items]),
        }
        for name, items in sorted(groups.items())
    }


def evaluate(
    index_dir: Path | None,
    questions_path: Path,
    *,
    use_topic: bool = True,
    timing_rounds: int = TIMING_ROUNDS,
    semantic_weight: float | None = None,
) -> dict[str, Any]:
    """Quality (page and section, overall, per topic and per intent), answer size and search latency.

    `search_*_ms` time a question asked again (an open index, its words' postings already read, its
    vector cached); `first_search_*_ms` the first time each question is asked (its vector computed by
    the sentence model). `timing_rounds=0` skips the timings. `semantic_weight` overrides the ranker's
    mix for an ablation: 0 words only (BM25F), 1 meaning only; it changes nothing on a lexical index.
    """
    library = DocsLibrary(index_dir)
    questions = load_questions(questions_path)
    if semantic_weight is not None:
        library._state().ranker.semantic_weight = semantic_weight
    started = time.perf_counter()
    library.search("all", "warm up")  # opens the index and loads the model: not part of the timings
    opening_ms = (time.perf_counter() - started) * 1000
    ranked: list[tuple[Question, int | None, int | None]] = []
    text_sizes, total_sizes, first_timings, timings, misses = [], [], [], [], []
    for question in questions:
        topic = question.topic if use_topic else "all"
        started = time.perf_counter()
        answer = library.search(topic, question.text, DEFAULT_RESULTS)  # its words' postings are read now
        first_timings.append((time.perf_counter() - started) * 1000)
        for _ in range(timing_rounds):
            started = time.perf_counter()
            library.search(topic, question.text, DEFAULT_RESULTS)
            timings.append((time.perf_counter() - started) * 1000)
        text = answer.render()
        text_sizes.append(len(text.encode()))
        total_sizes.append(len(text.encode()) + len(answer.model_dump_json(exclude_none=True).encode()))
        deeper = library.search(topic, question.text, MAX_RANK)
        page_rank, section_rank = first_ranks(deeper, question)
        ranked.append((question, page_rank, section_rank))
        if section_rank != 1:
            misses.append(
                {
                    "q": question.text,
                    "want": f"{question.page} / {question.heading}",
                    "rank": section_rank,
                    "got": [
                        f"{hit.source_path} / {hit.heading.split(HEADING_SEPARATOR)[-1]}" for hit in deeper.results
                    ],
                }
            )
    report: dict[str, Any] = {
        "questions": len(questions),
        "page": scores([page for _, page, _ in ranked]),
        "section": scores([section for _, _, section in ranked]),
        "by_topic": _grouped(ranked, "topic"),
    }
    if all(question.intent for question in questions):
        report["by_intent"] = _grouped(ranked, "intent")
    report["mean_answer_text_bytes"] = round(statistics.mean(text_sizes))
    report["mean_answer_bytes"] = round(statistics.mean(total_sizes))
    if timings:
        report["search_p50_ms"] = _percentile(timings, 50)
        report["search_p95_ms"] = _percentile(timings, 95)
    report["open_and_first_search_ms"] = round(opening_ms, 1)
    report["semantic"] = library._state().ranker.semantic() is not None and library._state().ranker.semantic_weight > 0
    report["first_search_p50_ms"] = _percentile(first_timings, 50)
    report["first_search_p95_ms"] = _percentile(first_timings, 95)
    report["misses"] = misses
    return report


def official_baseline(questions: Iterable[Question], topic_pages: Mapping[str, str | None]) -> dict[str, Any]:
    """Page-level scores of the official server's approach: one whole page per topic, or nothing.

    `topic_pages` maps a topic to the page its URL serves (None for a redirect stub); the single result
    is a hit when it is the expected page, so MRR, hit@k and nDCG@5 are all the same figure.
    """
    listed = list(questions)
    ranks = [1 if topic_pages.get(q.topic) == q.page else None for q in listed]
    return {"questions": len(listed), "page": scores(ranks)}


def official_topic_pages(index_dir: Path | None = None) -> tuple[dict[str, str | None], dict[str, str]]:
    """What `https://docs.xen-orchestra.com/<topic>` serves, from the index's own page URLs.

    A topic whose URL is no page of the index is a redirect stub (None); the second mapping is the core
    page each topic is keyed on, what the official server would get if it followed the redirects.
    """
    library = DocsLibrary(index_dir)
    outline = library.outline()
    by_url = {page["url"].rstrip("/"): path for path, page in outline["pages"].items()}
    site = _site_of(outline)
    served = {topic: by_url.get(f"{site}/{topic}") for topic in outline["topics"]}
    cores = {topic: str(info["core"]) for topic, info in outline["topics"].items()}
    return served, cores


def _site_of(outline: dict[str, Any]) -> str:
    any_url = str(next(iter(outline["pages"].values()))["url"])
    scheme, _, rest = any_url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, round(len(ordered) * percent / 100) - 1)], 2)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xo_mcp.docs.evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("questions", type=Path, help="JSON file of questions")
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: the bundled one)")
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    parser.add_argument(
        "--semantic-weight", type=float, default=None, help="ablation: 0 words only (BM25F), 1 meaning only"
    )
    parser.add_argument(
        "--write-baseline", type=Path, default=None, help="also write the page and section figures to this file"
    )
    options = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    reports = {}
    for use_topic in (True, False):
        report = evaluate(
            options.index, options.questions, use_topic=use_topic, semantic_weight=options.semantic_weight
        )
        reports["topic_given" if use_topic else "topic_all"] = report
    served, cores = official_topic_pages(options.index)
    questions = load_questions(options.questions)
    reports["official"] = official_baseline(questions, served)
    reports["official_following_redirects"] = official_baseline(questions, dict(cores.items()))
    if options.write_baseline:
        baseline = {
            name: {level: report[level] for level in LEVELS if level in report} for name, report in reports.items()
        }
        options.write_baseline.write_text(json.dumps(baseline, indent=1) + "\n", encoding="utf-8")
    if options.json:
        print(json.dumps(reports, indent=1))
        return 0
    for name, report in reports.items():
        misses = report.get("misses", [])
        print(f"{name}: page {report['page']}" + (f" section {report['section']}" if "section" in report else ""))
        for miss in misses:
            print(f"  miss (rank {miss['rank']}): {miss['want']}  <- {miss['q'][:80]}\n        got {miss['got']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
