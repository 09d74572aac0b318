"""Shared fixtures: one running simulator per session (reset between tests) and handy clients."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from xo_mcp.simulator import RunningSimulator, SimulatorState, generate_inventory, run_simulator


@pytest.fixture(scope="session")
def sim() -> Iterator[RunningSimulator]:
    with run_simulator(SimulatorState(inventory=generate_inventory(seed=7))) as running:
        yield running


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts from a well-behaved server, whatever the previous one switched on."""
    yield
    if "sim" in request.fixturenames:
        simulator: RunningSimulator = request.getfixturevalue("sim")
        simulator.state.reset()


# Clients live for the session: building one costs ~0.1 s (its TLS context), even for plain HTTP.
@pytest.fixture(scope="session")
def admin(sim: RunningSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.rest_url, auth=(sim.admin_username, sim.admin_password), timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def viewer(sim: RunningSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.rest_url, auth=(sim.viewer_username, sim.viewer_password), timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def anonymous(sim: RunningSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.rest_url, timeout=10) as client:
        yield client


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
