"""complex-matcher's parser: an ordered-choice grammar with backtracking, mirrored step by step.

Positions count UTF-16 units (the text is parsed in its surrogate form), because the error
message quotes them and JavaScript's character tests see one unit at a time. Every alternative
returns `(node, position)` or None; errors that JavaScript throws mid-parse (a bad comparison
operand, an invalid regex) raise at once, whichever alternative was being tried.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Final

from ._jsregex import JsRegexSyntaxError, glob_regexp
from ._jsvalues import JS_WHITESPACE, from_utf16_units, string_to_number, to_utf16_units
from ._nodes import (
    And,
    Comparison,
    GlobPattern,
    Node,
    Not,
    Null,
    NumberOrStringNode,
    Or,
    Property,
    RegExpNode,
    StringNode,
    TruthyProperty,
)

_WHITESPACE: Final = frozenset(JS_WHITESPACE)
_RAW_SYMBOLS: Final = frozenset("0123456789_-.$")

Parsed = tuple[Node, int]


class FilterParseError(ValueError):
    """The filter does not parse; str() is the message XO answers with (REST status 400)."""


@lru_cache(maxsize=4096)
def _is_raw_char(unit: str) -> bool:
    """ASCII digit, `_-.$`, or a unit that upper- or lower-casing changes (a cased letter)."""
    return unit in _RAW_SYMBOLS or unit.upper() != unit or unit.lower() != unit


def _combine(node_type: type[And] | type[Or], children: list[Node]) -> Node:
    return children[0] if len(children) == 1 else node_type(children)


class _Parser:
    def __init__(self, text: str) -> None:
        self.src = to_utf16_units(text)
        self.end = len(self.src)

    def parse(self) -> Node:
        position = self.skip_ws(0)
        terms: list[Node] = []
        while (parsed := self.term(position)) is not None:
            terms.append(parsed[0])
            position = parsed[1]
        if position < self.end:
            raise FilterParseError(f"parse error: expected end of input at position {position}")
        return _combine(And, terms) if terms else Null()

    def skip_ws(self, position: int) -> int:
        while position < self.end and self.src[position] in _WHITESPACE:
            position += 1
        return position

    def term(self, position: int) -> Parsed | None:
        parsed = self.term_body(position)
        # A quoted string ending in a lone backslash stops past the end, where `\s*` cannot match.
        if parsed is None or parsed[1] > self.end:
            return None
        return parsed[0], self.skip_ws(parsed[1])

    def term_body(self, position: int) -> Parsed | None:
        char = self.src[position] if position < self.end else ""
        parsed: Parsed | None = None
        if char == "(":
            parsed = self.group(position + 1, And)
        elif char == "|":
            after_bar = self.skip_ws(position + 1)
            if self.src.startswith("(", after_bar):
                parsed = self.group(after_bar + 1, Or)
        elif char == "!":
            negated = self.term(self.skip_ws(position + 1))
            if negated is not None:
                parsed = Not(negated[0]), negated[1]
        elif char in ("<", ">"):
            parsed = self.comparison(position)
        return parsed or self.property_term(position) or self.value(position)

    def group(self, position: int, node_type: type[And] | type[Or]) -> Parsed | None:
        position = self.skip_ws(position)
        children: list[Node] = []
        while (parsed := self.term(position)) is not None:
            children.append(parsed[0])
            position = parsed[1]
        if not children or not self.src.startswith(")", position):
            return None
        return _combine(node_type, children), position + 1

    def comparison(self, position: int) -> Parsed | None:
        op = self.src[position]
        position += 1
        if self.src.startswith("=", position):
            op += "="
            position += 1
        raw = self.raw_string(position)
        if raw is None:
            return None
        number = string_to_number(raw[0])
        if math.isnan(number):
            raise FilterParseError("value must be a number")
        return Comparison(op, number), raw[1]

    def property_term(self, position: int) -> Parsed | None:
        name = self.property_name(position)
        if name is None:
            return None
        key, after_name = name
        if after_name <= self.end:
            colon = self.skip_ws(after_name)
            if self.src.startswith(":", colon):
                child = self.term(self.skip_ws(colon + 1))
                if child is not None:
                    return Property(key, child[0]), child[1]
        if self.src.startswith("?", after_name):
            return TruthyProperty(key), after_name + 1
        return None

    def property_name(self, position: int) -> tuple[str, int] | None:
        return self.quoted_string(position) or self.raw_string(position)

    def value(self, position: int) -> Parsed | None:
        quoted = self.quoted_string(position)
        if quoted is not None:
            return StringNode(quoted[0]), quoted[1]
        regex = self.regex(position)
        if regex is not None:
            return regex
        glob = self.raw_string(position, glob=True)
        if glob is None:
            return None
        text, end = glob
        number = string_to_number(text)
        if not math.isnan(number):
            return NumberOrStringNode(text, number), end
        if "*" in text:
            return GlobPattern(text, glob_regexp(text)), end
        return StringNode(text), end

    # -- lexical pieces

    def quoted_string(self, position: int) -> tuple[str, int] | None:
        """`"..."` where a backslash keeps the next unit; an unterminated string runs to the end."""
        if not self.src.startswith('"', position):
            return None
        position += 1
        chars: list[str] = []
        while position < self.end:
            char = self.src[position]
            position += 1
            if char == '"':
                break
            if char == "\\":
                char = self.src[position : position + 1]  # "" past the end, like undefined in join()
                position += 1
            chars.append(char)
        return from_utf16_units("".join(chars)), position

    def raw_string(self, position: int, *, glob: bool = False) -> tuple[str, int] | None:
        start = position
        while position < self.end and (_is_raw_char(self.src[position]) or (glob and self.src[position] == "*")):
            position += 1
        if position == start:
            return None
        return from_utf16_units(self.src[start:position]), position

    def regex(self, position: int) -> Parsed | None:
        """`/pattern/` or `/pattern/i`; a backslash-preceded `/` does not close it."""
        if not self.src.startswith("/", position):
            return None
        position += 1
        start = pattern_end = position
        char = ""
        escaped = False
        while position < self.end:
            char = self.src[position]
            position += 1
            if char == "/" and not escaped:
                break
            escaped = char == "\\"
            pattern_end = position
        # Input ending right after an escaped slash still parses, that slash kept in the pattern.
        if char != "/":
            return None
        pattern = self.src[start:pattern_end]
        flags = ""
        if self.src.startswith("i", position):
            flags = "i"
            position += 1
        try:
            return RegExpNode(pattern, flags), position
        except JsRegexSyntaxError as error:
            raise FilterParseError(str(error)) from None


def parse(text: str) -> Node:
    """Parse a complex-matcher filter; raises FilterParseError exactly when XO's `parse()` throws."""
    try:
        return _Parser(text).parse()
    except RecursionError:
        raise FilterParseError("Maximum call stack size exceeded") from None
