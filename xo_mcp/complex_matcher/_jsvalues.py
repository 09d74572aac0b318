"""The slice of JavaScript value semantics that complex-matcher observes on JSON values.

Values are Python JSON values (dict, list, str, int, float, bool, None) plus `UNDEFINED` for a
missing property. Property access can also reach built-in prototype members (`toString`,
`constructor`, `__proto__`, ...), modelled by `JsFunction` and `JsObject`: they are truthy, never
match a string or number, and compare as their JavaScript primitive would.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Final, TypeGuard


class _Undefined:
    """JavaScript `undefined`: what a missing key reads as (None stands for `null`)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Final = _Undefined()

# WhiteSpace and LineTerminator of ECMA-262: what `\s`, `trim()` and `Number()` skip.
JS_WHITESPACE: Final = (
    "\t\n\v\f\r \xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)

_MAX_SAFE_INTEGER: Final = 2**53 - 1
_MAX_ARRAY_INDEX: Final = 2**32 - 2
_DECIMAL_LITERAL: Final = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_RADIX_LITERAL: Final = re.compile(r"0(?:[xX](?P<x>[0-9a-fA-F]+)|[oO](?P<o>[0-7]+)|[bB](?P<b>[01]+))")
_RADIX_BASE: Final = {"x": 16, "o": 8, "b": 2}
_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")


# --------------------------------------------------------------------------- UTF-16


def _split_astral(match: re.Match[str]) -> str:
    code = ord(match.group()) - 0x10000
    return chr(0xD800 | code >> 10) + chr(0xDC00 | code & 0x3FF)


def to_utf16_units(text: str) -> str:
    """`text` with every astral character split into its two surrogates, one per JS string index."""
    if text.isascii():
        return text
    return _ASTRAL.sub(_split_astral, text)


def from_utf16_units(units: str) -> str:
    """Inverse of `to_utf16_units`: pairs surrogates again, lone ones stay as they are."""
    if units.isascii():
        return units
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def has_astral(text: str) -> bool:
    return not text.isascii() and _ASTRAL.search(text) is not None


# --------------------------------------------------------------------------- numbers


def as_double(value: int | float) -> float:
    """A JSON number as JavaScript holds it (an IEEE double; huge integers round, overflow to infinity)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def string_to_number(text: str) -> float:
    """JavaScript `Number(text)` for a string: NaN when it is not a numeric literal."""
    literal = text.strip(JS_WHITESPACE)
    if not literal:
        return 0.0
    if _DECIMAL_LITERAL.fullmatch(literal):
        return float(literal)
    radix = _RADIX_LITERAL.fullmatch(literal)
    if radix is None:
        return math.nan
    base, digits = next((key, digits) for key, digits in radix.groupdict().items() if digits is not None)
    return as_double(int(digits, _RADIX_BASE[base]))


def is_number(value: object) -> TypeGuard[int | float]:
    """True for a JavaScript number (Python's bool is an int, JavaScript's boolean is not a number)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def to_number(value: object) -> float:
    """JavaScript `ToNumber(ToPrimitive(value))`, what `value > 4` compares; NaN compares false."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return as_double(value)
    if isinstance(value, str):
        return string_to_number(value)
    if isinstance(value, list):
        return _array_to_number(value)
    if isinstance(value, JsObject):
        return value.number
    return math.nan  # undefined, plain objects ("[object Object]"), functions


def _array_to_number(items: list[object]) -> float:
    # Arrays become `items.join(",")`: two or more items always leave a comma, hence NaN.
    if not items:
        return 0.0
    if len(items) > 1:
        return math.nan
    item = items[0]
    if item is None or item is UNDEFINED:
        return 0.0
    if isinstance(item, str):
        return string_to_number(item)
    if is_number(item):
        return as_double(item)
    if isinstance(item, list):
        return _array_to_number(item)
    if isinstance(item, JsObject):
        return string_to_number(item.string)
    return math.nan  # booleans ("true"), objects, functions


def is_truthy(value: object) -> bool:
    """JavaScript `!!value`: every object and array is truthy, even empty ones."""
    if value is None or value is UNDEFINED or value is False:
        return False
    if isinstance(value, str):
        return value != ""
    if isinstance(value, int | float):
        return value == value and value != 0
    return True


# --------------------------------------------------------------------------- built-ins


class JsFunction:
    """A built-in function reached through the prototype chain, e.g. `{}.toString`."""

    __slots__ = ("length", "name")

    def __init__(self, name: str, length: int) -> None:
        self.name = name
        self.length = length

    def __repr__(self) -> str:
        return f"function {self.name}()"


class JsObject:
    """A built-in prototype object, e.g. `{}.__proto__`; `number`/`string` are its ToNumber/ToString."""

    __slots__ = ("members", "number", "string")

    def __init__(self, members: Mapping[str, object], number: float, string: str) -> None:
        self.members = members
        self.number = number
        self.string = string


def _members(spec: str, aliases: Mapping[str, str] | None = None) -> dict[str, object]:
    aliases = aliases or {}
    table: dict[str, object] = {}
    for entry in spec.split():
        name, length = entry.split(":")
        table[name] = JsFunction(aliases.get(name, name), int(length))
    return table


# Own function-valued properties of the prototypes (Node 20), name:length.
_OBJECT_MEMBERS: Final = _members(
    "__defineGetter__:2 __defineSetter__:2 hasOwnProperty:1 __lookupGetter__:1 __lookupSetter__:1"
    " isPrototypeOf:1 propertyIsEnumerable:1 toString:0 valueOf:0 toLocaleString:0"
)
_ARRAY_MEMBERS: Final = _members(
    "at:1 concat:1 copyWithin:2 fill:1 find:1 findIndex:1 findLast:1 findLastIndex:1 lastIndexOf:1 pop:0"
    " push:1 reverse:0 shift:0 unshift:1 slice:2 sort:1 splice:2 includes:1 indexOf:1 join:1 keys:0"
    " entries:0 values:0 forEach:1 filter:1 flat:0 flatMap:1 map:1 every:1 some:1 reduce:1 reduceRight:1"
    " toLocaleString:0 toString:0 toReversed:0 toSorted:1 toSpliced:2 with:2"
)
_STRING_MEMBERS: Final = _members(
    "anchor:1 at:1 big:0 blink:0 bold:0 charAt:1 charCodeAt:1 codePointAt:1 concat:1 endsWith:1"
    " fontcolor:1 fontsize:1 fixed:0 includes:1 indexOf:1 isWellFormed:0 italics:0 lastIndexOf:1 link:1"
    " localeCompare:1 match:1 matchAll:1 normalize:0 padEnd:1 padStart:1 repeat:1 replace:2 replaceAll:2"
    " search:1 slice:2 small:0 split:2 strike:0 sub:0 substr:2 substring:2 sup:0 startsWith:1 toString:0"
    " toWellFormed:0 trim:0 trimStart:0 trimLeft:0 trimEnd:0 trimRight:0 toLocaleLowerCase:0"
    " toLocaleUpperCase:0 toLowerCase:0 toUpperCase:0 valueOf:0",
    {"trimLeft": "trimStart", "trimRight": "trimEnd"},
)
_NUMBER_MEMBERS: Final = _members("toExponential:1 toFixed:1 toPrecision:1 toString:1 valueOf:0 toLocaleString:0")
_BOOLEAN_MEMBERS: Final = _members("toString:0 valueOf:0")
_FUNCTION_MEMBERS: Final = _members("apply:2 bind:1 call:1 toString:0")
for _table, _constructor in (
    (_OBJECT_MEMBERS, "Object"),
    (_ARRAY_MEMBERS, "Array"),
    (_STRING_MEMBERS, "String"),
    (_NUMBER_MEMBERS, "Number"),
    (_BOOLEAN_MEMBERS, "Boolean"),
    (_FUNCTION_MEMBERS, "Function"),
):
    _table["constructor"] = JsFunction(_constructor, 1)

OBJECT_PROTOTYPE: Final = JsObject(_OBJECT_MEMBERS, math.nan, "[object Object]")
_ARRAY_PROTOTYPE: Final = JsObject({**_ARRAY_MEMBERS, "length": 0}, 0.0, "")
_STRING_PROTOTYPE: Final = JsObject({**_STRING_MEMBERS, "length": 0}, 0.0, "")
_NUMBER_PROTOTYPE: Final = JsObject(_NUMBER_MEMBERS, 0.0, "0")
_BOOLEAN_PROTOTYPE: Final = JsObject(_BOOLEAN_MEMBERS, 0.0, "false")
_FUNCTION_PROTOTYPE: Final = JsFunction("", 0)

# Every name a JSON object can inherit: a property node on another name never leaves the dict.
OBJECT_INHERITED_NAMES: Final = frozenset(_OBJECT_MEMBERS) | {"__proto__"}


def _inherited(members: Mapping[str, object], prototype: object, name: str) -> object:
    if name == "__proto__":
        return prototype
    member = members.get(name, UNDEFINED)
    if member is UNDEFINED:
        member = _OBJECT_MEMBERS.get(name, UNDEFINED)
    return member


def _array_index(name: str) -> int | None:
    """The index a property name denotes on an array or string (canonical decimal only: "01" is not 1)."""
    if not (name.isdigit() and name.isascii()) or (name[0] == "0" and name != "0"):
        return None
    index = int(name)
    return index if index <= _MAX_ARRAY_INDEX else None


def get_property(value: object, name: str) -> object:
    """JavaScript `value[name]` for a non-nullish value."""
    if isinstance(value, dict):
        own = value.get(name, UNDEFINED)
        if own is UNDEFINED and name in OBJECT_INHERITED_NAMES:
            return _inherited(_OBJECT_MEMBERS, OBJECT_PROTOTYPE, name)
        return own
    if isinstance(value, list | str):
        return _get_indexed(value, name)
    if isinstance(value, bool):
        return _inherited(_BOOLEAN_MEMBERS, _BOOLEAN_PROTOTYPE, name)
    if isinstance(value, int | float):
        return _inherited(_NUMBER_MEMBERS, _NUMBER_PROTOTYPE, name)
    if isinstance(value, JsFunction):
        if name in ("name", "length"):
            return value.name if name == "name" else value.length
        return _inherited(_FUNCTION_MEMBERS, _FUNCTION_PROTOTYPE, name)
    if isinstance(value, JsObject):
        prototype = None if value is OBJECT_PROTOTYPE else OBJECT_PROTOTYPE
        return _inherited(value.members, prototype, name)
    return UNDEFINED


def _get_indexed(value: list[object] | str, name: str) -> object:
    if isinstance(value, str):
        value = to_utf16_units(value)
    index = _array_index(name)
    if index is not None:
        return value[index] if index < len(value) else UNDEFINED
    if name == "length":
        return len(value)
    if isinstance(value, str):
        return _inherited(_STRING_MEMBERS, _STRING_PROTOTYPE, name)
    return _inherited(_ARRAY_MEMBERS, _ARRAY_PROTOTYPE, name)


def lodash_values(obj: dict[str, object]) -> Iterable[object]:
    """What lodash `some(obj, ...)` visits: own values, or indexes 0..length-1 of an array-like object."""
    length = obj.get("length")
    if is_number(length) and -1 < length <= _MAX_SAFE_INTEGER and length % 1 == 0:
        # Indexes without an own key read undefined, which no string or number node matches.
        return [item for key, item in obj.items() if (index := _array_index(key)) is not None and index < length]
    return obj.values()
