"""Figure 10: the shared HTTP deployment under load. 50 HTTP clients at once, each making 100 `list_pools`
calls one after the other on its own keep-alive connection, against `xo-mcp serve --transport streamable-http`
in its shared mode (XO_MCP_AUTH=xo-token: every request carries a user's XO token, half the clients the
admin's, half the viewer's, so every answer is checked against that user's view). Then the same load across
2 replicas behind a small TCP round-robin balancer written for the bench (`bench/rr_proxy.py`, one process).

Each call is a raw JSON-RPC `tools/call` POST (the server is stateless: no session to open), so the load
generator stays light next to the server on a 2-core machine. The per-client cap is raised to 64 for the run
(all admin clients share one token, hence one client key). Reported: throughput (calls/s over the wall time),
p50/p95 latency of a call, calls that failed (HTTP error, isError, or a pool count other than the user's),
and each server's RSS at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import httpx
import psutil

from bench.context import Bench
from bench.servers import REPO
from bench.sim import Sim
from bench.stats import median, ms, percentile

F10 = "10 HTTP deployment"
MIB = 1024 * 1024
START_TIMEOUT_S = 60.0
CALL_LIMIT_S = 60.0
HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
XO_MCP = Path(sys.executable).with_name("xo-mcp")


@dataclass
class LoadResult:
    wall_s: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None

    @property
    def calls(self) -> int:
        return len(self.latencies) + self.errors


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _replica(sim_url: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "XO_URL": sim_url,
        "XO_MCP_AUTH": "xo-token",
        "XO_MCP_MAX_CONCURRENT_PER_CLIENT": "64",
    }
    command = [str(XO_MCP), "serve", "--transport", "streamable-http", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"xo-mcp serve did not start (status {process.poll()})")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            time.sleep(0.05)
        yield process, port
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def _balancer(ports: list[int]) -> Iterator[tuple[int, Callable[[], str]]]:
    """The round-robin proxy in its own process; yields its port and a function returning its final report."""
    command = [sys.executable, "-m", "bench.rr_proxy", *(f"--backend=127.0.0.1:{port}" for port in ports)]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True, cwd=REPO)
    report: list[str] = []
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("listening on 127.0.0.1:"):
            raise RuntimeError(f"the round-robin proxy did not start: {line!r}")
        yield int(line.rsplit(":", 1)[1]), lambda: report[0] if report else "?"
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=30)
        report.append(out.strip())


async def _load(url: str, tokens: list[str], expected: dict[str, int], calls: int) -> LoadResult:
    result = LoadResult()

    async def client(index: int, token: str) -> None:
        headers = HEADERS | {"Authorization": f"Bearer {token}"}
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(headers=headers, limits=limits, timeout=CALL_LIMIT_S) as http:
            for number in range(calls):
                body = {
                    "jsonrpc": "2.0",
                    "id": number,
                    "method": "tools/call",
                    "params": {"name": "list_pools", "arguments": {}},
                }
                started = time.perf_counter()
                problem: str | None = None
                try:
                    response = await http.post(url, content=json.dumps(body))
                    elapsed = time.perf_counter() - started
                    if response.status_code != 200:
                        problem = f"HTTP {response.status_code}: {response.text[:160]}"
                    else:
                        answer = response.json()["result"]
                        total = (answer.get("structuredContent") or {}).get("total")
                        if answer.get("isError") or total != expected[token]:
                            problem = f"client {index}: expected {expected[token]} pools, got {str(answer)[:160]}"
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    elapsed = time.perf_counter() - started
                    problem = f"{type(exc).__name__}: {exc}"
                if problem is None:
                    result.latencies.append(elapsed)
                else:
                    result.errors += 1
                    result.first_error = result.first_error or problem

    started = time.perf_counter()
    async with anyio.create_task_group() as group:
        for index, token in enumerate(tokens):
            group.start_soon(client, index, token)
    result.wall_s = time.perf_counter() - started
    return result


def _rss_mib(processes: list[subprocess.Popen[bytes]]) -> list[float]:
    return [psutil.Process(process.pid).memory_info().rss / MIB for process in processes]


async def run(bench: Bench, start: Callable[[int], contextlib.AbstractContextManager[Sim]]) -> None:
    plan = bench.plan
    with start(plan.http_inventory_vms) as sim:
        admin, viewer, expected = await anyio.to_thread.run_sync(_users, sim.url)
        tokens = [admin if index % 2 == 0 else viewer for index in range(plan.http_clients)]
        with contextlib.ExitStack() as stack:
            one, one_port = stack.enter_context(_replica(sim.url))
            single = await _load(f"http://127.0.0.1:{one_port}/mcp", tokens, expected, plan.http_calls_per_client)
            single_rss = _rss_mib([one])
            two, two_port = stack.enter_context(_replica(sim.url))
            proxy_port, proxy_report = stack.enter_context(_balancer([one_port, two_port]))
            url = f"http://127.0.0.1:{proxy_port}/mcp"
            double = await _load(url, tokens, expected, plan.http_calls_per_client)
            double_rss = _rss_mib([one, two])
        split = proxy_report()
    _report(bench, single, single_rss, double, double_rss, split)


def _users(url: str) -> tuple[str, str, dict[str, int]]:
    """The admin's and the viewer's tokens, and how many pools XO shows each (the ground truth)."""
    users = httpx.get(url + "/_simulator/info", timeout=30).json()["users"]
    admin = next(user["token"] for user in users if user["admin"])
    viewer = next(user["token"] for user in users if not user["admin"])
    return admin, viewer, {token: _pool_count(url, token) for token in (admin, viewer)}


def _pool_count(url: str, token: str) -> int:
    response = httpx.get(
        f"{url}/rest/v0/pools", params={"fields": "id"}, cookies={"authenticationToken": token}, timeout=30
    )
    response.raise_for_status()
    return len(response.json())


def _report(
    bench: Bench,
    single: LoadResult,
    single_rss: list[float],
    double: LoadResult,
    double_rss: list[float],
    split: str,
) -> None:
    r = bench.results
    plan = bench.plan
    planned = plan.http_clients * plan.http_calls_per_client
    for label, outcome, rss in (("1 replica", single, single_rss), ("2 replicas + round-robin", double, double_rss)):
        r.add(F10, f"{label}: calls", "count", outcome.calls)
        r.add(F10, f"{label}: throughput", "calls/s", outcome.calls / outcome.wall_s if outcome.wall_s else None)
        r.add(F10, f"{label}: latency p50", "ms", ms(median(outcome.latencies)))
        r.add(F10, f"{label}: latency p95", "ms", ms(percentile(outcome.latencies, 95)))
        r.add(F10, f"{label}: failed calls", "count", outcome.errors)
        r.add(
            F10,
            f"{label}: server RSS (each)",
            "MiB",
            max(rss) if rss else None,
            note=", ".join(f"{v:.0f}" for v in rss),
        )
        r.check(
            F10,
            f"{plan.http_clients} HTTP clients × {plan.http_calls_per_client} calls, {label}: zero errors",
            f"{outcome.errors} errors in {outcome.calls:,} calls",
            outcome.errors == 0 and outcome.calls == planned,
        )
        if outcome.first_error:
            r.note(f"HTTP deployment, {label}, first failed call: {outcome.first_error}")
    r.note(f"HTTP deployment: the round-robin proxy's connections per replica: {split}")
    r.details["http_deployment"] = {
        "clients": plan.http_clients,
        "calls_per_client": plan.http_calls_per_client,
        "inventory_vms": plan.http_inventory_vms,
        "single": {"wall_s": single.wall_s, "errors": single.errors, "rss_mib": single_rss},
        "two_replicas": {"wall_s": double.wall_s, "errors": double.errors, "rss_mib": double_rss, "split": split},
    }
