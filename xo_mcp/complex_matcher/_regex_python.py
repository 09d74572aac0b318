"""Emit a Python `re` pattern equivalent to a JavaScript regex tree (on UTF-16 unit strings)."""

from __future__ import annotations

from typing import Final

from ._charsets import Ranges
from ._regex_ast import RAlt, RAssert, RBackRef, RChars, RGroup, RLook, RNode, RRepeat, RSeq

_W: Final = "[0-9A-Za-z_]"
_ASSERTIONS: Final = {
    "^": r"\A",
    "$": r"\Z",  # JavaScript's `$` never matches before a final newline
    "b": f"(?:(?<={_W})(?!{_W})|(?<!{_W})(?={_W}))",
    "B": f"(?:(?<={_W})(?={_W})|(?<!{_W})(?!{_W}))",
}
_LOOKS: Final = {(False, False): "(?=", (False, True): "(?!", (True, False): "(?<=", (True, True): "(?<!"}


class UnsupportedByPython(Exception):
    """The tree has no faithful Python equivalent; the fallback engine must run it."""


def python_source(node: RNode) -> str:
    return _Emitter().emit(node)


class _Emitter:
    def __init__(self) -> None:
        self.in_lookbehind = False
        self.reset_groups: set[int] = set()  # groups that an enclosing quantifier resets at each iteration

    def emit(self, node: RNode) -> str:
        if isinstance(node, RChars):
            return _class_source(node.ranges)
        if isinstance(node, RSeq):
            return "".join(map(self.emit, node.items))
        if isinstance(node, RAlt):
            return "(?:" + "|".join(map(self.emit, node.options)) + ")"
        if isinstance(node, RRepeat):
            return self.repeat(node)
        if isinstance(node, RGroup):
            return f"({self.emit(node.item)})"
        if isinstance(node, RLook):
            return self.look(node)
        if isinstance(node, RAssert):
            return _ASSERTIONS[node.kind]
        if self.in_lookbehind:
            # JavaScript matches lookbehinds right to left: a reference there may see a group on its right.
            raise UnsupportedByPython("back-reference inside a lookbehind")
        if node.index in self.reset_groups:
            # JavaScript forgets the group at each iteration, Python keeps the previous iteration's text.
            raise UnsupportedByPython("back-reference to a group of the same quantified atom")
        return _back_reference_source(node)

    def look(self, node: RLook) -> str:
        outer = self.in_lookbehind
        self.in_lookbehind = outer or node.behind
        inner = self.emit(node.item)
        self.in_lookbehind = outer
        return _LOOKS[node.behind, node.negate] + inner + ")"

    def repeat(self, node: RRepeat) -> str:
        outer = set(self.reset_groups)
        self.reset_groups.update(range(node.first_group + 1, node.first_group + node.group_count + 1))
        item = self.emit(node.item)
        self.reset_groups = outer
        if not isinstance(node.item, RChars):
            item = f"(?:{item})"
        if node.high is None:
            quantifier = {0: "*", 1: "+"}.get(node.low, f"{{{node.low},}}")
        elif node.low == node.high:
            quantifier = f"{{{node.low}}}"
        else:
            quantifier = "?" if (node.low, node.high) == (0, 1) else f"{{{node.low},{node.high}}}"
        return item + quantifier + ("" if node.greedy else "?")


def _back_reference_source(node: RBackRef) -> str:
    if not node.closed or node.index is None:
        return ""  # a group still open or still to come has never matched: the reference matches empty
    # JavaScript: a group that did not participate makes the reference match empty, Python fails.
    flags = "?i:" if node.ignore_case else "?:"
    return f"(?({node.index})({flags}\\{node.index})|)"


def _class_source(ranges: Ranges) -> str:
    if not ranges:
        return "(?!)"
    if len(ranges) == 1 and ranges[0][0] == ranges[0][1]:
        return _unit_source(ranges[0][0])
    parts = (_unit_source(low) if low == high else f"{_unit_source(low)}-{_unit_source(high)}" for low, high in ranges)
    return "[" + "".join(parts) + "]"


def _unit_source(unit: int) -> str:
    char = chr(unit)
    if char.isascii() and (char.isalnum() or char == "_"):
        return char
    return f"\\u{unit:04x}"
