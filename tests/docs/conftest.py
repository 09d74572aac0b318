"""Fixtures for the documentation tests: a loopback HTTP server, the manifest, an index of the real docs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.docs.helpers import BUILD_CACHE, SHARED, SHARED_TARBALL, LoopbackServer, Route, Serve, quiet_progress
from xo_mcp.docs.build import build_index
from xo_mcp.docs.manifest import Manifest, load_manifest
from xo_mcp.docs.model_files import INSTALL_HINT, ModelFiles, find_model
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
    """A lexical-only index (no model: what a build without the sentence model makes), built once per
    session from the shared docs tarball (the 59 pages, nothing else), parsing every page afresh."""
    if not SHARED_TARBALL.is_file():
        pytest.skip(f"the XO docs snapshot is not beside the repository ({SHARED})")
    output = tmp_path_factory.mktemp("shared-index") / "index"
    build_index(TarballSource(str(SHARED_TARBALL)), output, manifest, None, quiet_progress())
    return output


@pytest.fixture(scope="session")
def sentence_model() -> ModelFiles:
    model = find_model()
    if model is None:
        pytest.skip(f"no sentence model installed ({INSTALL_HINT}; `make install` does it)")
    return model


@pytest.fixture(scope="session")
def semantic_index(tmp_path_factory: pytest.TempPathFactory, manifest: Manifest, sentence_model: ModelFiles) -> Path:
    """The index as shipped: the shared docs with their semantic part (section vectors, int8 model)."""
    if not SHARED_TARBALL.is_file():
        pytest.skip(f"the XO docs snapshot is not beside the repository ({SHARED})")
    output = tmp_path_factory.mktemp("semantic-index") / "index"
    build_index(TarballSource(str(SHARED_TARBALL)), output, manifest, BUILD_CACHE, quiet_progress(), sentence_model)
    return output
