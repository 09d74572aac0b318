"""JavaScript regular expressions (V8, no `u` flag) run with Python: `new RegExp(...).test(...)`.

The pattern is parsed with the JavaScript grammar (so syntax errors carry V8's messages) and
re-emitted as an equivalent Python `re` pattern; the few that `re` cannot express (variable-width
lookbehinds, back-references inside them) run on a small backtracking engine instead. What makes
JavaScript regexes differ from Python's, and is handled here:
- strings are sequences of UTF-16 units: `.` or `[^a]` match half of an astral character, so a
  subject holding astral characters is matched in its surrogate form;
- `\\d`, `\\w`, `\\b` are ASCII, `\\s` is JavaScript's set (with U+FEFF), `^`/`$` only match at the
  ends of the input, `.` excludes the four line terminators;
- `/i` compares characters through JavaScript's Canonicalize (upper-casing that never maps a
  non-ASCII unit to an ASCII one), expanded into explicit classes: Python's IGNORECASE folds
  differently (`ſ`, `ı`, the Kelvin sign, `ẞ`...);
- a back-reference to a group that has not matched, is still open or comes later matches empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from ._jsvalues import from_utf16_units, has_astral, to_utf16_units
from ._regex_engine import RegexEngine
from ._regex_parser import JsRegexSyntaxError, parse_regex
from ._regex_python import UnsupportedByPython, python_source

__all__ = ["JsRegExp", "JsRegexSyntaxError", "glob_regexp"]

_REGEX_SYNTAX: Final = re.compile(r"[\\^$.*+?()[\]{}|]")


class JsRegExp:
    """`new RegExp(pattern, flags)` reduced to `test()`; `pattern` is given in UTF-16 units."""

    __slots__ = ("_search",)

    def __init__(self, pattern: str, flags: str = "") -> None:
        try:
            tree, group_count = parse_regex(pattern, ignore_case="i" in flags)
        except JsRegexSyntaxError as error:
            source = from_utf16_units(pattern)
            raise JsRegexSyntaxError(f"Invalid regular expression: /{source}/{flags}: {error}") from None
        self._search: Callable[[str], object]
        try:
            self._search = re.compile(python_source(tree)).search
        except (re.error, UnsupportedByPython):
            self._search = RegexEngine(tree, group_count).search

    def test(self, subject: str) -> bool:
        if has_astral(subject):
            subject = to_utf16_units(subject)
        return bool(self._search(subject))


def glob_regexp(glob: str) -> JsRegExp:
    """complex-matcher's glob: `*` is `.*`, the rest literal, case-insensitive, unanchored."""
    return JsRegExp(".*".join(_REGEX_SYNTAX.sub(r"\\\g<0>", part) for part in glob.split("*")), "i")
