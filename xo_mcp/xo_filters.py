"""Building XO filters (the complex-matcher syntax of CONTRACT.md §9) from values, safely quoted.

Every tool that narrows a request on XO's side builds its filter terms here, so a value can never change a
filter's meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_REGEX_SYNTAX = re.compile(r"[\\^$.|?*+()\[\]{}/]")

IDS_PER_FILTER = 150
"""Ids per `exactly("id", …)` request when asking for objects by id (about 6 kB of URL for uuids)."""


def quoted(text: str) -> str:
    """A complex-matcher quoted string: backslash keeps the next character."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def all_of(*terms: str | None) -> str | None:
    """XO filter terms ANDed (juxtaposed); None when there are none."""
    kept = [term for term in terms if term]
    return " ".join(kept) if kept else None


def exactly(name: str, values: Iterable[str]) -> str | None:
    """`name` equal to one of ``values``: one anchored regular expression, which XO tests once per object
    (a list of quoted terms would be tested term by term, and is only a substring test)."""
    unique = list(dict.fromkeys(values))
    if not unique:
        return None
    alternatives = "|".join(_REGEX_SYNTAX.sub(r"\\\g<0>", value) for value in unique)
    return f"{quoted(name)}:/^(?:{alternatives})$/"
