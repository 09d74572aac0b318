"""How much an answer costs in an assistant's context: bytes and tokens.

Tokens are counted with OpenAI's ``o200k_base`` BPE (GPT-4o family) through the npm package ``gpt-tokenizer``,
installed by the bench into ``bench/.scratch/tokenizer`` (pure JavaScript, vocabulary bundled, so it works
offline once installed). No vocabulary for Anthropic's current models is public; o200k is a well-known
yardstick and, above all, the same one for both servers. When node/npm are missing the bench falls back to
bytes/4 and says so in the results.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

TOKENIZER_PACKAGE = "gpt-tokenizer"
TOKENIZER_VERSION = "4.0.0"
ENCODING = "o200k_base"
_COUNT_SCRIPT = """\
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
let data = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', chunk => { data += chunk })
process.stdin.on('end', () => { process.stdout.write(JSON.stringify(JSON.parse(data).map(t => countTokens(t)))) })
"""


def json_text(value: Any) -> str:
    """Compact JSON, the way it travels in a JSON-RPC message."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


class Tokenizer:
    """Counts tokens in batches (one node process per batch); bytes/4 when node is unavailable."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self.method = "bytes/4 (node or npm unavailable: no real tokenizer)"
        self._script: Path | None = None

    def prepare(self) -> None:
        node, npm = shutil.which("node"), shutil.which("npm")
        if node is None or npm is None:
            return
        manifest = self.folder / "node_modules" / TOKENIZER_PACKAGE / "package.json"
        try:
            if not manifest.exists():
                self.folder.mkdir(parents=True, exist_ok=True)
                subprocess.run(
                    [npm, "install", "--prefix", str(self.folder), "--no-audit", "--no-fund",
                     f"{TOKENIZER_PACKAGE}@{TOKENIZER_VERSION}"],
                    capture_output=True, check=True, timeout=300,
                )  # fmt: skip
            script = self.folder / "count.mjs"
            script.write_text(_COUNT_SCRIPT)
            self._script = script
            if self.count(["probe"]) != [1]:
                raise RuntimeError("tokenizer self-check failed")
        except (OSError, subprocess.SubprocessError, RuntimeError, ValueError):
            self._script = None
            return
        self.method = f"{ENCODING} via npm {TOKENIZER_PACKAGE} {TOKENIZER_VERSION}"

    @property
    def exact(self) -> bool:
        return self._script is not None

    def count(self, texts: Sequence[str]) -> list[int]:
        if self._script is None:
            return [(utf8_len(text) + 3) // 4 for text in texts]
        node = shutil.which("node") or "node"
        done = subprocess.run(
            [node, str(self._script)],
            input=json.dumps(list(texts)),
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
            cwd=self.folder,
        )
        counts = json.loads(done.stdout)
        return [int(n) for n in counts]

    def count_one(self, text: str) -> int:
        return self.count([text])[0]
