"""XO's value-matcher (`packages/value-matcher`), the language of backup jobs' smart-mode selections
(CONTRACT-2 §3), and what a pattern asks of XO before it is evaluated here.

Matching keeps JavaScript's semantics:
- an object whose only key is `__and` (every sub-pattern), `__or` (some) or `__not` applies to the same value;
  `__and`/`__or` of anything but an array throws in XO, and here (`PatternError`), only when reached;
- any other object: the value must be an object (a JS array is one) and, for each key, `value[key]` must be
  defined (not `undefined`; `null` is defined) and match; inherited members (`toString`, an array's `map`…)
  are defined too: they are functions, which only a `__not` can match;
- an array: the value must be an array and each sub-pattern must match some element;
- anything else: `===` (exact, case-sensitive; `4 === 4.0`, `true !== 1`).

`property_names` says which VM properties a pattern reads (the `fields` to stream), and `prefilter` turns a
pattern into an XO filter that every matching VM passes: XO then sends only the VMs that may match, and the
exact decision is still taken here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

Matcher = Callable[[Any], bool]

_OPERATORS = frozenset({"__and", "__or", "__not"})
_OBJECT_MEMBERS = frozenset(
    {
        "constructor",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "toLocaleString",
        "toString",
        "valueOf",
        "__defineGetter__",
        "__defineSetter__",
        "__lookupGetter__",
        "__lookupSetter__",
        "__proto__",
    }
)
"""What every JS object inherits from Object.prototype (`__proto__` is an object there, not a function:
a pattern reading it is beyond anything XO writes, and is treated like the others)."""
_ARRAY_MEMBERS = _OBJECT_MEMBERS | frozenset(
    {
        *("at", "concat", "copyWithin", "entries", "every", "fill", "filter", "find", "findIndex", "findLast"),
        *("findLastIndex", "flat", "flatMap", "forEach", "includes", "indexOf", "join", "keys", "lastIndexOf"),
        *("map", "pop", "push", "reduce", "reduceRight", "reverse", "shift", "slice", "some", "sort", "splice"),
        *("toReversed", "toSorted", "toSpliced", "unshift", "values", "with"),
    }
)
_FIELD_NAME = re.compile(r"[A-Za-z0-9_$:@-]{1,100}")
"""Property names `fields` can carry as they are (lodash `pick` reads `.`/`[` as paths, XO splits on `,`)."""


class PatternError(ValueError):
    """A pattern XO's own matcher throws on (`__and`/`__or` whose operand is not an array)."""


class _JsFunction:
    """An inherited member's value: defined, no object, equal to nothing."""

    def __repr__(self) -> str:
        return "<JS function>"


_FUNCTION = _JsFunction()
_UNDEFINED = object()


def _member(value: dict[str, Any] | list[Any], key: str) -> Any:
    """`value[key]` in JavaScript, for a JSON object or array: `_UNDEFINED` when absent."""
    if isinstance(value, dict):
        if key in value:
            return value[key]
        return _FUNCTION if key in _OBJECT_MEMBERS else _UNDEFINED
    if key == "length":
        return len(value)
    if key.isdigit() and key.isascii() and (key == "0" or not key.startswith("0")) and int(key) < len(value):
        return value[int(key)]
    return _FUNCTION if key in _ARRAY_MEMBERS else _UNDEFINED


def _strict_equal(pattern: Any, value: Any) -> bool:
    if isinstance(pattern, bool) or isinstance(value, bool):
        return type(pattern) is type(value) and pattern == value
    if isinstance(pattern, int | float) and isinstance(value, int | float):
        return bool(pattern == value)
    if pattern is None or value is None:
        return pattern is value
    return type(pattern) is type(value) and bool(pattern == value)


def compile_pattern(pattern: Any) -> Matcher:
    """The pattern as a predicate, built once (a smart-mode job is checked against thousands of VMs)."""
    if isinstance(pattern, list):
        parts = [compile_pattern(item) for item in pattern]

        def each_matches_an_element(value: Any) -> bool:
            return isinstance(value, list) and all(any(part(item) for item in value) for part in parts)

        return each_matches_an_element
    if isinstance(pattern, dict):
        if len(pattern) == 1:
            ((key, operand),) = pattern.items()
            if key in _OPERATORS:
                return _operator(key, operand)
        keyed = [(key, compile_pattern(sub)) for key, sub in pattern.items()]

        def each_key_matches(value: Any) -> bool:
            if not isinstance(value, dict | list):
                return False
            for key, part in keyed:
                member = _member(value, key)
                if member is _UNDEFINED or not part(member):
                    return False
            return True

        return each_key_matches
    if isinstance(pattern, str):
        return lambda value: type(value) is str and value == pattern  # the common leaf, kept cheap
    return lambda value: _strict_equal(pattern, value)


def _operator(key: str, operand: Any) -> Matcher:
    if key == "__not":
        inner = compile_pattern(operand)
        return lambda value: not inner(value)
    if not isinstance(operand, list):

        def throws(value: Any) -> bool:
            raise PatternError(f"`{key}` needs an array of patterns")

        return throws
    parts = [compile_pattern(item) for item in operand]
    if key == "__and":
        return lambda value: all(part(value) for part in parts)
    return lambda value: any(part(value) for part in parts)


def matches(pattern: Any, value: Any) -> bool:
    return compile_pattern(pattern)(value)


