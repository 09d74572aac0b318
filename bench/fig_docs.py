"""Figure 8: the offline documentation: index build time and size, search quality and latency.

The index is built cold (empty cache) from ``../shared/xo-docs.tar.gz`` into ``bench/.scratch/``. Quality is
scored by the docs package's own ``evaluate()`` on the project's question set
(``docs_corpus/evaluation/questions.json``: MRR, hit@1/3/5 and nDCG@5 for page and section, with the topic
given and with ``all``, per topic and per intent) and on the 20 shared questions
(``../shared/xo-docs/eval-questions.json``) as a held-out set. The official server's approach (the whole
page at ``/<topic>``, four of them redirect stubs) is scored page-level on the same questions: it fetches live
pages, which this machine cannot reach, so its page is derived from the index's URLs. The shared questions are
also put to our server's ``search_documentation`` over MCP for the latency an assistant sees.

The index is built twice into the same cache: cold (empty cache: every section embedded by the sentence
model) and warm (nothing changed: nothing embedded), with the index's size and its size deflated as in the
wheel. The ranking is ablated on both question sets: words only (BM25F, ``semantic_weight`` 0), meaning
only (1) and the shipped mix. A separate process measures opening the index, loading the model on the
first question, and the memory (RSS) each adds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import servers
from bench.context import Bench
from bench.driver import launch
from bench.official import SCRATCH
from bench.report import Results
from bench.stats import median, ms, percentile

F8 = "8 documentation"
SHARED = servers.REPO.parent / "shared"
QUESTIONS = SHARED / "xo-docs" / "eval-questions.json"
OUR_QUESTIONS = servers.REPO / "docs_corpus" / "evaluation" / "questions.json"
TARGETS = (  # (label, mode, level, metric, floor): the targets, on our question set
    ("Section hit@1 ≥ 0.80", "topic_given", "section", "hit@1", 0.80),
    ("Section hit@3 ≥ 0.95", "topic_given", "section", "hit@3", 0.95),
    ("Page hit@3 ≥ 0.98", "topic_given", "page", "hit@3", 0.98),
)


def _source() -> str | None:
    configured = os.environ.get("XO_DOCS_SOURCE")
    if configured:
        return configured
    for candidate in (SHARED / "xo-docs.tar.gz", SHARED / "xo-docs"):
        if candidate.exists():
            return str(candidate)
    return None


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _deflated_size(folder: Path) -> int:
    """The folder's bytes once deflated, as the wheel (a zip) stores the index."""
    target = SCRATCH / "docs-index.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder))
    size = target.stat().st_size
    target.unlink()
    return size


