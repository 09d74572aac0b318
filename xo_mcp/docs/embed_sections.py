"""Index build: the semantic part of the index, a vector per section and the encoder for questions.

Each section is embedded by all-MiniLM-L6-v2 (run in numpy, `bert.py`) twice: its heading path with the
start of its text (SECTION_TOKENS pieces: the model was trained on such lengths, and a section's lead
says what it is about), and its heading path alone. The section's vector is the mix of the two,
HEADING_SHARE from the headings: a question's cosine with it is then the same mix of its cosines with
each, and sibling sections, whose texts often read alike, are told apart by what their headings say
(section hit@1 on our questions 0.693 without the heading vector, 0.719 with it; on the 20 shared
questions 0.70 and 0.80). The vectors go into the index as float16, in the order of `semantic.json`'s
keys; the model itself goes in as int8 (`encoder_file`), so the server encodes questions with exactly
the model that made the section vectors, and needs nothing installed beyond numpy.

Embedding is the build's one expensive step (about a minute for the 956 sections on two shared cores),
so vectors are cached by model fingerprint and by the exact pieces embedded: a rebuild embeds only the
sections whose text changed, and a rebuild of unchanged docs embeds nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from xo_mcp.docs import bert, encoder_file
from xo_mcp.docs.bert import BertEncoder, read_safetensors
from xo_mcp.docs.files import replace_atomically, source_fingerprint
from xo_mcp.docs.model_files import ModelFiles
from xo_mcp.docs.schema import SEMANTIC_DIR, SEMANTIC_ENCODER, SEMANTIC_META, SEMANTIC_VECTORS, SEMANTIC_VOCABULARY
from xo_mcp.docs.wordpiece import WordPiece

SECTION_TOKENS = 128  # pieces of a section embedded, [CLS] and [SEP] included
HEADING_SHARE = 1 / 3  # of a section's vector that comes from its heading path alone
HEADING_JOIN = " › "


@dataclass(frozen=True)
class SectionInput:
    key: str  # source_path#anchor, as the Whoosh index's `key`
    heading_path: tuple[str, ...]
    text: str  # the section's readable text (Section.render())


@dataclass(frozen=True)
class SemanticSummary:
    embedded: int  # texts run through the model this time (two per section)
    from_cache: int  # texts whose vectors the cache had


def section_passage(section: SectionInput) -> str:
    """What is embedded for a section: its heading path (page title first), then its text."""
    return f"{HEADING_JOIN.join(section.heading_path)}\n{section.text}"


def write_semantic(
    folder: Path,
    sections: Sequence[SectionInput],
    model: ModelFiles,
    cache: Path | None,
    progress: Callable[[int, int], None],
) -> SemanticSummary:
    """Write `folder/semantic/`: section vectors, the int8 query encoder, its vocabulary, the key order."""
    vocabulary = WordPiece.from_file(model.vocabulary)
    passages = [vocabulary.encode(section_passage(section), SECTION_TOKENS) for section in sections]
    headings = [vocabulary.encode(HEADING_JOIN.join(section.heading_path), SECTION_TOKENS) for section in sections]
    pieces = passages + headings
    store = _VectorCache(cache / "embeddings" / _cache_key(model) if cache else None)
    digests = [hashlib.sha256(np.asarray(ids, dtype=np.int32).tobytes()).hexdigest() for ids in pieces]
    missing = sorted({digest: i for i, digest in enumerate(digests) if digest not in store}.values())
    weights = _Weights(model)
    if missing:
        encoder = BertEncoder(weights.tensors(), weights.config())
        progress(0, len(missing))
        vectors = encoder.encode([pieces[i] for i in missing], progress=lambda done: progress(done, len(missing)))
        store.update({digests[i]: vector for i, vector in zip(missing, vectors, strict=True)})
        store.save()
    target = folder / SEMANTIC_DIR
    target.mkdir()
    count = len(sections)
    embedded = np.stack([store[digest] for digest in digests]) if sections else np.zeros((0, 1), np.float32)
    matrix = (1 - HEADING_SHARE) * embedded[:count] + HEADING_SHARE * embedded[count:]
    np.save(target / SEMANTIC_VECTORS, matrix.astype(np.float16))
    _write_encoder(target / SEMANTIC_ENCODER, weights, store.folder)
    shutil.copyfile(model.vocabulary, target / SEMANTIC_VOCABULARY)
    meta = {
        "model": model.name,
        "fingerprint": model.fingerprint,
        "section_tokens": SECTION_TOKENS,
        "heading_share": HEADING_SHARE,
        "keys": [section.key for section in sections],
    }
    (target / SEMANTIC_META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return SemanticSummary(embedded=len(missing), from_cache=len(pieces) - len(missing))


def _cache_key(model: ModelFiles) -> str:
    """The model's weights and the code that runs and quantizes it: a fix to either re-embeds everything."""
    code = source_fingerprint(bert, encoder_file)
    return hashlib.sha256(f"{model.fingerprint}:{code}".encode()).hexdigest()[:16]


class _Weights:
    """The model's tensors and config, read from disk once, and only if a step needs them."""

    def __init__(self, model: ModelFiles) -> None:
        self._model = model
        self._tensors: dict[str, npt.NDArray[Any]] | None = None

    def tensors(self) -> dict[str, npt.NDArray[Any]]:
        if self._tensors is None:
            self._tensors = read_safetensors(self._model.weights)
        return self._tensors

    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = json.loads((self._model.folder / "config.json").read_text(encoding="utf-8"))
        return config


def _write_encoder(target: Path, weights: _Weights, cache_folder: Path | None) -> None:
    """The int8 encoder, converted once per model and then copied from the cache."""
    cached = cache_folder / SEMANTIC_ENCODER if cache_folder else None
    if cached is not None and cached.is_file():
        shutil.copyfile(cached, target)
        return
    encoder_file.save(target, weights.tensors(), weights.config())
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(cached, lambda partial: shutil.copyfile(target, partial))


class _VectorCache:
    """Section vectors by digest of their pieces, one .npz per model; a None folder caches nothing."""

    FILE = "sections.npz"

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._vectors: dict[str, npt.NDArray[np.float32]] = {}
        path = folder / self.FILE if folder else None
        if path is not None and path.is_file():
            try:
                with np.load(path) as stored:
                    keys, vectors = stored["keys"], stored["vectors"]
                self._vectors = {str(key): vector for key, vector in zip(keys, vectors, strict=True)}
            except (OSError, ValueError, KeyError):
                self._vectors = {}  # a damaged cache is rebuilt, never trusted

    def __contains__(self, digest: str) -> bool:
        return digest in self._vectors

    def __getitem__(self, digest: str) -> npt.NDArray[np.float32]:
        return self._vectors[digest]

    def update(self, found: dict[str, npt.NDArray[np.float32]]) -> None:
        self._vectors.update(found)

    def save(self) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors), dtype="U64")
        vectors = np.stack(list(self._vectors.values()))
        replace_atomically(self.folder / self.FILE, lambda partial: np.savez(partial, keys=keys, vectors=vectors))
