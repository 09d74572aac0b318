"""list_alarms against the simulator's alarms: every line from `estate_truth.active_alarms` (CONTRACT.md §5,
CONTRACT-2 §7), newest first, objects by type and name, pools by name."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from tests import estate_truth as truth
from tests.conftest import Connect
from tests.harness import XoSession, text_of
from xo_mcp.simulator import RunningSimulator

pytestmark = pytest.mark.anyio


def shown_value(value: str | None) -> str | None:
    """A finite percent string is shown with `%`; `NaN`/`Infinity` as XO sends them."""
    if value is None:
        return None
    try:
        return f"{value}%" if math.isfinite(float(value)) else value
    except ValueError:
        return value


async def test_every_alarm_newest_first_with_names(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    expected = truth.active_alarms(inventory)
    assert {alarm.object_type for alarm in expected} >= {"host", "VM"}
    content = await xo.content("list_alarms", {"limit": 500})
    assert content["total"] == content["returned"] == len(expected) and not content["truncated"]
    assert [item["id"] for item in content["items"]] == [alarm.id for alarm in expected]
    for item, alarm in zip(content["items"], expected, strict=True):
        # The message name, then the metric unless the name already says it (a bond alarm's body is prose).
        plain = not alarm.metric or alarm.metric in alarm.name
        assert item["name"] == (alarm.name if plain else f"{alarm.name} {alarm.metric}")
        assert item.get("value") == shown_value(alarm.value)
        assert item["object_type"] == alarm.object_type and item.get("object_id") == alarm.object_id
        assert item.get("object_name") == alarm.object_name
        assert item["pool"] == inventory.pools[alarm.pool_id or ""]["name_label"]
        moment = datetime.fromtimestamp(alarm.time_ms / 1000, UTC)
        assert item["time"] == moment.strftime("%Y-%m-%d %H:%M UTC")
        assert item["age"].endswith("ago") or item["age"] == "just now"


async def test_text_says_what_where_and_when(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    expected = truth.active_alarms(inventory)
    text = text_of(await xo.ok("list_alarms", {"limit": 500}))
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(lines) == len(expected)
    for line, alarm in zip(lines, expected, strict=True):
        if alarm.object_name:
            assert f"on {alarm.object_type} {alarm.object_name}" in line
        if alarm.object_type == "unknown":
            assert "on an object that no longer exists" in line
        assert f"pool {inventory.pools[alarm.pool_id or '']['name_label']}" in line and " UTC (" in line
        assert (alarm.object_id or "-") not in line  # named, not a UUID
    assert "Newest first" in text.splitlines()[0]


async def test_paging(xo: XoSession, sim: RunningSimulator) -> None:
    expected = [alarm.id for alarm in truth.active_alarms(sim.state.inventory)]
    first = await xo.content("list_alarms", {"limit": 4})
    second = await xo.content("list_alarms", {"limit": 4, "offset": 4})
    assert first["truncated"] and first["next_offset"] == 4 and first["total"] == len(expected)
    assert [item["id"] for item in first["items"] + second["items"]] == expected[:8]
    text = text_of(await xo.ok("list_alarms", {"limit": 4}))
    assert f"Active alarms 1–4 of {len(expected)}" in text and "offset=4" in text
    past = text_of(await xo.ok("list_alarms", {"offset": len(expected) + 3}))
    assert f"past the {len(expected)} matches" in past


async def test_filter_on_the_object_type(xo: XoSession, sim: RunningSimulator) -> None:
    expected = [alarm.id for alarm in truth.active_alarms(sim.state.inventory) if alarm.object_type == "host"]
    result = await xo.ok("list_alarms", {"filter": "object:type:host"})
    assert result.structured_content is not None
    assert [item["id"] for item in result.structured_content["items"]] == expected
    assert text_of(result).startswith("Filter `object:type:host`:")


async def test_a_viewer_sees_the_alarms_of_their_pool(connect: Connect, sim: RunningSimulator) -> None:
    first_pool = next(iter(sim.state.inventory.pools))
    expected = [alarm.id for alarm in truth.active_alarms(sim.state.inventory, first_pool)]
    async with connect(sim.url, token=sim.viewer_token) as viewer:
        content = await viewer.content("list_alarms", {"limit": 500})
    assert [item["id"] for item in content["items"]] == expected


async def test_no_alarm_is_said_plainly(xo: XoSession) -> None:
    text = text_of(await xo.ok("list_alarms", {"filter": "name:NO_SUCH_ALARM_NAME"}))
    assert text.startswith("Filter `name:NO_SUCH_ALARM_NAME`: No active alarms matched.")


async def test_a_failing_alarm_route_is_an_error_not_none(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/alarms", status=500, body={"error": "alarm store unavailable"})
    message = await xo.error("list_alarms")
    assert "HTTP 500" in message and "alarm store unavailable" in message


@pytest.mark.parametrize("arguments", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": 2.5}])
async def test_out_of_range_is_refused_before_any_request(
    xo: XoSession, sim: RunningSimulator, arguments: dict[str, Any]
) -> None:
    before = sim.state.requests.counts()["requests"]
    message = await xo.error("list_alarms", arguments)
    assert "Invalid argument" in message and next(iter(arguments)) in message
    assert sim.state.requests.counts()["requests"] == before
