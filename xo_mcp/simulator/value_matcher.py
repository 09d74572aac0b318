"""XO's value-matcher (`packages/value-matcher`), as backup jobs' `vms` patterns (smart mode) use it.

- an object whose only key is `__and` (all), `__or` (any) or `__not` applies to the same value;
- any other object: the value must be an object (JS arrays are objects too) and, for each key,
  the value's property must be defined and match (a missing key never matches, not even `null`);
- an array: the value must be an array and each sub-pattern must match some element;
- anything else: JavaScript `===` (exact and case-sensitive; `1 === 1.0`, but `true !== 1`).

`compile_pattern` turns a pattern into a closure once, for the thousands of VMs a smart-mode job
is checked against; `matches` is the one-off form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Matcher = Callable[[Any], bool]

_UNDEFINED = object()
_OPERATORS = frozenset({"__and", "__or", "__not"})


def _property(value: Any, key: str) -> Any:
    """`value[key]` for a JS object or array, `_UNDEFINED` when absent."""
    if isinstance(value, dict):
        return value.get(key, _UNDEFINED)
    if key == "length":
        return len(value)
    if key.isdigit() and (key == "0" or not key.startswith("0")) and int(key) < len(value):
        return value[int(key)]
    return _UNDEFINED


def _strict_equal(pattern: Any, value: Any) -> bool:
    if isinstance(pattern, bool) or isinstance(value, bool):
        return type(pattern) is type(value) and pattern == value
    if isinstance(pattern, int | float) and isinstance(value, int | float):
        return bool(pattern == value)
    if pattern is None or value is None:
        return pattern is value
    return type(pattern) is type(value) and bool(pattern == value)


def compile_pattern(pattern: Any) -> Matcher:
    if isinstance(pattern, list):
        parts = [compile_pattern(item) for item in pattern]

        def every_has_a_match(value: Any) -> bool:
            return isinstance(value, list) and all(any(part(item) for item in value) for part in parts)

        return every_has_a_match
    if isinstance(pattern, dict):
        if len(pattern) == 1:
            ((operator, operand),) = pattern.items()
            if operator in _OPERATORS:
                return _compile_operator(operator, operand)
        keyed = [(key, compile_pattern(item)) for key, item in pattern.items()]

        def each_key_matches(value: Any) -> bool:
            if not isinstance(value, dict | list):
                return False
            for key, part in keyed:
                child = _property(value, key)
                if child is _UNDEFINED or not part(child):
                    return False
            return True

        return each_key_matches
    if isinstance(pattern, str):
        # The common case (ids, tags, power states), kept cheap: it runs once per VM and pattern leaf.
        return lambda value: type(value) is str and value == pattern
    return lambda value: _strict_equal(pattern, value)


def _compile_operator(operator: str, operand: Any) -> Matcher:
    if operator == "__not":
        inner = compile_pattern(operand)
        return lambda value: not inner(value)
    # __and/__or take an array of patterns (JS would throw on anything else: an answer of no match here).
    parts = [compile_pattern(item) for item in operand] if isinstance(operand, list) else []
    if operator == "__and":
        return lambda value: all(part(value) for part in parts)
    return lambda value: any(part(value) for part in parts)


def matches(pattern: Any, value: Any) -> bool:
    return compile_pattern(pattern)(value)
