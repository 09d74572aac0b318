"""Just enough of JSX and JavaScript literals to read the MDX components of the XO docs.

A scanner, not an evaluator: it finds where an element ends (respecting strings, template literals and
nested `{...}` expressions), reads its attributes, and turns literal expressions (strings, numbers,
arrays, objects) into Python values. Anything it cannot read raises `JsxSyntaxError`, and callers fall
back to treating the text as ordinary Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class JsxSyntaxError(ValueError):
    """The text is not a complete JSX element or JavaScript literal."""


@dataclass(frozen=True)
class JsExpression:
    """An attribute written as `{...}`: its source, braces excluded."""

    source: str


AttributeValue = str | bool | JsExpression


@dataclass(frozen=True)
class JsxElement:
    name: str
    attributes: dict[str, AttributeValue]
    children: str | None  # None for a self-closing element
    end: int  # offset just past the element in the scanned text


_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_OPENERS = {"{": "}", "[": "]", "(": ")"}


def scan_element(src: str, start: int) -> JsxElement:
    """Read the element whose `<` is at `start`."""
    pos = start + 1
    name_end = _scan_name(src, pos)
    if name_end == pos:
        raise JsxSyntaxError("no element name")
    name = src[pos:name_end]
    attributes, pos, self_closing = _scan_attributes(src, name_end)
    if self_closing:
        return JsxElement(name, attributes, None, pos)
    children_end, end = _scan_children(src, pos, name)
    return JsxElement(name, attributes, src[pos:children_end], end)


def skip_expression(src: str, start: int) -> int:
    """Offset just past the `{...}`, `[...]` or `(...)` opened at `start`."""
    closers = [_OPENERS[src[start]]]
    pos = start + 1
    while pos < len(src):
        char = src[pos]
        if char in "'\"":
            pos = _skip_string(src, pos)
            continue
        if char == "`":
            pos = _skip_template(src, pos)
            continue
        if src.startswith("/*", pos):
            pos = _expect_find(src, "*/", pos + 2) + 2
            continue
        if char in _OPENERS:
            closers.append(_OPENERS[char])
        elif char in "}])":
            if char != closers.pop():
                raise JsxSyntaxError(f"unbalanced {char!r}")
            if not closers:
                return pos + 1
        pos += 1
    raise JsxSyntaxError("unterminated expression")


def comment_end(src: str, start: int) -> int | None:
    """If a JSX comment `{/* ... */}` starts at `start`, the offset just past it."""
    if not src.startswith("{/*", start):
        return None
    close = src.find("*/", start + 3)
    if close < 0:
        return None
    pos = close + 2
    while pos < len(src) and src[pos] in " \t\n":
        pos += 1
    return pos + 1 if pos < len(src) and src[pos] == "}" else None


def cook_template(raw: str) -> str:
    """The value of a template literal's text: `\\\\` is one backslash, `` \\` `` a backtick, and so on."""
    out: list[str] = []
    pos = 0
    while pos < len(raw):
        char = raw[pos]
        if char == "\\" and pos + 1 < len(raw):
            escaped = raw[pos + 1]
            if escaped == "\n":
                pass  # a line continuation produces nothing
            else:
                out.append(_SIMPLE_ESCAPES.get(escaped, escaped))
            pos += 2
            continue
        out.append(char)
        pos += 1
    return "".join(out)


def literal_string(expression: str) -> str | None:
    """The text of an expression that is a single string or template literal, else None."""
    text = expression.strip()
    try:
        value = parse_literal(text)
    except JsxSyntaxError:
        return None
    return value if isinstance(value, str) else None


def parse_literal(source: str) -> Any:
    """A JavaScript literal (arrays, objects, strings, numbers, booleans) as a Python value."""
    parser = _LiteralParser(source)
    value = parser.value()
    parser.skip_blank()
    if parser.pos != len(source):
        raise JsxSyntaxError(f"unexpected text at {parser.pos}")
    return value


# --- scanning helpers -------------------------------------------------------------------------


def _scan_name(src: str, pos: int) -> int:
    while pos < len(src) and (src[pos].isalnum() or src[pos] in "_.-:"):
        pos += 1
    return pos


def _skip_blank(src: str, pos: int) -> int:
    while pos < len(src) and src[pos].isspace():
        pos += 1
    return pos


def _scan_attributes(src: str, pos: int) -> tuple[dict[str, AttributeValue], int, bool]:
    attributes: dict[str, AttributeValue] = {}
    while True:
        pos = _skip_blank(src, pos)
        if pos >= len(src):
            raise JsxSyntaxError("unterminated tag")
        if src.startswith("/>", pos):
            return attributes, pos + 2, True
        if src[pos] == ">":
            return attributes, pos + 1, False
        if src[pos] == "{":  # spread attributes carry nothing we can read
            pos = skip_expression(src, pos)
            continue
        name_end = _scan_name(src, pos)
        if name_end == pos:
            raise JsxSyntaxError(f"unexpected {src[pos]!r} in tag")
        name = src[pos:name_end]
        pos = _skip_blank(src, name_end)
        if pos < len(src) and src[pos] == "=":
            pos = _skip_blank(src, pos + 1)
            value, pos = _scan_attribute_value(src, pos)
            attributes[name] = value
        else:
            attributes[name] = True


