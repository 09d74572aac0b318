"""JavaScript regular expressions (V8, no `u` flag, Annex B syntax) translated to Python `re`.

A JavaScript pattern is parsed here with the JavaScript grammar (so its syntax errors carry V8's
messages) and re-emitted as an equivalent Python pattern:
- strings are sequences of UTF-16 units: `.` or `[^a]` match half of an astral character, so
  subjects holding astral characters are matched in their surrogate form;
- `\\d`, `\\w`, `\\b`, `\\s` have their JavaScript sets, `^`/`$` only match at the ends of the input,
  `.` excludes the four line terminators;
- `/i` compares characters through JavaScript's Canonicalize (simple upper-casing that never maps
  a non-ASCII character to an ASCII one), expanded into explicit classes: Python's IGNORECASE
  folds differently (`ſ`, `ı`, the Kelvin sign, `ẞ`...);
- a back-reference to a group that has not matched matches the empty string, and one to a group
  that is still open or comes later always does.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Final

from ._jsvalues import JS_WHITESPACE, from_utf16_units, has_astral, to_utf16_units

Ranges = list[tuple[int, int]]

_MAX_UNIT: Final = 0xFFFF
_INFINITY: Final = 2**31 - 1  # V8 clamps quantifier bounds here and reads it as "unbounded"
_DIGITS: Final[Ranges] = [(0x30, 0x39)]
_WORD: Final[Ranges] = [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)]
_LINE_TERMINATORS: Final = "\n\r\u2028\u2029"
_CONTROL_ESCAPES: Final = {"f": 0x0C, "n": 0x0A, "r": 0x0D, "t": 0x09, "v": 0x0B}
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_OCTAL: Final = frozenset("01234567")
_DECIMAL: Final = frozenset("0123456789")
_ASCII_LETTERS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_W: Final = "[0-9A-Za-z_]"
_WORD_BOUNDARY: Final = f"(?:(?<={_W})(?!{_W})|(?<!{_W})(?={_W}))"
_NOT_WORD_BOUNDARY: Final = f"(?:(?<={_W})(?={_W})|(?<!{_W})(?!{_W}))"


class JsRegexSyntaxError(ValueError):
    """What `new RegExp(pattern, flags)` throws; str() is V8's message."""


# --------------------------------------------------------------------------- character sets


def _normalize(ranges: Iterable[tuple[int, int]]) -> Ranges:
    merged: Ranges = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            if high > merged[-1][1]:
                merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return merged


def _negate(ranges: Ranges) -> Ranges:
    result: Ranges = []
    start = 0
    for low, high in _normalize(ranges):
        if low > start:
            result.append((start, low - 1))
        start = high + 1
    if start <= _MAX_UNIT:
        result.append((start, _MAX_UNIT))
    return result


def _of_chars(chars: str) -> Ranges:
    return _normalize((ord(char), ord(char)) for char in chars)


_SPACE: Final = _of_chars(JS_WHITESPACE)
_DOT: Final = _negate(_of_chars(_LINE_TERMINATORS))
_CLASS_ESCAPES: Final = {
    "d": _DIGITS,
    "D": _negate(_DIGITS),
    "w": _WORD,
    "W": _negate(_WORD),
    "s": _SPACE,
    "S": _negate(_SPACE),
}


@lru_cache(maxsize=1)
def _case_classes() -> tuple[list[int], dict[int, tuple[int, ...]]]:
    """Units that JavaScript's Canonicalize (non-unicode /i) makes equal to some other unit.

    Returns the sorted list of such units and, for each, every unit of its equivalence class.
    """
    groups: dict[int, list[int]] = {}
    for unit in range(_MAX_UNIT + 1):
        upper = chr(unit).upper()
        canonical = unit
        if len(upper) == 1 and not (unit >= 0x80 and ord(upper) < 0x80):
            canonical = ord(upper)
        groups.setdefault(canonical, []).append(unit)
    equivalents: dict[int, tuple[int, ...]] = {}
    for canonical, members in groups.items():
        if canonical not in members:
            members.append(canonical)  # the canonical form matches itself even if nothing maps to it
        if len(members) > 1:
            for unit in members:
                equivalents[unit] = tuple(members)
    return sorted(equivalents), equivalents


def _case_close(ranges: Ranges) -> Ranges:
    """Every unit that some member of `ranges` equals under /i."""
    cased, equivalents = _case_classes()
    lows = [low for low, _ in ranges]
    extra: Ranges = []
    for unit in cased:
        slot = bisect.bisect_right(lows, unit) - 1
        if slot >= 0 and unit <= ranges[slot][1]:
            extra.extend((other, other) for other in equivalents[unit])
    return _normalize([*ranges, *extra]) if extra else ranges


