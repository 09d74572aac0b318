"""Two chores of the index build's caches: keying by the code that made an entry, and atomic writes."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType


def source_fingerprint(*modules: ModuleType) -> str:
    """sha256 of these modules' source files: a cache keyed on it is invalidated by editing them."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


def replace_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """`write` a sibling temporary file, then move it over ``target``: readers see the old file or the new."""
    partial = target.with_name(f"{target.name}.tmp-{os.getpid()}{target.suffix}")
    write(partial)
    partial.replace(target)
