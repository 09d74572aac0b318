"""list_tasks against the simulator's task store: order, status, progress, duration, object names and error
lines from `estate_truth.tasks_in_order` / `task_object` (CONTRACT-2 §7)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import estate_truth as truth
from tests.conftest import Connect
from tests.harness import XoSession, make_state, simulator, text_of
from xo_mcp.simulator import RunningSimulator

pytestmark = pytest.mark.anyio


async def test_every_task_in_order_with_its_figures(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    expected = truth.tasks_in_order(inventory)
    statuses = {task["status"] for task in expected}
    assert statuses >= {"pending", "success", "failure", "interrupted"}, "the estate has every status"
    content = await xo.content("list_tasks", {"limit": 500})
    assert content["total"] == content["returned"] == len(expected) and not content["truncated"]
    assert [item["id"] for item in content["items"]] == [task["id"] for task in expected]
    for item, task in zip(content["items"], expected, strict=True):
        properties = task["properties"]
        assert item["status"] == task["status"] and item["name"] == properties["name"]
        assert item.get("object") == truth.task_object(inventory, task)
        if "end" in task:
            assert item["duration_s"] == pytest.approx((task["end"] - task["start"]) / 1000)
        elif task["status"] == "pending":
            assert item["duration_s"] > 0 and item["progress"] == properties["progress"]
        else:
            assert "duration_s" not in item  # interrupted: it never ended
        if task["status"] == "failure":
            assert item["error"] == " ".join(task["result"]["message"].split())
        else:
            assert "error" not in item
        assert item.get("abort_requested") is (True if "abortionRequestedAt" in task else None)


async def test_the_text_reads_like_a_task_list(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    expected = truth.tasks_in_order(inventory)
    text = text_of(await xo.ok("list_tasks", {"limit": 500}))
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(lines) == len(expected)
    for line, task in zip(lines, expected, strict=True):
        assert line.startswith(f"- {task['properties']['name']}: ")
        if task["status"] == "pending":
            assert f"running {task['properties']['progress']}%" in line
        if (name := truth.task_object(inventory, task)) is not None:
            assert f"on {name}" in line
        if task["status"] == "failure":
            assert line.endswith(f"— error: {' '.join(task['result']['message'].split())}")
        assert " UTC (" in line
    assert "Running first, then newest first." in text


@pytest.mark.parametrize("status", ["pending", "success", "failure", "interrupted"])
async def test_status_narrows_to_one_status(xo: XoSession, sim: RunningSimulator, status: str) -> None:
    expected = [task["id"] for task in truth.tasks_in_order(sim.state.inventory, status)]
    content = await xo.content("list_tasks", {"status": status, "limit": 500})
    assert [item["id"] for item in content["items"]] == expected
    assert all(item["status"] == status for item in content["items"])


async def test_paging(xo: XoSession, sim: RunningSimulator) -> None:
    expected = [task["id"] for task in truth.tasks_in_order(sim.state.inventory)]
    first = await xo.content("list_tasks", {"limit": 3})
    second = await xo.content("list_tasks", {"limit": 3, "offset": 3})
    assert first["truncated"] and first["next_offset"] == 3 and first["total"] == len(expected)
    assert [item["id"] for item in first["items"] + second["items"]] == expected[:6]
    text = text_of(await xo.ok("list_tasks", {"limit": 3, "status": "failure"}))
    assert "offset=3" in text and "narrow" in text and "status=failure (or" not in text


async def test_a_multi_line_error_stays_on_one_line(connect: Connect) -> None:
    state = make_state(vms=40, seed=5)
    failed = next(task for task in state.inventory.tasks.values() if task["status"] == "failure")
    failed["result"] = {"message": "first line\nsecond line\r\n  third", "name": "Error", "stack": "at x (y.js:1)"}
    with simulator(state) as running:
        async with connect(running.url) as session:
            content = await session.content("list_tasks", {"status": "failure", "limit": 500})
            text = text_of(await session.ok("list_tasks", {"status": "failure", "limit": 500}))
    item = next(item for item in content["items"] if item["id"] == failed["id"])
    assert item["error"] == "first line second line third"
    assert "at x (y.js:1)" not in text  # never a stack trace


async def test_a_viewer_sees_only_readable_tasks(connect: Connect, sim: RunningSimulator) -> None:
    # CONTRACT-2 §8: /tasks is filtered to what the user may read; XO tasks belong to no pool.
    first_pool = next(iter(sim.state.inventory.pools))
    readable = [task["id"] for task in truth.tasks_in_order(sim.state.inventory) if task.get("$pool") == first_pool]
    async with connect(sim.url, token=sim.viewer_token) as viewer:
        result = await viewer.ok("list_tasks", {"limit": 500})
    assert result.structured_content is not None
    assert [item["id"] for item in result.structured_content["items"]] == readable
    if not readable:
        assert text_of(result).startswith("No tasks matched.")


@pytest.mark.parametrize(
    "arguments", [{"status": "running"}, {"status": "FAILURE"}, {"limit": 0}, {"limit": 501}, {"offset": -2}]
)
async def test_bad_input_is_refused_before_any_request(
    xo: XoSession, sim: RunningSimulator, arguments: dict[str, Any]
) -> None:
    before = sim.state.requests.counts()["requests"]
    message = await xo.error("list_tasks", arguments)
    assert "Invalid argument" in message and next(iter(arguments)) in message
    if "status" in arguments:
        assert "pending" in message and "failure" in message
    assert sim.state.requests.counts()["requests"] == before
