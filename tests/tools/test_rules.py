"""XO's rules shared by the tools, on the edge cases XO's code decides."""

from __future__ import annotations

import pytest

from xo_mcp.tools.rules import has_no_bak_tag, is_replica, sr_is_writable, sr_level, sr_usage_percent


@pytest.mark.parametrize(
    ("sr", "writable"),
    [
        ({"size": 100, "content_type": "user"}, True),
        ({"size": 100, "content_type": "disk"}, True),  # udev: XO counts it
        ({"size": 100, "content_type": "iso"}, False),
        ({"size": 0, "content_type": "user"}, False),
        ({"content_type": "user"}, False),
        ({"size": True, "content_type": "user"}, False),
    ],
)
def test_writable_srs(sr: dict[str, object], writable: bool) -> None:
    assert sr_is_writable(sr) is writable


def test_usage_and_levels_at_the_health_view_thresholds() -> None:
    assert sr_usage_percent({"size": 200, "physical_usage": 170}) == 85.0
    assert sr_usage_percent({"size": 0, "physical_usage": 0}) is None
    assert [sr_level(p) for p in (79.9, 80.0, 90.0, 90.1)] == ["ok", "warning", "warning", "critical"]


def test_replicas_and_no_backup_tags() -> None:
    replica = {"blockedOperations": {"start": "reason"}, "other": {"xo:backup:job": "j"}}
    assert is_replica(replica)
    assert not is_replica({"blockedOperations": {"start": "reason"}, "other": {}})
    assert not is_replica({"blockedOperations": None, "other": {"xo:backup:job": "j"}})
    assert has_no_bak_tag({"tags": ["prod", "xo:no-bak"]}) and has_no_bak_tag({"tags": ["xo:no-bak=legacy"]})
    assert not has_no_bak_tag({"tags": ["xo:no-bakery"]}) and not has_no_bak_tag({"tags": None})


@pytest.mark.anyio
async def test_a_part_failing_inside_its_own_task_group_is_unknown_with_the_reason() -> None:
    import anyio

    from xo_mcp.errors import XoNotFound
    from xo_mcp.tools.base import Parts

    async def fails_concurrently() -> None:
        async def boom() -> None:
            raise XoNotFound("No VM with id x.")

        async with anyio.create_task_group() as group:
            group.start_soon(boom)

    parts = Parts()
    part = parts.add("backups", fails_concurrently())
    await parts.gather()
    assert part.error == "No VM with id x." and parts.notes() == ["backups unavailable: No VM with id x."]
