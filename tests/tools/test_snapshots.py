"""list_snapshots against the simulator's VM snapshots: order, VM names, ages and backup jobs from
`estate_truth.snapshots_oldest_first` (CONTRACT-2 §6)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from tests import estate_truth as truth
from tests.conftest import Connect
from tests.harness import XoSession, text_of
from xo_mcp.simulator import RunningSimulator
from xo_mcp.simulator.inventory import Inventory

pytestmark = pytest.mark.anyio


def clear_of_the_boundary(inventory: Inventory, candidates: Iterable[int]) -> int:
    """A number of days no snapshot is within two hours of: the tool's clock runs later than the inventory's."""
    now = truth.now_s(inventory)
    for days in candidates:
        edge = now - days * truth.DAY_S
        if all(abs(s["snapshot_time"] - edge) > 7200 for s in inventory.vm_snapshots.values()):
            return days
    raise AssertionError("every candidate age is on a snapshot's boundary")


async def test_every_snapshot_oldest_first(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    expected = truth.snapshots_oldest_first(inventory)
    content = await xo.content("list_snapshots", {"limit": 500})
    assert content["total"] == content["returned"] == len(expected) and not content["truncated"]
    assert [item["id"] for item in content["items"]] == [snapshot["id"] for snapshot in expected]
    now = truth.now_s(inventory)
    for item, snapshot in zip(content["items"], expected, strict=True):
        assert item["name"] == snapshot["name_label"]
        assert item.get("vm_id") == snapshot.get("$snapshot_of")
        vm = inventory.vms.get(snapshot.get("$snapshot_of", ""))
        assert item.get("vm") == (vm["name_label"] if vm else None)
        assert item["age_days"] == int((now - snapshot["snapshot_time"]) // truth.DAY_S)
        job_id = (snapshot.get("other") or {}).get("xo:backup:job")
        assert item.get("backup_job_id") == job_id
        job = inventory.backup_jobs.get(job_id or "")
        assert item.get("backup_job") == (job.get("name") if job else None)


async def test_orphaned_snapshots_say_so(xo: XoSession, sim: RunningSimulator) -> None:
    orphaned = set(truth.orphaned_snapshots(sim.state.inventory))
    assert orphaned, "the estate has orphaned snapshots"
    text = text_of(await xo.ok("list_snapshots", {"limit": 500}))
    rows = {line.split(" | ")[-1].rstrip(" |"): line for line in text.splitlines() if line.startswith("| ")}
    for snapshot_id in orphaned:
        assert "| none (orphaned) |" in rows[snapshot_id]


@pytest.mark.parametrize("candidates", [(30, 31, 29, 32), (7, 8, 6, 9), (90, 91, 89)])
async def test_older_than_days(xo: XoSession, sim: RunningSimulator, candidates: tuple[int, ...]) -> None:
    days = clear_of_the_boundary(sim.state.inventory, candidates)
    expected = [s["id"] for s in truth.snapshots_oldest_first(sim.state.inventory, older_than_days=days)]
    result = await xo.ok("list_snapshots", {"older_than_days": days, "limit": 500})
    assert result.structured_content is not None
    assert [item["id"] for item in result.structured_content["items"]] == expected
    assert all(item["age_days"] >= days for item in result.structured_content["items"])
    assert text_of(result).startswith(f"older than {days} days: ")


async def test_one_vms_snapshots(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    vm = max(inventory.vms.values(), key=lambda vm: len(vm["snapshots"]))
    expected = [s["id"] for s in truth.snapshots_oldest_first(inventory, vm_id=vm["id"])]
    assert len(expected) > 5
    result = await xo.ok("list_snapshots", {"vm_id": vm["id"], "limit": 3})
    content = result.structured_content
    assert content is not None
    assert [item["id"] for item in content["items"]] == expected[:3]
    assert content["total"] == len(expected) and content["next_offset"] == 3
    text = text_of(result)
    assert text.startswith(f"VM {vm['name_label']}: VM snapshots 1–3 of {len(expected)}")
    assert "vm_id or older_than_days" not in text


async def test_a_vm_without_snapshots(xo: XoSession, sim: RunningSimulator) -> None:
    vm = next(vm for vm in sim.state.inventory.vms.values() if not vm["snapshots"])
    text = text_of(await xo.ok("list_snapshots", {"vm_id": vm["id"]}))
    assert text == f"VM {vm['name_label']}: No VM snapshots matched."


async def test_unknown_vm_names_the_tool_that_lists_vms(xo: XoSession, sim: RunningSimulator) -> None:
    message = await xo.error("list_snapshots", {"vm_id": "0b7c3e4a-0000-4000-8000-00000000dead"})
    assert "No VM with id" in message and "list_vms" in message
    snapshot = next(iter(sim.state.inventory.vm_snapshots))
    assert "list_vms" in await xo.error("list_snapshots", {"vm_id": snapshot})


async def test_paging(xo: XoSession, sim: RunningSimulator) -> None:
    expected = [s["id"] for s in truth.snapshots_oldest_first(sim.state.inventory)]
    first = await xo.content("list_snapshots", {"limit": 10})
    second = await xo.content("list_snapshots", {"limit": 10, "offset": 10})
    assert [item["id"] for item in first["items"] + second["items"]] == expected[:20]
    assert first["truncated"] and first["next_offset"] == 10


async def test_a_viewer_sees_the_snapshots_of_their_pool(connect: Connect, sim: RunningSimulator) -> None:
    first_pool = next(iter(sim.state.inventory.pools))
    expected = [s["id"] for s in truth.snapshots_oldest_first(sim.state.inventory) if s["$pool"] == first_pool]
    async with connect(sim.url, token=sim.viewer_token) as viewer:
        content = await viewer.content("list_snapshots", {"limit": 500})
    assert [item["id"] for item in content["items"]] == expected


@pytest.mark.parametrize(
    "arguments",
    [{"older_than_days": -1}, {"older_than_days": 3651}, {"older_than_days": "30"}, {"limit": 0}, {"limit": 501}],
)
async def test_out_of_range_is_refused_before_any_request(
    xo: XoSession, sim: RunningSimulator, arguments: dict[str, Any]
) -> None:
    before = sim.state.requests.counts()["requests"]
    message = await xo.error("list_snapshots", arguments)
    assert "Invalid argument" in message and next(iter(arguments)) in message
    assert sim.state.requests.counts()["requests"] == before


async def test_null_vm_id_means_every_vm(xo: XoSession, sim: RunningSimulator) -> None:
    content = await xo.content("list_snapshots", {"vm_id": None, "limit": 1})
    assert content["total"] == len(sim.state.inventory.vm_snapshots)
