"""Figures 1 and 2: cold start and the context cost of the tool surface.

Cold start: each server is spawned several times, the order rotated every round, and the time from spawn to
the ``initialize`` answer and to the ``tools/list`` answer is taken; medians are reported and the ratio is the
median of per-round ratios. The SDK baseline (``bench/baseline_server.py``: the same SDK, one trivial tool)
gives what our own code adds. The parts of our start-up are timed in fresh interpreters
(``bench/startup_parts.py``), and import-time shares come from one start under ``PYTHONPROFILEIMPORTTIME``.
Tool surface: the ``tools/list`` and ``prompts/list`` results as compact JSON, in bytes and o200k tokens.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from typing import Protocol

from bench import imports, servers
from bench.context import OFFICIAL, OURS, Bench
from bench.driver import ServerCommand, Startup, launch
from bench.sizes import utf8_len
from bench.stats import median, ms, paired_ratio

F1 = "1 cold start"
F2 = "2 tool surface"
BASELINE = "sdk-baseline"
MIB = 1024 * 1024


class Endpoint(Protocol):
    @property
    def url(self) -> str: ...

    @property
    def token(self) -> str: ...


async def run(bench: Bench, xo: Endpoint) -> None:
    commands: dict[str, ServerCommand] = {OURS: servers.ours(xo.url, xo.token), BASELINE: servers.baseline()}
    if bench.compare:
        commands[OFFICIAL] = bench.official.command(xo.url, token=xo.token)
    init: dict[str, list[float]] = defaultdict(list)
    listed: dict[str, list[float]] = defaultdict(list)
    idle_rss: dict[str, list[float]] = defaultdict(list)
    last: dict[str, Startup] = {}
    labels = list(commands)
    for round_no in range(bench.plan.cold_starts):
        # Rotate the order so no server always runs first (warm page cache, CPU frequency).
        for label in labels[round_no % len(labels) :] + labels[: round_no % len(labels)]:
            async with launch(commands[label]) as (process, startup):
                init[label].append(startup.initialize_s)
                listed[label].append(startup.tools_list_s)
                idle_rss[label].append(process.rss_bytes() / MIB)
                last[label] = startup

    r = bench.results
    _timed(bench, "spawn → initialize answered", init)
    _timed(bench, "spawn → tools/list answered", listed)
    r.add(F1, "idle RSS after start", "MiB", median(idle_rss[OURS]), median(idle_rss[OFFICIAL]) or None)
    r.add(
        F1, "SDK baseline server: spawn → initialize", "ms", ms(median(init[BASELINE])), note="mcp SDK alone, one tool"
    )
    added = [ms(a - b) for a, b in zip(init[OURS], init[BASELINE], strict=False)]
    r.add(F1, "our code's addition to start-up (ours − SDK baseline)", "ms", median(added))
    r.target(
        F1, "Our own code adds ≤ 50 ms to cold start beyond the SDK", median(added), lambda v: v <= 50, "{:.0f} ms"
    )

    parts = _startup_parts(bench.plan.startup_part_runs)
    labels_ms = {
        "sdk_import_ms": "in-process: import mcp.server.mcpserver",
        "our_imports_ms": "in-process: import our modules (after the SDK)",
        "build_server_ms": "in-process: build_server() (tool registration)",
        "xo_client_ms": "in-process: XoClient(settings)",
    }
    for key, metric in labels_ms.items():
        if key in parts:
            r.add(F1, metric, "ms", parts[key])

    shares = await _import_shares(xo)
    if shares is not None:
        groups = {
            "interpreter": shares.interpreter_ms,
            "mcp SDK and its deps": shares.sdk_ms,
            "xo_mcp (our code)": shares.ours_ms,
            "our other deps": shares.other_deps_ms,
        }
        for name, value in groups.items():
            r.add(F1, f"import time share: {name}", "%", 100 * shares.share(value))
        bench.results.details["import_profile"] = {
            "method": "PYTHONPROFILEIMPORTTIME=1 on one real start; self times in ms under the profiler",
            "interpreter_ms": shares.interpreter_ms,
            "sdk_ms": shares.sdk_ms,
            "ours_ms": shares.ours_ms,
            "other_deps_ms": shares.other_deps_ms,
            "top_ours": shares.top_ours,
            "top_other_deps": shares.top_other,
        }
    _surface(bench, last)


def _per_toolset(bench: Bench, startup: Startup) -> None:
    """Our tools/list split by toolset (XO_MCP_TOOLSETS): what exposing fewer toolsets saves."""
    from xo_mcp.tools import TOOLS

    toolset_of = {tool.name: tool.toolset for tool in TOOLS}
    groups: dict[str, list[str]] = defaultdict(list)
    for tool in startup.tools:
        groups[toolset_of.get(str(tool.get("name")), "unknown")].append(json.dumps(tool, separators=(",", ":")))
    names = sorted(groups)
    counts = bench.tokenizer.count(["[" + ",".join(groups[name]) + "]" for name in names])
    for name, count in zip(names, counts, strict=True):
        bench.results.add(F2, f"tools/list: toolset {name} ({len(groups[name])} tools)", "tokens", float(count))


def _timed(bench: Bench, metric: str, samples: dict[str, list[float]]) -> None:
    theirs = samples.get(OFFICIAL, [])
    bench.results.add(
        F1,
        metric,
        "ms",
        ms(median(samples[OURS])),
        ms(median(theirs)) if theirs else None,
        ratio=paired_ratio(samples[OURS], theirs) if theirs else None,
    )


def _startup_parts(runs: int) -> dict[str, float]:
    """Median of each start-up part over ``runs`` fresh interpreters (`bench/startup_parts.py`)."""
    samples: dict[str, list[float]] = defaultdict(list)
    script = str(servers.BENCH_DIR / "startup_parts.py")
    for _ in range(max(1, runs)):
        done = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            return {}
        for key, value in json.loads(done.stdout).items():
            samples[key].append(float(value))
    return {key: median(values) for key, values in samples.items()}


async def _import_shares(xo: Endpoint) -> imports.ImportShares | None:
    python = sys.executable
    interpreter = imports.modules_imported_by(python, "pass")
    sdk = imports.modules_imported_by(python, imports.SDK_IMPORT)
    command = servers.ours(xo.url, xo.token, env={"PYTHONPROFILEIMPORTTIME": "1"}, label="ours-importtime")
    with tempfile.TemporaryFile("w+") as errlog:
        async with launch(command, stderr=errlog):
            pass
        errlog.flush()
        os.fsync(errlog.fileno())
        errlog.seek(0)
        profile = imports.parse_importtime(errlog.read())
    if not profile:
        return None
    return imports.attribute(profile, interpreter, sdk)


def _surface(bench: Bench, last: dict[str, Startup]) -> None:
    r = bench.results
    texts: list[str] = []
    for label in (OURS, OFFICIAL):
        if label in last:
            texts += [last[label].tools_json, last[label].prompts_json]
    counts = bench.tokenizer.count(texts)
    tokens: dict[str, tuple[int, int]] = {}
    sizes: dict[str, tuple[int, int]] = {}
    for index, label in enumerate(label for label in (OURS, OFFICIAL) if label in last):
        tokens[label] = (counts[2 * index], counts[2 * index + 1])
        sizes[label] = (utf8_len(last[label].tools_json), utf8_len(last[label].prompts_json))

    def pair(values: dict[str, tuple[int, int]], i: int) -> tuple[float, float | None]:
        theirs = values.get(OFFICIAL)
        return float(values[OURS][i]), (float(theirs[i]) if theirs else None)

    r.add(F2, "tools", "count", len(last[OURS].tools), len(last[OFFICIAL].tools) if OFFICIAL in last else None)
    r.add(F2, "tools/list", "bytes", *pair(sizes, 0))
    r.add(F2, "tools/list", "tokens", *pair(tokens, 0))
    r.add(F2, "prompts/list", "tokens", *pair(tokens, 1))
    both = {label: (t[0] + t[1], 0) for label, t in tokens.items()}
    r.add(F2, "tools/list + prompts/list", "tokens", *pair(both, 0))
    ours_t, theirs_t = pair(tokens, 0)
    surface_ratio = ours_t / theirs_t if theirs_t else None
    r.target(
        F2,
        "tools/list with every toolset ≤ 1/2 of the official tokens",
        surface_ratio,
        lambda v: v <= 1 / 2,
        "{:.2f}×",
    )
    _per_toolset(bench, last[OURS])
    bench.results.details["tool_surface"] = {
        label: {
            "tools": [tool.get("name") for tool in last[label].tools],
            "tokens": tokens[label],
            "bytes": sizes[label],
        }
        for label in tokens
    }
