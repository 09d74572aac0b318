"""A BERT sentence encoder in numpy: safetensors weights in, mean-pooled unit vectors out.

Enough of BERT to run sentence-transformers' all-MiniLM-L6-v2 (or any BERT encoder with its
`config.json`) without torch: embeddings (word + position + token type, layer norm), N layers of
multi-head self-attention and GELU feed-forward, each followed by residual + layer norm; then the
sentence-transformers head: mean over the real tokens (the attention mask), L2 normalisation.

safetensors is read directly: an 8-byte little-endian header length, a JSON header naming each
tensor's dtype, shape and byte range, then the raw little-endian arrays.

A matrix may also come as int8 with a per-row float32 scale (`<name>.scale`, see `encoder_file`): it is
widened to float32 once, except the word embeddings, which stay int8 and are widened per looked-up row
(they are half the model, and a question looks up a few dozen of their 30 522 rows).
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float32]

_DTYPES = {"F32": "<f4", "F16": "<f2", "BF16": None, "I64": "<i8", "I32": "<i4"}


def read_safetensors(path: Path) -> dict[str, npt.NDArray[Any]]:
    """Every tensor of a .safetensors file, as numpy arrays (read-only views of one buffer)."""
    data = path.read_bytes()
    (header_size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_size])
    base = 8 + header_size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}, which this reader does not handle")
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(
            data, dtype=dtype, count=(end - start) // np.dtype(dtype).itemsize, offset=base + start
        ).reshape(info["shape"])
    return tensors


def gelu(x: Array) -> Array:
    """BERT's GELU, x * Phi(x), in place: erf to within 1.5e-7 (Abramowitz & Stegun 7.1.26), as numpy has none."""
    half = x * np.float32(0.5)
    a = np.abs(x) * np.float32(1.0 / math.sqrt(2.0))
    t = np.float32(1.0) / (np.float32(1.0) + np.float32(0.3275911) * a)
    poly = np.float32(1.061405429) * t
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(coefficient)
        poly *= t
    np.negative(a, out=a)
    a *= a  # -a * a would be the same: the sign goes away
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a  # 1 - erf(|x| / sqrt 2)
    erf = np.float32(1.0) - poly
    np.copysign(erf, x, out=erf)
    erf += np.float32(1.0)
    erf *= half
    return erf


def layer_norm(x: Array, weight: Array, bias: Array, eps: float) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    normed: Array = (centred / np.sqrt(variance + np.float32(eps)) * weight + bias).astype(np.float32)
    return normed


@dataclass(frozen=True)
class _Layer:
    qkv: Array  # (hidden, 3 * hidden): query, key and value projections side by side
    qkv_bias: Array
    out: Array
    out_bias: Array
    norm1: tuple[Array, Array]
    up: Array
    up_bias: Array
    down: Array
    down_bias: Array
    norm2: tuple[Array, Array]


