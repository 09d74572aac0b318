"""A markdown-it parser that understands the MDX of the XO docs (Docusaurus 3).

Block rules added to CommonMark + GFM tables:
- `front_matter`: the leading `---` YAML block (flat `key: value` pairs are all the docs use);
- `mdx_esm`: top-level `import`/`export` lines, dropped;
- `admonition`: `:::kind Title` … `:::`, as `admonition_open`/`admonition_close` around parsed content;
- `jsx`: a component or JSX comment starting a line, read by `components.view` into a `fence` (terminal
  commands), a `jsx_text` (captions, labels, table rows) or `jsx_open`/`jsx_close` around its parsed
  Markdown children.
"""

from __future__ import annotations

import functools
import textwrap

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from xo_mcp.docs.components import view
from xo_mcp.docs.jsx import JsxElement, JsxSyntaxError, comment_end, scan_element

_ALL_CONTAINERS = ["paragraph", "reference", "blockquote", "list"]


@functools.cache
def mdx_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.block.ruler.before("table", "front_matter", _front_matter)
    md.block.ruler.before("fence", "admonition", _admonition, {"alt": _ALL_CONTAINERS})
    md.block.ruler.before("html_block", "mdx_esm", _esm)
    md.block.ruler.before("html_block", "jsx", _jsx, {"alt": _ALL_CONTAINERS})
    return md


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _front_matter(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if start_line != 0 or state.blkIndent != 0 or _line(state, 0).rstrip() != "---":
        return False
    for line in range(1, end_line):
        if _line(state, line).rstrip() == "---":
            break
    else:
        return False
    if silent:
        return True
    values: dict[str, str] = {}
    for number in range(1, line):
        key, sep, value = _line(state, number).partition(":")
        if sep and key.strip() and not key.startswith((" ", "#")):
            values[key.strip()] = value.strip().strip("'\"")
    token = state.push("front_matter", "", 0)
    token.meta = values
    token.map = [0, line + 1]
    state.line = line + 1
    return True


def _esm(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] != 0 or state.blkIndent != 0 or state.parentType != "root":
        return False
    if not _line(state, start_line).startswith(("import ", "export ")):
        return False
    if silent:
        return True
    line = start_line + 1
    while line < end_line and not state.isEmpty(line):
        line += 1
    state.line = line
    return True


def _admonition_kind(text: str) -> tuple[str, str] | None:
    """(kind, title) for an opener such as `:::tip Title`; None for anything else."""
    if not text.startswith(":::") or len(text) < 4 or not text[3].isalpha():
        return None
    kind, _, title = text[3:].partition(" ")
    return kind.strip().lower(), title.strip()


def _closer_rest(text: str) -> str | None:
    """For a closing `:::` line, what follows it on the line ('' normally); None if it is no closer."""
    if not text.startswith(":::") or (len(text) > 3 and not text[3].isspace()):
        return None
    return text[3:].strip()


def _admonition(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.is_code_block(start_line):
        return False
    opener = _admonition_kind(_line(state, start_line))
    if opener is None:
        return False
    if silent:
        return True
    depth = 0
    close_line = start_line + 1
    closed = False
    rest = ""
    while close_line < end_line:
        text = _line(state, close_line)
        if text and state.sCount[close_line] < state.blkIndent:
            break  # dedented text ends the enclosing block, and the admonition with it
        if not state.is_code_block(close_line):
            if _admonition_kind(text) is not None:
                depth += 1
            elif (tail := _closer_rest(text)) is not None:
                if depth == 0:
                    closed, rest = True, tail
                    break
                depth -= 1
        close_line += 1

    old_parent, old_line_max = state.parentType, state.lineMax
    state.parentType = "admonition"
    state.lineMax = close_line
    token = state.push("admonition_open", "div", 1)
    token.meta = {"kind": opener[0], "title": opener[1]}
    token.map = [start_line, close_line]
    state.md.block.tokenize(state, start_line + 1, close_line)
    state.push("admonition_close", "div", -1)
    state.parentType, state.lineMax = old_parent, old_line_max

    if rest:
        # A closer fused with the next line's text (`::: 8. Next step`): the text stays to be parsed.
        start = state.bMarks[close_line] + state.tShift[close_line]
        state.bMarks[close_line] = state.src.index(rest, start)
        state.tShift[close_line] = 0
        state.line = close_line
    else:
        state.line = close_line + 1 if closed else close_line
    return True


def _jsx(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.is_code_block(start_line):
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    src = state.src
    element: JsxElement | None = None
    if src.startswith("{/*", start):  # a JSX comment: dropped
        end = comment_end(src, start)
    elif src.startswith("<svg", start) or (src.startswith("<", start) and src[start + 1 : start + 2].isupper()):
        try:
            element = scan_element(src, start)
        except JsxSyntaxError:
            return False
        end = element.end
    else:
        return False
    if end is None:
        return False
    next_line = _line_after(state, start_line, end, end_line)
    if next_line > end_line:
        return False
    if not silent:
        if element is not None:
            _push_component(state, element)
        state.line = next_line
    return True


def _push_component(state: StateBlock, element: JsxElement) -> None:
    shown = view(element)
    if shown.kind == "code":
        token = state.push("fence", "code", 0)
        token.info = "shell" if element.attributes.get("shell") else ""
        token.content = shown.text
        token.meta = {"caption": shown.caption}
    elif shown.kind == "text":
        token = state.push("jsx_text", "", 0)
        token.content = shown.text
    elif shown.kind == "markdown":
        token = state.push("jsx_open", "div", 1)
        token.meta = {"name": element.name, "caption": shown.caption}
        state.md.block.parse(textwrap.dedent(shown.text).strip("\n"), state.md, state.env, state.tokens)
        state.push("jsx_close", "div", -1)


def _line_after(state: StateBlock, start_line: int, end_offset: int, end_line: int) -> int:
    """The first line after the one holding `end_offset` (the element's end, trailing text ignored)."""
    line = start_line
    while line < end_line and state.eMarks[line] < end_offset:
        line += 1
    return line + 1
