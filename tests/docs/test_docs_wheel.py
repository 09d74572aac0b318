"""`make dist` in miniature: a wheel built with the index, installed in a fresh virtualenv, answers offline.

The index is built as `make index` builds it: with its semantic part when the sentence model is installed,
so the installed wheel (no model package, no build extra) shows that the index carries all search needs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.docs.helpers import BUILD_CACHE, REPO, SHARED_TARBALL, needs_shared_docs, quiet_progress
from xo_mcp.docs.build import build_index
from xo_mcp.docs.manifest import Manifest
from xo_mcp.docs.model_files import find_model
from xo_mcp.docs.sources import TarballSource

pytestmark = [pytest.mark.slow, needs_shared_docs]

CHECK = """
import json, sys
from pathlib import Path
import xo_mcp
from xo_mcp.docs.library import DocsLibrary
library = DocsLibrary()
assert library.index_dir == Path(xo_mcp.__file__).parent / "_docs_index", library.index_dir
hit = library.search("backups", "backup proxy repository not compatible").results[0]
semantic = library._state().ranker.semantic()
loaded = bool(semantic and semantic.loaded)
print(json.dumps({"source_path": hit.source_path, "prefix": sys.prefix, "semantic": loaded}))
"""


def copy_checkout(target: Path) -> None:
    """The files git would see (tracked or not ignored): what a clean clone plus work in progress holds."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for name in listed:
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def installed_venv(tmp_path_factory: pytest.TempPathFactory, manifest: Manifest) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    checkout = work / "checkout"
    copy_checkout(checkout)
    index = checkout / "docs_corpus" / "index"
    build_index(TarballSource(str(SHARED_TARBALL)), index, manifest, BUILD_CACHE, quiet_progress(), find_model())
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(work / "dist"), str(checkout)], check=True)
    wheel = next((work / "dist").glob("*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)], check=True)
    shutil.rmtree(checkout)  # no source, no checkout index left to fall back on
    return venv


def test_installed_wheel_searches_its_bundled_index(installed_venv: Path, tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("XO_", "PYTHON"))}
    found = subprocess.run(
        [str(installed_venv / "bin" / "python"), "-c", CHECK], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert found.returncode == 0, found.stderr
    assert '"source_path": "xo5/proxy.md"' in found.stdout
    assert str(installed_venv) in found.stdout
    assert f'"semantic": {"true" if find_model() else "false"}' in found.stdout


@pytest.mark.anyio
async def test_installed_server_answers_over_stdio(installed_venv: Path, tmp_path: Path) -> None:
    params = StdioServerParameters(
        command=str(installed_venv / "bin" / "xo-mcp"),
        args=[],
        env={"XO_URL": "http://127.0.0.1:9", "XO_TOKEN": "test-token", "PATH": os.environ.get("PATH", "")},
        cwd=str(tmp_path),
    )
    async with Client(params) as client:
        result = await client.call_tool("search_documentation", {"topic": "installation", "query": "air gap deploy"})
    assert not result.is_error
    assert result.structured_content is not None
    assert result.structured_content["results"][0]["source_path"] == "airgap.md"
