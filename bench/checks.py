"""Calls with a correctness check: used by the concurrency and soak figures to catch silently wrong answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.driver import CallOutcome
from bench.fig_questions import has_all, has_number
from bench.truth import Truth

# Text that must never reach an assistant: a leaked traceback.
LEAKS = ("Traceback (most recent call last)", 'File "/')


@dataclass(frozen=True)
class CheckedCall:
    tool: str
    args: dict[str, Any] = field(default_factory=dict)
    check: Callable[[str], bool] = lambda _text: True
    expect_error: bool = False
    """The call is wrong on purpose (bad id): the only right answer is an isError result."""
    error_check: Callable[[str], bool] = lambda _text: True
    """What an isError answer to this call must satisfy to be a correct diagnosis."""


def leaked(text: str) -> bool:
    return not text.strip() or any(marker in text for marker in LEAKS)


def verdict(call: CheckedCall, outcome: CallOutcome) -> str:
    """One of: ok, error-ok (an isError answer worded for the model), misleading-error (isError, but the
    diagnosis is wrong), wrong (a silently wrong answer), unanswered, bad-error (leaks internals)."""
    if not outcome.answered:
        return "unanswered"
    if outcome.is_error:
        if leaked(outcome.text):
            return "bad-error"
        return "error-ok" if call.error_check(outcome.text) else "misleading-error"
    if call.expect_error:
        return "wrong"
    return "ok" if call.check(outcome.text) else "wrong"


def contains(value: str) -> Callable[[str], bool]:
    return lambda text: value in text


def number(value: int) -> Callable[[str], bool]:
    return lambda text: has_number(text, value)


def not_kill_switch(text: str) -> bool:
    """The simulator's MCP switch stays on: an error blaming the administrator's kill-switch is wrong."""
    return "disabled MCP" not in text and "mcp_disabled" not in text


# Per 20 soak calls: mostly one-request listings, as an assistant mostly lists, and every other tool.
SOAK_WEIGHTS = (
    ("list_pools", 5),
    ("list_vms_id", 6),
    ("list_hosts", 2),
    ("list_vms_web", 1),
    ("summary", 1),
    ("dashboard", 1),
    ("vm_details", 1),
    ("check_connection", 1),
    ("bad_id", 1),
    ("missing_id", 1),
)


def soak_mix(truth: Truth) -> list[CheckedCall]:
    """One cycle of soak calls (several hundred, varied ids), weighted by `SOAK_WEIGHTS`."""
    kinds = [kind for kind, weight in SOAK_WEIGHTS for _ in range(weight)]
    vms = sorted(truth.vms, key=lambda vm: str(vm["id"]))
    pool_names = [str(p["name_label"]) for p in truth.pools]
    calls: list[CheckedCall] = []
    for index in range(20 * 25):
        kind = kinds[index % len(kinds)]
        vm = vms[(index * 7919) % len(vms)]
        pool = truth.pools[index % len(truth.pools)]
        if kind == "list_pools":
            calls.append(CheckedCall("list_pools", {}, lambda t: has_all(t, pool_names)))
        elif kind == "list_hosts":
            calls.append(CheckedCall("list_hosts", {"filter": "power_state:Running"}, lambda t: bool(t.strip())))
        elif kind == "list_vms_id":
            calls.append(
                CheckedCall("list_vms", {"filter": f"id:{vm['id']}", "limit": 5}, contains(str(vm["name_label"])))
            )
        elif kind == "list_vms_web":
            web = {"filter": "power_state:Running name_label:web*", "limit": 1}
            calls.append(CheckedCall("list_vms", web, number(len(truth.running_web))))
        elif kind == "summary":
            calls.append(CheckedCall("get_infrastructure_summary", {}, number(len(truth.running))))
        elif kind == "dashboard":
            calls.append(CheckedCall("get_pool_dashboard", {"pool_id": pool["id"]}, lambda t: bool(t.strip())))
        elif kind == "vm_details":
            calls.append(CheckedCall("get_vm_details", {"vm_id": vm["id"]}, contains(str(vm["name_label"]))))
        elif kind == "check_connection":
            calls.append(CheckedCall("check_connection", {}, contains("enabled"), error_check=not_kill_switch))
        elif kind == "bad_id":
            calls.append(CheckedCall("get_vm_details", {"vm_id": "no such vm/../x"}, expect_error=True))
        else:
            missing = "00000000-0000-4000-8000-000000000000"
            calls.append(CheckedCall("get_vm_details", {"vm_id": missing}, expect_error=True))
    return calls


def ours_mix(truth: Truth, count: int) -> list[CheckedCall]:
    """``count`` varied calls to our server, each with the facts its answer must contain."""
    vms = sorted(truth.vms, key=lambda vm: str(vm["id"]))
    pools = truth.pools
    pool_names = [str(p["name_label"]) for p in pools]
    n_running = len(truth.running)
    running_web = len(truth.running_web)
    calls: list[CheckedCall] = []
    for index in range(count):
        vm = vms[(index * 7919) % len(vms)]
        pool = pools[index % len(pools)]
        name = str(vm["name_label"])
        kind = index % 10
        if kind in (0, 1):
            calls.append(CheckedCall("get_vm_details", {"vm_id": vm["id"]}, contains(name)))
        elif kind in (2, 3):
            calls.append(CheckedCall("list_vms", {"filter": f"id:{vm['id']}", "limit": 5}, contains(name)))
        elif kind == 4:
            calls.append(CheckedCall("list_pools", {}, lambda t: has_all(t, pool_names)))
        elif kind == 5:
            calls.append(CheckedCall("get_infrastructure_summary", {}, lambda t: has_number(t, n_running)))
        elif kind == 6:
            calls.append(CheckedCall("get_pool_dashboard", {"pool_id": pool["id"]}, lambda t: bool(t.strip())))
        elif kind == 7:
            calls.append(
                CheckedCall(
                    "list_vms",
                    {"filter": "power_state:Running name_label:web*", "limit": 1},
                    lambda t: has_number(t, running_web),
                )
            )
        elif kind == 8:
            calls.append(CheckedCall("list_hosts", {"filter": "power_state:Running"}, lambda t: bool(t.strip())))
        elif index % 20 == 9:
            calls.append(CheckedCall("get_vm_details", {"vm_id": "no such vm/../x"}, expect_error=True))
        else:
            missing = "00000000-0000-4000-8000-000000000000"
            calls.append(CheckedCall("get_vm_details", {"vm_id": missing}, expect_error=True))
    return calls


def official_equivalent(call: CheckedCall, truth: Truth) -> CheckedCall:
    """The same question put to the official server with its generated tools."""
    args = call.args
    if call.tool == "get_vm_details":
        return CheckedCall("vms_query", {"operation": "GetVm", "id": args["vm_id"]}, call.check, call.expect_error)
    if call.tool == "list_vms" and "web*" in str(args.get("filter")):
        names = [str(vm["name_label"]) for vm in truth.running_web]
        return CheckedCall("vms_query", {"operation": "GetVms", "filter": args["filter"]}, lambda t: has_all(t, names))
    if call.tool == "list_vms":
        query = {"operation": "GetVms", "filter": args["filter"], "limit": args.get("limit", 100)}
        return CheckedCall("vms_query", query, call.check)
    if call.tool == "list_pools":
        return CheckedCall("pools_query", {"operation": "GetPools"}, call.check)
    if call.tool == "get_infrastructure_summary":
        ids = [str(vm["id"]) for vm in truth.running]
        return CheckedCall("get_infrastructure_summary", {}, lambda t: has_all(t, ids))
    if call.tool == "get_pool_dashboard":
        return CheckedCall("pools_query", {"operation": "GetPoolDashboard", "id": args["pool_id"]}, call.check)
    if call.tool == "list_hosts":
        return CheckedCall("hosts_query", {"operation": "GetHosts", "filter": args["filter"]}, call.check)
    raise ValueError(f"no official equivalent for {call.tool}")