def _build(source: str, output: Path, cache: Path, *, cold: bool = True) -> float:
    for folder in (output, cache) if cold else ():
        shutil.rmtree(folder, ignore_errors=True)
    command = [sys.executable, str(servers.REPO / "build_index.py"), "--source", source]
    command += ["--output", str(output), "--cache", str(cache), "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=servers.REPO, capture_output=True, text=True, timeout=900, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"build_index.py failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return elapsed


ABLATION = (("BM25F only", 0.0), ("dense only", 1.0))  # and the shipped mix, evaluated in full

LOAD_PROBE = """
import json, sys, time
from pathlib import Path
from xo_mcp.docs.library import DocsLibrary

def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024

library = DocsLibrary(Path(sys.argv[1]))
found = {"rss_start_mb": rss_mb()}
started = time.perf_counter()
ranker = library._state().ranker
ranker.semantic_weight, weight = 0.0, ranker.semantic_weight
library.search("backups", "how do I restore a single file from a backup")
found["open_and_words_only_search_ms"] = (time.perf_counter() - started) * 1000
found["rss_after_words_only_search_mb"] = rss_mb()
ranker.semantic_weight = weight
started = time.perf_counter()
library.search("backups", "how do I restore a single file from a backup")
found["first_semantic_search_ms"] = (time.perf_counter() - started) * 1000
found["rss_after_semantic_search_mb"] = rss_mb()
print(json.dumps(found))
"""


def _load_costs(index: Path) -> dict[str, float]:
    """Opening the index, the first question with the model loading, and the RSS each adds (a fresh process)."""
    done = subprocess.run(
        [sys.executable, "-c", LOAD_PROBE, str(index)], cwd=servers.REPO, capture_output=True, text=True, check=True
    )
    found: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return found


def _without_heading_text(report: dict[str, Any]) -> dict[str, Any]:
    """The misses with page paths only: headings of the docs, strung together, would put runs of the docs'
    own words in the committed results (the project never carries the documentation's text)."""
    for miss in report.get("misses", []):
        miss["want"] = miss["want"].split(" / ", 1)[0]
        miss["got"] = [got.split(" / ", 1)[0] for got in miss.get("got", [])]
    return report


def _evaluate(index: Path, questions: Path, ablate: bool = True) -> dict[str, Any]:
    """Both modes and the official approach on one question set; misses kept out of the figures."""
    from xo_mcp.docs.evaluate import evaluate, load_questions, official_baseline, official_topic_pages

    found: dict[str, Any] = {}
    for mode, use_topic in (("topic_given", True), ("topic_all", False)):
        found[mode] = _without_heading_text(evaluate(index, questions, use_topic=use_topic))
        for label, weight in ABLATION if ablate else ():
            ablated = evaluate(index, questions, use_topic=use_topic, timing_rounds=0, semantic_weight=weight)
            found.setdefault("ablation", {}).setdefault(label, {})[mode] = {
                level: ablated[level] for level in ("page", "section")
            }
    served, cores = official_topic_pages(index)
    listed = load_questions(questions)
    found["official"] = official_baseline(listed, served)
    found["official_following_redirects"] = official_baseline(listed, cores)
    return found


def _at_least(floor: float) -> Callable[[float], bool]:
    return lambda value: value >= floor


def _figures(r: Results, label: str, evaluation: dict[str, Any]) -> None:
    for mode in ("topic_given", "topic_all"):
        report = evaluation[mode]
        for level in ("page", "section"):
            for metric, value in report[level].items():
                r.add(F8, f"{label}, {mode.replace('_', ' ')}: {level} {metric}", "fraction", value)
        for intent, figures in report.get("by_intent", {}).items():
            for metric in ("mrr", "hit@1", "hit@3"):
                value = figures["section"][metric]
                r.add(F8, f"{label}, {mode.replace('_', ' ')}: section {metric}, {intent}", "fraction", value)
        keys = (
            "mean_answer_text_bytes",
            "search_p50_ms",
            "search_p95_ms",
            "first_search_p50_ms",
            "first_search_p95_ms",
        )
        for key in keys:
            if key in report:
                r.add(F8, f"{label}, {mode.replace('_', ' ')}: {key}", _unit(key), report[key])
        for ablation, modes in evaluation.get("ablation", {}).items():
            for level in ("page", "section"):
                for metric in ("mrr", "hit@1", "hit@3", "hit@5", "ndcg@5"):
                    value = modes[mode][level][metric]
                    r.add(F8, f"{label}, {mode.replace('_', ' ')}, {ablation}: {level} {metric}", "fraction", value)
    for name in ("official", "official_following_redirects"):
        for metric, value in evaluation[name]["page"].items():
            r.add(F8, f"{label}, {name.replace('_', ' ')} (whole topic page): page {metric}", "fraction", value)


def _unit(key: str) -> str:
    lowered = key.lower()
    for marker, unit in (("_ms", "ms"), ("bytes", "bytes"), ("tokens", "tokens"), ("chars", "chars")):
        if marker in lowered:
            return unit
    if "rate" in lowered or "hit" in lowered or "recall" in lowered or "mrr" in lowered:
        return "fraction"
    return ""


async def run(bench: Bench) -> None:
    r = bench.results
    source = _source()
    if source is None:
        r.note("figure 8 skipped: no documentation source (../shared/xo-docs.tar.gz or XO_DOCS_SOURCE)")
        return
    index = SCRATCH / "docs-index"
    build_s = _build(source, index, SCRATCH / "docs-cache")
    warm_s = _build(source, index, SCRATCH / "docs-cache", cold=False)
    r.add(F8, "index build time (cold cache: every section embedded)", "s", build_s)
    r.add(F8, "index build time (warm cache: nothing changed)", "s", warm_s)
    r.add(F8, "index size on disk", "KiB", _size(index) / 1024)
    semantic = index / "semantic"
    r.add(F8, "of which the semantic part (int8 model, float16 vectors)", "KiB", _size(semantic) / 1024)
    r.add(F8, "index deflated, as in the wheel", "KiB", _deflated_size(index) / 1024)
    for key, value in _load_costs(index).items():
        r.add(F8, f"fresh process: {key.replace('_', ' ')}", "MiB" if key.endswith("_mb") else "ms", value)

    ours = _evaluate(index, OUR_QUESTIONS)
    _figures(r, f"our {ours['topic_given']['questions']} questions", ours)
    given, everything = ours["topic_given"], ours["topic_all"]
    for label, mode, level, metric, floor in TARGETS:
        r.target(F8, label, ours[mode][level][metric], _at_least(floor), "{:.3f}")
    for metric in ("hit@1", "hit@3"):
        gap = given["section"][metric] - everything["section"][metric]
        r.target(F8, f"topic=all section {metric} within 3 points", gap, lambda value: value <= 0.03, "{:+.3f}")
    p50 = given.get("search_p50_ms")
    r.target(F8, "Search p50 ≤ 5 ms warm, a question asked again", p50, lambda value: value <= 5.0, "{:.2f} ms")
    first = given.get("first_search_p50_ms")
    r.target(F8, "Search p50 ≤ 5 ms, a new question (model warm)", first, lambda value: value <= 5.0, "{:.2f} ms")
    r.target(F8, "Index build ≤ 10 s (cold cache)", build_s, lambda value: value <= 10.0, "{:.1f} s")
    r.target(F8, "Index build ≤ 10 s (warm cache)", warm_s, lambda value: value <= 10.0, "{:.1f} s")
    size = given["mean_answer_text_bytes"]
    r.target(F8, "Answer ≤ 3 000 bytes of text on average", size, lambda value: value <= 3000, "{:.0f} bytes")
    r.details["docs_eval"] = {"ours": ours}
    if QUESTIONS.exists():
        shared = _evaluate(index, QUESTIONS)
        _figures(r, "shared 20 (held out)", shared)
        r.details["docs_eval"]["shared_20"] = shared
        await _search_over_mcp(bench, index)


async def _search_over_mcp(bench: Bench, index: Path) -> None:
    questions = json.loads(QUESTIONS.read_text())
    command = servers.ours("http://127.0.0.1:9", "unused", env={"XO_DOCS_INDEX": str(index)})
    latencies: list[float] = []
    sizes: list[int] = []
    errors = 0
    async with launch(command, list_prompts=False) as (process, _):
        for index_no in range(bench.plan.docs_searches):
            question = questions[index_no % len(questions)]
            args = {"topic": question.get("topic", ""), "query": question["q"]}
            outcome = await process.call("search_documentation", args)
            if outcome.failure or outcome.is_error:
                errors += 1
                if errors == 1:
                    bench.results.note(f"search_documentation failed: {(outcome.failure or outcome.text)[:200]}")
                continue
            if index_no >= len(questions) or index_no > 0:
                latencies.append(outcome.latency_s)
            sizes.append(outcome.text_bytes)
    r = bench.results
    r.add(F8, "search_documentation over MCP, p50", "ms", ms(median(latencies)))
    r.add(F8, "search_documentation over MCP, p95", "ms", ms(percentile(latencies, 95)))
    r.add(F8, "search answer size, median", "bytes", median([float(n) for n in sizes]))
    r.add(F8, "search calls that failed", "count", errors)