def _class_source(ranges: Ranges) -> str:
    if not ranges:
        return "(?!)"
    if len(ranges) == 1 and ranges[0][0] == ranges[0][1]:
        return _unit_source(ranges[0][0])
    parts = [_unit_source(low) if low == high else f"{_unit_source(low)}-{_unit_source(high)}" for low, high in ranges]
    return "[" + "".join(parts) + "]"


def _unit_source(unit: int) -> str:
    char = chr(unit)
    if char.isascii() and (char.isalnum() or char == "_"):
        return char
    return f"\\u{unit:04x}"


# --------------------------------------------------------------------------- parser


def _scan_captures(pattern: str) -> tuple[int, bool]:
    """Count capturing groups and see whether any is named, as V8 pre-scans a pattern."""
    count = 0
    named = False
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 1
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            if pattern.startswith("?<", index + 1) and pattern[index + 3 : index + 4] not in ("=", "!"):
                count += 1
                named = True
            elif not pattern.startswith("?", index + 1):
                count += 1
        index += 1
    return count, named


class _Atom:
    """A parsed term: its Python source, and whether a quantifier may follow (and the error if not)."""

    __slots__ = ("quantify_error", "simple", "source")

    def __init__(self, source: str, *, simple: bool = False, quantify_error: str | None = None) -> None:
        self.source = source
        self.simple = simple  # a single Python item: a quantifier can follow it without a group
        self.quantify_error = quantify_error


