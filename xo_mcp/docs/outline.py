"""Assemble a page's sections as a parser meets headings, prose and code, in reading order."""

from __future__ import annotations

from xo_mcp.docs.model import Block, ParsedPage, Section
from xo_mcp.docs.slug import Slugger
from xo_mcp.docs.text import tidy


class OutlineBuilder:
    """Sections keyed by heading: text before the first heading belongs to the page's top section."""

    def __init__(self) -> None:
        self._slugger = Slugger()
        self.title = ""
        self.sections: list[Section] = [Section(level=1, title="", anchor="", path=())]
        self._pending_prefix = ""

    @property
    def current(self) -> Section:
        return self.sections[-1]

    def heading(self, level: int, title: str, anchor: str | None = None) -> None:
        """Start a section; `anchor` is an explicit id (`{#id}` or the HTML id), else a slug is made."""
        title = tidy(title).replace("\n", " ")
        if level == 1 and not self.title:
            self.title = title
            top = self.sections[0]
            top.title, top.path = title, (title,)
            if anchor:
                top.anchor = anchor
                self._slugger.reserve(anchor)
            return
        if anchor:
            self._slugger.reserve(anchor)
        else:
            anchor = self._slugger.slug(title)
        parent_path = _nearest_parent_path(self.sections, level)
        self.sections.append(Section(level=level, title=title, anchor=anchor, path=(*parent_path, title)))

    def prefix_next_prose(self, prefix: str) -> None:
        """Glue a label (`Tip:`) to the start of the next prose block."""
        self._pending_prefix += prefix

    def prose(self, text: str, indent: str = "") -> None:
        text = tidy(text)
        if not text:
            return
        if self._pending_prefix:
            text, self._pending_prefix = f"{self._pending_prefix} {text}", ""
        self.current.blocks.append(Block("prose", indent + text))

    def code(self, text: str, caption: str = "", language: str = "") -> None:
        text = text.strip("\n")
        if text.strip():
            self.current.blocks.append(Block("code", text, tidy(caption), language.strip()))

    def page(self, fallback_title: str, front_matter: dict[str, str] | None = None) -> ParsedPage:
        front_matter = front_matter or {}
        if not self.title:  # no H1: the page is titled by its front matter, and heads every path
            title = front_matter.get("title") or front_matter.get("sidebar_label") or fallback_title
            self.sections[0].title = title
            for section in self.sections:
                section.path = (title, *section.path)
            self.title = title
        return ParsedPage(title=self.title, sections=self.sections, front_matter=front_matter)


def _nearest_parent_path(sections: list[Section], level: int) -> tuple[str, ...]:
    for section in reversed(sections):
        if section.level < level:
            return section.path
    return ()
