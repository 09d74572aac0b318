"""The semantic part: WordPiece, the numpy encoder, its int8 file, the build with and without a model, fusion."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.docs.helpers import quiet_progress, small_manifest, write_pages
from xo_mcp.docs import build, embed_sections, encoder_file
from xo_mcp.docs.bert import BertEncoder
from xo_mcp.docs.build import build_index, main
from xo_mcp.docs.library import DocsLibrary
from xo_mcp.docs.model_files import MODEL_ENV, MODEL_PACKAGE, ModelError, ModelFiles, find_model
from xo_mcp.docs.schema import SEMANTIC_DIR
from xo_mcp.docs.sources import FolderSource
from xo_mcp.docs.wordpiece import WordPiece, basic_words

PIECES = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "aff", "run", "##ning", "cafe", ",", "!", "日"]


def test_basic_words_lower_case_strip_accents_and_split_punctuation() -> None:
    assert basic_words("Café, NAÏVE!\tgo\u200b") == ["cafe", ",", "naive", "!", "go"]
    assert basic_words("a日b") == ["a", "日", "b"]  # each CJK ideograph is a word
    assert basic_words("x$y`z") == ["x", "$", "y", "`", "z"]  # all ASCII symbols are punctuation to BERT


def test_wordpiece_is_greedy_longest_match_first() -> None:
    vocabulary = WordPiece(PIECES)
    ids = vocabulary.tokenize("Unaffable running, cafe! 日 zzz")
    assert [vocabulary.pieces[i] for i in ids] == [
        "un", "##aff", "##able", "run", "##ning", ",", "cafe", "!", "日", "[UNK]",
    ]  # fmt: skip
    assert vocabulary.encode("running running", 4) == [2, 8, 9, 3]  # cut to fit [CLS] … [SEP]


def _tiny_bert(seed: int = 0) -> tuple[dict[str, np.ndarray[Any, Any]], dict[str, Any]]:
    """A random two-layer BERT (hidden 8, two heads) with the real model's tensor names."""
    random = np.random.default_rng(seed)
    hidden, inner, vocabulary = 8, 16, len(PIECES)

    def matrix(rows: int, columns: int) -> np.ndarray[Any, Any]:
        return random.normal(0, 0.5, (rows, columns)).astype(np.float32)

    tensors = {
        "embeddings.word_embeddings.weight": matrix(vocabulary, hidden),
        "embeddings.position_embeddings.weight": matrix(32, hidden),
        "embeddings.token_type_embeddings.weight": matrix(2, hidden),
        "embeddings.LayerNorm.weight": np.ones(hidden, np.float32),
        "embeddings.LayerNorm.bias": np.zeros(hidden, np.float32),
    }
    for layer in range(2):
        base = f"encoder.layer.{layer}"
        for name, (rows, columns) in {
            "attention.self.query": (hidden, hidden),
            "attention.self.key": (hidden, hidden),
            "attention.self.value": (hidden, hidden),
            "attention.output.dense": (hidden, hidden),
            "intermediate.dense": (inner, hidden),
            "output.dense": (hidden, inner),
        }.items():
            tensors[f"{base}.{name}.weight"] = matrix(rows, columns)
            tensors[f"{base}.{name}.bias"] = random.normal(0, 0.1, rows).astype(np.float32)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            tensors[f"{base}.{norm}.weight"] = np.ones(hidden, np.float32)
            tensors[f"{base}.{norm}.bias"] = np.zeros(hidden, np.float32)
    config = {"num_attention_heads": 2, "num_hidden_layers": 2, "layer_norm_eps": 1e-12, "hidden_size": hidden}
    return tensors, config


def test_the_encoder_gives_unit_vectors_whatever_the_padding() -> None:
    encoder = BertEncoder(*_tiny_bert())
    short, long = [2, 8, 9, 3], [2, 4, 5, 6, 11, 8, 9, 12, 3]
    together = encoder.encode([long, short])  # batched: the short one is padded to the long one's length
    alone = encoder.encode([short])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-6)
    assert np.allclose(together[1], alone[0], atol=1e-5)  # padding is masked out of attention and pooling
    assert not np.allclose(together[0], together[1], atol=1e-3)


def test_the_int8_encoder_file_stays_close_to_the_float_model(tmp_path: Path) -> None:
    tensors, config = _tiny_bert(seed=1)
    encoder_file.save(tmp_path / "encoder.npz", tensors, config)
    stored = np.load(tmp_path / "encoder.npz")
    assert stored["embeddings.word_embeddings.weight"].dtype == np.int8
    assert stored["encoder.layer.0.intermediate.dense.weight"].dtype == np.int8
    sequences = [[2, 4, 5, 6, 3], [2, 8, 9, 11, 10, 3], [2, 13, 12, 3]]
    exact = BertEncoder(tensors, config).encode(sequences)
    quantized = encoder_file.load(tmp_path / "encoder.npz").encode(sequences)
    assert (exact * quantized).sum(axis=1).min() > 0.99


