"""Syntax tree of a JavaScript regular expression, after /i has been folded into the sets."""

from __future__ import annotations

from ._charsets import Ranges


class RChars:
    """One unit from a set (a literal, `.`, an escape like `\\d`, or a class)."""

    __slots__ = ("ranges",)

    def __init__(self, ranges: Ranges) -> None:
        self.ranges = ranges


class RSeq:
    __slots__ = ("items",)

    def __init__(self, items: list[RNode]) -> None:
        self.items = items


class RAlt:
    __slots__ = ("options",)

    def __init__(self, options: list[RNode]) -> None:
        self.options = options


class RRepeat:
    """A quantified atom; `first_group`/`group_count` are the captures it resets at each iteration."""

    __slots__ = ("first_group", "greedy", "group_count", "high", "item", "low")

    def __init__(
        self, item: RNode, low: int, high: int | None, greedy: bool, first_group: int, group_count: int
    ) -> None:
        self.item = item
        self.low = low
        self.high = high  # None: unbounded
        self.greedy = greedy
        self.first_group = first_group
        self.group_count = group_count


class RGroup:
    """A capturing group, numbered from 1."""

    __slots__ = ("index", "item")

    def __init__(self, item: RNode, index: int) -> None:
        self.item = item
        self.index = index


class RLook:
    __slots__ = ("behind", "item", "negate")

    def __init__(self, item: RNode, *, behind: bool, negate: bool) -> None:
        self.item = item
        self.behind = behind
        self.negate = negate


class RAssert:
    """`^`, `$`, `\\b` or `\\B` (the kind is that character)."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind


class RBackRef:
    """`\\N` or `\\k<name>`; `closed` is false when the group is still open or comes later."""

    __slots__ = ("closed", "ignore_case", "index")

    def __init__(self, index: int | None, *, closed: bool, ignore_case: bool) -> None:
        self.index = index
        self.closed = closed
        self.ignore_case = ignore_case


RNode = RChars | RSeq | RAlt | RRepeat | RGroup | RLook | RAssert | RBackRef
