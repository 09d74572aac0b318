"""run_simulator / run_simulator_async: free ports, readiness, always stopping, streaming at scale."""

from __future__ import annotations

import socket

import httpx
import psutil
import pytest

from xo_mcp.simulator import SimulatorState, generate_inventory, run_simulator, run_simulator_async


def _refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_ports_are_free_and_released() -> None:
    state = SimulatorState(inventory=generate_inventory(vms=1))
    with run_simulator(state) as one, run_simulator(state) as two:
        assert one.port != two.port
        assert one.url == f"http://127.0.0.1:{one.port}"
        assert httpx.get(f"{two.rest_url}/mcp/status").status_code == 200
    assert _refused(one.port) and _refused(two.port)


def test_stops_when_the_block_raises() -> None:
    with (
        pytest.raises(RuntimeError, match="boom"),
        run_simulator(SimulatorState(inventory=generate_inventory(vms=1))) as sim,
    ):
        port = sim.port
        raise RuntimeError("boom")
    assert _refused(port)


def test_default_state_and_credentials() -> None:
    with run_simulator() as sim:
        assert len(sim.state.inventory.vms) == 40
        assert (sim.admin_username, sim.admin_password) == ("admin@admin.net", "admin")
        response = httpx.get(f"{sim.rest_url}/vms", headers={"Cookie": f"authenticationToken={sim.admin_token}"})
        assert len(response.json()) == 40


@pytest.mark.anyio
async def test_async_variant() -> None:
    state = SimulatorState(inventory=generate_inventory(vms=3))
    async with run_simulator_async(state) as sim, httpx.AsyncClient(auth=("admin@admin.net", "admin")) as client:
        response = await client.get(f"{sim.rest_url}/vms")
        assert len(response.json()) == 3
    assert _refused(sim.port)


def test_ndjson_is_streamed_with_flat_memory() -> None:
    # 20 000 VMs: the whole NDJSON answer is a few MB, yet serving it must not grow the process.
    state = SimulatorState(inventory=generate_inventory(vms=20_000))
    process = psutil.Process()
    with run_simulator(state) as sim, httpx.Client(headers={"Cookie": f"token={sim.admin_token}"}) as client:
        url = f"{sim.rest_url}/vms?fields=*&ndjson=true"
        with client.stream("GET", url, headers={"Accept-Encoding": "identity"}) as response:
            chunks = response.iter_raw()
            first = next(chunks)
            before = process.memory_info().rss
            lines = first.count(b"\n") + sum(chunk.count(b"\n") for chunk in chunks)
            grown = process.memory_info().rss - before
    assert lines == 20_000
    assert "transfer-encoding" in response.headers
    assert grown < 20 * 1024 * 1024
