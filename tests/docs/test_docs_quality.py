"""Search quality on the project's own question set, against the checked-in baseline: a drop fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.docs.helpers import REPO
from xo_mcp.docs.evaluate import INTENTS, evaluate, load_questions, official_baseline, scores
from xo_mcp.docs.library import DocsLibrary
from xo_mcp.docs.manifest import TOPICS

EVALUATION = REPO / "docs_corpus" / "evaluation"
QUESTIONS = EVALUATION / "questions.json"
BASELINE = json.loads((EVALUATION / "baseline.json").read_text(encoding="utf-8"))
TOLERANCE = 0.03  # three points: below that, the change made search worse


def test_the_question_set_covers_every_topic_and_intent() -> None:
    questions = load_questions(QUESTIONS)
    assert len(questions) >= 80
    assert {q.topic for q in questions} == set(TOPICS)
    assert {q.intent for q in questions} == set(INTENTS)
    assert len({q.text for q in questions}) == len(questions)


def test_every_expected_section_exists(shared_index: Path) -> None:
    pages = DocsLibrary(shared_index).outline()["pages"]
    for question in load_questions(QUESTIONS):
        headings = {section["heading"].lower() for section in pages[question.page]["sections"]}
        assert question.heading.lower() in headings, question


@pytest.mark.parametrize("mode", ["topic_given", "topic_all"])
def test_section_quality_does_not_drop_below_the_baseline(shared_index: Path, mode: str) -> None:
    report = evaluate(shared_index, QUESTIONS, use_topic=mode == "topic_given", timing_rounds=0)
    for metric in ("mrr", "hit@3"):
        floor = BASELINE[mode]["section"][metric] - TOLERANCE
        assert report["section"][metric] >= floor, (metric, report["section"], report["misses"][:10])


def test_metrics_of_known_ranks() -> None:
    # first relevant ranks 1, 2, absent, 4: MRR (1 + 1/2 + 1/4) / 4, nDCG 1/log2(1 + rank)
    found = scores([1, 2, None, 4])
    assert found["mrr"] == round((1 + 0.5 + 0.25) / 4, 3)
    assert (found["hit@1"], found["hit@3"], found["hit@5"]) == (0.25, 0.5, 0.75)
    assert found["ndcg@5"] == round((1 + 1 / 1.585 + 1 / 2.3219) / 4, 3)


def test_the_official_approach_scores_one_page_per_topic(tmp_path: Path) -> None:
    questions = tmp_path / "q.json"
    questions.write_text(
        json.dumps(
            [
                {"q": "a", "topic": "installation", "page": "installation.md", "heading": "x"},
                {"q": "b", "topic": "installation", "page": "airgap.md", "heading": "x"},
                {"q": "c", "topic": "backups", "page": "xo5/backups.md", "heading": "x"},
            ]
        )
    )
    served = {"installation": "installation.md", "backups": None}  # /backups is a redirect stub
    assert official_baseline(load_questions(questions), served)["page"]["hit@1"] == round(1 / 3, 3)
