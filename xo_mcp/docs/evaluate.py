"""Measure search quality and speed on a question set: `python -m xo_mcp.docs.evaluate [INDEX] [QUESTIONS]`.

Questions are `{"q", "topic", "page", "heading"}`; a hit is the expected page, or the expected page and
section heading (compared without case). Each question is asked with its topic, as a model would.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from xo_mcp.docs.library import DocsLibrary
from xo_mcp.docs.results import HEADING_SEPARATOR, SearchAnswer

DEFAULT_QUESTIONS = Path(__file__).resolve().parents[2].parent / "shared" / "xo-docs" / "eval-questions.json"
TIMING_ROUNDS = 5


def evaluate(index_dir: Path | None, questions_path: Path, *, use_topic: bool = True) -> dict[str, Any]:
    """hit@1/hit@3 for page and heading, mean answer size (text, and text + structured), search latency.

    `search_*_ms` time a question asked again (an open index, its words' postings already read);
    `first_search_*_ms` the first time each question is asked.
    """
    library = DocsLibrary(index_dir)
    questions = json.loads(questions_path.read_text(encoding="utf-8"))
    library.search("all", "warm up")  # opens the index: not part of the timings
    counts = {"page@1": 0, "page@3": 0, "heading@1": 0, "heading@3": 0}
    text_sizes, total_sizes, first_timings, timings, misses = [], [], [], [], []
    for question in questions:
        topic = question["topic"] if use_topic else "all"
        started = time.perf_counter()
        answer = library.search(topic, question["q"])  # first time: its words' postings are read from disk
        first_timings.append((time.perf_counter() - started) * 1000)
        for _ in range(TIMING_ROUNDS):
            started = time.perf_counter()
            library.search(topic, question["q"])
            timings.append((time.perf_counter() - started) * 1000)
        text = answer.render()
        text_sizes.append(len(text.encode()))
        total_sizes.append(len(text.encode()) + len(answer.model_dump_json(exclude_none=True).encode()))
        page_ranks = [i for i, hit in enumerate(answer.results) if hit.source_path == question["page"]]
        heading_ranks = [i for i in page_ranks if _title(answer, i).lower() == question["heading"].lower()]
        for name, ranks in (("page", page_ranks), ("heading", heading_ranks)):
            counts[f"{name}@1"] += bool(ranks) and ranks[0] < 1
            counts[f"{name}@3"] += bool(ranks) and ranks[0] < 3
        if not heading_ranks:
            misses.append(
                {
                    "q": question["q"],
                    "want": f"{question['page']} / {question['heading']}",
                    "got": [
                        f"{hit.source_path} / {hit.heading.split(HEADING_SEPARATOR)[-1]}" for hit in answer.results
                    ],
                }
            )
    total = len(questions)
    return {
        "questions": total,
        **{f"{name}_hit_rate": round(count / total, 3) for name, count in counts.items()},
        "mean_answer_text_bytes": round(statistics.mean(text_sizes)),
        "mean_answer_bytes": round(statistics.mean(total_sizes)),
        "search_p50_ms": _percentile(timings, 50),
        "search_p95_ms": _percentile(timings, 95),
        "first_search_p50_ms": _percentile(first_timings, 50),
        "first_search_p95_ms": _percentile(first_timings, 95),
        "misses": misses,
    }


def _percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, round(len(ordered) * percent / 100) - 1)], 2)


def _title(answer: SearchAnswer, rank: int) -> str:
    return answer.results[rank].heading.split(HEADING_SEPARATOR)[-1]


def main(argv: list[str]) -> int:
    index_dir = Path(argv[0]) if argv else None
    questions = Path(argv[1]) if len(argv) > 1 else DEFAULT_QUESTIONS
    for use_topic in (True, False):
        report = evaluate(index_dir, questions, use_topic=use_topic)
        misses = report.pop("misses")
        print(f"topic {'given' if use_topic else 'all'}: {json.dumps(report)}")
        for miss in misses:
            print(f"  miss: {miss['want']}  <- {miss['q'][:70]}\n        got {miss['got']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
