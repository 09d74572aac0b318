"""Parsed pages cached by content hash, so a rebuild re-parses only the pages that changed.

The key also covers the parser's own source code: editing the parser invalidates the cache by itself.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from xo_mcp.docs import components, html_page, jsx, markdown, mdx, model, outline, slug
from xo_mcp.docs.files import replace_atomically, source_fingerprint
from xo_mcp.docs.html_page import parse_html
from xo_mcp.docs.markdown import parse_markdown
from xo_mcp.docs.model import ParsedPage
from xo_mcp.docs.sources import SourceFile

_PARSER_MODULES = (components, html_page, jsx, markdown, mdx, model, outline, slug)


@functools.cache
def parser_fingerprint() -> str:
    return source_fingerprint(*_PARSER_MODULES)


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def parse_file(file: SourceFile) -> ParsedPage:
    fallback_title = file.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if file.kind == "html":
        return parse_html(file.content, fallback_title)
    return parse_markdown(file.content.decode("utf-8", "replace"), fallback_title)


class ParseCache:
    """`cache/parsed/<key>.json`; a None folder disables caching."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder / "parsed" if folder is not None else None
        self.hits = 0

    def parse(self, file: SourceFile) -> ParsedPage:
        if self.folder is None:
            return parse_file(file)
        key = hashlib.sha256(f"{parser_fingerprint()}:{file.kind}:{content_hash(file.content)}".encode()).hexdigest()
        entry = self.folder / f"{key}.json"
        try:
            page = ParsedPage.from_json(json.loads(entry.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            page = parse_file(file)
            self._store(entry, page)
        else:
            self.hits += 1
        return page

    def _store(self, entry: Path, page: ParsedPage) -> None:
        entry.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(page.to_json(), ensure_ascii=False)
        replace_atomically(entry, lambda partial: partial.write_text(text, encoding="utf-8"))
