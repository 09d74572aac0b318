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
    """The tree has no Python equivalent (Python's lookbehind cannot hold a back-reference)."""


def python_source(node: RNode, *, in_lookbehind: bool = False) -> str:
    if isinstance(node, RChars):
        return _class_source(node.ranges)
    if isinstance(node, RSeq):
        return "".join(python_source(item, in_lookbehind=in_lookbehind) for item in node.items)
    if isinstance(node, RAlt):
        return "(?:" + "|".join(python_source(option, in_lookbehind=in_lookbehind) for option in node.options) + ")"
    if isinstance(node, RRepeat):
        return _repeat_source(node, in_lookbehind=in_lookbehind)
    if isinstance(node, RGroup):
        return f"({python_source(node.item, in_lookbehind=in_lookbehind)})"
    if isinstance(node, RLook):
        inner = python_source(node.item, in_lookbehind=in_lookbehind or node.behind)
        return _LOOKS[node.behind, node.negate] + inner + ")"
    if isinstance(node, RAssert):
        return _ASSERTIONS[node.kind]
    if in_lookbehind:
        # JavaScript matches lookbehinds right to left, so a reference there may see a group on its right.
        raise UnsupportedByPython("back-reference inside a lookbehind")
    return _back_reference_source(node)


def _repeat_source(node: RRepeat, *, in_lookbehind: bool) -> str:
    item = python_source(node.item, in_lookbehind=in_lookbehind)
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
