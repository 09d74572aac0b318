"""Pure pieces: answer formatting and the error wording, without a server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated

import pytest
from pydantic import TypeAdapter, ValidationError

from xo_mcp import errors
from xo_mcp.arguments import Fields, XoId, argument_errors, object_id
from xo_mcp.formatting import (
    cell,
    count_of,
    fmt_age,
    fmt_bytes,
    fmt_count,
    fmt_duration,
    fmt_percent1,
    fmt_when,
    inline,
    lookup,
    object_table,
    os_name,
    page_note,
)
from xo_mcp.tools.inventory import VM

GIB = 1024**3


def test_bytes_are_shown_with_units() -> None:
    assert fmt_bytes(0) == "0 B"
    assert fmt_bytes(1536) == "1.5 KiB"
    assert fmt_bytes(4 * GIB) == "4.0 GiB"
    assert fmt_bytes(3 * 1024 * GIB) == "3.0 TiB"
    assert fmt_bytes(None) == "" and fmt_bytes(True) == ""


def test_times_ages_and_durations() -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert fmt_age(now - timedelta(days=3, hours=5), now) == "3 d ago"
    assert fmt_age(now - timedelta(hours=5, minutes=59), now) == "5 h ago"
    assert fmt_age(now - timedelta(minutes=12), now) == "12 min ago"
    assert fmt_age(now - timedelta(seconds=20), now) == "just now"
    assert fmt_age(now + timedelta(days=19, hours=2), now) == "in 19 d"
    assert fmt_when(now - timedelta(days=1), now) == "2026-11-30 12:00 UTC (1 d ago)"
    assert fmt_when(None, now) is None
    assert [fmt_duration(s) for s in (0, 42, 60, 303, 3_900, 90_000, 2 * 86_400)] == [
        "0 s",
        "42 s",
        "1 min",
        "5 min 3 s",
        "1 h 05 min",
        "1 d 1 h",
        "2 d",
    ]
    assert fmt_percent1(84.56) == "84.6%" and fmt_percent1(100) == "100.0%"


def test_cells_summarise_xo_shapes() -> None:
    assert cell("memory", {"size": 4 * GIB, "dynamic": [1, 2]}) == "4.0 GiB"
    assert cell("memory", {"size": 4 * GIB, "usage": GIB}) == "1.0 GiB / 4.0 GiB"
    assert cell("CPUs", {"max": 4, "number": 2}) == "2"
    assert cell("CPUs", {"cpu_count": "16", "vendor": "x"}) == "16"  # host CPUs: strings
    assert cell("tags", ["a", "b", "c", "d", "e", "f"]) == "a, b, c, d (+2)"
    assert cell("name_label", "a|b\nc") == "a\\|b c"
    assert cell("HA_enabled", False) == "no"
    assert cell("os_version", None) == ""
    assert len(cell("name_description", "x" * 500)) == 60


def test_text_from_xo_stays_on_one_line() -> None:
    assert inline("web-01\nrm -rf /\r\nend") == "web-01 rm -rf / end"
    assert os_name("Microsoft Windows Server 2022 Standard|C:\\Windows|\\Device\\Harddisk0\\Partition2") == (
        "Microsoft Windows Server 2022 Standard"
    )
    assert cell("os_version", {"name": "Windows 11|C:\\Windows", "major": "10"}) == "Windows 11"


def test_lookup_follows_dotted_paths() -> None:
    item = {"CPUs": {"max": 4}, "tags": ["prod"]}
    assert lookup(item, "CPUs.max") == 4 and lookup(item, "tags.0") == "prod" and lookup(item, "nope.x") is None


def test_table_and_page_note() -> None:
    table = object_table([{"id": "1", "memory": {"size": GIB}}], ["id", "memory"])
    assert table.splitlines() == ["| id | memory (size) |", "|---|---|", "| 1 | 1.0 GiB |"]

    def note(returned: int, offset: int, total: int, truncated: bool, hint: str | None = None) -> str:
        return page_note(
            singular="VM",
            plural="VMs",
            returned=returned,
            offset=offset,
            total=total,
            truncated=truncated,
            narrow_hint=hint,
        )

    assert note(100, 0, 250, True, "a filter") == (
        "VMs 1–100 of 250 (TRUNCATED: 150 more; offset=100 for the next page, or narrow with a filter)."
    )
    assert note(1, 0, 1, False) == "1 VM."
    assert note(0, 300, 250, False).startswith("Offset 300 is past the 250 matches")
    assert fmt_count(24791.4) == "24,791" and count_of(1, "host") == "1 host" and count_of(2, "match", "matches")


def test_ids_and_fields() -> None:
    vm_id = TypeAdapter(Annotated[XoId, object_id(VM)])
    for good in ("3f1c0d2e-0b1a-4c5d-8e9f-001122334455", "OpaqueRef:abc-1", "0mdd1basu", "1753776067468"):
        validated = vm_id.validate_python(good)
        assert validated == good and validated.kind is VM
    fields = TypeAdapter(Fields)
    assert fields.validate_python("name_label, CPUs.max,$pool,name_label") == ("id", "name_label", "CPUs.max", "$pool")
    assert fields.validate_python("  ") is None
    with pytest.raises(ValidationError) as caught:
        vm_id.validate_python("a b")
    assert argument_errors(caught.value).startswith('Invalid argument "a b" is not a VM id')


def body(error: object, data: object = None) -> bytes:
    return json.dumps({"error": error, "data": data}).encode()


def test_a_users_own_rejected_token_is_not_blamed_on_the_settings() -> None:
    own = errors.from_response(401, body("invalid credentials"), users_own_token=True)
    assert "your XO token" in own.message and "Authorization header" in own.message and "XO_TOKEN" not in own.message
    assert "XO_TOKEN" in errors.from_response(401, body("invalid credentials")).message


def test_error_wording_per_status() -> None:
    forbidden = errors.from_response(
        403,
        body("not enough privileges", {"missingPrivileges": [{"objectId": "v1", "action": "read", "resource": "vm"}]}),
    )
    assert isinstance(forbidden, errors.XoForbidden) and "read on vm v1" in forbidden.message
    feature = errors.from_response(403, body("feature Unauthorized", {"featureCode": "LIST_MISSING_PATCHES"}))
    assert "LIST_MISSING_PATCHES" in feature.message
    both = errors.from_response(400, body("Having multiple authentication methods is not supported"))
    assert isinstance(both, errors.XoAuthError) and "only XO_TOKEN" in both.message
    disabled = errors.from_response(503, body("MCP is disabled by administrator", {"error": "mcp_disabled"}))
    assert isinstance(disabled, errors.XoMcpDisabled)
    empty = errors.from_response(502, b"<html>bad gateway</html>")
    assert "HTTP 502" in empty.message
    assert len(errors.from_response(500, body("x" * 5000)).message) <= errors.MAX_MESSAGE_CHARS


def test_ndjson_blocks_parse_as_one_array_and_bad_lines_still_fail() -> None:
    from xo_mcp.client import _parse_block

    assert _parse_block(b'{"a":1}\n\n"x"\n{"b":[2]}\n', "/vms") == [{"a": 1}, "x", {"b": [2]}]
    # Two broken lines that would join into one valid value are still refused, as each would be alone.
    for block in (b'{"a":1}\n[1\n2]\n', b'{"a":1}\n1,2\n', b"{oops}\n"):
        with pytest.raises(errors.XoApiError, match="not valid JSON"):
            _parse_block(block, "/vms")


def test_counts_from_xo_are_whole_and_complete() -> None:
    from xo_mcp.coerce import as_count, as_counts

    assert [as_count(v) for v in (3, 3.0, 0, -1, 1.5, True, "3", None)] == [3, 3, 0, None, None, None, None, None]
    assert as_counts({"a": 1, "b": 2.0, "c": 9}, ("a", "b")) == {"a": 1, "b": 2}
    assert as_counts({"a": 1}, ("a", "b")) is None and as_counts({"a": 1, "b": -2}, ("a", "b")) is None
    assert as_counts(None, ()) == {}