class _Translator:
    def __init__(self, pattern: str, ignore_case: bool) -> None:
        self.src = pattern
        self.pos = 0
        self.ignore_case = ignore_case
        self.total_groups, self.has_named = _scan_captures(pattern)
        self.groups_opened = 0
        self.closed_groups: set[int] = set()
        self.names: dict[str, int] = {}
        self.referenced_names: list[str] = []

    # -- helpers

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.src[index] if index < len(self.src) else ""

    def fail(self, message: str) -> JsRegexSyntaxError:
        return JsRegexSyntaxError(message)

    def chars(self, ranges: Ranges) -> _Atom:
        if self.ignore_case:
            ranges = _case_close(ranges)
        return _Atom(_class_source(ranges), simple=True)

    def unit(self, unit: int) -> _Atom:
        return self.chars([(unit, unit)])

    # -- grammar

    def translate(self) -> str:
        source = self.disjunction()
        if self.pos < len(self.src):
            raise self.fail("Unmatched ')'")
        for name in self.referenced_names:
            if name not in self.names:
                raise self.fail("Invalid named capture referenced")
        return source

    def disjunction(self) -> str:
        alternatives = [self.alternative()]
        while self.peek() == "|":
            self.pos += 1
            alternatives.append(self.alternative())
        return "|".join(alternatives)

    def alternative(self) -> str:
        parts: list[str] = []
        while self.pos < len(self.src) and self.src[self.pos] not in "|)":
            parts.append(self.term())
        return "".join(parts)

    def term(self) -> str:
        atom = self.atom()
        quantifier = self.quantifier()
        if quantifier is None:
            return atom.source
        if atom.quantify_error is not None:
            raise self.fail(atom.quantify_error)
        return (atom.source if atom.simple else f"(?:{atom.source})") + quantifier

    def atom(self) -> _Atom:
        char = self.src[self.pos]
        if char in "^$":
            self.pos += 1
            return _Atom("\\A" if char == "^" else "\\Z", quantify_error="Nothing to repeat")
        if char == "\\":
            return self.atom_escape()
        if char == "(":
            return self.group()
        if char == "[":
            return self.character_class()
        if char in "*+?" or (char == "{" and self.braced_quantifier() is not None):
            raise self.fail("Nothing to repeat")
        self.pos += 1
        if char == ".":
            return _Atom(_class_source(_DOT), simple=True)
        return self.unit(ord(char))

    def braced_quantifier(self) -> tuple[int, int, int] | None:
        """(min, max, end position) of a `{n}`, `{n,}` or `{n,m}` at the current position, if any."""
        match = re.compile(r"\{([0-9]+)(,([0-9]*))?\}").match(self.src, self.pos)
        if match is None:
            return None
        low = min(int(match[1]), _INFINITY)
        high = min(int(match[3]), _INFINITY) if match[3] else _INFINITY
        return low, low if match[2] is None else high, match.end()

    def quantifier(self) -> str | None:
        char = self.peek()
        if char and char in "*+?":
            self.pos += 1
            source = char
        elif char == "{" and (braced := self.braced_quantifier()) is not None:
            low, high, self.pos = braced
            if low > high:
                raise self.fail("numbers out of order in {} quantifier")
            source = f"{{{low},{'' if high == _INFINITY else high}}}" if low != high else f"{{{low}}}"
        else:
            return None
        if self.peek() == "?":
            self.pos += 1
            source += "?"
        return source

    def group(self) -> _Atom:
        self.pos += 1
        index: int | None = None
        if self.peek() != "?":
            index = self.open_group()
            prefix, quantify_error = "(", None
        else:
            prefix, quantify_error = self.group_prefix()
            if prefix == "(":
                index = self.open_group()
                self.declare_name(self.group_name(), index)
        body = self.disjunction()
        if self.peek() != ")":
            raise self.fail("Unterminated group")
        self.pos += 1
        if index is not None:
            self.closed_groups.add(index)
        return _Atom(f"{prefix}{body})", quantify_error=quantify_error)

    def group_prefix(self) -> tuple[str, str | None]:
        """After `(?`: the Python opening of the group, and the error a quantifier after it raises."""
        for js, python, error in (
            ("?:", "(?:", None),
            ("?=", "(?=", None),
            ("?!", "(?!", None),
            ("?<=", "(?<=", "Invalid quantifier"),
            ("?<!", "(?<!", "Invalid quantifier"),
        ):
            if self.src.startswith(js, self.pos):
                self.pos += len(js)
                return python, error
        if self.src.startswith("?<", self.pos):
            self.pos += 2
            return "(", None
        raise self.fail("Invalid group")

    def open_group(self) -> int:
        self.groups_opened += 1
        return self.groups_opened

    def declare_name(self, name: str, index: int) -> None:
        if name in self.names:
            raise self.fail("Duplicate capture group name")
        self.names[name] = index

    def group_name(self) -> str:
        """A RegExpIdentifierName up to and including `>`."""
        name: list[str] = []
        while True:
            char = self.peek()
            if char == ">" and name:
                self.pos += 1
                return "".join(name)
            code = self.name_code_point()
            if code is None or not _is_identifier_char(chr(code), first=not name):
                raise self.fail("Invalid capture group name")
            name.append(chr(code))

    def name_code_point(self) -> int | None:
        char = self.peek()
        if not char:
            return None
        if char != "\\":
            self.pos += 1
            code = ord(char)
        else:
            if self.peek(1) != "u":
                return None
            self.pos += 2
            escaped = self.unicode_escape_in_name()
            if escaped is None:
                return None
            code = escaped
        if 0xD800 <= code <= 0xDBFF:
            low = self.peek()
            if low and 0xDC00 <= ord(low) <= 0xDFFF:
                self.pos += 1
                code = 0x10000 + ((code - 0xD800) << 10) + (ord(low) - 0xDC00)
            elif low == "\\" and self.peek(1) == "u":
                saved = self.pos
                self.pos += 2
                trail = self.unicode_escape_in_name()
                if trail is not None and 0xDC00 <= trail <= 0xDFFF:
                    code = 0x10000 + ((code - 0xD800) << 10) + (trail - 0xDC00)
                else:
                    self.pos = saved
        return code

    def unicode_escape_in_name(self) -> int | None:
        if self.peek() == "{":
            end = self.src.find("}", self.pos)
            digits = self.src[self.pos + 1 : end] if end > 0 else ""
            if not digits or not set(digits) <= _HEX or int(digits, 16) > 0x10FFFF:
                return None
            self.pos = end + 1
            return int(digits, 16)
        return self.hex_digits(4)

    def hex_digits(self, count: int) -> int | None:
        digits = self.src[self.pos : self.pos + count]
        if len(digits) != count or not set(digits) <= _HEX:
            return None
        self.pos += count
        return int(digits, 16)

    # -- escapes

    def atom_escape(self) -> _Atom:
        self.pos += 1
        char = self.peek()
        if not char:
            raise self.fail("\\ at end of pattern")
        if char in "bB":
            self.pos += 1
            return _Atom(_WORD_BOUNDARY if char == "b" else _NOT_WORD_BOUNDARY, quantify_error="Nothing to repeat")
        if char in _CLASS_ESCAPES:
            self.pos += 1
            return self.chars(_CLASS_ESCAPES[char])
        if char in "123456789":
            reference = self.back_reference()
            if reference is not None:
                return reference
        if char == "k" and self.has_named:
            return self.named_reference()
        if char == "c" and self.peek(1) not in _ASCII_LETTERS:
            return self.unit(ord("\\"))  # `\c` without a control letter is a literal backslash, `c` follows
        return self.unit(self.character_escape(in_class=False))

    def back_reference(self) -> _Atom | None:
        match = re.compile("[0-9]+").match(self.src, self.pos)
        assert match is not None
        number = int(match.group())
        if number > self.total_groups:
            return None  # read as an octal escape or an identity escape instead
        self.pos = match.end()
        return self.reference(number)

    def named_reference(self) -> _Atom:
        self.pos += 1
        if self.peek() != "<":
            raise self.fail("Invalid named reference")
        self.pos += 1
        name = self.group_name()
        self.referenced_names.append(name)
        return self.reference(self.names.get(name))

    def reference(self, number: int | None) -> _Atom:
        if number is None or number not in self.closed_groups:
            return _Atom("")  # the group is still open or comes later: never set yet, matches empty
        flags = "?i:" if self.ignore_case else "?:"
        return _Atom(f"(?({number})({flags}\\{number})|)")

    def character_escape(self, *, in_class: bool) -> int:
        """The unit denoted by the escape at the current position (after the backslash)."""
        char = self.src[self.pos]
        self.pos += 1
        if char in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[char]
        if char == "c":
            letter = self.src[self.pos]  # caller checked that a valid control character follows
            self.pos += 1
            return ord(letter) % 32
        if char == "0" and self.peek() not in _DECIMAL:
            return 0
        if char in _OCTAL:
            return self.octal(char)
        if char in "xu":
            value = self.hex_digits(2 if char == "x" else 4)
            return ord(char) if value is None else value
        if char == "k" and in_class and self.has_named:
            raise self.fail("Invalid escape")
        return ord(char)

    def octal(self, first: str) -> int:
        value = int(first)
        if self.peek() in _OCTAL:
            value = value * 8 + int(self.src[self.pos])
            self.pos += 1
            if value < 32 and self.peek() in _OCTAL:
                value = value * 8 + int(self.src[self.pos])
                self.pos += 1
        return value

    # -- classes

    def character_class(self) -> _Atom:
        self.pos += 1
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        ranges: Ranges = []
        while True:
            if self.pos >= len(self.src):
                raise self.fail("Unterminated character class")
            if self.src[self.pos] == "]":
                self.pos += 1
                break
            first = self.class_atom()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.pos += 1
                last = self.class_atom()
                if isinstance(first, int) and isinstance(last, int):
                    if first > last:
                        raise self.fail("Range out of order in character class")
                    ranges.append((first, last))
                    continue
                # Annex B: a class escape at either end makes the dash literal.
                ranges.append((ord("-"), ord("-")))
                ranges.extend(_as_ranges(last))
            ranges.extend(_as_ranges(first))
        closed = _normalize(ranges)
        if self.ignore_case:
            closed = _case_close(closed)
        return _Atom(_class_source(_negate(closed) if negated else closed), simple=True)

    def class_atom(self) -> int | Ranges:
        char = self.src[self.pos]
        if char != "\\":
            self.pos += 1
            return ord(char)
        self.pos += 1
        char = self.peek()
        if not char:
            raise self.fail("\\ at end of pattern")
        if char in _CLASS_ESCAPES:
            self.pos += 1
            return _CLASS_ESCAPES[char]
        if char == "b":
            self.pos += 1
            return 0x08
        if char == "-":
            self.pos += 1
            return ord("-")
        if char == "c" and not (self.peek(1) in _ASCII_LETTERS or self.peek(1) in _DECIMAL or self.peek(1) == "_"):
            return ord("\\")  # the backslash stands for itself, `c` is read next
        return self.character_escape(in_class=True)


