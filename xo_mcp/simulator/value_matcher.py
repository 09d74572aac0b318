"""XO's value-matcher, as used by backup job `vms` patterns (smart mode) to select VMs.

An object pattern requires each key to match; `{"__or": [...]}`, `{"__and": [...]}` and
`{"__not": p}` combine; an array pattern matches an array holding a match for every element;
anything else is compared with strict equality.
"""

from __future__ import annotations

from typing import Any


def matches(pattern: Any, value: Any) -> bool:
    if isinstance(pattern, dict):
        if len(pattern) == 1:
            (operator, operand), *_ = pattern.items()
            if operator == "__or":
                return any(matches(item, value) for item in operand)
            if operator == "__and":
                return all(matches(item, value) for item in operand)
            if operator == "__not":
                return not matches(operand, value)
        return isinstance(value, dict) and all(matches(item, value.get(key)) for key, item in pattern.items())
    if isinstance(pattern, list):
        return isinstance(value, list) and all(any(matches(item, element) for element in value) for item in pattern)
    return type(pattern) is type(value) and bool(pattern == value)
