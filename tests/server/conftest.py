"""Fixtures for the server tests: one simulator and one stdio server for the session, reset per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

from xo_mcp.simulator.auth import User
from xo_mcp.simulator.generator import generate_inventory
from xo_mcp.simulator.runner import RunningSimulator, run_simulator
from xo_mcp.simulator.state import SimulatorState, default_users

from .mcp_harness import McpSession, base_env, mcp_server

# Distinctive credentials: the suite greps every answer and log for them.
OPS_USERNAME = "ops@example.net"
OPS_PASSWORD = "pw-canary-7c41d2e9"
OPS_TOKEN = "tok-canary-5b8e0f13a6"
WRONG_PASSWORD = "pw-wrong-canary-91aa"
WRONG_TOKEN = "tok-wrong-canary-3e77"
COLON_USERNAME = "colon@example.net"
COLON_PASSWORD = "pw-canary:colon-5e2d"
SECRETS = (OPS_PASSWORD, OPS_TOKEN, WRONG_PASSWORD, WRONG_TOKEN, COLON_PASSWORD)

SIMULATORS: list[SimulatorState] = []
"""Every simulator the server tests started, for the suite-wide only-GET check."""


def make_state(*, vms: int = 150) -> SimulatorState:
    inventory = generate_inventory(seed=11, pools=2, hosts_per_pool=3, vms=vms)
    ops = User("0c0ffee0-0000-4000-8000-000000000001", OPS_USERNAME, OPS_PASSWORD, OPS_TOKEN, admin=True)
    colon = User("0c0ffee0-0000-4000-8000-000000000002", COLON_USERNAME, COLON_PASSWORD, "tok-colon-7d", admin=True)
    users = [*default_users(inventory), ops, colon]
    state = SimulatorState(inventory=inventory, users=users)
    SIMULATORS.append(state)
    return state


@pytest.fixture(scope="session")
def sim() -> Iterator[RunningSimulator]:
    with run_simulator(make_state()) as running:
        yield running


@pytest.fixture(scope="session")
def xo(sim: RunningSimulator) -> Iterator[McpSession]:
    """The server as a user configures it: XO_URL and a token."""
    with mcp_server(base_env(XO_URL=sim.url, XO_TOKEN=OPS_TOKEN, XO_TIMEOUT="5")) as session:
        yield session


@pytest.fixture(autouse=True)
def _clean_simulator(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "sim" in request.fixturenames:
        simulator: RunningSimulator = request.getfixturevalue("sim")
        simulator.state.faults.clear()
        simulator.state.mcp_enabled = True
        simulator.state.authenticator.reset_throttle()


ServerFactory = Callable[..., AbstractContextManager[McpSession]]


@pytest.fixture
def server_with() -> ServerFactory:
    """Start a throw-away server with the given XO_* settings (the environment is otherwise clean)."""

    def start(**xo: str) -> AbstractContextManager[McpSession]:
        return mcp_server(base_env(**xo))

    return start


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The suite-wide guards read what every other test left behind: run them last."""
    items.sort(key=lambda item: item.path.name == "test_server_zz_guards.py")
