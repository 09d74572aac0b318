"""Parser for JavaScript regular expressions as V8 reads them without the `u` flag (Annex B).

It accepts exactly what `new RegExp(pattern, flags)` accepts and fails with V8's messages
("Unterminated group", "Nothing to repeat", ...). The pattern is a string of UTF-16 units.
"""

from __future__ import annotations

import re
from typing import Final

from ._charsets import CLASS_ESCAPES, DOT, Ranges, case_close, negate, normalize
from ._regex_ast import RAlt, RAssert, RBackRef, RChars, RGroup, RLook, RNode, RRepeat, RSeq

_INFINITY: Final = 2**31 - 1  # V8 clamps quantifier bounds here and reads it as "unbounded"
_CONTROL_ESCAPES: Final = {"f": 0x0C, "n": 0x0A, "r": 0x0D, "t": 0x09, "v": 0x0B}
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_OCTAL: Final = frozenset("01234567")
_DECIMAL: Final = frozenset("0123456789")
_ASCII_LETTERS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_BRACED_QUANTIFIER: Final = re.compile(r"\{([0-9]+)(,([0-9]*))?\}")
_DECIMAL_RUN: Final = re.compile("[0-9]+")
_NOTHING_TO_REPEAT: Final = "Nothing to repeat"


class JsRegexSyntaxError(ValueError):
    """What `new RegExp(pattern, flags)` throws; str() is V8's message."""


def parse_regex(pattern: str, ignore_case: bool) -> tuple[RNode, int]:
    """The tree of `pattern` (UTF-16 units) and its number of capturing groups."""
    parser = _Parser(pattern, ignore_case)
    return parser.parse(), parser.groups_opened


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


def _is_identifier_char(char: str, *, first: bool) -> bool:
    if char in "$_":
        return True
    if first:
        return char.isidentifier()
    return ("a" + char).isidentifier() or char in "\u200c\u200d"


def _as_ranges(atom: int | Ranges) -> Ranges:
    return [(atom, atom)] if isinstance(atom, int) else atom


