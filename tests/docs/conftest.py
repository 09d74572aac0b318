"""Fixtures for the documentation tests: a loopback HTTP server, the manifest, an index of the real docs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.docs.helpers import SHARED, SHARED_TARBALL, LoopbackServer, Route, Serve, quiet_progress
from xo_mcp.docs.build import build_index
from xo_mcp.docs.manifest import Manifest, load_manifest
from xo_mcp.docs.sources import TarballSource


@pytest.fixture
def serve() -> Iterator[Serve]:
    started: list[LoopbackServer] = []

    def start(routes: Mapping[str, Route]) -> LoopbackServer:
        server = LoopbackServer(routes).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__()


@pytest.fixture(scope="session")
def manifest() -> Manifest:
    return load_manifest()


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory: pytest.TempPathFactory, manifest: Manifest) -> Path:
    """An index built once per session from the shared docs tarball (the 59 pages, nothing else)."""
    if not SHARED_TARBALL.is_file():
        pytest.skip(f"the XO docs snapshot is not beside the repository ({SHARED})")
    output = tmp_path_factory.mktemp("shared-index") / "index"
    build_index(TarballSource(str(SHARED_TARBALL)), output, manifest, None, quiet_progress())
    return output
