"""GET /dashboard and /vms/{id}/dashboard (CONTRACT-2 §1, §2) against tests/estate_truth.py: two
implementations of XO's rules that must agree, on several estates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests import estate_truth as truth
from xo_mcp.simulator import RunningSimulator, SimulatorState, generate_inventory, run_simulator

KEY_ORDER = [
    "nPools",
    "nHosts",
    "backupRepositories",
    "resourcesOverview",
    "poolsStatus",
    "missingPatches",
    "storageRepositories",
    "backups",
    "hostsStatus",
    "vmsStatus",
]
NDJSON_ORDER = [
    "nPools",
    "nHosts",
    "hostsStatus",
    "resourcesOverview",
    "vmsStatus",
    "storageRepositories",
    "poolsStatus",
    "missingPatches",
    "backupRepositories",
    "backups",
]


@pytest.fixture(scope="module")
def big() -> Iterator[RunningSimulator]:
    """A second estate: more pools, VMs and runs than the session's."""
    inventory = generate_inventory(seed=5, pools=3, hosts_per_pool=4, vms=600, backup_jobs=20, backup_runs=400)
    with run_simulator(SimulatorState(inventory=inventory)) as running:
        yield running


@pytest.fixture(params=["session", "big"])
def estate(request: pytest.FixtureRequest) -> RunningSimulator:
    name = "sim" if request.param == "session" else "big"
    simulator: RunningSimulator = request.getfixturevalue(name)
    return simulator


def _client(sim: RunningSimulator, viewer: bool = False) -> httpx.Client:
    token = sim.viewer_token if viewer else sim.admin_token
    return httpx.Client(base_url=sim.rest_url, cookies={"authenticationToken": token}, timeout=30)


def expected_dashboard(sim: RunningSimulator) -> dict[str, Any]:
    inventory = sim.state.inventory
    return {
        "nPools": len(inventory.pools),
        "nHosts": len(inventory.hosts),
        "backupRepositories": truth.backup_repositories_size(inventory),
        "resourcesOverview": truth.resources_overview(inventory),
        "poolsStatus": truth.pools_status(inventory),
        "missingPatches": truth.missing_patches_summary(inventory, sim.state.hv_supported_versions),
        "storageRepositories": truth.storage_repositories_size(inventory),
        "backups": truth.backups_summary(inventory),
        "hostsStatus": truth.hosts_status(inventory),
        "vmsStatus": truth.vms_status(inventory),
    }


# /dashboard --------------------------------------------------------------------------------------


def test_dashboard_matches_the_truth(estate: RunningSimulator) -> None:
    with _client(estate) as client:
        answer = client.get("/dashboard").json()
    assert list(answer) == KEY_ORDER
    assert answer == expected_dashboard(estate)
    backups = answer["backups"]
    assert list(backups) == ["jobs", "issues", "vmsProtection"]
    assert list(backups["jobs"]) == ["disabled", "failed", "noRecentRun", "skipped", "successful", "total"]
    assert backups["jobs"]["total"] == sum(value for key, value in backups["jobs"].items() if key != "total")
    assert all(list(issue) == ["logs", "name", "type", "uuid"] for issue in backups["issues"])


def test_dashboard_ndjson_puts_the_fast_keys_first(estate: RunningSimulator) -> None:
    with _client(estate) as client:
        whole = client.get("/dashboard").json()
        response = client.get("/dashboard", params={"ndjson": "true"})
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [next(iter(line)) for line in lines] == NDJSON_ORDER
    assert all(len(line) == 1 for line in lines)
    assert {key: value for line in lines for key, value in line.items()} == whole


def test_dashboard_is_admin_only(sim: RunningSimulator) -> None:
    with _client(sim, viewer=True) as client:
        for params in ({}, {"ndjson": "true"}):
            response = client.get("/dashboard", params=params)
            assert (response.status_code, response.json()) == (
                403,
                {"error": "not enough permissions", "data": {"object": {}}},
            )


