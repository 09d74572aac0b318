"""Figure 3: six canonical questions, answered the way an assistant would with each server's tools.

The official server's calls are the cheapest plausible ones with its generated tools: a narrow ``fields``
where an assistant would obviously pick one (ids only to count VMs), its defaults elsewhere. For each
question and server: calls needed, bytes and tokens of the answers (text content, what the model reads),
latency p50/p95 of the whole exchange (calls run back to back), and whether the answer carries the facts
that answer the question (checked against the simulator's ground truth).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.context import OFFICIAL, OURS, Bench
from bench.driver import McpProcess
from bench.sizes import utf8_len
from bench.stats import median, ms, percentile
from bench.truth import WEB_FILTER, Truth

F3 = "3 canonical questions"


@dataclass(frozen=True)
class Call:
    tool: str
    args: dict[str, Any] = field(default_factory=dict)


FactCheck = Callable[[str], bool]


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    calls: dict[str, list[Call]]
    facts: dict[str, FactCheck]


def has_number(text: str, value: int) -> bool:
    """``value`` written in the text, with or without thousands separators (1000, 1,000, 1 000)."""
    digits = f"{value:,}".replace(",", r"[,\u202f\u00a0 ]?")
    return re.search(rf"(?<![\d.]){digits}(?![\d])", text) is not None


def has_all(text: str, values: list[str]) -> bool:
    return all(value in text for value in values)


def questions(truth: Truth) -> list[Question]:
    pool, vm = truth.pool, truth.vm
    pool_running = sum(1 for v in truth.vms_of_pool(pool["id"]) if v.get("power_state") == "Running")
    running_ids = [str(v["id"]) for v in truth.running]
    web_names = [str(v["name_label"]) for v in truth.running_web]
    pool_names = [str(p["name_label"]) for p in truth.pools]
    all_vm_ids = [str(v["id"]) for v in truth.vms]
    n_running = len(truth.running)

    def overview_ours(text: str) -> bool:
        counts = (len(truth.pools), len(truth.hosts), len(truth.vms), n_running)
        return all(has_number(text, n) for n in counts)

    return [
        Question(
            "running",
            "How many VMs are running?",
            {
                OURS: [Call("get_infrastructure_summary")],
                OFFICIAL: [Call("vms_query", {"operation": "GetVms", "filter": "power_state:Running", "fields": "id"})],
            },
            {OURS: lambda t: has_number(t, n_running), OFFICIAL: lambda t: has_all(t, running_ids)},
        ),
        Question(
            "pools",
            "List my pools",
            {OURS: [Call("list_pools")], OFFICIAL: [Call("pools_query", {"operation": "GetPools"})]},
            {OURS: lambda t: has_all(t, pool_names), OFFICIAL: lambda t: has_all(t, pool_names)},
        ),
        Question(
            "dashboard",
            "Show the dashboard of pool P",
            {
                OURS: [Call("get_pool_dashboard", {"pool_id": pool["id"]})],
                OFFICIAL: [Call("pools_query", {"operation": "GetPoolDashboard", "id": pool["id"]})],
            },
            {OURS: lambda t: has_number(t, pool_running), OFFICIAL: lambda t: has_number(t, pool_running)},
        ),
        Question(
            "web",
            "List running VMs whose name starts with web",
            {
                OURS: [Call("list_vms", {"filter": WEB_FILTER})],
                OFFICIAL: [Call("vms_query", {"operation": "GetVms", "filter": WEB_FILTER})],
            },
            {OURS: lambda t: has_all(t, web_names), OFFICIAL: lambda t: has_all(t, web_names)},
        ),
        Question(
            "vm",
            "Details of VM V",
            {
                OURS: [Call("get_vm_details", {"vm_id": vm["id"]})],
                OFFICIAL: [
                    Call("vms_query", {"operation": "GetVm", "id": vm["id"]}),
                    Call("vms_query", {"operation": "GetVmVdis", "id": vm["id"]}),
                ],
            },
            {
                OURS: lambda t: has_all(t, [str(vm["name_label"]), "Running"]),
                OFFICIAL: lambda t: has_all(t, [str(vm["name_label"]), "Running"]),
            },
        ),
        Question(
            "overview",
            "Overview of my infrastructure",
            {OURS: [Call("get_infrastructure_summary")], OFFICIAL: [Call("get_infrastructure_summary")]},
            {OURS: overview_ours, OFFICIAL: lambda t: has_all(t, all_vm_ids)},
        ),
    ]


@dataclass
class Exchange:
    latency_s: float
    text: str
    wire_bytes: int
    errors: list[str]


async def ask(process: McpProcess, calls: list[Call]) -> Exchange:
    total = 0.0
    texts: list[str] = []
    wire = 0
    errors: list[str] = []
    for call in calls:
        outcome = await process.call(call.tool, call.args)
        total += outcome.latency_s
        texts.append(outcome.text)
        wire += outcome.wire_bytes
        if outcome.failure or outcome.is_error:
            errors.append(f"{call.tool}: {outcome.failure or outcome.text[:200]}")
    return Exchange(total, "\n".join(texts), wire, errors)


async def run(bench: Bench, sessions: dict[str, McpProcess], truth: Truth) -> None:
    qs = questions(truth)
    labels = [label for label in (OURS, OFFICIAL) if label in sessions]
    latencies: dict[tuple[str, str], list[float]] = defaultdict(list)
    first: dict[tuple[str, str], Exchange] = {}
    for label in labels:  # warm-up: connections, lazy clients, caches
        for q in qs:
            first[(q.key, label)] = await ask(sessions[label], q.calls[label])
    for rep in range(bench.plan.question_reps):
        for q in qs:
            for label in labels if rep % 2 == 0 else labels[::-1]:
                exchange = await ask(sessions[label], q.calls[label])
                latencies[(q.key, label)].append(exchange.latency_s)

    texts = [first[(q.key, label)].text for q in qs for label in labels]
    counted = iter(bench.tokenizer.count(texts))
    tokens = {(q.key, label): next(counted) for q in qs for label in labels}
    details: dict[str, Any] = {}
    r = bench.results
    for q in qs:
        section = f"{F3}: {q.text}"

        key = q.key

        def both(values: Mapping[str, float]) -> tuple[float, float | None]:
            return values[OURS], values.get(OFFICIAL)

        r.add(section, "calls", "count", *both({label: len(q.calls[label]) for label in labels}))
        r.add(section, "answer", "tokens", *both({label: tokens[(key, label)] for label in labels}))
        r.add(section, "answer", "bytes", *both({label: utf8_len(first[(key, label)].text) for label in labels}))
        wire = {label: first[(key, label)].wire_bytes for label in labels}
        r.add(section, "whole result on the wire (text + structured)", "bytes", *both(wire))
        p50 = {label: ms(median(latencies[(key, label)])) for label in labels}
        p95 = {label: ms(percentile(latencies[(key, label)], 95)) for label in labels}
        r.add(section, "latency p50", "ms", *both(p50))
        r.add(section, "latency p95", "ms", *both(p95))
        facts = {label: q.facts[label](first[(q.key, label)].text) for label in labels}
        for label in labels:
            exchange = first[(q.key, label)]
            if exchange.errors:
                r.note(f"{q.text}: {label} answered with an error: {exchange.errors[0]}")
            elif not facts[label]:
                r.note(f"{q.text}: {label}'s answer lacks facts needed to answer (checked against the simulator)")
        text = f"“{q.text}”: answer ≤ 1/2 of the official tokens, same facts"
        if OFFICIAL in labels:
            ratio = tokens[(q.key, OURS)] / max(1, tokens[(q.key, OFFICIAL)])
            met_facts = facts[OURS] and not first[(q.key, OURS)].errors
            r.check(F3, text, f"{ratio:.3f}× (facts {'ok' if met_facts else 'MISSING'})", ratio <= 0.5 and met_facts)
        else:
            r.check(F3, text, "official unavailable", None)
        details[q.key] = {
            "question": q.text,
            **{
                label: {
                    "calls": [{"tool": c.tool, "arguments": c.args} for c in q.calls[label]],
                    "tokens": tokens[(q.key, label)],
                    "text_bytes": utf8_len(first[(q.key, label)].text),
                    "wire_bytes": first[(q.key, label)].wire_bytes,
                    "facts_ok": facts[label],
                    "errors": first[(q.key, label)].errors,
                    "latencies_ms": [round(ms(v), 2) for v in latencies[(q.key, label)]],
                }
                for label in labels
            },
        }
    running_calls = len(qs[0].calls[OURS])
    r.check(F3, "“How many VMs are running?” answered in one call", f"{running_calls} call(s)", running_calls == 1)
    r.details["canonical_questions"] = details
