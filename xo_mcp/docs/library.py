"""The documentation index as the server sees it: opened lazily, read-only, checked for compatibility.

Constructing a DocsLibrary costs nothing (no Whoosh import, no file access), so the server starts fast;
the index opens on the first search. A rebuilt index (new `.built` stamp) is picked up on the next call.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xo_mcp.errors import DocsUnavailable, InvalidArgument, quote

if TYPE_CHECKING:
    from xo_mcp.docs.results import DocLink, DocsProvenance, SearchAnswer, SectionText
    from xo_mcp.docs.search import Ranker

MAX_RESULTS = 10
READ_LIMIT = 12_000  # characters of one read_documentation answer
MAP_SECTIONS_PER_PAGE = 6
EXPLAIN_CACHE = 1024  # distinct texts remembered by explain() (tools ask about the same errors again and again)
EXPLAIN_TEXT_LIMIT = 2000  # characters of an error text looked at
BUILD_HINT = (
    "Build one with `make index` in a source checkout, or `xo-mcp index --source <docs folder, .tar.gz file or URL>`,"
    " or set XO_DOCS_INDEX to a built index folder."
)


@dataclass
class _OpenIndex:
    stamp: int  # mtime of the `.built` stamp when opened
    index: Any
    searcher: Any
    ranker: Ranker
    topics: dict[str, dict[str, str]]
    pages: dict[str, dict[str, Any]]
    build: dict[str, Any]
    explained: dict[tuple[str, str | None], DocLink | None]


class DocsLibrary:
    def __init__(self, index_dir: Path | None = None) -> None:
        self._configured_dir = index_dir
        self._open: _OpenIndex | None = None
        self._lock = threading.Lock()

    @property
    def index_dir(self) -> Path:
        if self._configured_dir is not None:
            return self._configured_dir
        from xo_mcp.docs.locations import bundled_index_dir

        return bundled_index_dir()

    # --- queries ---------------------------------------------------------------------------------

    def search(self, topic: str, query: str | None = None, max_results: int = 3) -> SearchAnswer:
        """Best sections for `query` (topic `all` for no preference), or the topic's map without one."""

        if not 1 <= max_results <= MAX_RESULTS:
            raise InvalidArgument(f"max_results must be between 1 and {MAX_RESULTS}.")
        with self._lock:
            state = self._state()
            if topic != "all" and topic not in state.topics:
                raise InvalidArgument(f"Unknown topic {quote(topic)}: use one of {', '.join(state.topics)} or all.")
            if query is None or not query.strip():
                return self._topic_map(state, topic)
            return self._search(state, topic, query.strip(), max_results)

    def read(self, source_path: str, heading: str | None = None, limit: int = READ_LIMIT) -> SectionText:
        """One section with its subsections (the whole page without a heading), capped at `limit` characters."""
        from xo_mcp.docs.results import HEADING_SEPARATOR, SectionText

        with self._lock:
            state = self._state()
            page = self._page(state, source_path)
            sections = self._sections_of(state, source_path)
            chosen = _find_heading(sections, heading) if heading else sections[0]
            if chosen is None:
                outline = "; ".join(f"{s['heading_path'][-1]} (#{s['anchor']})" for s in sections[1:12])
                raise InvalidArgument(
                    f"No heading {quote(heading or '')} in {source_path}. Headings include: {outline}"
                )
        subtree = _subtree(sections, chosen) if heading else sections
        text = "\n\n".join(_section_text(s, include_heading=s is not chosen or not heading) for s in subtree)
        truncated = len(text) > limit
        if truncated:
            text = text[:limit].rsplit("\n", 1)[0]
        return SectionText(
            source_path=source_path,
            heading=HEADING_SEPARATOR.join(chosen["heading_path"]),
            url=chosen["url"] if heading else page["url"],
            text=text,
            truncated=truncated,
        )

    def explain(self, text: str, *, topic: str | None = None) -> DocLink | None:
        """The section of the documentation that explains an error message or a check name, or None.

        Error codes in the text (`VDI_IO_ERROR`, `SR_BACKEND_FAILURE_44`) are matched first; otherwise the
        section must be a strong match (its heading mostly made of the text's words). `topic` prefers that
        topic's pages. Never raises: without a usable index, or for a text nothing explains, it is None.
        Answers are cached per distinct text for the life of the open index.
        """
        text = text[:EXPLAIN_TEXT_LIMIT]
        try:
            with self._lock:
                state = self._state()
                key = (text, topic)
                if key not in state.explained:
                    if len(state.explained) >= EXPLAIN_CACHE:
                        state.explained.pop(next(iter(state.explained)))
                    state.explained[key] = self._explain(state, text, topic)
                return state.explained[key]
        except Exception:  # callers are tools that must still answer: no link is the safe outcome
            return None

    def provenance(self) -> DocsProvenance | None:
        """What the index was built from and when (source, revision or checksum, build time, size), or None
        when there is no usable index. Never raises."""
        from xo_mcp.docs.results import DocsProvenance

        try:
            with self._lock:
                build = self._state().build
        except Exception:
            return None
        pages = build.get("pages", {})
        return DocsProvenance(
            source=str(build.get("source", "unknown")),
            revision=build.get("revision"),
            checksum=build.get("checksum"),
            built_at=str(build.get("built_at", "unknown")),
            pages=len(pages),
            sections=sum(int(page.get("sections", 0)) for page in pages.values()),
        )

    def outline(self) -> dict[str, Any]:
        """pages.json: each topic's summary and core page, each page's title, URL, topics and sections."""
        with self._lock:
            state = self._state()
            return {"topics": dict(state.topics), "pages": dict(state.pages)}

    def build_info(self) -> dict[str, Any]:
        """The build manifest: source, revision, date, per-page hashes, schema version."""
        with self._lock:
            return dict(self._state().build)

    # --- internals -------------------------------------------------------------------------------

    def _explain(self, state: _OpenIndex, text: str, topic: str | None) -> DocLink | None:
        from xo_mcp.docs.explain import explain_section
        from xo_mcp.docs.results import HEADING_SEPARATOR, DocLink

        if topic is not None and topic not in state.topics:
            topic = None
        in_topic = state.ranker.topic_docs(topic) if topic else frozenset()
        fields = explain_section(state.ranker, text, topic, in_topic.__contains__)
        if fields is None:
            return None
        return DocLink(
            title=state.pages[fields["path"]]["title"],
            url=fields["url"],
            source_path=fields["path"],
            heading=HEADING_SEPARATOR.join(fields["heading_path"]),
        )

    def _search(self, state: _OpenIndex, topic: str, query: str, max_results: int) -> SearchAnswer:
        from xo_mcp.docs.excerpt import excerpt
        from xo_mcp.docs.results import HEADING_SEPARATOR, SearchAnswer, SearchHit

        parsed = state.ranker.parse(query)
        ranked = state.ranker.rank(parsed, None if topic == "all" else topic, max_results)
        hits = []
        for found in ranked:
            fields = found.fields
            page_topics = fields["topics"].split(",") if fields["topics"] else []
            text = fields["text"] or self._children_outline(state, fields)
            shown = excerpt(text, parsed.stems)
            context = self._parent_context(state, fields)
            hits.append(
                SearchHit(
                    topic=topic if topic in page_topics else (page_topics[0] if page_topics else "all"),
                    source_path=fields["path"],
                    heading=HEADING_SEPARATOR.join(fields["heading_path"]),
                    url=fields["url"],
                    excerpt=f"{context}\n{shown}" if context else shown,
                    score=round(found.score, 2),
                )
            )
        note = f"(spelling corrected: {', '.join(parsed.corrections)})" if parsed.corrections else None
        if not hits:
            note = f"No section matches {quote(query)}. Try other words, or topic 'all'."
        return SearchAnswer(topic=topic, query=query, results=hits, note=note)

    def _topic_map(self, state: _OpenIndex, topic: str) -> SearchAnswer:
        from xo_mcp.docs.results import SearchAnswer, TopicPage, TopicSection

        built = self._built_line(state)
        if topic == "all":
            summaries = "; ".join(f"{name}: {info['summary']}" for name, info in state.topics.items())
            note = f"Topics — {summaries}. Pass a query to search them all.\n{built}"
            return SearchAnswer(topic=topic, pages=[], note=note)
        core = state.topics[topic]["core"]
        paths = sorted((p for p, page in state.pages.items() if topic in page["topics"]), key=lambda p: p != core)
        pages = []
        for path in paths:
            page = state.pages[path]
            top, *rest = page["sections"]
            main = [s for s in rest if s["level"] == 2]
            is_core = path == core
            pages.append(
                TopicPage(
                    source_path=path,
                    title=page["title"],
                    url=page["url"],
                    summary=top["summary"],
                    sections=[
                        TopicSection(
                            heading=s["heading"], anchor=s["anchor"], summary=s["summary"] if is_core else None
                        )
                        for s in (main if is_core else main[:MAP_SECTIONS_PER_PAGE])
                    ],
                )
            )
        note = (
            f"Topic {topic}: {state.topics[topic]['summary']}. Pass a query for the matching sections; "
            f"read_documentation(source_path, heading) reads one.\n{built}"
        )
        return SearchAnswer(topic=topic, pages=pages, note=note)

    def _built_line(self, state: _OpenIndex) -> str:
        build = state.build
        origin = str(build.get("source", "unknown source"))
        if build.get("revision"):
            origin += f", commit {str(build['revision'])[:12]}"
        if build.get("checksum"):
            origin += f", sha256 {str(build['checksum'])[:12]}"
        return f"(Index built {build.get('built_at', '?')} from {origin}.)"

    def _parent_context(self, state: _OpenIndex, fields: dict[str, Any]) -> str:
        """For a sub-section (level 3 and deeper): its parent's heading and one-line summary, in brackets."""
        if fields["level"] < 3:
            return ""
        outline = state.pages[fields["path"]]["sections"]
        position = next((i for i, s in enumerate(outline) if s["anchor"] == fields["anchor"]), None)
        if position is None:
            return ""
        parent = next((s for s in reversed(outline[:position]) if s["level"] < fields["level"]), None)
        if parent is None or not parent["summary"]:
            return ""
        return f"[{parent['heading']}: {parent['summary']}]"

    def _children_outline(self, state: _OpenIndex, fields: dict[str, Any]) -> str:
        """For a heading that only groups subsections: their titles, as the excerpt."""
        outline = state.pages[fields["path"]]["sections"]
        position = next(i for i, s in enumerate(outline) if s["anchor"] == fields["anchor"])
        children = []
        for section in outline[position + 1 :]:
            if section["level"] <= fields["level"]:
                break
            if section["level"] == fields["level"] + 1:
                children.append(section["heading"])
        return "Subsections: " + "; ".join(children) if children else ""

    def _page(self, state: _OpenIndex, source_path: str) -> dict[str, Any]:
        page = state.pages.get(source_path)
        if page is None:
            raise InvalidArgument(
                f"No documentation page {quote(source_path)}. Use a source_path from search_documentation "
                "results, e.g. xo5/backups.md."
            )
        return page

    def _sections_of(self, state: _OpenIndex, source_path: str) -> list[dict[str, Any]]:
        from whoosh import query as wq

        hits = state.searcher.search(wq.Term("path", source_path), limit=None, sortedby="order")
        return [hit.fields() for hit in hits]

    def _state(self) -> _OpenIndex:
        """The open index, (re)opened when first needed or when a new build replaced it."""
        from xo_mcp.docs.schema import (
            BUILD_MANIFEST,
            BUILT_STAMP,
            INDEX_VERSION,
            PAGES_FILE,
            WHOOSH_DIR,
        )

        folder = self.index_dir
        try:
            stamp = (folder / BUILT_STAMP).stat().st_mtime_ns
        except OSError:
            raise DocsUnavailable(f"No documentation index at {folder}. {BUILD_HINT}") from None
        if self._open is not None and self._open.stamp == stamp:
            return self._open
        try:
            build = json.loads((folder / BUILD_MANIFEST).read_text(encoding="utf-8"))
            version = build.get("schema_version")
            if version != INDEX_VERSION:
                raise DocsUnavailable(
                    f"The documentation index at {folder} has format version {version}, but this xo-mcp reads "
                    f"version {INDEX_VERSION}: it was built by an incompatible xo-mcp. Rebuild it (`xo-mcp index` or "
                    "`make index`) or set XO_DOCS_INDEX to a compatible index."
                )
            outline = json.loads((folder / PAGES_FILE).read_text(encoding="utf-8"))
            from whoosh import index as whoosh_index

            index = whoosh_index.open_dir(str(folder / WHOOSH_DIR), readonly=True)
        except DocsUnavailable:
            raise
        except Exception as exc:
            raise DocsUnavailable(
                f"The documentation index at {folder} is unreadable ({type(exc).__name__}). {BUILD_HINT}"
            ) from None
        if self._open is not None:
            self._open.searcher.close()
        from xo_mcp.docs.search import Ranker

        searcher = index.searcher()
        self._open = _OpenIndex(
            stamp,
            index,
            searcher,
            Ranker(searcher, folder),
            outline["topics"],
            outline["pages"],
            build,
            {},
        )
        return self._open


def _find_heading(sections: list[dict[str, Any]], wanted: str) -> dict[str, Any] | None:
    """By anchor (`#xoa` or `xoa`), by title, by heading path suffix, then by title prefix: first match."""
    from xo_mcp.docs.results import HEADING_SEPARATOR

    needle = wanted.strip().lstrip("#").strip().lower()
    tests = (
        lambda s: s["anchor"] == needle,
        lambda s: s["heading_path"][-1].lower() == needle,
        lambda s: HEADING_SEPARATOR.join(s["heading_path"]).lower().endswith(needle),
        lambda s: s["heading_path"][-1].lower().startswith(needle),
    )
    for test in tests:
        found = next((s for s in sections if test(s)), None)
        if found is not None:
            return found
    return None


def _subtree(sections: list[dict[str, Any]], chosen: dict[str, Any]) -> list[dict[str, Any]]:
    start = sections.index(chosen)
    tree = [chosen]
    for section in sections[start + 1 :]:
        if section["level"] <= chosen["level"]:
            break
        tree.append(section)
    return tree


def _section_text(section: dict[str, Any], include_heading: bool) -> str:
    heading = f"{'#' * section['level']} {section['heading_path'][-1]}\n" if include_heading else ""
    return heading + str(section["text"])
