"""A faithful port of Xen Orchestra's filter engine, complex-matcher 1.1.1 (REST `filter=` parameter).

    >>> predicate = compile_filter("power_state:Running tags:|(prod staging)")
    >>> predicate({"power_state": "Running", "tags": ["prod"]})
    True

Objects are JSON values (dict, list, str, int, float, bool, None); a missing key is JavaScript's
`undefined`, distinct from `null`. Matching follows the JavaScript engine, coercions included:
see the REST contract, section 9, for the grammar and semantics.
"""

from __future__ import annotations

from collections.abc import Callable

from ._nodes import Node
from ._parser import FilterParseError, parse

__all__ = ["FilterParseError", "Node", "compile_filter", "parse"]


def compile_filter(text: str) -> Callable[[object], bool]:
    """Parse `text` once and return its predicate; an empty or blank filter matches everything."""
    return parse(text).match