def _scan_attribute_value(src: str, pos: int) -> tuple[AttributeValue, int]:
    if pos >= len(src):
        raise JsxSyntaxError("missing attribute value")
    quote = src[pos]
    if quote in "'\"":  # JSX attribute strings have no escapes
        end = _expect_find(src, quote, pos + 1)
        return src[pos + 1 : end], end + 1
    if quote == "{":
        end = skip_expression(src, pos)
        return JsExpression(src[pos + 1 : end - 1]), end
    raise JsxSyntaxError("attribute value must be quoted or braced")


def _scan_children(src: str, pos: int, name: str) -> tuple[int, int]:
    """(end of the children, end of the closing tag) for the element `name` whose children start at pos."""
    while pos < len(src):
        char = src[pos]
        if char == "{":
            pos = skip_expression(src, pos)
            continue
        if src.startswith("</", pos):
            close_end = _expect_find(src, ">", pos)
            if src[pos + 2 : close_end].strip() == name:
                return pos, close_end + 1
            pos = close_end + 1
            continue
        if char == "<" and pos + 1 < len(src) and src[pos + 1].isalpha():
            try:
                pos = scan_element(src, pos).end
            except JsxSyntaxError:
                pos += 1  # a lone `<` in text, or an unclosed HTML tag such as <br>
            continue
        pos += 1
    raise JsxSyntaxError(f"no closing </{name}>")


def _expect_find(src: str, needle: str, start: int) -> int:
    found = src.find(needle, start)
    if found < 0:
        raise JsxSyntaxError(f"missing {needle!r}")
    return found


def _skip_string(src: str, pos: int) -> int:
    quote = src[pos]
    pos += 1
    while pos < len(src):
        if src[pos] == "\\":
            pos += 2
            continue
        if src[pos] == quote:
            return pos + 1
        if src[pos] == "\n":
            break
        pos += 1
    raise JsxSyntaxError("unterminated string")


def _skip_template(src: str, pos: int) -> int:
    pos += 1
    while pos < len(src):
        char = src[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "`":
            return pos + 1
        if src.startswith("${", pos):
            pos = skip_expression(src, pos + 1)
            continue
        pos += 1
    raise JsxSyntaxError("unterminated template literal")


class _LiteralParser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0

    def skip_blank(self) -> None:
        while self.pos < len(self.src):
            if self.src[self.pos].isspace():
                self.pos += 1
            elif self.src.startswith("//", self.pos):
                newline = self.src.find("\n", self.pos)
                self.pos = len(self.src) if newline < 0 else newline + 1
            elif self.src.startswith("/*", self.pos):
                self.pos = _expect_find(self.src, "*/", self.pos + 2) + 2
            else:
                return

    def value(self) -> Any:
        self.skip_blank()
        if self.pos >= len(self.src):
            raise JsxSyntaxError("missing value")
        char = self.src[self.pos]
        if char == "[":
            return self._array()
        if char == "{":
            return self._object()
        if char in "'\"":
            return self._string()
        if char == "`":
            end = _skip_template(self.src, self.pos)
            raw = self.src[self.pos + 1 : end - 1]
            if "${" in raw:
                raise JsxSyntaxError("template literal with substitutions")
            self.pos = end
            return cook_template(raw)
        word = self._word()
        keywords: dict[str, Any] = {"true": True, "false": False, "null": None, "undefined": None}
        if word in keywords:
            return keywords[word]
        try:
            return float(word) if any(c in word for c in ".eE") else int(word, 0)
        except ValueError:
            raise JsxSyntaxError(f"not a literal: {word!r}") from None

    def _word(self) -> str:
        start = self.pos
        while self.pos < len(self.src) and (self.src[self.pos].isalnum() or self.src[self.pos] in "_$.+-"):
            self.pos += 1
        if start == self.pos:
            raise JsxSyntaxError(f"unexpected {self.src[self.pos]!r}")
        return self.src[start : self.pos]

    def _string(self) -> str:
        end = _skip_string(self.src, self.pos)
        raw = self.src[self.pos + 1 : end - 1]
        self.pos = end
        return cook_template(raw)

    def _items(self, closer: str, item: Any) -> None:
        self.pos += 1
        while True:
            self.skip_blank()
            if self.pos < len(self.src) and self.src[self.pos] == closer:
                self.pos += 1
                return
            item()
            self.skip_blank()
            if self.pos < len(self.src) and self.src[self.pos] == ",":
                self.pos += 1
            elif self.pos >= len(self.src) or self.src[self.pos] != closer:
                raise JsxSyntaxError(f"expected ',' or {closer!r}")

    def _array(self) -> list[Any]:
        values: list[Any] = []
        self._items("]", lambda: values.append(self.value()))
        return values

    def _object(self) -> dict[str, Any]:
        values: dict[str, Any] = {}

        def entry() -> None:
            key = self._string() if self.src[self.pos] in "'\"" else self._word()
            self.skip_blank()
            if self.pos >= len(self.src) or self.src[self.pos] != ":":
                raise JsxSyntaxError("expected ':' in object")
            self.pos += 1
            values[key] = self.value()

        self._items("}", entry)
        return values
