"""The nodes of a parsed filter: each one's `match` is complex-matcher's predicate for it."""

from __future__ import annotations

import math
import operator
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

from ._jsregex import JsRegExp
from ._jsvalues import (
    OBJECT_INHERITED_NAMES,
    UNDEFINED,
    as_double,
    from_utf16_units,
    get_property,
    is_number,
    is_truthy,
    lodash_values,
    to_number,
    to_utf16_units,
)

_COMPARATORS: Final[dict[str, Callable[[float, float], bool]]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


class Node(ABC):
    """A filter, or part of one; `match(value)` tells whether `value` (a JSON value) satisfies it."""

    __slots__ = ()

    @abstractmethod
    def match(self, value: object) -> bool: ...


class Null(Node):
    """The empty filter: matches everything."""

    __slots__ = ()

    def match(self, value: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "Null()"


class And(Node):
    __slots__ = ("children",)

    def __init__(self, children: Sequence[Node]) -> None:
        self.children = tuple(children)

    def match(self, value: object) -> bool:
        for child in self.children:  # noqa: SIM110 -- a plain loop is the fastest short-circuit here
            if not child.match(value):
                return False
        return True

    def __repr__(self) -> str:
        return f"And({list(self.children)!r})"


class Or(Node):
    __slots__ = ("children",)

    def __init__(self, children: Sequence[Node]) -> None:
        self.children = tuple(children)

    def match(self, value: object) -> bool:
        for child in self.children:  # noqa: SIM110 -- a plain loop is the fastest short-circuit here
            if child.match(value):
                return True
        return False

    def __repr__(self) -> str:
        return f"Or({list(self.children)!r})"


class Not(Node):
    __slots__ = ("child",)

    def __init__(self, child: Node) -> None:
        self.child = child

    def match(self, value: object) -> bool:
        return not self.child.match(value)

    def __repr__(self) -> str:
        return f"Not({self.child!r})"


class Comparison(Node):
    """`>4`, `<=1e3`...: JavaScript's `value > 4` on the value itself (coerced, no recursion)."""

    __slots__ = ("_compare", "operator", "value")

    def __init__(self, op: str, value: float) -> None:
        if math.isnan(value):
            raise ValueError("value must be a number")
        self.operator = op
        self.value = value
        self._compare = _COMPARATORS[op]

    def match(self, value: object) -> bool:
        return self._compare(to_number(value), self.value)

    def __repr__(self) -> str:
        return f"Comparison({self.operator!r}, {self.value!r})"


class Property(Node):
    """`name:child`: the child matched against `value[name]`."""

    __slots__ = ("_own_only", "child", "name")

    def __init__(self, name: str, child: Node) -> None:
        self.name = name
        self.child = child
        # On a JSON object any other name is an own key or undefined: skip the prototype lookup.
        self._own_only = name not in OBJECT_INHERITED_NAMES

    def match(self, value: object) -> bool:
        if self._own_only and isinstance(value, dict):
            return self.child.match(value.get(self.name, UNDEFINED))
        if value is None or value is UNDEFINED:
            return False
        return self.child.match(get_property(value, self.name))

    def __repr__(self) -> str:
        return f"Property({self.name!r}, {self.child!r})"


class TruthyProperty(Node):
    """`name?`: `value[name]` is truthy."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def match(self, value: object) -> bool:
        if value is None or value is UNDEFINED:
            return False
        return is_truthy(get_property(value, self.name))

    def __repr__(self) -> str:
        return f"TruthyProperty({self.name!r})"


class _TextNode(Node):
    """A node that tests strings, and looks for a matching one inside arrays and objects at any depth."""

    __slots__ = ()

    @abstractmethod
    def test(self, text: str) -> bool: ...

    def search(self, values: Iterable[object]) -> bool:
        """lodash `some(values, this.match)`: the strings reachable from `values`, recursively."""
        return _find(values, self.test, None)

    def match(self, value: object) -> bool:
        if isinstance(value, str):
            return self.test(value)
        if isinstance(value, dict):
            return self.search(lodash_values(value))
        if isinstance(value, list):
            return self.search(value)
        return False


# The walkers below are the hot loop of a full-text filter over a whole collection: recursive
# with early exit, dispatching on exact types, with the substring test inlined where possible.


def _find(values: Iterable[Any], test: Callable[[str], bool], number: float | None) -> bool:
    """Whether a string passing `test` (or a number equal to `number`) is reachable from `values`."""
    for value in values:
        kind = type(value)
        if kind is str:
            if test(value):
                return True
        elif kind is dict:
            if _find(lodash_values(value), test, number):
                return True
        elif kind is list:
            if _find(value, test, number):
                return True
        elif kind is int or kind is float:
            if number is not None and as_double(value) == number:
                return True
        elif _is_json_subclass(value) and _find([_exact_json(value)], test, number):
            return True
    return False


def _find_substring(values: Iterable[Any], needle: str, number: float | None) -> bool:
    """`_find` for a lower-cased substring, without a call per string."""
    for value in values:
        kind = type(value)
        if kind is str:
            if needle in value.lower():
                return True
        elif kind is dict:
            if _find_substring(lodash_values(value), needle, number):
                return True
        elif kind is list:
            if _find_substring(value, needle, number):
                return True
        elif kind is int or kind is float:
            if number is not None and as_double(value) == number:
                return True
        elif _is_json_subclass(value) and _find_substring([_exact_json(value)], needle, number):
            return True
    return False


def _is_json_subclass(value: object) -> bool:
    return isinstance(value, str | dict | list | int | float) and not isinstance(value, bool)


def _exact_json(value: str | dict[str, object] | list[object] | int | float) -> object:
    """A JSON value of a subclass (an IntEnum, a StrEnum...) as the exact type the walkers dispatch on."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return float(value)


class StringNode(_TextNode):
    """A quoted string, or a raw word that is not a number: case-insensitive substring."""

    __slots__ = ("_needle", "_needs_units", "value")

    def __init__(self, value: str) -> None:
        self.value = value
        self._needle = value.lower()
        # A lone surrogate can only be found in the UTF-16 form of the subject.
        self._needs_units = any(0xD800 <= ord(char) <= 0xDFFF for char in self._needle)

    def test(self, text: str) -> bool:
        if self._needs_units:
            return self._needle in to_utf16_units(text.lower())
        return self._needle in text.lower()

    def search(self, values: Iterable[object]) -> bool:
        if self._needs_units:
            return _find(values, self.test, None)
        return _find_substring(values, self._needle, None)

    def __repr__(self) -> str:
        return f"StringNode({self.value!r})"


class NumberOrStringNode(StringNode):
    """A raw word that `Number()` accepts: that number, or the word as a substring."""

    __slots__ = ("number",)

    def __init__(self, value: str, number: float) -> None:
        super().__init__(value)
        self.number = number

    def search(self, values: Iterable[object]) -> bool:
        return _find_substring(values, self._needle, self.number)  # a raw word has no surrogates

    def match(self, value: object) -> bool:
        if is_number(value):
            return as_double(value) == self.number
        return super().match(value)

    def __repr__(self) -> str:
        return f"NumberOrStringNode({self.value!r})"


class GlobPattern(_TextNode):
    __slots__ = ("_regexp", "value")

    def __init__(self, value: str, regexp: JsRegExp) -> None:
        self.value = value
        self._regexp = regexp

    def test(self, text: str) -> bool:
        return self._regexp.test(text)

    def __repr__(self) -> str:
        return f"GlobPattern({self.value!r})"


class RegExpNode(_TextNode):
    __slots__ = ("_regexp", "flags", "pattern")

    def __init__(self, pattern: str, flags: str) -> None:
        """`pattern` is in UTF-16 units, as JavaScript reads it."""
        self._regexp = JsRegExp(pattern, flags)
        self.pattern = from_utf16_units(pattern)
        self.flags = flags

    def test(self, text: str) -> bool:
        return self._regexp.test(text)

    def __repr__(self) -> str:
        return f"RegExpNode({self.pattern!r}, {self.flags!r})"
