"""The server's value-matcher (CONTRACT-2 §3, `packages/value-matcher`) and its pre-filters, which must let
through every VM a pattern matches (checked with the project's port of XO's filter engine)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from xo_mcp.complex_matcher import compile_filter
from xo_mcp.value_matcher import (
    PatternError,
    any_of,
    compile_pattern,
    explicit_ids,
    matches,
    prefilter,
    property_names,
)

VM = {
    "type": "VM",
    "$pool": "p1",
    "power_state": "Running",
    "tags": ["prod", "web"],
    "nothing": None,
    "n": 4,
    "other": {"xo:notes": "critical"},
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"type": "VM"}, True),
        ({"type": "vm"}, False),  # `===`: exact and case-sensitive
        ({"$pool": {"__or": ["p0", "p1"]}}, True),
        ({"$pool": {"__not": {"__or": ["p1"]}}}, False),
        ({"$pool": {"__and": [{"__or": ["p1", "p2"]}, {"__not": {"__or": ["p2"]}}]}}, True),
        ({"tags": {"__or": [["prod"], ["db"]]}}, True),  # XO 5 wraps each tag: has prod or db
        ({"tags": {"__and": [{"__or": [["web"]]}, {"__not": {"__or": [["db"]]}}]}}, True),
        ({"tags": ["web", "prod"]}, True),  # every sub-pattern matches some element
        ({"tags": ["prod", "db"]}, False),
        ({"tags": "prod"}, False),  # an array is no string
        ({"missing": None}, False),  # a missing key is undefined, which nothing but __not matches
        ({"missing": {"__not": "x"}}, False),  # undefined fails before the sub-pattern is asked
        ({"nothing": None}, True),  # present and null: null === null
        ({"n": 4.0}, True),  # JS numbers: 4 === 4.0
        ({"n": True}, False),  # true !== 1
        ({"n": "4"}, False),
        ({}, True),
        ({"tags": {"length": 2}}, True),  # a JS array is an object with a length
        ({"tags": {"0": "prod"}}, True),
        ({"tags": {"00": "prod"}}, False),  # not an index
        ({"other": {"xo:notes": "critical"}}, True),
        ({"__or": [{"type": "host"}, {"power_state": "Running"}]}, True),
        ({"__and": []}, True),
        ({"__or": []}, False),
        ({"__or": ["x"], "type": "VM"}, False),  # an operator beside another key is a property name
        ({"toString": {"__not": "x"}}, True),  # inherited members are defined (functions)
        ({"toString": "x"}, False),
        ({"tags": {"map": {"__not": 1}}}, True),
        ({"constructor": {}}, False),  # a function is no object
    ],
)
def test_javascript_semantics(pattern: Any, expected: bool) -> None:
    assert matches(pattern, VM) is expected


def test_an_object_pattern_needs_an_object_and_primitives_are_strict() -> None:
    assert not matches({"type": "VM"}, "VM") and not matches({"type": "VM"}, None)
    assert matches(["a"], ["b", "a"]) and not matches(["a"], "a")
    assert matches(None, None) and not matches(None, False) and not matches(0, False)


def test_operators_on_non_arrays_throw_like_xo_only_when_reached() -> None:
    broken = compile_pattern({"__or": [{"type": "VM"}, {"__and": "oops"}]})
    assert broken(VM)  # the first alternative matches: the broken one is never evaluated
    with pytest.raises(PatternError):
        broken({"type": "host"})


@pytest.mark.parametrize(
    ("pattern", "ids"),
    [
        ({"id": "a"}, ["a"]),
        ({"id": {"__or": ["a", "b"]}}, ["a", "b"]),
        ({"id": {"__or": []}}, []),
        ({"id": {"__or": ["a", 1]}}, None),  # not all strings: smart mode
        ({"id": "a", "type": "VM"}, None),
        ({"type": "VM"}, None),
        ({"id": {"__not": "a"}}, None),
        ("a", None),
    ],
)
def test_explicit_ids(pattern: Any, ids: list[str] | None) -> None:
    assert explicit_ids(pattern) == ids


def test_property_names_are_what_fields_must_carry() -> None:
    patterns = [
        {"type": "VM", "$pool": {"__or": ["p"]}, "tags": {"__or": [["prod"]]}},
        {"__or": [{"power_state": "Running"}, {"__not": {"name_label": "x"}}]},
        {"toString": {"__not": 1}},  # inherited: nothing to fetch
    ]
    assert property_names(patterns) == {"type", "$pool", "tags", "power_state", "name_label"}
    assert property_names([{"a.b": 1}]) is None  # lodash would read a path
    assert property_names([{"a,b": 1}]) is None


def test_prefilters_of_xo5_patterns() -> None:
    pattern = {
        "type": "VM",
        "$pool": {"__or": ["p1"]},
        "tags": {"__and": [{"__or": [["b"]]}, {"__not": {"__or": [["x"]]}}]},
    }
    assert prefilter(pattern) == '("tags":|("b") "$pool":|("p1") "type":"VM")'  # the rarest term first
    assert prefilter({"$pool": {"__not": {"__or": ["p1"]}}}) is None  # a negation cannot narrow
    assert prefilter({"tags": {"__or": [["a"], {"__not": "b"}]}}) is None  # nor can an unconstrained alternative
    assert prefilter({"name_label": 'say "hi" \\ there'}) == '"name_label":"say \\"hi\\" \\\\ there"'
    assert any_of([prefilter({"tags": ["a"]}), prefilter({"tags": ["b"]})]) == '|("tags":"a" "tags":"b")'
    assert any_of([prefilter({"tags": ["a"]}), None]) is None


# Pre-filters never drop a match: random patterns of XO's shapes and beyond, random VM-like values -----------------

_KEYS = ["type", "$pool", "tags", "power_state", "name_label", "n", "other", "weird key"]
_STRINGS = ["VM", "p1", "p2", "prod", "Prod", "web", "db", "Running", 'a"b', "x\\y", "", "db-prod"]


def _value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth <= 0 or roll < 0.4:
        return rng.choice([*_STRINGS, 0, 4, 4.0, -1, True, False, None, 2.5])
    if roll < 0.7:
        return [_value(rng, depth - 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(_KEYS): _value(rng, depth - 1) for _ in range(rng.randint(0, 3))}


def _pattern(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth <= 0 or roll < 0.3:
        return rng.choice([*_STRINGS, 0, 4, -1, True, None, 2.5])
    if roll < 0.45:
        return [_pattern(rng, depth - 1) for _ in range(rng.randint(0, 2))]
    if roll < 0.6:
        return {"__or": [_pattern(rng, depth - 1) for _ in range(rng.randint(0, 3))]}
    if roll < 0.7:
        return {"__and": [_pattern(rng, depth - 1) for _ in range(rng.randint(0, 3))]}
    if roll < 0.8:
        return {"__not": _pattern(rng, depth - 1)}
    return {rng.choice(_KEYS): _pattern(rng, depth - 1) for _ in range(rng.randint(1, 3))}


@pytest.mark.parametrize("seed", range(8))
def test_a_prefilter_lets_every_match_through(seed: int) -> None:
    rng = random.Random(seed)
    checked = 0
    for _ in range(400):
        pattern = {"type": "VM", **p} if isinstance(p := _pattern(rng, 4), dict) and rng.random() < 0.5 else p
        term = prefilter(pattern)
        if term is None:
            continue
        predicate = compile_filter(term)
        for _ in range(20):
            value = _value(rng, 3)
            if isinstance(value, dict) and rng.random() < 0.5:
                value.update({key: _value(rng, 2) for key in rng.sample(_KEYS, 3)})
            try:
                matched = matches(pattern, value)
            except PatternError:
                continue
            if matched:
                checked += 1
                assert predicate(value), (pattern, term, value)
    assert checked > 20  # the generator does produce matches
