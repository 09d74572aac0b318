"""The serving path (what the stdio server runs to search) never imports the build's parsers or data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.docs.helpers import REPO

BUILD_ONLY = (
    "bs4",
    "markdown_it",
    "wordfreq",
    "httpx",
    "xo_mcp.docs.markdown",
    "xo_mcp.docs.mdx",
    "xo_mcp.docs.jsx",
    "xo_mcp.docs.html_page",
    "xo_mcp.docs.components",
    "xo_mcp.docs.sources",
    "xo_mcp.docs.fetch",
    "xo_mcp.docs.build",
    "xo_mcp.docs.writer",
    "xo_mcp.docs.terms",
    "xo_mcp.docs.parse_cache",
    "xo_mcp.docs.files",
    "xo_mcp.docs.embed_sections",
    "xo_mcp.docs.model_files",
    "safetensors",
    "torch",
)


def _loaded_after(script: str) -> set[str]:
    probe = f"import sys, json\n{script}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def _build_only(modules: set[str]) -> set[str]:
    return {m for m in modules if any(m == name or m.startswith(name + ".") for name in BUILD_ONLY)}


def test_importing_the_library_loads_no_parser() -> None:
    assert _build_only(_loaded_after("import xo_mcp.docs.library")) == set()


def test_searching_reading_and_explaining_load_no_parser(shared_index: Path) -> None:
    script = (
        "from pathlib import Path\n"
        "from xo_mcp.docs.library import DocsLibrary\n"
        f"library = DocsLibrary(Path({str(shared_index)!r}))\n"
        "assert library.search('backups', 'proxy sertificate').results\n"  # a typo: the corrector loads too
        "library.search('backups')\n"
        "library.read('xo5/proxy.md')\n"
        "assert library.explain('VDI_IO_ERROR') is not None\n"
        "assert library.provenance() is not None\n"
    )
    assert _build_only(_loaded_after(script)) == set()


def test_importing_the_library_loads_no_numpy() -> None:
    assert "numpy" not in _loaded_after("import xo_mcp.docs.library")  # the model and vectors load on first search


def test_semantic_search_loads_numpy_and_the_encoder_but_no_build_module(semantic_index: Path) -> None:
    script = (
        "from pathlib import Path\n"
        "from xo_mcp.docs.library import DocsLibrary\n"
        f"library = DocsLibrary(Path({str(semantic_index)!r}))\n"
        "assert library.search('backups', 'restore one file from a backup').results\n"
        "assert library._state().ranker.semantic().loaded\n"
    )
    loaded = _loaded_after(script)
    assert {"numpy", "xo_mcp.docs.bert", "xo_mcp.docs.semantic"} <= loaded
    assert _build_only(loaded) == set()