def test_a_named_model_folder_must_be_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelError, match=r"missing model\.safetensors, vocab\.txt"):
        find_model(tmp_path)
    monkeypatch.setenv(MODEL_ENV, str(tmp_path))
    with pytest.raises(ModelError):
        find_model()


def test_index_without_its_build_requirements_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "wordfreq" else real(name, *a))
    assert build.missing_build_requirements() == ["wordfreq"]
    assert main(["--source", "unused"]) == 2
    assert "pip install 'xo-mcp[index]'" in capsys.readouterr().err


# Words favour "Watering" (it says "plants" twice); meaning favours "Frost".
GARDEN = {
    "care.md": (
        "# Plant care\n\nLooking after a garden.\n\n"
        "## Watering\n\nGive the plants water in the morning; plants like water before the heat.\n\n"
        "## Frost\n\nCover the plants with a fleece before a cold night, so that ice does not kill them.\n"
    ),
}
QUESTION = "how do I protect my plants when it is freezing outside?"


def _garden_index(tmp_path: Path, model: ModelFiles | None) -> tuple[Path, str]:
    manifest = small_manifest(tmp_path, {"care.md": "/care"})
    output = tmp_path / ("semantic" if model else "lexical")
    summary = build_index(
        FolderSource(write_pages(tmp_path / "docs", GARDEN)),
        output,
        manifest,
        tmp_path / "cache",
        quiet_progress(),
        model,
    )
    return output, summary.line()


def _first_heading(index: Path) -> str:
    return DocsLibrary(index).search("manage", QUESTION).results[0].heading


def test_without_the_model_the_index_is_lexical_and_search_works(tmp_path: Path) -> None:
    index, line = _garden_index(tmp_path, None)
    assert not (index / SEMANTIC_DIR).exists()
    assert line.endswith("lexical only)")
    assert _first_heading(index) == "Plant care › Watering"


def test_meaning_reorders_what_words_found(tmp_path: Path, sentence_model: ModelFiles) -> None:
    index, line = _garden_index(tmp_path, sentence_model)
    assert line.endswith("(1 pages parsed, 0 unchanged; 6 texts embedded, 0 from the cache)")
    meta = json.loads((index / SEMANTIC_DIR / "semantic.json").read_text())
    assert meta["keys"] == ["care.md#", "care.md#watering", "care.md#frost"]
    assert _first_heading(index) == "Plant care › Frost"
    assert DocsLibrary(index).search("manage", "резервное копирование").results == []  # no known word: nothing
    _, again = _garden_index(tmp_path, sentence_model)
    assert again.endswith("0 texts embedded, 6 from the cache)")  # cached by model and text


def test_the_model_reads_paraphrases_as_close(sentence_model: ModelFiles) -> None:
    encoder = BertEncoder.from_folder(sentence_model.folder)
    vocabulary = WordPiece.from_file(sentence_model.vocabulary)
    texts = ["How do I reboot the server?", "Restarting the machine", "Bake the bread for forty minutes"]
    vectors = encoder.encode([vocabulary.encode(text, 64) for text in texts])
    paraphrase, unrelated = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert paraphrase > 0.5 > 0.2 > unrelated


def test_the_shipped_index_loads_its_model_on_the_first_question(semantic_index: Path) -> None:
    library = DocsLibrary(semantic_index)
    assert library.explain("VDI_IO_ERROR") is not None  # explain() is words-only: no model needed
    semantic = library._state().ranker.semantic()
    assert semantic is not None and not semantic.loaded
    assert library.search("backups", "restore a single file from a VM backup").results
    assert semantic.loaded


def test_index_without_the_model_package_builds_lexical_and_says_how_to_add_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.util.find_spec
    monkeypatch.delenv(MODEL_ENV, raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == MODEL_PACKAGE else real(name, *a))
    small_manifest(tmp_path, {"care.md": "/care"})
    docs = write_pages(tmp_path / "docs", GARDEN)
    output = tmp_path / "index"
    options = ["--output", str(output), "--manifest", str(tmp_path / "topics.toml"), "--cache", str(tmp_path / "c")]
    assert main(["--source", str(docs), *options]) == 0
    err = capsys.readouterr().err
    assert "no sentence model installed: the index will be lexical only" in err and "--no-deps" in err
    assert err.rstrip().endswith("lexical only)")
    assert not (output / SEMANTIC_DIR).exists()
    assert _first_heading(output) == "Plant care › Watering"


def test_a_change_to_the_encoder_code_embeds_again(
    tmp_path: Path, sentence_model: ModelFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, first = _garden_index(tmp_path, sentence_model)
    assert first.endswith("6 texts embedded, 0 from the cache)")
    monkeypatch.setattr(embed_sections, "source_fingerprint", lambda *modules: "edited bert.py")
    _, again = _garden_index(tmp_path, sentence_model)
    assert again.endswith("6 texts embedded, 0 from the cache)"), "vectors of other code are not reused"