def explicit_ids(pattern: Any) -> list[str] | None:
    """§3: `vms` exactly `{id: "<uuid>"}` or `{id: {__or: [uuids]}}` names those VMs; anything else is smart mode."""
    if not isinstance(pattern, dict) or list(pattern) != ["id"]:
        return None
    ids = pattern["id"]
    if isinstance(ids, str):
        return [ids]
    listed = ids.get("__or") if isinstance(ids, dict) and list(ids) == ["__or"] else None
    if isinstance(listed, list) and all(isinstance(item, str) for item in listed):
        return list(listed)
    return None


def property_names(patterns: Iterable[Any]) -> set[str] | None:
    """The top-level properties the patterns read from a VM, or None when one cannot travel in `fields`."""
    names: set[str] = set()
    for pattern in patterns:
        for name in _read_keys(pattern):
            if name in _OBJECT_MEMBERS:
                continue  # inherited: never an own property to fetch
            if _FIELD_NAME.fullmatch(name) is None:
                return None
            names.add(name)
    return names


def _read_keys(pattern: Any) -> set[str]:
    if not isinstance(pattern, dict):
        return set()  # an array or a primitive never matches an object: nothing to read
    if len(pattern) == 1 and next(iter(pattern)) in _OPERATORS:
        operand = next(iter(pattern.values()))
        operands = operand if isinstance(operand, list) else [operand]
        return set().union(*(_read_keys(item) for item in operands))
    return set(pattern)


# Pre-filters ---------------------------------------------------------------------------------------------
#
# A pre-filter is an XO filter (complex-matcher) that every value the pattern matches also passes; it may
# pass more (its string terms are case-insensitive substrings), never less. None means "no narrowing".
# Only constructs whose superset property is certain are translated; anything else drops its constraint:
# - a string leaf `s` -> `"s"` (a string containing s; in an array or object, any element or value does);
# - an integer leaf -> the number (strict equality, or a string containing it);
# - object patterns -> `"key":<term>` for each key (a missing key fails both), ANDed;
# - arrays -> each sub-pattern as a term on the array itself, which holds only for terms that look into
#   elements: leaves and their `__or`/`__and` (property terms do not look into array elements);
# - `__or` -> `|(…)` when every alternative is constrained, `__and` -> its constrained parts, `__not` -> nothing.


_COMMON_KEYS = {"tags": 0, "$pool": 2, "power_state": 2, "type": 3}
"""XO tests an AND group's terms in order and stops at the first that fails: terms on tags (which few VMs
carry) first, on what many VMs share (pool, power state, `type: 'VM'`, which every VM has) last."""


def prefilter(pattern: Any) -> str | None:
    """An XO filter every VM matching ``pattern`` passes, or None when the pattern cannot narrow the list."""
    return _value_term(pattern)


def any_of(filters: Iterable[str | None]) -> str | None:
    """A filter passed by whatever passes one of ``filters`` (None: no narrowing)."""
    terms = list(filters)
    if not terms or any(term is None for term in terms):
        return None
    unique = list(dict.fromkeys(term for term in terms if term is not None))
    return unique[0] if len(unique) == 1 else "|(" + " ".join(unique) + ")"


def quoted(text: str) -> str:
    """A complex-matcher quoted string: backslash keeps the next character."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _leaf(pattern: Any) -> str | None:
    if isinstance(pattern, str):
        return quoted(pattern) if pattern else None  # "" is in every string: no narrowing
    if isinstance(pattern, int) and not isinstance(pattern, bool):
        return str(pattern)
    return None


def _value_term(pattern: Any) -> str | None:
    leaf = _leaf(pattern)
    if leaf is not None or not isinstance(pattern, dict | list):
        return leaf
    if isinstance(pattern, list):
        return _all([_element_term(item) for item in pattern])
    if len(pattern) == 1 and next(iter(pattern)) in _OPERATORS:
        return _combined(pattern, _value_term)
    terms = []
    for key, sub in sorted(pattern.items(), key=lambda item: _COMMON_KEYS.get(item[0], 1)):
        if key in _OBJECT_MEMBERS or key == "length" or key.isdigit():
            continue  # array members and inherited ones: no filter reads them the same way
        term = _value_term(sub)
        if term is not None:
            terms.append(f"{quoted(key)}:{term}")
    return _all(terms)


def _element_term(pattern: Any) -> str | None:
    """A term on an array that holds when some element matches ``pattern``."""
    leaf = _leaf(pattern)
    if leaf is not None:
        return leaf
    if isinstance(pattern, list):  # a nested array: leaf terms look into nested arrays too
        return _all([_element_term(item) for item in pattern])
    if isinstance(pattern, dict) and len(pattern) == 1 and next(iter(pattern)) in _OPERATORS:
        return _combined(pattern, _element_term)
    return None


def _combined(pattern: dict[str, Any], term_of: Callable[[Any], str | None]) -> str | None:
    ((key, operand),) = pattern.items()
    if key == "__not" or not isinstance(operand, list):
        return None
    terms = [term_of(item) for item in operand]
    if key == "__and":
        return _all(terms)
    if not terms or any(term is None for term in terms):
        return None  # an unconstrained alternative (or an empty __or, which XO never writes)
    return "|(" + " ".join(term for term in terms if term is not None) + ")"


def _all(terms: Sequence[str | None]) -> str | None:
    kept = [term for term in terms if term is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else "(" + " ".join(kept) + ")"
