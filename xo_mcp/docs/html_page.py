"""Parse a rendered page of the docs site (Docusaurus) into sections: the article body only.

Navigation, sidebar, table of contents, breadcrumbs, "edit this page", pagination, footer, heading
permalinks and copy buttons are page furniture and are removed before reading. Headings keep the `id`
the site gave them, so links point at the same anchors as the Markdown build.
"""

from __future__ import annotations

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag

from xo_mcp.docs.model import ParsedPage
from xo_mcp.docs.outline import OutlineBuilder
from xo_mcp.docs.text import word_set

_FURNITURE = (
    "nav, aside, footer, script, style, noscript, template, svg, button, iframe, "
    ".hash-link, .theme-doc-toc-mobile, .theme-doc-toc-desktop, .table-of-contents, .theme-edit-this-page, "
    ".theme-doc-breadcrumbs, .pagination-nav, .theme-doc-footer, .theme-last-updated, "
    "[class*='tocCollapsible'], [class*='skipToContent']"
)
_CONTENT_SELECTORS = (".theme-doc-markdown", "article", "main", "[role='main']", "body")
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_INLINE = word_set(
    """
    a abbr b bdi cite code data del dfn em i ins kbd mark q s samp small span strong sub sup time u var
    wbr br
    """
)


def parse_html(markup: bytes | str, fallback_title: str) -> ParsedPage:
    soup = BeautifulSoup(markup, "html.parser")
    content = next((found for s in _CONTENT_SELECTORS if (found := soup.select_one(s)) is not None), soup)
    for furniture in content.select(_FURNITURE):
        furniture.decompose()
    reader = _Reader()
    reader.block(content)
    reader.flush()
    if not reader.outline.title and soup.title and soup.title.string:
        fallback_title = soup.title.string.split("|")[0].strip() or fallback_title
    return reader.outline.page(fallback_title)


class _Reader:
    def __init__(self) -> None:
        self.outline = OutlineBuilder()
        self._inline: list[str] = []

    def flush(self) -> None:
        text = "".join(self._inline)
        self._inline = []
        self.outline.prose(text)

    def block(self, node: Tag) -> None:
        """Read the children of a block element, flushing running text at each nested block."""
        for child in node.children:
            if isinstance(child, NavigableString):
                self._inline.append(str(child))
            elif isinstance(child, Tag):
                self._element(child)

    def _element(self, tag: Tag) -> None:
        name = tag.name
        if name in _INLINE:
            self._inline.append(_inline_text(tag))
            return
        if name == "img":
            alt = str(tag.get("alt") or "").strip()
            if alt:
                self._inline.append(f" {alt} ")
            return
        self.flush()
        if name in _HEADINGS:
            self.outline.heading(_HEADINGS[name], tag.get_text(" "), str(tag.get("id") or "") or None)
        elif name == "pre":
            self.outline.code(tag.get_text(), _code_caption(tag))
        elif name == "table":
            rows = [
                " | ".join(" ".join(cell.get_text(" ").split()) for cell in row.find_all(["th", "td"]))
                for row in tag.find_all("tr")
            ]
            self.outline.prose("\n".join(rows))
        elif _is_admonition(tag):
            self._admonition(tag)
        elif name == "li":
            parent = tag.parent
            marker = "-"
            if parent is not None and parent.name == "ol":
                marker = f"{parent.find_all('li', recursive=False).index(tag) + 1}."
            self.outline.prefix_next_prose(marker)
            self.block(tag)
        else:
            self.block(tag)
        self.flush()

    def _admonition(self, tag: Tag) -> None:
        heading = tag.select_one("[class*='admonitionHeading']")
        kind = _admonition_kind(tag)
        title = heading.get_text(" ").strip() if heading is not None else ""
        if heading is not None:
            heading.decompose()
        label = kind.capitalize()
        has_title = title and title.lower() != kind
        self.outline.prefix_next_prose(f"{label} ({title}):" if has_title else f"{label}:")
        self.block(tag)


def _inline_text(tag: Tag) -> str:
    if tag.name == "br":
        return "\n"
    if tag.name == "code":
        return f"`{tag.get_text()}`"
    return tag.get_text()


def _is_admonition(tag: Tag) -> bool:
    return any(str(c) == "admonition" or str(c).startswith("theme-admonition") for c in tag.get("class") or ())


def _admonition_kind(tag: Tag) -> str:
    for css_class in map(str, tag.get("class") or ()):
        for prefix in ("theme-admonition-", "admonition-"):
            if css_class.startswith(prefix):
                return css_class.removeprefix(prefix)
    return "note"


def _code_caption(pre: Tag) -> str:
    """Docusaurus shows a code block's title in a `codeBlockTitle` element before the <pre>."""
    container = pre.find_parent(class_=lambda c: bool(c) and "codeBlockContainer" in str(c))
    if container is None:
        return ""
    title = container.select_one("[class*='codeBlockTitle']")
    return title.get_text(" ").strip() if title is not None else ""