class BertEncoder:
    """all-MiniLM-L6-v2-style encoder: `encode(batches of token ids)` -> unit vectors (float32)."""

    def __init__(self, tensors: dict[str, npt.NDArray[Any]], config: dict[str, Any]) -> None:
        def get(name: str) -> Array:
            found = tensors[name]
            if found.dtype == np.int8:
                return found.astype(np.float32) * np.asarray(tensors[f"{name}.scale"], dtype=np.float32)[:, None]
            return np.asarray(found, dtype=np.float32)

        def linear(prefix: str) -> tuple[Array, Array]:  # torch stores (out, in): transpose once
            return np.ascontiguousarray(get(f"{prefix}.weight").T), get(f"{prefix}.bias")

        def norm(prefix: str) -> tuple[Array, Array]:
            return get(f"{prefix}.weight"), get(f"{prefix}.bias")

        prefix = "" if "embeddings.word_embeddings.weight" in tensors else "bert."
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        words = f"{prefix}embeddings.word_embeddings.weight"
        self.words: npt.NDArray[Any] = tensors[words] if tensors[words].dtype == np.int8 else get(words)
        self.word_scales: Array | None = (
            np.asarray(tensors[f"{words}.scale"], dtype=np.float32) if self.words.dtype == np.int8 else None
        )
        self.positions = get(f"{prefix}embeddings.position_embeddings.weight")
        self.token_type = get(f"{prefix}embeddings.token_type_embeddings.weight")[0]
        self.embedding_norm = norm(f"{prefix}embeddings.LayerNorm")
        self.layers = []
        for number in range(int(config["num_hidden_layers"])):
            base = f"{prefix}encoder.layer.{number}"
            q, k, v = (linear(f"{base}.attention.self.{name}") for name in ("query", "key", "value"))
            out, out_bias = linear(f"{base}.attention.output.dense")
            up, up_bias = linear(f"{base}.intermediate.dense")
            down, down_bias = linear(f"{base}.output.dense")
            self.layers.append(
                _Layer(
                    qkv=np.ascontiguousarray(np.concatenate([q[0], k[0], v[0]], axis=1)),
                    qkv_bias=np.concatenate([q[1], k[1], v[1]]),
                    out=out,
                    out_bias=out_bias,
                    norm1=norm(f"{base}.attention.output.LayerNorm"),
                    up=up,
                    up_bias=up_bias,
                    down=down,
                    down_bias=down_bias,
                    norm2=norm(f"{base}.output.LayerNorm"),
                )
            )

    @classmethod
    def from_folder(cls, folder: Path) -> BertEncoder:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        return cls(read_safetensors(folder / "model.safetensors"), config)

    @property
    def dimension(self) -> int:
        return int(self.words.shape[1])

    def hidden_states(self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.bool_]) -> Array:
        """The last layer's output (batch, length, hidden) for padded ids (batch, length), `mask` true on tokens.

        Dense layers work on one (batch x length, hidden) matrix: one BLAS call each, where numpy would
        loop over the batch for a 3-d operand.
        """
        batch, length = ids.shape
        hidden = self.words.shape[1]
        head = hidden // self.heads
        words = self.words[ids].astype(np.float32)
        if self.word_scales is not None:
            words *= self.word_scales[ids][..., None]
        x = (words + self.positions[:length] + self.token_type).reshape(batch * length, hidden)
        x = layer_norm(x, *self.embedding_norm, self.eps)
        # masked keys get a large negative score (as the reference does), so they weigh nothing
        key_bias = np.where(mask, np.float32(0.0), np.float32(-1e9)).astype(np.float32)[:, None, None, :]
        scale = np.float32(1.0 / math.sqrt(head))
        for layer in self.layers:
            qkv = (x @ layer.qkv + layer.qkv_bias).reshape(batch, length, 3, self.heads, head)
            query = np.ascontiguousarray(qkv[:, :, 0].transpose(0, 2, 1, 3)) * scale
            key = np.ascontiguousarray(qkv[:, :, 1].transpose(0, 2, 3, 1))
            value = np.ascontiguousarray(qkv[:, :, 2].transpose(0, 2, 1, 3))
            scores = query @ key
            scores += key_bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch * length, hidden)
            x = layer_norm(x + context @ layer.out + layer.out_bias, *layer.norm1, self.eps)
            inner = gelu(x @ layer.up + layer.up_bias)
            x = layer_norm(x + inner @ layer.down + layer.down_bias, *layer.norm2, self.eps)
        return x.reshape(batch, length, hidden)

    def encode(
        self,
        sequences: Sequence[Sequence[int]],
        batch_tokens: int = 8192,
        progress: Callable[[int], None] | None = None,
    ) -> Array:
        """Mean-pooled, L2-normalised vectors of id sequences (each with its [CLS]/[SEP]), in input order.

        Sequences are batched by similar length (little padding), about `batch_tokens` tokens a batch.
        """
        result = np.zeros((len(sequences), self.dimension), dtype=np.float32)
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
        done = 0
        while done < len(order):
            size = 1
            while done + size < len(order):
                longest = len(sequences[order[done + size]])
                if (size + 1) * longest > batch_tokens:
                    break
                size += 1
            chosen = order[done : done + size]
            length = max(len(sequences[i]) for i in chosen)
            ids = np.zeros((len(chosen), length), dtype=np.int64)
            mask = np.zeros((len(chosen), length), dtype=np.bool_)
            for row, i in enumerate(chosen):
                ids[row, : len(sequences[i])] = sequences[i]
                mask[row, : len(sequences[i])] = True
            states = self.hidden_states(ids, mask)
            weights = mask.astype(np.float32)[:, :, None]
            pooled = (states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            result[chosen] = normalise(pooled)
            done += size
            if progress is not None:
                progress(done)
        return result


def normalise(vectors: Array) -> Array:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    unit: Array = (vectors / np.maximum(norms, np.float32(1e-12))).astype(np.float32)
    return unit
