"""Write parsed pages into an index folder: the Whoosh index (one document per section) and pages.json."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index

from xo_mcp.docs.analysis import STOP_WORDS
from xo_mcp.docs.manifest import Topic, TopicInfo
from xo_mcp.docs.model import ParsedPage, Section
from xo_mcp.docs.schema import PAGES_FILE, VOCABULARY_FILE, WHOOSH_DIR, index_schema
from xo_mcp.docs.spelling import MIN_LENGTH
from xo_mcp.docs.terms import english_words

SUMMARY_CHARS = 80
_LETTERS = re.compile(rf"[^\W\d_]{{{MIN_LENGTH},}}")  # words a misspelling can be corrected to
# Prose that labels rather than explains: captions, and notes (admonitions) set beside the main text.
_NOT_SUMMARIES = ("Screenshot:", "Diagram:", "(An ", "Note", "Tip", "Info", "Warning", "Danger", "Caution")


@dataclass(frozen=True)
class IndexedPage:
    """A parsed page with where it lives: its docs path, published URL and topics."""

    source_path: str
    url: str  # absolute, without anchor
    topics: tuple[str, ...]
    page: ParsedPage


def write_index(
    folder: Path, pages: Sequence[IndexedPage], topics: Mapping[Topic, TopicInfo], progress: Callable[[int], None]
) -> int:
    """Index every section of `pages` into `folder` (which must be empty); returns the section count.

    pages.json keeps what the server needs without a query: each topic's summary and core page, and
    each page's title, URL, topics and section outline with one-line summaries; vocabulary.json the
    spelling dictionary (the corpus's words, and the valid English words).
    """
    whoosh_folder = folder / WHOOSH_DIR
    whoosh_folder.mkdir(parents=True)
    ix = whoosh_index.create_in(str(whoosh_folder), index_schema())
    writer = ix.writer(limitmb=128)
    count = 0
    try:
        for number, item in enumerate(pages, 1):
            for order, section in enumerate(item.page.sections):
                writer.add_document(**_document(item, section, order))
                count += 1
            progress(number)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    outline = {
        "topics": {name: {"summary": info.summary, "core": info.core} for name, info in topics.items()},
        "pages": {item.source_path: _outline(item) for item in pages},
    }
    _write_json(folder / PAGES_FILE, outline)
    corpus = _vocabulary(pages)
    vocabulary = {"corpus": corpus, "english": english_words(MIN_LENGTH, known=corpus)}
    _write_json(folder / VOCABULARY_FILE, vocabulary)
    return count


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _vocabulary(pages: Sequence[IndexedPage]) -> dict[str, int]:
    """Every alphabetic word long enough to be corrected to, with its frequency: the spelling dictionary."""
    counts: Counter[str] = Counter()
    for item in pages:
        for section in item.page.sections:
            for text in (section.title, section.prose, section.code):
                counts.update(word.lower() for word in _LETTERS.findall(text))
    return {word: count for word, count in counts.items() if word not in STOP_WORDS}


def section_url(page_url: str, anchor: str) -> str:
    return f"{page_url}#{anchor}" if anchor else page_url


def section_key(item: IndexedPage, section: Section) -> str:
    """A section's unique key in the index (and in the semantic part's row order)."""
    return f"{item.source_path}#{section.anchor}"


def _document(item: IndexedPage, section: Section, order: int) -> dict[str, object]:
    return {
        "key": section_key(item, section),
        "path": item.source_path,
        "topics": ",".join(item.topics),
        "title": item.page.title,
        # the top section's heading is the page title, already in `title` for every section of the page
        "heading": section.title if order else "",
        "context": " ".join(section.path[1:-1]),  # headings between the page title and this one
        "body": section.prose,
        "code": section.code,
        "heading_path": list(section.path),
        "anchor": section.anchor,
        "url": section_url(item.url, section.anchor),
        "level": section.level,
        "order": order,
        "text": section.render(),
    }


def _outline(item: IndexedPage) -> dict[str, object]:
    return {
        "title": item.page.title,
        "url": item.url,
        "topics": list(item.topics),
        "sections": [
            {
                "heading": section.title,
                "anchor": section.anchor,
                "level": section.level,
                "summary": summary(section),
            }
            for section in item.page.sections
        ],
    }


def summary(section: Section) -> str:
    """The first sentence of the section's prose (plain paragraphs before notes and captions), one line."""
    prose = [block.text for block in section.blocks if block.kind == "prose"]
    plain = [text for text in prose if not text.startswith(_NOT_SUMMARIES)]
    for text in plain or prose:
        sentence = text.split("\n", 1)[0].split(". ", 1)[0].rstrip(".")
        if len(sentence) > SUMMARY_CHARS:
            sentence = sentence[: SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"
        return sentence
    return ""
