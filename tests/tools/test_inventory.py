"""list_pools, list_hosts, list_vms against the simulator's inventory: fields, filters, totals, paging."""

from __future__ import annotations

from typing import Any

import pytest

from tests import harness
from tests.conftest import Connect
from tests.harness import XoSession, make_state, simulator, text_of
from xo_mcp.simulator import RunningSimulator

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
        result = await viewer.ok("list_vms", {"limit": 1000})
        admin_view = await viewer.content("list_pools")
    listed = result.structured_content
    assert listed is not None and listed["total"] == sum(vm["$pool"] == first_pool for vm in vms(sim))
    assert listed["visible_to"] == sim.viewer_username and admin_view["visible_to"] == sim.viewer_username
    assert f"As visible to {sim.viewer_username}" in text_of(result)


async def test_an_administrator_sees_everything_and_is_not_told_otherwise(xo: XoSession) -> None:
    result = await xo.ok("list_pools")
    assert result.structured_content is not None and "visible_to" not in result.structured_content
    assert "As visible to" not in text_of(result)


async def test_totals_are_exact_at_any_size(connect: Connect) -> None:
    state = make_state(vms=12_050)
    running = sum(vm["power_state"] == "Running" for vm in state.inventory.vms.values())
    assert running > 10_000 or len(state.inventory.vms) > 10_000
    with simulator(state) as big:
        async with connect(big.url) as session:
            counted = await session.ok("list_vms", {"filter": "power_state:Running", "limit": 1})
            deep = await session.content("list_vms", {"offset": 11_000, "limit": 100})
            pool = next(iter(state.inventory.pools))
            dashboard = text_of(await session.ok("get_pool_dashboard", {"pool_id": pool}))
    assert counted.structured_content is not None and counted.structured_content["total"] == running
    assert f"of {running:,}" in text_of(counted)
    assert deep["total"] == 12_050 and deep["returned"] == 100 and deep["next_offset"] == 11_100
    in_pool = sum(vm["$pool"] == pool for vm in state.inventory.vms.values())
    assert f"VMs: {in_pool:,} total" in dashboard


async def test_offset_past_the_end_says_how_many_match(xo: XoSession, sim: RunningSimulator) -> None:
    total = len(sim.state.inventory.vms)
    result = await xo.ok("list_vms", {"offset": total + 50})
    assert f"Offset {total + 50} is past the {total} matches" in text_of(result)
    assert result.structured_content is not None and result.structured_content["total"] == total


async def test_constant_columns_speak_of_the_rows_shown(xo: XoSession, sim: RunningSimulator) -> None:
    text = text_of(
        await xo.ok("list_vms", {"filter": "!power_state:Halted", "fields": "name_label,power_state", "limit": 3})
    )
    assert "All rows:" not in text
    if "power_state =" in text:
        assert "All 3 rows shown have power_state = " in text


async def test_the_truncation_note_is_short_and_puts_the_filter_first(xo: XoSession) -> None:
    text = text_of(await xo.ok("list_vms", {"filter": "power_state:Running", "limit": 2}))
    note = text.splitlines()[0]
    assert note.startswith("Filter `power_state:Running`: VMs 1–2 of ")
    assert "offset=2" in note and "narrow the filter" in note and "such as" not in note
    assert len(note) < 160


async def test_one_object_is_singular(xo: XoSession, sim: RunningSimulator) -> None:
    vm = next(iter(sim.state.inventory.vms.values()))
    text = text_of(await xo.ok("list_vms", {"filter": f'id:"{vm["id"]}"'}))
    assert "1 VM." in text and "1 VMs" not in text


async def test_memory_column_says_what_it_shows(xo: XoSession) -> None:
    text = text_of(await xo.ok("list_vms", {"fields": "name_label,memory", "limit": 20}))
    assert "memory (used / size)" in text or "memory (size)" in text


async def test_os_names_in_tables_without_install_paths(xo: XoSession, sim: RunningSimulator) -> None:
    text = text_of(await xo.ok("list_vms", {"fields": "name_label,os_version", "filter": "os_version:name:Windows"}))
    assert "Microsoft Windows" in text and "\\Device" not in text and "C:" not in text


async def test_an_unfiltered_total_is_xos_own_count_and_a_filtered_one_is_counted(
    xo: XoSession, sim: RunningSimulator
) -> None:
    started = harness.now()
    unfiltered = await xo.content("list_vms", {"limit": 2})
    filtered = await xo.content("list_vms", {"filter": "power_state:Halted", "limit": 2})
    assert unfiltered["total"] == len(sim.state.inventory.vms)
    assert filtered["total"] == sum(vm["power_state"] == "Halted" for vm in vms(sim))
    bare_counts = [r for r in harness.requests_since(started) if r.path == "/rest/v0/vms" and "fields" not in r.query]
    assert len(bare_counts) == 1 and bare_counts[0].query.get("filter") == ["power_state:Halted"]


async def test_without_xos_count_every_total_is_still_exact(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.dashboard_routes = False
    page = await xo.content("list_vms", {"limit": 2})
    assert page["total"] == len(sim.state.inventory.vms)


async def test_an_xo_without_users_me_is_asked_once(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/users/me", status=404, body={"error": "Not Found"})
    started = harness.now()
    pages = [await xo.content("list_vms", {"limit": 1}) for _ in range(3)]
    assert all(page["total"] == len(vms(sim)) for page in pages)
    asked = [r for r in harness.requests_since(started) if r.path == "/rest/v0/users/me"]
    assert len(asked) == 1, "an XO older than the route is not asked again"
