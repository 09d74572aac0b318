"""The project carries no text of the XO documentation: the index is built from a source at build time."""

from __future__ import annotations

import re

from tests.docs.helpers import REPO, SHARED_DOCS, needs_shared_docs

RUN = 12  # words in a row that would be copied text rather than a shared phrase
OURS = ("docs_corpus", "tests/docs", "xo_mcp/docs", "xo_mcp/tools/docs.py", "build_index.py")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def runs(text: str) -> set[str]:
    found = words(text)
    return {" ".join(found[i : i + RUN]) for i in range(len(found) - RUN + 1)}


@needs_shared_docs
def test_no_twelve_word_run_of_the_docs_in_our_files() -> None:
    docs: set[str] = set()
    for page in SHARED_DOCS.rglob("*.md"):
        if page.name not in ("PAGES.md", "SOURCE.md"):
            docs |= runs(page.read_text(errors="ignore"))
    ours = [p for name in OURS for p in ((REPO / name).rglob("*") if (REPO / name).is_dir() else [REPO / name])]
    copied = {
        str(path.relative_to(REPO)): len(runs(path.read_text(errors="ignore")) & docs)
        for path in ours
        if path.is_file()
        and path.suffix in (".py", ".md", ".toml", ".json")
        and not {"index", "cache"} & set(path.parts)
    }
    assert {path: count for path, count in copied.items() if count} == {}
