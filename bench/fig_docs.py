"""Figure 8: the offline documentation: index build time and size, search latency, and the eval hit rates.

The index is built cold (empty cache) from ``../shared/xo-docs.tar.gz`` into ``bench/.scratch/``; the eval
questions (``../shared/xo-docs/eval-questions.json``) are scored by the docs package's own ``evaluate()``, and
the same questions are put to our server's ``search_documentation`` over MCP for the latency an assistant sees.
The official server's search fetches live pages from the internet, which this machine cannot reach, so it is
not compared here.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import servers
from bench.context import Bench
from bench.driver import launch
from bench.official import SCRATCH
from bench.stats import median, ms, percentile

F8 = "8 documentation"
SHARED = servers.REPO.parent / "shared"
QUESTIONS = SHARED / "xo-docs" / "eval-questions.json"
EVALUATE_MODULES = ("xo_mcp.docs.evaluate", "xo_mcp.docs.eval", "xo_mcp.docs")


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


def _build(source: str, output: Path, cache: Path) -> float:
    for folder in (output, cache):
        shutil.rmtree(folder, ignore_errors=True)
    command = [sys.executable, str(servers.REPO / "build_index.py"), "--source", source]
    command += ["--output", str(output), "--cache", str(cache), "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=servers.REPO, capture_output=True, text=True, timeout=300, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"build_index.py failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return elapsed


def _evaluate(index: Path) -> dict[str, Any] | None:
    for name in EVALUATE_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        evaluate = getattr(module, "evaluate", None)
        if callable(evaluate):
            found = evaluate(index, QUESTIONS)
            return dict(found) if isinstance(found, dict) else None
    return None


def _flatten(value: Any, prefix: str = "") -> dict[str, float]:
    flat: dict[str, float] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}{key}." if not isinstance(item, int | float) else f"{prefix}{key}"))
    elif isinstance(value, bool):
        return flat
    elif isinstance(value, int | float):
        flat[prefix.rstrip(".")] = float(value)
    return flat


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
    r.add(F8, "index build time (cold cache)", "s", build_s)
    r.add(F8, "index size on disk", "KiB", _size(index) / 1024)

    evaluation = _evaluate(index) if QUESTIONS.exists() else None
    if evaluation is None:
        r.note("figure 8: no evaluate() found in the docs package, or no eval questions: hit rates not measured")
    else:
        for key, value in _flatten(evaluation).items():
            r.add(F8, f"eval: {key}", _unit(key), value)
        r.details["docs_eval"] = evaluation
    if QUESTIONS.exists():
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
