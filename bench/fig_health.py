"""Figure 12: ``get_health_report`` at 1 000, 10 000 and 100 000 VMs, and "is anything wrong with my
infrastructure?" asked of the official server.

For each size one simulator holds the inventory, its history ending now (snapshot ages and the 7-day backup
window are measured against the wall clock), and our server is started fresh against it, so its peak RSS (kernel
high-water mark, start-up included) belongs to that size alone. Time is the median of a few calls after one
warm-up call (which also opens the documentation index); the answer is counted in tokens. The simulator's own
CPU time per call is reported beside it: the simulator, not the server, is most of the time at 100 000 VMs.

The official server has no health check: to reach the same findings a model must fetch every collection the
rules read and join them itself. Its calls are the minimum sequence of its ``*_query`` tools that holds those
facts, generously assuming the model knows XO's rules and the filters that narrow each collection (the ids it
would read from earlier answers are read from the simulator here): pools, hosts, SRs, schedules, VBD-less VDIs
and VDI snapshots, chained ones, control domains and each of their VBDs and VDIs, VM snapshots, VMs with a 6th
snapshot, running VMs without up-to-date tools, every VIF, the VMs of duplicated MACs, alarms, each host's
missing patches and XO's dashboard. Calls, answer tokens (text content, what the model reads) and the time of
the whole sequence run back to back.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
import psutil

from bench import servers
from bench.context import OFFICIAL, OURS, Bench
from bench.driver import launch
from bench.fig_questions import Call, ask
from bench.sim import Sim
from bench.stats import median, ms

F12 = "12 health report"
MIB = 1024 * 1024
CALL_LIMIT_S = 300.0
HEALTH = Call("get_health_report")
CHECK_TITLES = (
    "Storage state",
    "Local default SRs",
    "Pools with no default SR",
    "Unhealthy VDI chains",
    "Orphan VDIs",
    "VDIs attached to a control domain",
    "Old snapshots",
    "Orphaned VM snapshots",
    "VMs with too many snapshots",
    "Duplicated MAC addresses",
    "Guest tools",
    "Alarms",
    "Hosts needing a reboot",
    "Hosts with missing patches",
)
"""Every check is in the answer, with findings, in the `Nothing found` line, or as could not run."""
ORPHAN_FIELDS = "id,name_label,name_description,VDI_type,size,$SR"
GUEST_TOOLS = "power_state:Running |(!managementAgentDetected? !pvDriversUpToDate?)"


async def run(bench: Bench, start_sim: Callable[[int], AbstractContextManager[Sim]]) -> None:
    r = bench.results
    details: dict[int, dict[str, Any]] = {}
    for size in bench.plan.health_sizes:
        with start_sim(size) as sim:
            ours = await _ours(bench, sim)
            theirs = None
            if bench.compare and size in bench.plan.health_official_sizes:
                theirs = await _official(bench, sim)
        details[size] = {OURS: ours, OFFICIAL: theirs}
        _rows(bench, size, ours, theirs)
    r.details["health_report"] = details
    largest = max(details)
    ours = details[largest][OURS]
    if largest >= 100_000:
        r.target(F12, f"Health report at {largest:,} VMs ≤ 3 s", median(ours["times"]), lambda v: v <= 3.0, "{:.2f} s")
        r.target(
            F12,
            f"Server peak RSS at {largest:,} VMs ≤ 150 MB (checked in MiB)",
            ours["peak_rss_mib"],
            lambda v: v <= 150,
            "{:.0f} MiB",
        )
    else:
        r.check(F12, "Health report at 100 000 VMs ≤ 3 s, peak RSS ≤ 150 MB", "not run (quick mode)", None)
    compared = [(size, d) for size, d in details.items() if d[OFFICIAL] is not None]
    if not compared:
        r.check(F12, "One call, fewer tokens than the official server's sequence", "official unavailable", None)
        return
    losses = [
        f"{size:,} VMs" for size, d in compared if not d[OURS]["tokens"] < d[OFFICIAL]["tokens"] or d[OURS]["errors"]
    ]
    measured = "yes at " + ", ".join(f"{size:,} VMs" for size, _ in compared) if not losses else "; ".join(losses)
    r.check(F12, "One call, fewer tokens than the official server's sequence", measured, not losses)


async def _ours(bench: Bench, sim: Sim) -> dict[str, Any]:
    simulator = psutil.Process(sim.process.pid)
    async with launch(servers.ours(sim.url, sim.token), list_prompts=False) as (process, _):
        times: list[float] = []
        sim_cpu: list[float] = []
        errors: list[str] = []
        text = ""
        for index in range(bench.plan.health_reps + 1):
            before = _cpu(simulator)
            outcome = await process.call(HEALTH.tool, HEALTH.args, limit_s=CALL_LIMIT_S)
            if outcome.failure or outcome.is_error:
                errors.append(outcome.failure or outcome.text[:300])
                continue
            if index == 0:
                text = outcome.text  # the answer is the same each time: count the first
                continue
            times.append(outcome.latency_s)
            sim_cpu.append(_cpu(simulator) - before)
        peak = process.peak_rss_bytes() / MIB
    missing = [title for title in CHECK_TITLES if title.lower() not in text.lower()]
    if missing:
        errors.append(f"checks missing from the answer: {', '.join(missing)}")
    return {
        "times": times,
        "simulator_cpu_s": sim_cpu,
        "peak_rss_mib": peak,
        "text_bytes": len(text.encode()),
        "tokens": bench.tokenizer.count_one(text) if text else 0,
        "errors": errors,
        "text": text,
    }


async def _official(bench: Bench, sim: Sim) -> dict[str, Any]:
    calls = _official_calls(sim.url, sim.token)
    async with launch(bench.official.command(sim.url, token=sim.token), list_prompts=False) as (process, _):
        exchange = await ask(process, calls)
    return {
        "calls": len(calls),
        "tools": sorted({call.tool for call in calls}),
        "time_s": exchange.latency_s,
        "text_bytes": len(exchange.text.encode()),
        "tokens": bench.tokenizer.count_one(exchange.text),
        "errors": exchange.errors,
    }


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _official_calls(url: str, token: str) -> list[Call]:
    """The official server's cheapest sequence holding the health report's facts (see the module docstring)."""
    with contextlib.closing(_Rest(url, token)) as rest:
        dom0_vbds = [vbd for dom0 in rest.rows("vm-controllers", "$VBDs") for vbd in dom0.get("$VBDs") or []]
        vbd_vdis = [rest.one("vbds", vbd).get("VDI") for vbd in dom0_vbds]
        snapshot_ids = {row["id"] for row in rest.rows("vdi-snapshots", "id")}
        mac_vms = _duplicated_mac_vms(rest.rows("vifs", "MAC,$VM"))
    calls = [
        Call("pools_query", {"operation": "GetPools", "fields": "id,name_label,default_SR"}),
        Call("hosts_query", {"operation": "GetHosts", "fields": "id,name_label,$pool,power_state,rebootRequired"}),
        Call(
            "srs_query",
            {"operation": "GetSrs", "fields": "id,name_label,$pool,size,physical_usage,content_type,shared,$container"},
        ),
        Call("schedules_query", {"operation": "GetSchedules", "fields": "id,enabled"}),
        Call("vdis_query", {"operation": "GetVdis", "filter": '!$VBDs:""', "fields": ORPHAN_FIELDS}),
        Call("vdi_snapshots_query", {"operation": "GetVdiSnapshots", "filter": '!$VBDs:""', "fields": ORPHAN_FIELDS}),
        Call("vdis_query", {"operation": "GetVdis", "filter": "parent?", "fields": "id,parent,$SR"}),
        Call("vdi_snapshots_query", {"operation": "GetVdiSnapshots", "filter": "parent?", "fields": "id,parent,$SR"}),
        Call("vm_controllers_query", {"operation": "GetVmControllers", "fields": "id,name_label,$container,$VBDs"}),
        *(Call("vbds_query", {"operation": "GetVbd", "id": vbd}) for vbd in dom0_vbds),
        *(
            Call("vdi_snapshots_query", {"operation": "GetVdiSnapshot", "id": vdi})
            if vdi in snapshot_ids
            else Call("vdis_query", {"operation": "GetVdi", "id": vdi})
            for vdi in vbd_vdis
            if vdi
        ),
        Call(
            "vm_snapshots_query",
            {
                "operation": "GetVmSnapshots",
                "fields": "id,name_label,snapshot_time,$snapshot_of,other.xo:backup:schedule",
            },
        ),
        Call("vms_query", {"operation": "GetVms", "filter": "snapshots:5?", "fields": "id,name_label,tags,snapshots"}),
        Call(
            "vms_query",
            {
                "operation": "GetVms",
                "filter": GUEST_TOOLS,
                "fields": "id,name_label,managementAgentDetected,pvDriversDetected,pvDriversUpToDate",
            },
        ),
        Call("vifs_query", {"operation": "GetVifs", "fields": "MAC,$VM"}),
        Call("alarms_query", {"operation": "GetAlarms", "fields": "id,name,time,body,object,$pool"}),
        *(
            Call("hosts_query", {"operation": "GetMissingPatches", "id": host["id"]})
            for host in rest.rows("hosts", "id")
        ),
        Call("dashboard_query", {"operation": "GetDashboard"}),
    ]
    if mac_vms:
        terms = " ".join(f'"{vm}"' for vm in sorted(mac_vms))
        fields = "id,name_label,power_state,blockedOperations"
        calls.append(Call("vms_query", {"operation": "GetVms", "filter": f"id:|({terms})", "fields": fields}))
    return calls


def _duplicated_mac_vms(vifs: list[dict[str, Any]]) -> set[str]:
    owners: dict[str, list[str]] = defaultdict(list)
    for vif in vifs:
        owners[str(vif.get("MAC"))].append(str(vif.get("$VM")))
    return {vm for vms in owners.values() if len(vms) > 1 for vm in vms}


class _Rest:
    """The simulator read directly, for the ids a model would take from the official server's earlier answers."""

    def __init__(self, url: str, token: str) -> None:
        self._http = httpx.Client(base_url=url + "/rest/v0", cookies={"authenticationToken": token}, timeout=300)

    def close(self) -> None:
        self._http.close()

    def rows(self, collection: str, fields: str) -> list[dict[str, Any]]:
        response = self._http.get(f"/{collection}", params={"fields": fields})
        response.raise_for_status()
        return [row for row in response.json() if isinstance(row, dict)]

    def one(self, collection: str, object_id: str) -> dict[str, Any]:
        response = self._http.get(f"/{collection}/{object_id}")
        response.raise_for_status()
        data = response.json()
        return data if isinstance(data, dict) else {}


def _rows(bench: Bench, size: int, ours: dict[str, Any], theirs: dict[str, Any] | None) -> None:
    r = bench.results
    label = f"{size:,} VMs".replace(",", " ")
    r.add(F12, f"{label}: calls", "count", 1, theirs["calls"] if theirs else None)
    r.add(F12, f"{label}: time", "ms", ms(median(ours["times"])), ms(theirs["time_s"]) if theirs else None)
    r.add(F12, f"{label}: answer", "tokens", ours["tokens"], theirs["tokens"] if theirs else None)
    r.add(F12, f"{label}: answer", "bytes", ours["text_bytes"], theirs["text_bytes"] if theirs else None)
    r.add(F12, f"{label}: server peak RSS", "MiB", ours["peak_rss_mib"])
    r.add(F12, f"{label}: simulator CPU per call", "ms", ms(median(ours["simulator_cpu_s"])))
    for error in ours["errors"][:1]:
        r.note(f"health report, {label}: ours answered with an error: {error}")
    if theirs:
        for error in theirs["errors"][:1]:
            r.note(f"health report, {label}: official answered with an error: {error}")
