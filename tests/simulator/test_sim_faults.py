"""Fault injection (switchable while running), the HTTP controls, and the request log."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from xo_mcp.simulator import FaultRule, RunningSimulator, SimulatorState, generate_inventory, run_simulator


def test_fixed_latency(admin: httpx.Client, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/pools", latency_ms=300)
    started = time.monotonic()
    assert admin.get("/pools").status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    admin.get("/hosts")
    assert time.monotonic() - started < 0.3


def test_latency_range_and_base_latency(admin: httpx.Client, sim: RunningSimulator) -> None:
    sim.state.faults.latency_range_ms = (100, 150)
    started = time.monotonic()
    admin.get("/pools")
    assert 0.1 <= time.monotonic() - started < 1.0
    assert sim.state.requests[-1].fault == "latency"


def test_chosen_status_and_body(admin: httpx.Client, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/vms*", status=503, body={"error": "maintenance"})
    response = admin.get("/vms", params={"limit": "1"})
    assert (response.status_code, response.json()) == (503, {"error": "maintenance"})
    assert admin.get("/hosts").status_code == 200
    assert sim.state.requests[-2].status == 503
    assert sim.state.requests[-2].fault == "status"


def test_text_body_and_method_match(admin: httpx.Client, sim: RunningSimulator) -> None:
    sim.state.faults.add(method="GET", path="/rest/v0/hosts", status=502, body="<html>bad gateway</html>")
    response = admin.get("/hosts")
    assert response.status_code == 502
    assert response.text == "<html>bad gateway</html>"
    assert response.headers["content-type"].startswith("text/plain")


def test_rule_applies_a_given_number_of_times(admin: httpx.Client, sim: RunningSimulator) -> None:
    rule = sim.state.faults.add(path="/rest/v0/pools", status=500, times=2)
    assert [admin.get("/pools").status_code for _ in range(3)] == [500, 500, 200]
    assert rule.hits == 2


def test_removed_rule_stops_applying(admin: httpx.Client, sim: RunningSimulator) -> None:
    rule = sim.state.faults.add(FaultRule(path="/rest/v0/pools", status=500))
    assert admin.get("/pools").status_code == 500
    sim.state.faults.remove(rule)
    assert admin.get("/pools").status_code == 200


def test_truncated_json(admin: httpx.Client, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/vms", truncate=25)
    response = admin.get("/vms", params={"fields": "*"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.content == admin.get("/vms", params={"fields": "*"}).content[:25]
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_hanging_connection_times_out_on_the_client(sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/pools", hang=True)
    with httpx.Client(headers={"Cookie": f"authenticationToken={sim.admin_token}"}, timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            client.get(f"{sim.rest_url}/pools")
        assert time.monotonic() - started < 2
    assert sim.state.requests[-1].status is None
    assert sim.state.requests[-1].fault == "hang"


def test_hanging_connection_does_not_block_shutdown() -> None:
    outcome: list[BaseException] = []

    def call(url: str) -> None:
        try:
            httpx.get(url, headers={"Cookie": "token=sim-admin-token-0123456789"}, timeout=30)
        except httpx.HTTPError as error:
            outcome.append(error)

    with run_simulator(SimulatorState(inventory=generate_inventory(vms=1))) as sim:
        sim.state.faults.add(hang=True)
        caller = threading.Thread(target=call, args=(f"{sim.rest_url}/pools",))
        caller.start()
        while not sim.state.requests:
            time.sleep(0.01)
        started = time.monotonic()
    assert time.monotonic() - started < 3
    caller.join(5)
    assert isinstance(outcome[0], httpx.RemoteProtocolError), "the hung request fails once the server stops"


def test_dropped_connection(admin: httpx.Client, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/pools", drop=True, times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        admin.get("/pools")
    assert admin.get("/pools").status_code == 200
    assert sim.state.requests[-2].fault == "drop"
    assert sim.state.requests[-2].status is None


def test_error_rate_is_seeded_and_reproducible(admin: httpx.Client, sim: RunningSimulator) -> None:
    def run() -> list[int]:
        sim.state.faults.clear()
        sim.state.faults.seed(42)
        sim.state.faults.error_rate = 0.3
        return [admin.get("/pools").status_code for _ in range(40)]

    first = run()
    assert first == run()
    assert 0 < sum(status != 200 for status in first) < 40
    assert set(first) <= {200, 500, 502, 503, 504}


def test_http_controls(sim: RunningSimulator, admin: httpx.Client) -> None:
    with httpx.Client(base_url=sim.url) as control:
        settings = {"rules": [{"path": "/rest/v0/hosts", "status": 418}], "error_rate": 0, "seed": 3}
        described = control.post("/_simulator/faults", json=settings).json()
        assert described["rules"][0]["status"] == 418
        assert admin.get("/hosts").status_code == 418
        assert control.delete("/_simulator/faults").json()["rules"] == []
        assert admin.get("/hosts").status_code == 200
        assert control.post("/_simulator/faults", json={"nonsense": 1}).status_code == 400
        assert control.post("/_simulator/mcp", json={"enabled": False}).json() == {"enabled": False}
        assert admin.get("/hosts", headers={"X-XO-Client": "mcp"}).status_code == 503
        assert control.post("/_simulator/reset").status_code == 200
        assert sim.state.mcp_enabled
        log = control.get("/_simulator/requests").json()
        assert log == []
        admin.get("/pools", params={"limit": "1"})
        log = control.get("/_simulator/requests").json()
        assert [(entry["method"], entry["path"], entry["query"]) for entry in log] == [
            ("GET", "/rest/v0/pools", {"limit": ["1"]})
        ]
        assert control.get("/_simulator/info").json()["counts"]["vms"] == len(sim.state.inventory.vms)


def test_request_log_records_kind_client_and_status(anonymous: httpx.Client, sim: RunningSimulator) -> None:
    sim.state.requests.clear()
    token = {"Cookie": f"authenticationToken={sim.admin_token}"}
    anonymous.get("/vms", params={"filter": "a b", "limit": "2"}, headers=token)
    anonymous.get("/vms", headers={"X-XO-Client": "mcp"}, auth=(sim.admin_username, "secret-password"))
    anonymous.get("/mcp/status")
    records = list(sim.state.requests)
    assert [(r.auth, r.client, r.status) for r in records] == [
        ("token", None, 200),
        ("basic", "mcp", 401),
        ("none", None, 200),
    ]
    assert records[0].query == {"filter": ["a b"], "limit": ["2"]}
    logged = json.dumps([record.to_dict() for record in records])
    assert "secret-password" not in logged and sim.admin_token not in logged
    assert sim.state.requests.methods() == {"GET"}


def test_counts_survive_the_log_bound(admin: httpx.Client, sim: RunningSimulator) -> None:
    sim.state.requests.clear()
    sim.state.faults.add(path="/rest/v0/hosts", status=503)
    admin.get("/pools")
    admin.get("/hosts")
    assert sim.state.requests.counts() == {"requests": 2, "faults": {"status": 1}}
    with httpx.Client(base_url=sim.url) as control:
        assert control.get("/_simulator/counts").json() == {"requests": 2, "faults": {"status": 1}}


def test_dashboard_controls(sim: RunningSimulator, admin: httpx.Client) -> None:
    with httpx.Client(base_url=sim.url) as control:
        settings = {"routes": False, "parts": {"backups": "expired"}, "slow_parts_ms": 5}
        assert control.post("/_simulator/dashboard", json=settings).json() == settings
        assert admin.get("/dashboard").status_code == 404
        assert control.post("/_simulator/dashboard", json={"routes": True}).json()["routes"] is True
        assert admin.get("/dashboard").json()["backups"]["isExpired"] is True
        assert control.post("/_simulator/dashboard", json={"parts": {"backups": "late"}}).status_code == 400
        assert control.post("/_simulator/dashboard", json={"nonsense": 1}).status_code == 400
        control.post("/_simulator/reset")
        assert control.get("/_simulator/dashboard").json() == {"routes": True, "parts": {}, "slow_parts_ms": 0.0}
