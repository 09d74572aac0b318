"""The simulator's value-matcher against CONTRACT-2 §3 (packages/value-matcher semantics)."""

from __future__ import annotations

from typing import Any

import pytest

from xo_mcp.simulator.value_matcher import compile_pattern, matches

VM = {"type": "VM", "$pool": "p1", "power_state": "Running", "tags": ["prod", "web"], "nothing": None, "n": 4}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"type": "VM"}, True),
        ({"type": "vm"}, False),  # exact and case-sensitive
        ({"$pool": {"__or": ["p0", "p1"]}}, True),
        ({"$pool": {"__not": {"__or": ["p1"]}}}, False),
        ({"$pool": {"__and": [{"__or": ["p1", "p2"]}, {"__not": {"__or": ["p2"]}}]}}, True),
        ({"tags": {"__or": [["prod"], ["db"]]}}, True),  # each tag wrapped: has prod or db
        ({"tags": ["web", "prod"]}, True),  # each sub-pattern matches some element
        ({"tags": ["prod", "db"]}, False),
        ({"tags": "prod"}, False),  # an array is no string
        ({"tags": {"__and": [{"__or": [["prod"]]}, {"__not": {"__or": [["db"]]}}]}}, True),
        ({"missing": None}, False),  # a missing key is undefined: never a match, not even null
        ({"nothing": None}, True),  # present and null: null === null
        ({"n": 4.0}, True),  # JS numbers: 4 === 4.0
        ({"n": True}, False),  # but true !== 1
        ({}, True),  # an empty object pattern: any object
        ({"tags": {"length": 2}}, True),  # arrays are objects: their length is a property
        ({"tags": {"0": "prod"}}, True),
        ({"__or": [{"type": "host"}, {"power_state": "Running"}]}, True),
        ({"__and": []}, True),
        ({"__or": []}, False),
    ],
)
def test_patterns(pattern: Any, expected: bool) -> None:
    assert matches(pattern, VM) is expected
    assert compile_pattern(pattern)(VM) is expected


def test_an_object_pattern_needs_an_object() -> None:
    assert not matches({"type": "VM"}, "VM")
    assert not matches({"type": "VM"}, None)
    assert matches(["a"], ["b", "a"])
    assert not matches(["a"], "a")


def test_operators_only_when_alone() -> None:
    # `__or` next to another key is an ordinary property name.
    assert not matches({"__or": ["x"], "type": "VM"}, VM)
