"""``python -m bench`` (``make bench``): run every figure, print the table, write results.json and RESULTS.md."""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import anyio

from bench import (
    fig_backups,
    fig_concurrency,
    fig_docs,
    fig_health,
    fig_http,
    fig_overhead,
    fig_questions,
    fig_scale,
    fig_simulator,
    fig_soak,
    fig_startup,
    servers,
)
from bench.context import OFFICIAL, OURS, Bench, Plan
from bench.driver import McpProcess, launch
from bench.official import SCRATCH, Official, prepare_official
from bench.report import Results, machine_info, render_text, write_outputs
from bench.sim import Sim, simulator
from bench.sizes import Tokenizer
from bench.truth import read_truth

FIGURES = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few repetitions, no 100 000-VM run (a smoke test)")
    parser.add_argument("--no-official", action="store_true", help="skip the comparison with @xen-orchestra/mcp")
    parser.add_argument("--only", default=",".join(FIGURES), help="comma-separated figure numbers (default: all)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave results.json and RESULTS.md")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    started = time.perf_counter()
    results = Results()
    results.meta["started"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print("[bench] preparing: tokenizer, official server, OpenAPI spec …", flush=True)
    tokenizer = Tokenizer(SCRATCH / "tokenizer")
    tokenizer.prepare()
    if args.no_official:
        official = Official(None, None, None, None, None, skipped="--no-official: comparison skipped")
    else:
        official = prepare_official()
    if official.skipped:
        results.note(f"Official server: {official.skipped}.")
    bench = Bench(plan=Plan.quick() if args.quick else Plan(), results=results, tokenizer=tokenizer, official=official)
    results.meta["machine"] = machine_info()
    results.meta["versions"] = _versions(official, tokenizer)
    results.meta["plan"] = {key: getattr(bench.plan, key) for key in bench.plan.__dataclass_fields__}
    if args.quick:
        results.note("Quick mode: few repetitions and no 100 000-VM run; not for publishing.")

    results.meta["methods"] = {
        name: " ".join((module.__doc__ or "").split())
        for name, module in (
            ("1-2", fig_startup),
            ("3", fig_questions),
            ("4", fig_overhead),
            ("5", fig_scale),
            ("6", fig_concurrency),
            ("7", fig_soak),
            ("8", fig_docs),
            ("9", fig_simulator),
            ("10", fig_http),
            ("11", fig_backups),
            ("12", fig_health),
        )
    }
    anyio.run(_run_all, bench, only)

    results.meta["duration_s"] = round(time.perf_counter() - started, 1)
    print(render_text(results))
    print(f"\n[bench] done in {results.meta['duration_s']} s")
    if not args.no_write:
        write_outputs(results)
        print("[bench] wrote bench/results.json and bench/RESULTS.md")
    return 1 if bench.failures else 0


def _versions(official: Official, tokenizer: Tokenizer) -> dict[str, Any]:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    return {
        "xo-mcp": f"{version('xo-mcp')} ({_commit()})",
        "mcp (Python SDK)": version("mcp"),
        "python": sys.version.split()[0],
        "@xen-orchestra/mcp": official.version or "not installed",
        "node": official.node_version or "not found",
        "@xen-orchestra/rest-api spec": official.spec_version or "not fetched",
        "tokens": tokenizer.method,
    }


def _commit() -> str:
    """The checkout's commit, marked dirty when tracked files differ from it."""
    git = ["git", "-C", str(servers.REPO)]
    try:
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        # The bench's own outputs are tracked and rewritten by every run: they do not make a checkout dirty.
        outputs = [":!bench/results.json", ":!bench/RESULTS.md"]
        status = [*git, "status", "--porcelain", "--untracked-files=no", "--", ".", *outputs]
        dirty = subprocess.run(status, capture_output=True, text=True, check=False)
    except (OSError, subprocess.CalledProcessError):
        return "commit unknown"
    return f"commit {head.stdout.strip()}" + (", with local changes" if dirty.stdout.strip() else "")


async def _figure(bench: Bench, name: str, action: Callable[..., Awaitable[None]], *args: Any) -> None:
    """Run one figure; a failure is recorded and the bench goes on with the next one."""
    print(f"[bench] {name} …", flush=True)
    started = time.perf_counter()
    try:
        await action(*args)
    except Exception as exc:
        bench.failures.append(name)
        bench.results.note(f"{name} FAILED: {type(exc).__name__}: {exc}")
        traceback.print_exc()
    print(f"[bench] {name}: {time.perf_counter() - started:.1f} s", flush=True)


@contextlib.asynccontextmanager
async def _sessions(bench: Bench, sim: Sim) -> AsyncIterator[dict[str, McpProcess]]:
    async with contextlib.AsyncExitStack() as stack:
        found = {OURS: (await stack.enter_async_context(launch(servers.ours(sim.url, sim.token))))[0]}
        if bench.compare:
            command = bench.official.command(sim.url, token=sim.token)
            found[OFFICIAL] = (await stack.enter_async_context(launch(command)))[0]
        yield found


async def _run_all(bench: Bench, only: set[str]) -> None:
    plan = bench.plan
    spec = bench.official.spec
    with simulator(plan.question_inventory_vms, seed=bench.seed, spec=spec) as sim:
        truth = read_truth(sim.url, sim.token)
        if only & {"1", "2"}:
            await _figure(bench, "figures 1-2 (cold start, tool surface)", fig_startup.run, bench, sim)
        if only & {"3", "4", "6"}:
            async with _sessions(bench, sim) as sessions:
                if "3" in only:
                    await _figure(bench, "figure 3 (canonical questions)", fig_questions.run, bench, sessions, truth)
                if "4" in only:
                    await _figure(
                        bench, "figure 4 (MCP overhead)", fig_overhead.run, bench, sessions[OURS], sim.url, sim.token
                    )
                if "6" in only:
                    await _figure(bench, "figure 6 (concurrency)", fig_concurrency.run, bench, sessions, sim, truth)
    if "7" in only:
        with simulator(plan.soak_inventory_vms, seed=bench.seed, spec=spec) as sim:
            await _figure(bench, "figure 7 (soak)", fig_soak.run, bench, sim, read_truth(sim.url, sim.token))

    def start(vms: int) -> contextlib.AbstractContextManager[Sim]:
        return simulator(vms, seed=bench.seed, spec=spec)

    if "5" in only:
        await _figure(bench, "figure 5 (scale)", fig_scale.run, bench, start)
    if "9" in only:
        await _figure(bench, "figure 9 (simulator at scale)", fig_simulator.run, bench, start)
    if "8" in only:
        await _figure(bench, "figure 8 (documentation)", fig_docs.run, bench)
    if "10" in only:
        await _figure(bench, "figure 10 (HTTP deployment)", fig_http.run, bench, start)
    if "11" in only:

        def start_with(vms: int, extra: Sequence[str]) -> contextlib.AbstractContextManager[Sim]:
            return simulator(vms, seed=bench.seed, spec=spec, extra=extra)

        await _figure(bench, "figure 11 (backups)", fig_backups.run, bench, start_with)
    if "12" in only:

        def start_live(vms: int) -> contextlib.AbstractContextManager[Sim]:
            # Snapshot ages and the 7-day backup window are measured against the wall clock.
            return simulator(vms, seed=bench.seed, spec=spec, extra=("--now", "now"))

        await _figure(bench, "figure 12 (health report)", fig_health.run, bench, start_live)


if __name__ == "__main__":
    sys.exit(main())