def test_dashboard_routes_can_be_absent(sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    paths = [
        "/dashboard",
        f"/pools/{next(iter(inventory.pools))}/dashboard",
        f"/vms/{next(iter(inventory.vms))}/dashboard",
    ]
    sim.state.dashboard_routes = False
    with _client(sim) as client:
        for path in paths:
            assert client.get(path).status_code == 404, path
        assert client.get("/vms").status_code == 200
    sim.state.dashboard_routes = True
    with _client(sim) as client:
        assert all(client.get(path).status_code == 200 for path in paths)


def test_cached_parts_can_be_stale_or_absent_and_parts_can_fail(sim: RunningSimulator) -> None:
    sim.state.dashboard_part_faults.update(
        {"backups": "expired", "backupRepositories": "absent", "missingPatches": "error"}
    )
    with _client(sim) as client:
        answer = client.get("/dashboard").json()
        lines = client.get("/dashboard", params={"ndjson": "true"}).text.splitlines()
    expected = expected_dashboard(sim)
    assert answer["backups"] == {**expected["backups"], "isExpired": True}
    assert "backupRepositories" not in answer and "{}" in lines
    assert answer["missingPatches"] == {"error": True}
    assert answer["vmsStatus"] == expected["vmsStatus"]
    sim.state.dashboard_part_faults.clear()
    sim.state.dashboard_part_faults["poolsStatus"] = "error"
    with _client(sim) as client:
        assert client.get("/dashboard").status_code == 500
        streamed = client.get("/dashboard", params={"ndjson": "true"}).text.splitlines()
    assert [next(iter(json.loads(line))) for line in streamed] == NDJSON_ORDER[:6]


def test_missing_patches_without_the_plan_and_on_xo_from_the_sources(sim: RunningSimulator) -> None:
    sim.state.missing_patches_authorized = False
    try:
        with _client(sim) as client:
            assert client.get("/dashboard").json()["missingPatches"] == {"hasAuthorization": False}
    finally:
        sim.state.missing_patches_authorized = True
    supported = sim.state.hv_supported_versions
    sim.state.hv_supported_versions = None
    try:
        with _client(sim) as client:
            assert client.get("/dashboard").json()["missingPatches"]["nHostsEol"] == {"isEmpty": True}
    finally:
        sim.state.hv_supported_versions = supported


def test_eol_hosts_are_counted(big: RunningSimulator) -> None:
    # The third pool runs XCP-ng 8.2.1, below the supported 8.3.
    with _client(big) as client:
        patches = client.get("/dashboard").json()["missingPatches"]
    assert patches["nHostsEol"] == sum(host["version"] == "8.2.1" for host in big.state.inventory.hosts.values()) > 0


def test_slow_parts_come_after_the_fast_ones_on_the_wire(sim: RunningSimulator) -> None:
    """With the slow parts held back, the six fast lines are readable at once; the client then leaves."""
    sim.state.slow_dashboard_parts_ms = 5_000
    timeout = httpx.Timeout(10.0, read=4.0)
    with _client(sim) as client, client.stream("GET", "/dashboard?ndjson=true", timeout=timeout) as response:
        lines = response.iter_lines()
        first = [json.loads(next(lines)) for _ in range(6)]
    assert [next(iter(line)) for line in first] == NDJSON_ORDER[:6]


def test_empty_estate_dashboard() -> None:
    inventory = generate_inventory(vms=0)
    inventory.backup_jobs.clear()
    inventory.backup_logs.clear()
    with run_simulator(SimulatorState(inventory=inventory)) as sim, _client(sim) as client:
        answer = client.get("/dashboard").json()
    assert answer["backups"] == {"isEmpty": True}
    assert answer["vmsStatus"]["total"] == 0


# /vms/{id}/dashboard ---------------------------------------------------------------------------


def expected_quick_info(vm: dict[str, Any]) -> dict[str, Any]:
    info: dict[str, Any] = {
        "id": vm["id"],
        "power_state": vm["power_state"],
        "uuid": vm["uuid"],
        "name_description": vm["name_description"],
        "CPUs": {"number": vm["CPUs"]["number"]},
    }
    if "mainIpAddress" in vm:
        info["mainIpAddress"] = vm["mainIpAddress"]
    info["os_version"] = {"name": vm["os_version"]["name"]} if vm["os_version"] else {}
    info["memory"] = {"size": vm["memory"]["size"]}
    info["creation"] = {key: vm["creation"][key] for key in ("date", "user") if key in vm["creation"]}
    info["$pool"] = vm["$pool"]
    info["virtualizationMode"] = vm["virtualizationMode"]
    info["tags"] = vm["tags"]
    if vm["$container"] != vm["$pool"]:
        info["host"] = vm["$container"]
    info["pvDriversDetected"] = vm.get("pvDriversDetected", False)
    for key in ("pvDriversVersion", "pvDriversUpToDate"):
        if key in vm:
            info[key] = vm[key]
    info["startTime"] = vm["startTime"]
    return info


def test_every_vm_dashboard_matches_the_truth(estate: RunningSimulator) -> None:
    inventory = estate.state.inventory
    failing = 0
    protections = set()
    with _client(estate) as client:
        for vm_id, vm in inventory.vms.items():
            response = client.get(f"/vms/{vm_id}/dashboard")
            try:
                runs = truth.vm_last_runs(inventory, vm_id)
                protection = truth.vm_protection(inventory, vm_id)
            except LookupError:
                # A non-success log naming the VM without its task: XO fails reading it (CONTRACT-2 §9).
                assert response.status_code == 500, vm["name_label"]
                failing += 1
                continue
            answer = response.json()
            assert list(answer) == ["quickInfo", "alarms", "backupsInfo"]
            assert answer["quickInfo"] == expected_quick_info(vm)
            assert answer["alarms"] == [
                alarm_id for alarm_id, alarm in inventory.alarms.items() if vm_id in alarm["object"]["uuid"]
            ]
            assert answer["backupsInfo"] == {
                "lastRuns": runs,
                "vmProtection": protection,
                "replication": truth.vm_replication(inventory, vm_id),
                "backupArchives": truth.vm_backup_archives(inventory, vm_id),
            }
            protections.add(protection)
    assert failing == 1
    assert protections == {"protected", "unprotected", "not-in-active-job"}


def test_vm_dashboard_ndjson_order(sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    source = next(vm for vm in inventory.vms.values() if truth.vm_replication(inventory, vm["id"]))
    with _client(sim) as client:
        whole = client.get(f"/vms/{source['id']}/dashboard").json()
        lines = [
            json.loads(line) for line in client.get(f"/vms/{source['id']}/dashboard?ndjson=true").text.splitlines()
        ]
    assert lines[:3] == [
        {"quickInfo": whole["quickInfo"]},
        {"alarms": whole["alarms"]},
        {"backupsInfo": {"replication": whole["backupsInfo"]["replication"]}},
    ]
    rest = {key: value for line in lines[3:] for key, value in line["backupsInfo"].items()}
    assert sorted(rest) == ["backupArchives", "lastRuns", "vmProtection"]
    assert rest == {key: whole["backupsInfo"][key] for key in rest}
    assert whole["backupsInfo"]["replication"]["id"] in inventory.vms


def test_vm_dashboard_lookups(sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    template = next(iter(inventory.vm_templates))
    other_pool = list(inventory.pools)[1]
    outside = next(vm_id for vm_id, vm in inventory.vms.items() if vm["$pool"] == other_pool)
    with _client(sim) as client:
        assert client.get("/vms/nope/dashboard").json()["error"] == "no such VM nope"
        assert client.get(f"/vms/{template}/dashboard").status_code == 404
    with _client(sim, viewer=True) as client:
        assert client.get(f"/vms/{outside}/dashboard").status_code == 403


# /vms/{id}/backup-jobs -----------------------------------------------------------------------------


def test_vm_backup_jobs_match_the_truth(estate: RunningSimulator) -> None:
    inventory = estate.state.inventory
    with _client(estate) as client:
        for vm_id in list(inventory.vms)[::7]:
            hrefs = client.get(f"/vms/{vm_id}/backup-jobs").json()
            assert hrefs == [f"/rest/v0/backup-jobs/{job_id}" for job_id in truth.vm_backup_jobs(inventory, vm_id)]
        assert client.get("/vms/nope/backup-jobs").status_code == 404


def test_vm_backup_jobs_of_an_unknown_vm_without_jobs() -> None:
    inventory = generate_inventory(vms=3)
    inventory.backup_jobs.clear()
    with run_simulator(SimulatorState(inventory=inventory)) as sim, _client(sim) as client:
        response = client.get("/vms/nope/backup-jobs")
        assert (response.status_code, response.json()) == (200, [])


def test_aggregates_follow_the_inventory() -> None:
    """Kept per inventory state: a new VM shows; an object changed in place shows once the cache is cleared."""
    inventory = generate_inventory(vms=12)
    with run_simulator(SimulatorState(inventory=inventory)) as sim, _client(sim) as client:
        before = client.get("/dashboard").json()["vmsStatus"]
        vm = next(iter(inventory.vms.values()))
        inventory.add("vms", {**vm, "id": "added", "uuid": "added", "power_state": "Paused"})
        after = client.get("/dashboard").json()["vmsStatus"]
        assert (after["total"], after["paused"]) == (before["total"] + 1, before["paused"] + 1)
        inventory.vms["added"]["power_state"] = "Suspended"
        inventory.cache.clear()
        assert client.get("/dashboard").json()["vmsStatus"]["suspended"] == before["suspended"] + 1
