"""Link an error message or a check name to the documentation section that explains it.

Driven by the index alone, no table of strings:
1. Error codes (`VDI_IO_ERROR`, `SR_BACKEND_FAILURE_44`, `ENOSPC`) are looked up first: a section
   whose heading names the code wins, else the section that mentions it most (heading, then body).
2. Otherwise the text is ranked like a search, and the best section is kept only when its heading is
   mostly made of the text's words (a health check name is a heading: "Orphan VDIs", "Too many
   snapshots"; an error sentence usually is too: "Error: Lock file is already being held").
A text that meets neither bar links to nothing: a wrong link is worse than none for a tool's answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from xo_mcp.docs.analysis import stem, words
from xo_mcp.docs.schema import FIELD_BOOSTS
from xo_mcp.docs.search import Ranker

# Codes: upper-case words joined by underscores (VDI_IO_ERROR, SR_BACKEND_FAILURE_44), or errno-like
# upper-case words of five letters or more (ENOSPC, EACCES).
_CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\b[A-Z]{5,}\b")
HEADING_SHARE = 2 / 3  # of the heading's words the text must hold
MIN_SHARED = 2  # words shared by the text and the heading (one word alone is too weak a link)
CANDIDATES = 10


def explain_section(
    ranker: Ranker, text: str, topic: str | None, in_topic: Callable[[int], bool]
) -> dict[str, Any] | None:
    """The stored fields of the section explaining `text`, or None when no section does well enough."""
    for code in dict.fromkeys(_CODE.findall(text)):
        found = _by_code(ranker, code, in_topic)
        if found is not None:
            return found
    return _by_heading(ranker, text, topic)


def _by_code(ranker: Ranker, code: str, in_topic: Callable[[int], bool]) -> dict[str, Any] | None:
    """The section naming `code` in its heading (in the topic first), else mentioning it the most."""
    merged = stem("".join(part for part in code.lower().split("_") if not part.isdigit()))
    number = next((part for part in reversed(code.split("_")) if part.isdigit()), None)
    weighted: dict[int, float] = {}
    for field in FIELD_BOOSTS:
        for doc, tf in ranker._weighted_postings(field, merged):
            weighted[doc] = weighted.get(doc, 0.0) + tf * (10.0 if field == "heading" else 1.0)
    if number is not None:  # SR_BACKEND_FAILURE_44 is not SR_BACKEND_FAILURE_47
        with_number = {doc for field in FIELD_BOOSTS for doc, _ in ranker._weighted_postings(field, number)}
        weighted = {doc: score for doc, score in weighted.items() if doc in with_number}
    if not weighted:
        return None
    doc = max(weighted, key=lambda d: (_names_code(ranker, d, code), in_topic(d), weighted[d]))
    return dict(ranker.searcher.stored_fields(doc))


def _names_code(ranker: Ranker, doc: int, code: str) -> bool:
    heading = ranker.searcher.stored_fields(doc)["heading_path"][-1]
    return re.search(rf"\b{re.escape(code)}\b", heading, re.IGNORECASE) is not None


def _by_heading(ranker: Ranker, text: str, topic: str | None) -> dict[str, Any] | None:
    """Among the best-ranked sections, the one whose heading the text covers the most, if it covers enough."""
    parsed = ranker.parse(text)
    stems = {stem(word) for word in words(text)}
    if not parsed.terms:
        return None
    best: tuple[float, dict[str, Any]] | None = None
    for candidate in ranker.rank(parsed, topic, CANDIDATES, semantic=False):
        heading = {stem(word) for word in words(candidate.fields["heading_path"][-1])}
        if any(word.isdigit() and word not in stems for word in heading):
            continue  # SR_BACKEND_FAILURE_44 does not explain SR_BACKEND_FAILURE_47
        shared = heading & stems
        # one shared word is enough only when it is the whole heading and the whole text ("Alarms")
        enough = len(shared) >= MIN_SHARED or (heading == shared == stems and len(shared) == 1)
        share = len(shared) / len(heading) if heading else 0.0
        if enough and share >= HEADING_SHARE and (best is None or share > best[0]):
            best = (share, candidate.fields)
    return best[1] if best else None
