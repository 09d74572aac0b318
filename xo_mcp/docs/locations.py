"""Where the manifest, the bundled index and the build cache live, in a checkout and in a wheel.

A wheel carries the index inside the package (`xo_mcp/_docs_index`, copied by the hatch build hook in
`docs_corpus/hatch_build.py`) and the manifest beside this module; a source checkout uses `docs_corpus/`.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # xo_mcp/
_CHECKOUT_CORPUS = _PACKAGE.parent / "docs_corpus"

WHEEL_INDEX = _PACKAGE / "_docs_index"
WHEEL_MANIFEST = Path(__file__).resolve().parent / "topics.toml"


def bundled_index_dir() -> Path:
    """The index the server reads when XO_DOCS_INDEX is not set."""
    return WHEEL_INDEX if WHEEL_INDEX.is_dir() else _CHECKOUT_CORPUS / "index"


def default_output_dir() -> Path:
    """Where `xo-mcp index` writes by default: the checkout's docs_corpus/index, else the installed package."""
    return _CHECKOUT_CORPUS / "index" if _CHECKOUT_CORPUS.is_dir() else WHEEL_INDEX


def default_cache_dir() -> Path:
    if _CHECKOUT_CORPUS.is_dir():
        return _CHECKOUT_CORPUS / "cache"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "xo-mcp" / "docs"


def manifest_path() -> Path:
    checkout = _CHECKOUT_CORPUS / "topics.toml"
    return checkout if checkout.is_file() else WHEEL_MANIFEST