def _as_ranges(atom: int | Ranges) -> Ranges:
    return [(atom, atom)] if isinstance(atom, int) else atom


def _is_identifier_char(char: str, *, first: bool) -> bool:
    if char in "$_":
        return True
    if first:
        return char.isidentifier()
    return ("a" + char).isidentifier() or char in "\u200c\u200d"


# --------------------------------------------------------------------------- public


class JsRegExp:
    """`new RegExp(pattern, flags)` with only `test()`; `pattern` is given in UTF-16 units."""

    __slots__ = ("_search",)

    def __init__(self, pattern: str, flags: str = "") -> None:
        try:
            source = _Translator(pattern, "i" in flags).translate()
        except JsRegexSyntaxError as error:
            raise JsRegexSyntaxError(
                f"Invalid regular expression: /{from_utf16_units(pattern)}/{flags}: {error}"
            ) from None
        try:
            compiled = re.compile(source)
        except re.error as error:
            raise JsRegexSyntaxError(
                f"Invalid regular expression: /{from_utf16_units(pattern)}/{flags}: unsupported here ({error})"
            ) from None
        self._search: Callable[[str], re.Match[str] | None] = compiled.search

    def test(self, subject: str) -> bool:
        if has_astral(subject):
            subject = to_utf16_units(subject)
        return self._search(subject) is not None


def glob_regexp(glob: str) -> JsRegExp:
    """complex-matcher's glob: `*` is `.*`, all else literal, case-insensitive, unanchored."""
    return JsRegExp(".*".join(re.sub(r"[\\^$.*+?()[\]{}|]", r"\\\g<0>", part) for part in glob.split("*")), "i")
