"""Parse one MDX page of the XO docs into sections, walking markdown-it tokens."""

from __future__ import annotations

from collections.abc import Sequence

from bs4 import BeautifulSoup
from markdown_it.token import Token

from xo_mcp.docs.mdx import mdx_parser
from xo_mcp.docs.model import ParsedPage
from xo_mcp.docs.outline import OutlineBuilder
from xo_mcp.docs.text import word_set

# Inline tags that are markup; any other `<word>` in running text is a placeholder such as <UUID>.
_HTML_TAGS = word_set(
    """
    a abbr b br code del details div em i iframe img kbd mark p s small span strong sub summary sup u
    """
)
_DROPPED_HTML = ("svg", "script", "style", "iframe")


def parse_markdown(source: str, fallback_title: str) -> ParsedPage:
    env: dict[str, object] = {}
    tokens = mdx_parser().parse(source, env)
    walker = _Walker()
    walker.walk(tokens)
    return walker.outline.page(fallback_title, walker.front_matter)


def inline_text(children: Sequence[Token] | None) -> str:
    """The visible text of an inline token's children."""
    out: list[str] = []
    for child in children or ():
        kind = child.type
        if kind == "text":
            out.append(child.content)
        elif kind == "code_inline":
            out.append(f"`{child.content}`")
        elif kind == "softbreak" or kind == "hardbreak":
            out.append("\n")
        elif kind == "image":
            out.append(inline_text(child.children))
        elif kind == "html_inline":
            out.append(_inline_html(child.content))
    return "".join(out)


def _inline_html(markup: str) -> str:
    name = markup.strip("</>").split()[0].rstrip("/").lower() if markup.strip("</> ") else ""
    if name in _HTML_TAGS:
        return " " if name == "br" else ""
    return markup  # not a tag: a placeholder written in angle brackets


def html_fragment_text(markup: str) -> str:
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(_DROPPED_HTML):
        tag.decompose()
    return soup.get_text(" ")


class _Walker:
    def __init__(self) -> None:
        self.outline = OutlineBuilder()
        self.front_matter: dict[str, str] = {}
        self._lists: list[list[int]] = []  # per open list: [is_ordered, next number]
        self._item_fresh = False  # the next paragraph is the first of a list item
        self._rows: list[list[str]] = []

    def walk(self, tokens: Sequence[Token]) -> None:
        index = 0
        while index < len(tokens):
            index = self._token(tokens, index)

    def _token(self, tokens: Sequence[Token], index: int) -> int:
        token = tokens[index]
        kind = token.type
        if kind == "heading_open":
            self._heading(token, tokens[index + 1])
            return index + 3
        if kind == "inline":
            self._inline_block(token)
        elif kind in ("fence", "code_block"):
            caption = str((token.meta or {}).get("caption", ""))
            self.outline.code(token.content, caption, token.info.split(" ", 1)[0])
        elif kind == "html_block":
            self.outline.prose(html_fragment_text(token.content))
        elif kind == "jsx_text":
            self.outline.prose(token.content)
        elif kind == "jsx_open" and token.meta.get("caption"):
            self.outline.prefix_next_prose(f"{token.meta['caption']}")
        elif kind == "admonition_open":
            title = token.meta.get("title", "")
            label = str(token.meta.get("kind", "note")).capitalize()
            self.outline.prefix_next_prose(f"{label} ({title}):" if title else f"{label}:")
        elif kind == "front_matter":
            self.front_matter = dict(token.meta)
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = int(token.attrGet("start") or 1)
            self._lists.append([kind == "ordered_list_open", start])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self._lists.pop()
        elif kind == "list_item_open":
            self._item_fresh = True
        elif kind == "tr_open":
            self._rows.append([])
        elif kind == "table_close":
            self.outline.prose("\n".join(" | ".join(cell for cell in row) for row in self._rows))
            self._rows = []
        return index + 1

    def _heading(self, opening: Token, inline: Token) -> None:
        text = inline_text(inline.children).strip()
        anchor = None
        if text.endswith("}") and "{#" in text:
            text, _, anchor = text[:-1].rpartition("{#")
            text, anchor = text.strip(), anchor.strip()
        self.outline.heading(int(opening.tag[1]), text, anchor or None)

    def _inline_block(self, token: Token) -> None:
        text = inline_text(token.children)
        if self._rows:  # a table cell
            self._rows[-1].append(" ".join(text.split()))
            return
        indent = "  " * (len(self._lists) - 1) if self._lists else ""
        if self._lists and self._item_fresh:
            ordered, number = self._lists[-1]
            marker = f"{number}." if ordered else "-"
            self._lists[-1][1] += 1
            text = f"{marker} {text}"
            self._item_fresh = False
        self.outline.prose(text, indent)
