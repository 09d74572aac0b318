"""Synonyms the documentation states itself, found at index time (never a hand-written list).

Four ways the docs say two names mean the same thing:
- an acronym defined in parentheses whose letters are the initials of the words before it:
  "Rolling Pool Updates (RPU)", "Backup repositories (BR)";
- a glossary table (`Term | Meaning | Definition`): the term, its expansion, and the aliases its
  definition gives;
- "formerly (called|known as)", "also (called|known as)", "historically called", "previously called",
  with the subject taken where the sentence makes it unambiguous: the heading the phrase qualifies
  ("Full replication (formerly Disaster Recovery, DR)"), the section when the phrase opens it
  ("Also known as RPU, …"), or the words just before a comma or parenthesis ("Network bonding, also
  known as link aggregation", "The retention setting (historically called depth)");
- the alternatives of a glossary term written `XAPI / xapi`.

The result is groups of phrases; `expansion_rules` turns each pair of a group into a rule "these
stems in a query -> add those stems", on the words the two names do not share ("continuous delta
backups" / "incremental backups": delta, continuous -> incremental).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

MAX_ALIAS_WORDS = 4
MAX_SUBJECT_WORDS = 3

_ACRONYM = re.compile(r"((?:[A-Za-z][\w-]*\s+){0,5}[A-Za-z][\w-]*)\s*\(([A-Z][A-Za-z]{1,5})\)")
_ALIAS_LEAD = re.compile(
    r"\b(?:formerly|historically|previously|also)\s+(?:called|known\s+as|named)\s+"
    r"|\bformerly\s+(?=[\"“_*A-Za-z])",
    re.IGNORECASE,
)
_ALIAS_WORD = re.compile(r"[\"“”'_*]*([A-Za-z][\w-]*)[\"“”'_*]*")
# Words that end an alias: what follows them is no longer the name ("formerly called remotes, are …").
_ALIAS_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "to",
        "for",
        "in",
        "on",
        "of",
        "is",
        "are",
        "was",
        "were",
        "which",
        "that",
        "it",
        "its",
        "this",
        "with",
        "by",
        "as",
    ]
)
_HEADING_FORMERLY = re.compile(r"^(?P<subject>[^()]+?)\s*\(formerly\s+(?P<aliases>[^)]+)\)\s*$", re.IGNORECASE)


def extract_groups(sections: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Groups of names for one thing, from (heading, prose) pairs of every section."""
    groups: list[list[str]] = []
    for heading, prose in sections:
        groups.extend(_from_heading(heading))
        groups.extend(_acronyms(heading))
        groups.extend(_acronyms(prose))
        groups.extend(_from_tables(prose))
        groups.extend(_from_prose(heading, prose))
    return [group for group in groups if len({_normal(name) for name in group}) > 1]


def expansion_rules(groups: Iterable[list[str]], stems_of: Callable[[str], list[str]]) -> list[list[list[str]]]:
    """[[stems a query must hold], [stems it gains]] for each ordered pair of names of a group."""
    rules: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    for group in groups:
        stemmed = [frozenset(stems_of(name)) for name in group]
        for one in stemmed:
            for other in stemmed:
                needed, added = one - other, other - one
                if needed and added:
                    rules.add((tuple(sorted(needed)), tuple(sorted(added))))
    return [[list(needed), list(added)] for needed, added in sorted(rules)]


def _normal(name: str) -> str:
    return " ".join(name.lower().split())


def _acronyms(text: str) -> list[list[str]]:
    found = []
    for match in _ACRONYM.finditer(text):
        words, acronym = match.group(1).split(), match.group(2)
        letters = acronym.lower()
        for candidate in (letters, letters[:-1] if letters.endswith("s") else ""):
            if candidate and len(words) >= len(candidate):
                tail = words[-len(candidate) :]
                if "".join(word[0].lower() for word in tail) == candidate:
                    found.append([" ".join(tail), acronym])
                    break
    return found


def _from_heading(heading: str) -> list[list[str]]:
    """`Full replication (formerly Disaster Recovery, DR)`: the heading and every former name."""
    match = _HEADING_FORMERLY.match(heading)
    if match is None:
        return []
    aliases = [alias.strip() for alias in match.group("aliases").split(",") if alias.strip()]
    return [[match.group("subject").strip(), *aliases]]


def _from_tables(prose: str) -> list[list[str]]:
    """Glossary tables: `Term | Meaning | Definition` rows give the term, its expansion, its aliases."""
    groups = []
    glossary = False
    previous_was_row = False
    for line in prose.splitlines():
        cells = [cell.strip() for cell in re.split(r"\s*\|\s*", line)] if " | " in line else []
        if not cells:
            previous_was_row = glossary = False
            continue
        if not previous_was_row:  # a table's first line is its header
            glossary = len(cells) >= 2 and cells[0].lower() == "term" and cells[1].lower() == "meaning"
            previous_was_row = True
            continue
        if not glossary:
            continue
        terms = [term.strip() for term in cells[0].split(" / ") if term.strip()]
        names = terms + ([cells[1]] if len(cells) > 1 and cells[1] else [])
        for definition in cells[2:]:
            names += [alias for _, alias in _aliases(definition)]
        if len(names) > 1:
            groups.append(names)
    return groups


def _from_prose(heading: str, prose: str) -> list[list[str]]:
    groups = []
    subject_of_section = re.sub(r"\s*\(.*\)\s*$", "", heading).strip()
    for line in prose.splitlines():
        if " | " in line:
            continue  # tables are read by _from_tables
        for start, alias in _aliases(line):
            before = line[:start].rstrip()
            subject = _subject_before(before)
            if subject is None and _opens_section(before) and subject_of_section:
                subject = subject_of_section
            if subject:
                groups.append([subject, alias])
    return groups


def _aliases(text: str) -> list[tuple[int, str]]:
    """(position, alias) of each "formerly called X"-like phrase of `text`."""
    found = []
    for match in _ALIAS_LEAD.finditer(text):
        words: list[str] = []
        previous_end = match.end()
        for word_match in _ALIAS_WORD.finditer(text, match.end()):
            if words and text[previous_end : word_match.start()].strip():  # punctuation ends the alias
                break
            word = word_match.group(1)
            if word.lower() in _ALIAS_STOP or len(words) == MAX_ALIAS_WORDS:
                break
            words.append(word)
            previous_end = word_match.end()
            if word_match.group(0)[-1] in "\"”'_*":  # a closing quote or emphasis ends it
                break
        if words:
            found.append((match.start(), " ".join(words)))
    return found


def _subject_before(before: str) -> str | None:
    """The name a phrase qualifies when a comma or an opening parenthesis joins them."""
    if before.endswith((",", "(")):
        head = before[:-1].rstrip()
    else:
        return None
    head = re.sub(r"\s*\([^()]*\)$", "", head)  # "Backup repositories (BR)," -> "Backup repositories"
    words = re.findall(r"[A-Za-z][\w-]*", head.rsplit(".", 1)[-1].rsplit(":", 1)[-1])
    words = words[-MAX_SUBJECT_WORDS:]
    while words and words[0].lower() in _ALIAS_STOP:
        words = words[1:]
    return " ".join(words) or None


def _opens_section(before: str) -> bool:
    """Nothing but a label ("Note:", "NOTE:") before the phrase: it qualifies the section itself."""
    return not re.sub(r"^\W*(?:note|tip|info)?\W*", "", before, flags=re.IGNORECASE).strip()
