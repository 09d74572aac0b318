"""How close in meaning a question is to each section: the index's semantic part, read at search time.

The index build stored one vector per section and the sentence model (int8) that made them
(`embed_sections`). A question is encoded by that model, in numpy (10 to 20 ms for a question of 20
pieces on two shared cores), and compared with every section by a dot product (956 sections: microseconds).

Loaded on first use, never at start-up: the section vectors when a search first needs them, the model
(about 0.2 s; some 70 MB in memory once widened to float32, except the word table, which stays int8) on
the first question. Questions asked again reuse their vector (a small LRU cache): assistants repeat themselves.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt

from xo_mcp.docs import encoder_file
from xo_mcp.docs.bert import BertEncoder
from xo_mcp.docs.schema import SEMANTIC_DIR, SEMANTIC_ENCODER, SEMANTIC_META, SEMANTIC_VECTORS, SEMANTIC_VOCABULARY
from xo_mcp.docs.wordpiece import WordPiece

QUERY_TOKENS = 64  # pieces of a question encoded ([CLS] and [SEP] included): longer ones are cut
QUERY_CACHE = 256  # question vectors remembered

Vector = npt.NDArray[np.float32]


class SemanticIndex:
    def __init__(self, folder: Path, doc_of_key: Mapping[str, int], doc_count: int) -> None:
        """`folder` is the index's semantic folder; rows are laid out by Whoosh document number."""
        meta = json.loads((folder / SEMANTIC_META).read_text(encoding="utf-8"))
        vectors = np.load(folder / SEMANTIC_VECTORS).astype(np.float32)
        self.matrix: npt.NDArray[np.float32] = np.zeros((doc_count, vectors.shape[1]), dtype=np.float32)
        for row, key in enumerate(meta["keys"]):
            doc = doc_of_key.get(key)
            if doc is not None:
                self.matrix[doc] = vectors[row]
        self._folder = folder
        self._encoder: BertEncoder | None = None
        self._vocabulary: WordPiece | None = None
        # Questions asked again reuse their vector: assistants repeat themselves.
        self.query_vector = functools.lru_cache(maxsize=QUERY_CACHE)(self._encode)

    @classmethod
    def open(cls, index_folder: Path, doc_of_key: Mapping[str, int], doc_count: int) -> SemanticIndex | None:
        """The semantic part of an index, or None for a lexical-only index (built without the model)."""
        folder = index_folder / SEMANTIC_DIR
        if not (folder / SEMANTIC_META).is_file():
            return None
        return cls(folder, doc_of_key, doc_count)

    @property
    def loaded(self) -> bool:
        return self._encoder is not None

    def similarities(self, text: str) -> Vector:
        """Similarity of the question with each section (by document number; 0 for a section without vector).

        A section's vector mixes a passage's and a heading path's unit vectors: the result is the same mix
        of the two cosines, at most 1.
        """
        return self.matrix @ self.query_vector(text)

    def _encode(self, text: str) -> Vector:
        encoder, vocabulary = self._model()
        vector: Vector = encoder.encode([vocabulary.encode(text, QUERY_TOKENS)])[0]
        return vector

    def _model(self) -> tuple[BertEncoder, WordPiece]:
        if self._encoder is None or self._vocabulary is None:
            self._vocabulary = WordPiece.from_file(self._folder / SEMANTIC_VOCABULARY)
            self._encoder = encoder_file.load(self._folder / SEMANTIC_ENCODER)
        return self._encoder, self._vocabulary
