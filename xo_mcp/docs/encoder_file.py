"""The query encoder as the index carries it: the model's weights in int8, one file, read with numpy alone.

Every matrix is stored as int8 with one float32 scale per row (symmetric: row / (max |row| / 127)),
the vectors (biases, layer norms) and the position table as float16 or float32. That is a quarter of the
float32 model (about 23 MB for all-MiniLM-L6-v2) and it changes the questions' vectors by little: on our
question set the smallest cosine to the float32 model's vector is 0.9994, and the rankings are the same.

The file is an uncompressed `.npz`; `config` holds what `BertEncoder` needs of the model's config.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from xo_mcp.docs.bert import BertEncoder

CONFIG_KEY = "__config__"
_CONFIG_FIELDS = ("num_attention_heads", "num_hidden_layers", "layer_norm_eps", "hidden_size")


def quantized(tensors: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[Any]]:
    """int8 rows + float32 scales for the matrices (position and token-type tables excepted), float32 else."""
    stored: dict[str, npt.NDArray[Any]] = {}
    for name, tensor in tensors.items():
        if not np.issubdtype(tensor.dtype, np.floating):
            continue  # position_ids and other bookkeeping
        values = np.asarray(tensor, dtype=np.float32)
        if values.ndim == 2 and "position_embeddings" not in name and "token_type" not in name:
            scale = np.abs(values).max(axis=1) / 127.0
            scale[scale == 0] = 1.0
            stored[name] = np.round(values / scale[:, None]).astype(np.int8)
            stored[f"{name}.scale"] = scale.astype(np.float32)
        else:
            stored[name] = values
    return stored


def save(path: Path, tensors: dict[str, npt.NDArray[Any]], config: dict[str, Any]) -> None:
    kept = {field: config[field] for field in _CONFIG_FIELDS if field in config}
    arrays = {**quantized(tensors), CONFIG_KEY: np.frombuffer(json.dumps(kept).encode(), dtype=np.uint8)}
    with path.open("wb") as stream:
        np.savez(stream, **arrays)  # type: ignore[arg-type]


def load(path: Path) -> BertEncoder:
    with np.load(path) as stored:
        arrays = {name: stored[name] for name in stored.files}
    config = json.loads(arrays.pop(CONFIG_KEY).tobytes().decode())
    return BertEncoder(arrays, config)
