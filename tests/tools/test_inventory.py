"""list_pools, list_hosts, list_vms against the simulator's inventory: fields, filters, totals, paging."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Connect
from tests.harness import XoSession, make_state, simulator, text_of
from xo_mcp.simulator import RunningSimulator
from xo_mcp.tools.listing import COUNT_CAP

pytestmark = pytest.mark.anyio


def vms(sim: RunningSimulator) -> list[dict[str, Any]]:
    return list(sim.state.inventory.vms.values())


async def test_list_pools_defaults(xo: XoSession, sim: RunningSimulator) -> None:
    result = await xo.ok("list_pools")
    content = result.structured_content
    assert content is not None
    assert content["returned"] == len(sim.state.inventory.pools) == content["total"]
    assert not content["truncated"]
    assert [item["id"] for item in content["items"]] == list(sim.state.inventory.pools)
    first = content["items"][0]
    assert set(first) <= {"id", "name_label", "name_description", "auto_poweron", "HA_enabled"}
    assert "id" in first and "href" not in first
    assert "| id | name_label | name_description | auto_poweron | HA_enabled |" in text_of(result)


async def test_list_hosts_with_filter_and_fields(xo: XoSession, sim: RunningSimulator) -> None:
    result = await xo.ok("list_hosts", {"filter": "power_state:Running", "fields": "name_label,address,memory"})
    content = result.structured_content
    assert content is not None
    running = [h for h in sim.state.inventory.hosts.values() if h["power_state"] == "Running"]
    assert content["total"] == len(running)
    assert {item["id"] for item in content["items"]} == {h["id"] for h in running}
    assert all(set(item) <= {"id", "name_label", "address", "memory"} for item in content["items"])
    assert "GiB" in text_of(result)


async def test_list_vms_default_cap_and_paging(xo: XoSession, sim: RunningSimulator) -> None:
    all_vms = vms(sim)
    assert len(all_vms) > 100
    first = await xo.content("list_vms")
    assert first["returned"] == 100 and first["truncated"] and first["total"] == len(all_vms)
    assert first["next_offset"] == 100
    second = await xo.content("list_vms", {"offset": 100})
    assert second["returned"] == len(all_vms) - 100 and not second["truncated"]
    ids = [item["id"] for item in first["items"] + second["items"]]
    assert ids == [vm["id"] for vm in all_vms]  # XO order, nothing lost or repeated
    text = text_of(await xo.ok("list_vms", {"limit": 5}))
    assert "TRUNCATED" in text and "offset=5" in text and f"of {len(all_vms)}" in text


async def test_list_vms_default_columns_are_lean(xo: XoSession, sim: RunningSimulator) -> None:
    result = await xo.ok("list_vms", {"limit": 3})
    assert result.structured_content is not None
    item = result.structured_content["items"][0]
    vm = sim.state.inventory.vms[item["id"]]
    assert item == {
        "id": vm["id"],
        "name_label": vm["name_label"],
        "power_state": vm["power_state"],
        "CPUs": {"number": vm["CPUs"]["number"]},
        "memory": {"size": vm["memory"]["size"]},
    }
    assert "| id | name_label | power_state | vCPUs |" in text_of(result)


async def test_list_vms_filter_is_xo_syntax(xo: XoSession, sim: RunningSimulator) -> None:
    content = await xo.content("list_vms", {"filter": "power_state:Running name_label:web*", "limit": 1000})
    expected = [vm["id"] for vm in vms(sim) if vm["power_state"] == "Running" and "web" in vm["name_label"].lower()]
    assert expected, "the inventory should have running web VMs"
    assert [item["id"] for item in content["items"]] == expected
    assert content["total"] == len(expected)


async def test_how_many_running_in_one_call(xo: XoSession, sim: RunningSimulator) -> None:
    content = await xo.content("list_vms", {"filter": "power_state:Running", "limit": 1})
    assert content["total"] == sum(vm["power_state"] == "Running" for vm in vms(sim))


async def test_list_vms_unknown_field_is_pointed_out(xo: XoSession) -> None:
    result = await xo.ok("list_vms", {"fields": "name_label,powerstate", "limit": 3})
    assert result.structured_content is not None
    assert result.structured_content["missing_fields"] == ["powerstate"]
    assert "powerstate" in text_of(result) and "case-sensitive" in text_of(result)


async def test_list_vms_dotted_fields(xo: XoSession) -> None:
    result = await xo.ok("list_vms", {"fields": "name_label,CPUs.max", "limit": 2})
    assert result.structured_content is not None
    item = result.structured_content["items"][0]
    assert isinstance(item["CPUs"]["max"], int)
    assert "| id | name_label | max vCPUs |" in text_of(result)


async def test_empty_result(xo: XoSession) -> None:
    result = await xo.ok("list_vms", {"filter": "name_label:no-such-vm-anywhere"})
    assert result.structured_content is not None
    assert result.structured_content["returned"] == 0 and result.structured_content["total"] == 0
    assert "No VMs matched" in text_of(result)


@pytest.mark.parametrize("bad_filter", ["web,db", "name_label:=x", "(power_state:Running", "name_label:/[/"])
async def test_unparsable_filter_is_quoted_with_the_syntax(xo: XoSession, bad_filter: str) -> None:
    message = await xo.error("list_vms", {"filter": bad_filter})
    assert "could not parse the filter" in message and bad_filter.replace("\\", "\\\\") in message
    assert "power_state:Running" in message
    await xo.ok("list_vms", {"limit": 1})


async def test_a_viewer_lists_only_what_xo_lets_them_read(connect: Connect, sim: RunningSimulator) -> None:
    first_pool = next(iter(sim.state.inventory.pools))
    async with connect(sim.url, token=sim.viewer_token) as viewer:
        listed = await viewer.content("list_vms", {"limit": 1000})
    assert listed["total"] == sum(vm["$pool"] == first_pool for vm in vms(sim))


async def test_huge_estate_pages_stay_bounded(connect: Connect) -> None:
    with simulator(make_state(vms=COUNT_CAP + 50)) as big:
        async with connect(big.url) as session:
            result = await session.ok("list_vms", {"limit": 10})
            summary = await session.content("get_infrastructure_summary")
    content = result.structured_content
    assert content is not None
    assert content.get("total") is None and content["total_at_least"] == COUNT_CAP + 1
    assert f"of {COUNT_CAP:,}+" in text_of(result) and "TRUNCATED" in text_of(result)
    assert summary["vms"]["total"] == COUNT_CAP + 50