class _Parser:
    def __init__(self, pattern: str, ignore_case: bool) -> None:
        self.src = pattern
        self.pos = 0
        self.ignore_case = ignore_case
        self.total_groups, self.has_named = _scan_captures(pattern)
        self.groups_opened = 0
        self.closed_groups: set[int] = set()
        self.names: dict[str, int] = {}
        self.named_references: list[tuple[RBackRef, str]] = []

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.src[index] if index < len(self.src) else ""

    def chars(self, ranges: Ranges) -> RChars:
        return RChars(case_close(ranges) if self.ignore_case else ranges)

    # -- structure

    def parse(self) -> RNode:
        tree = self.disjunction()
        if self.pos < len(self.src):
            raise JsRegexSyntaxError("Unmatched ')'")
        for reference, name in self.named_references:
            if name not in self.names:
                raise JsRegexSyntaxError("Invalid named capture referenced")
            reference.index = self.names[name]  # a forward reference learns its group only now
        return tree

    def disjunction(self) -> RNode:
        options = [self.alternative()]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.alternative())
        return options[0] if len(options) == 1 else RAlt(options)

    def alternative(self) -> RNode:
        items: list[RNode] = []
        while self.pos < len(self.src) and self.src[self.pos] not in "|)":
            items.append(self.term())
        return items[0] if len(items) == 1 else RSeq(items)

    def term(self) -> RNode:
        groups_before = self.groups_opened
        atom, quantifiable = self.atom()
        if isinstance(atom, RAssert):
            return atom  # a quantifier after it is read as the next atom, which fails: "Nothing to repeat"
        quantifier = self.quantifier()
        if quantifier is None:
            return atom
        if not quantifiable:
            raise JsRegexSyntaxError("Invalid quantifier")
        low, high, greedy = quantifier
        return RRepeat(atom, low, high, greedy, groups_before, self.groups_opened - groups_before)

    def atom(self) -> tuple[RNode, bool]:
        """The next atom, and whether a quantifier may follow it."""
        char = self.src[self.pos]
        if char in "^$":
            self.pos += 1
            return RAssert(char), False
        if char == "\\":
            return self.atom_escape()
        if char == "(":
            return self.group()
        if char == "[":
            return self.character_class(), True
        if char in "*+?" or (char == "{" and self.braced_quantifier() is not None):
            raise JsRegexSyntaxError(_NOTHING_TO_REPEAT)
        self.pos += 1
        if char == ".":
            return RChars(DOT), True
        return self.chars([(ord(char), ord(char))]), True

    def braced_quantifier(self) -> tuple[int, int, int] | None:
        """(min, max, end position) of a `{n}`, `{n,}` or `{n,m}` at the current position, if any."""
        match = _BRACED_QUANTIFIER.match(self.src, self.pos)
        if match is None:
            return None
        low = min(int(match[1]), _INFINITY)
        high = min(int(match[3]), _INFINITY) if match[3] else _INFINITY
        return low, low if match[2] is None else high, match.end()

    def quantifier(self) -> tuple[int, int | None, bool] | None:
        """(min, max or None for unbounded, greedy) of the quantifier at the current position, if any."""
        char = self.peek()
        high: int | None
        if char and char in "*+?":
            self.pos += 1
            low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        elif char == "{" and (braced := self.braced_quantifier()) is not None:
            low, high, self.pos = braced
            if low > high:
                raise JsRegexSyntaxError("numbers out of order in {} quantifier")
            if high == _INFINITY:
                high = None
        else:
            return None
        greedy = self.peek() != "?"
        if not greedy:
            self.pos += 1
        return low, high, greedy

    def group(self) -> tuple[RNode, bool]:
        self.pos += 1
        index: int | None = None
        look: tuple[bool, bool] | None = None  # (behind, negate)
        name: str | None = None
        if self.peek() != "?":
            index = self.open_group()
        elif self.src.startswith("?:", self.pos):
            self.pos += 2
        elif (prefix := self.src[self.pos : self.pos + 3]) in ("?<=", "?<!"):
            self.pos += 3
            look = (True, prefix == "?<!")
        elif (prefix := self.src[self.pos : self.pos + 2]) in ("?=", "?!"):
            self.pos += 2
            look = (False, prefix == "?!")
        elif self.src.startswith("?<", self.pos):
            self.pos += 2
            index = self.open_group()
            name = self.group_name()
        else:
            raise JsRegexSyntaxError("Invalid group")
        body = self.disjunction()
        if self.peek() != ")":
            raise JsRegexSyntaxError("Unterminated group")
        self.pos += 1
        if look is not None:
            behind, negated = look
            # Annex B lets a lookahead be quantified, never a lookbehind.
            return RLook(body, behind=behind, negate=negated), not behind
        if index is None:
            return RSeq([body]), True  # a group, even around an assertion, may be quantified
        if name is not None:
            if name in self.names:  # V8 checks when the second group closes
                raise JsRegexSyntaxError("Duplicate capture group name")
            self.names[name] = index
        self.closed_groups.add(index)
        return RGroup(body, index), True

    def open_group(self) -> int:
        self.groups_opened += 1
        return self.groups_opened

    def group_name(self) -> str:
        """A RegExpIdentifierName up to and including `>`."""
        name: list[str] = []
        while True:
            if self.peek() == ">" and name:
                self.pos += 1
                return "".join(name)
            code = self.name_code_point()
            if code is None or not _is_identifier_char(chr(code), first=not name):
                raise JsRegexSyntaxError("Invalid capture group name")
            name.append(chr(code))

    def name_code_point(self) -> int | None:
        code = self.name_unit()
        if code is not None and 0xD800 <= code <= 0xDBFF:
            saved = self.pos
            trail = self.name_unit()
            if trail is not None and 0xDC00 <= trail <= 0xDFFF:
                return 0x10000 + ((code - 0xD800) << 10) + (trail - 0xDC00)
            self.pos = saved
        return code

    def name_unit(self) -> int | None:
        char = self.peek()
        if not char:
            return None
        if char != "\\":
            self.pos += 1
            return ord(char)
        if self.peek(1) != "u":
            return None
        self.pos += 2
        if self.peek() != "{":
            return self.hex_digits(4)
        end = self.src.find("}", self.pos)
        digits = self.src[self.pos + 1 : end] if end > 0 else ""
        if not digits or not set(digits) <= _HEX or int(digits, 16) > 0x10FFFF:
            return None
        self.pos = end + 1
        return int(digits, 16)

    def hex_digits(self, count: int) -> int | None:
        digits = self.src[self.pos : self.pos + count]
        if len(digits) != count or not set(digits) <= _HEX:
            return None
        self.pos += count
        return int(digits, 16)

    # -- escapes

    def atom_escape(self) -> tuple[RNode, bool]:
        self.pos += 1
        char = self.peek()
        if not char:
            raise JsRegexSyntaxError("\\ at end of pattern")
        if char in "bB":
            self.pos += 1
            return RAssert(char), False
        if char in CLASS_ESCAPES:
            self.pos += 1
            return self.chars(CLASS_ESCAPES[char]), True
        if char in "123456789":
            reference = self.numbered_reference()
            if reference is not None:
                return reference, True
        if char == "k" and self.has_named:
            return self.named_reference(), True
        if char == "c" and self.peek(1) not in _ASCII_LETTERS:
            unit = ord("\\")  # `\c` without a control letter is a literal backslash, `c` is read next
        else:
            unit = self.character_escape(in_class=False)
        return self.chars([(unit, unit)]), True

    def numbered_reference(self) -> RBackRef | None:
        match = _DECIMAL_RUN.match(self.src, self.pos)
        if match is None or int(match.group()) > self.total_groups:
            return None  # read as an octal escape or an identity escape instead
        self.pos = match.end()
        return self.reference(int(match.group()))

    def named_reference(self) -> RBackRef:
        self.pos += 1
        if self.peek() != "<":
            raise JsRegexSyntaxError("Invalid named reference")
        self.pos += 1
        name = self.group_name()
        reference = self.reference(self.names.get(name))
        self.named_references.append((reference, name))
        return reference

    def reference(self, index: int | None) -> RBackRef:
        closed = index is not None and index in self.closed_groups
        return RBackRef(index, closed=closed, ignore_case=self.ignore_case)

    def character_escape(self, *, in_class: bool) -> int:
        """The unit denoted by the escape at the current position (after the backslash)."""
        char = self.src[self.pos]
        self.pos += 1
        if char in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[char]
        if char == "c":
            letter = self.src[self.pos]  # the caller checked that a control character follows
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
            raise JsRegexSyntaxError("Invalid escape")
        return ord(char)

    def octal(self, first: str) -> int:
        """A legacy octal escape: up to three digits, at most 0o377."""
        value = int(first)
        if self.peek() in _OCTAL:
            value = value * 8 + int(self.src[self.pos])
            self.pos += 1
            if value < 32 and self.peek() in _OCTAL:
                value = value * 8 + int(self.src[self.pos])
                self.pos += 1
        return value

    # -- classes

    def character_class(self) -> RChars:
        self.pos += 1
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        ranges: Ranges = []
        while True:
            if self.pos >= len(self.src):
                raise JsRegexSyntaxError("Unterminated character class")
            if self.src[self.pos] == "]":
                self.pos += 1
                break
            first = self.class_atom()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.pos += 1
                last = self.class_atom()
                if isinstance(first, int) and isinstance(last, int):
                    if first > last:
                        raise JsRegexSyntaxError("Range out of order in character class")
                    ranges.append((first, last))
                    continue
                # Annex B: with a class escape at either end, the dash is a literal.
                ranges.append((ord("-"), ord("-")))
                ranges.extend(_as_ranges(last))
            ranges.extend(_as_ranges(first))
        members = normalize(ranges)
        if self.ignore_case:
            members = case_close(members)
        return RChars(negate(members) if negated else members)

    def class_atom(self) -> int | Ranges:
        char = self.src[self.pos]
        if char != "\\":
            self.pos += 1
            return ord(char)
        self.pos += 1
        char = self.peek()
        if not char:
            raise JsRegexSyntaxError("\\ at end of pattern")
        if char in CLASS_ESCAPES:
            self.pos += 1
            return CLASS_ESCAPES[char]
        if char in "b-":
            self.pos += 1
            return 0x08 if char == "b" else ord("-")
        follower = self.peek(1)
        if char == "c" and not (follower in _ASCII_LETTERS or follower in _DECIMAL or follower == "_"):
            return ord("\\")  # the backslash stands for itself, `c` is read next
        return self.character_escape(in_class=True)
