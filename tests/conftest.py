"""Fixtures shared by every test: the simulated XO, an in-process server session, and the per-test guards."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from tests import harness
from xo_mcp.simulator import RunningSimulator


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def sim() -> Iterator[RunningSimulator]:
    """The default estate (2 pools, 150 VMs) on a loopback port, shared by the session, reset per test."""
    with harness.simulator() as running:
        yield running


@pytest.fixture(autouse=True)
def _reset_simulators() -> Iterator[None]:
    yield
    for state in harness.STATES:
        # Not state.reset(): it empties the request log that the guards read.
        state.faults.clear()
        state.mcp_enabled = True
        state.authenticator.reset_throttle()
        state.missing_patches_authorized = True
        state.dashboard_routes = True
        state.dashboard_part_faults.clear()
        state.slow_dashboard_parts_ms = 0.0


@pytest.fixture
async def xo(sim: RunningSimulator) -> AsyncIterator[harness.XoSession]:
    """The server as a user configures it (XO_URL and a token), one MCP session for the test."""
    async with harness.connect(harness.settings_for(sim.url)) as session:
        yield session


Connect = Callable[..., AbstractAsyncContextManager[harness.XoSession]]


@pytest.fixture
def connect() -> Connect:
    """`async with connect(url, token=…, timeout=…, docs_index=…) as session`: a session with other settings."""

    def start(url: str, **settings: Any) -> AbstractAsyncContextManager[harness.XoSession]:
        return harness.connect(harness.settings_for(url, **settings))

    return start


@pytest.fixture(scope="session")
def docs_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the real XO docs, built once per session from the snapshot beside the repository."""
    from xo_mcp.docs.build import build_index
    from xo_mcp.docs.manifest import load_manifest
    from xo_mcp.docs.sources import TarballSource

    tarball = Path(__file__).resolve().parents[1].parent / "shared" / "xo-docs.tar.gz"
    if not tarball.is_file():
        pytest.skip(f"the XO docs snapshot is not beside the repository ({tarball}); it is a build-time input")
    output = tmp_path_factory.mktemp("docs-index") / "index"
    build_index(TarballSource(str(tarball)), output, load_manifest(), None, _quiet_progress())
    return output


def _quiet_progress() -> Any:
    import io

    from xo_mcp.docs.build import Progress

    return Progress(io.StringIO(), quiet=True)


@pytest.fixture(autouse=True)
def _guards(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """After every test, whatever subset runs: only GET reached XO, and no credential leaked."""
    caplog.set_level(logging.INFO)
    started = harness.now()
    harness.TRANSCRIPT.clear()
    yield
    methods = {record.method for record in harness.requests_since(started)}
    assert methods <= {"GET"}, f"the server sent {methods - {'GET'}} to XO"
    logs = "\n".join(
        record.getMessage() + (str(record.exc_info[1]) if record.exc_info else "")
        for when in ("setup", "call")
        for record in caplog.get_records(when)
    )
    for secret in harness.CANARIES:
        assert secret not in logs, "a credential reached the log"
        assert not any(secret in text for text in harness.TRANSCRIPT), "a credential reached an answer"
