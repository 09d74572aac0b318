"""Every tool through the installed server over stdio, checked against the simulator's own inventory."""

from __future__ import annotations

from collections import Counter
from typing import Any

from xo_mcp.simulator.runner import RunningSimulator, run_simulator

from .mcp_harness import McpSession, text_of

EXPECTED_TOOLS = {
    "check_connection",
    "list_pools",
    "get_pool_dashboard",
    "list_hosts",
    "list_vms",
    "get_vm_details",
    "get_infrastructure_summary",
    "search_documentation",
    "read_documentation",
}


def vms(sim: RunningSimulator) -> list[dict[str, Any]]:
    return list(sim.state.inventory.vms.values())


def test_tool_surface_is_read_only_and_described(xo: McpSession) -> None:
    tools = {tool.name: tool for tool in xo.portal.call(xo.client.list_tools).tools}
    assert set(tools) == EXPECTED_TOOLS
    for tool in tools.values():
        assert tool.description and len(tool.description) > 40, tool.name
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.idempotent_hint is True
        assert tool.annotations.open_world_hint is False
        assert tool.annotations.destructive_hint is False
        assert tool.output_schema is not None, tool.name
    assert "power_state:Running" in (tools["list_vms"].description or "")
    prompts = xo.portal.call(xo.client.list_prompts).prompts
    assert [p.name for p in prompts] == ["infrastructure-overview"]
    prompt = xo.portal.call(xo.client.get_prompt, "infrastructure-overview")
    assert "get_infrastructure_summary" in str(prompt.messages[0].content)


def test_instructions_state_the_rules(xo: McpSession) -> None:
    instructions = xo.client.instructions
    assert instructions is not None
    for rule in ("Read-only", "power_state:Running", "bytes", "truncated", "offset="):
        assert rule in instructions
    assert xo.client.server_info is not None and xo.client.server_info.name == "xo-mcp"


def test_check_connection(xo: McpSession, sim: RunningSimulator) -> None:
    result = xo.ok("check_connection")
    report = result.structured_content
    assert report is not None
    assert report["connected"] and report["authenticated"]
    assert report["xo_url"] == sim.url
    assert report["mcp_access"] == "enabled"
    assert report["auth_method"].startswith("token")
    assert "Connected to Xen Orchestra" in text_of(result)


def test_summary_counts_match_the_inventory(xo: McpSession, sim: RunningSimulator) -> None:
    result = xo.ok("get_infrastructure_summary")
    summary = result.structured_content
    assert summary is not None
    states = Counter(vm["power_state"] for vm in vms(sim))
    assert summary["vms"]["total"] == sum(states.values())
    assert summary["vms"]["running"] == states["Running"]
    assert summary["vms"]["halted"] == states["Halted"]
    assert summary["vms"]["other"] == states["Paused"] + states["Suspended"]
    pools = sorted(pool["name_label"] for pool in sim.state.inventory.pools.values())
    assert summary["pools"] == {"total": len(pools), "names": pools}
    hosts = Counter(host["power_state"] for host in sim.state.inventory.hosts.values())
    assert summary["hosts"]["total"] == sum(hosts.values())
    assert summary["hosts"]["running"] == hosts["Running"]
    assert f"{states['Running']} running" in text_of(result)
    assert len(text_of(result)) < 400


def test_list_pools_defaults(xo: McpSession, sim: RunningSimulator) -> None:
    result = xo.ok("list_pools")
    content = result.structured_content
    assert content is not None
    assert content["returned"] == len(sim.state.inventory.pools) == content["total"]
    assert not content["truncated"]
    first = content["items"][0]
    assert set(first) <= {"id", "name_label", "name_description", "auto_poweron", "HA_enabled"}
    assert "id" in first and "href" not in first
    assert "| id | name_label | name_description | auto_poweron | HA_enabled |" in text_of(result)


def test_list_hosts_with_filter_and_fields(xo: McpSession, sim: RunningSimulator) -> None:
    result = xo.ok("list_hosts", {"filter": "power_state:Running", "fields": "name_label,address,memory"})
    content = result.structured_content
    assert content is not None
    running = [h for h in sim.state.inventory.hosts.values() if h["power_state"] == "Running"]
    assert content["total"] == len(running)
    assert {item["id"] for item in content["items"]} == {h["id"] for h in running}
    assert all(set(item) <= {"id", "name_label", "address", "memory"} for item in content["items"])
    assert "GiB" in text_of(result)


def test_list_vms_default_cap_and_paging(xo: McpSession, sim: RunningSimulator) -> None:
    all_vms = vms(sim)
    assert len(all_vms) > 100
    first = xo.ok("list_vms").structured_content
    assert first is not None
    assert first["returned"] == 100 and first["truncated"] and first["total"] == len(all_vms)
    assert first["next_offset"] == 100
    second = xo.ok("list_vms", {"offset": 100}).structured_content
    assert second is not None
    assert second["returned"] == len(all_vms) - 100 and not second["truncated"]
    ids = [item["id"] for item in first["items"] + second["items"]]
    assert ids == [vm["id"] for vm in all_vms]  # XO order, nothing lost or repeated
    text = text_of(xo.ok("list_vms", {"limit": 5}))
    assert "TRUNCATED" in text and "offset=5" in text and f"of {len(all_vms)}" in text


def test_list_vms_default_columns_are_lean(xo: McpSession, sim: RunningSimulator) -> None:
    result = xo.ok("list_vms", {"limit": 3})
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
    assert "| id | name_label | power_state | vCPUs | memory |" in text_of(result)


def test_list_vms_filter_is_xo_syntax(xo: McpSession, sim: RunningSimulator) -> None:
    result = xo.ok("list_vms", {"filter": "power_state:Running name_label:web*", "limit": 1000})
    content = result.structured_content
    assert content is not None
    expected = [vm["id"] for vm in vms(sim) if vm["power_state"] == "Running" and "web" in vm["name_label"].lower()]
    assert expected, "the inventory should have running web VMs"
    assert [item["id"] for item in content["items"]] == expected
    assert content["total"] == len(expected)


def test_how_many_running_in_one_call(xo: McpSession, sim: RunningSimulator) -> None:
    content = xo.ok("list_vms", {"filter": "power_state:Running", "limit": 1}).structured_content
    assert content is not None
    assert content["total"] == sum(vm["power_state"] == "Running" for vm in vms(sim))


def test_list_vms_unknown_field_is_pointed_out(xo: McpSession) -> None:
    result = xo.ok("list_vms", {"fields": "name_label,powerstate", "limit": 3})
    assert result.structured_content is not None
    assert result.structured_content["missing_fields"] == ["powerstate"]
    assert "powerstate" in text_of(result) and "case-sensitive" in text_of(result)


def test_list_vms_dotted_fields(xo: McpSession) -> None:
    result = xo.ok("list_vms", {"fields": "name_label,CPUs.max", "limit": 2})
    assert result.structured_content is not None
    item = result.structured_content["items"][0]
    assert isinstance(item["CPUs"]["max"], int)
    assert "| id | name_label | max vCPUs |" in text_of(result)


def test_empty_result(xo: McpSession) -> None:
    result = xo.ok("list_vms", {"filter": "name_label:no-such-vm-anywhere"})
    assert result.structured_content is not None
    assert result.structured_content["returned"] == 0 and result.structured_content["total"] == 0
    assert "No VMs matched" in text_of(result)


def test_vm_details(xo: McpSession, sim: RunningSimulator) -> None:
    vm = next(v for v in vms(sim) if v["power_state"] == "Running" and v.get("mainIpAddress"))
    result = xo.ok("get_vm_details", {"vm_id": vm["id"]})
    details = result.structured_content
    assert details is not None
    assert details["id"] == vm["id"] and details["name_label"] == vm["name_label"]
    assert details["power_state"] == "Running"
    assert details["vcpus"] == vm["CPUs"]["number"]
    assert details["memory_size"] == vm["memory"]["size"]
    assert details["main_ip"] == vm["mainIpAddress"]
    assert details["pool"]["name"] == sim.state.inventory.pools[vm["$pool"]]["name_label"]
    host = sim.state.inventory.hosts[vm["$container"]]
    assert details["host"]["name"] == host["name_label"]
    assert len(details["disks"]) == len(vm["$VBDs"]) or details["disks"]
    assert details["snapshots"] == len(vm["snapshots"])
    text = text_of(result)
    assert vm["name_label"] in text and host["name_label"] in text and "GiB" in text
    assert len(text) < 2000
    assert "{" not in text  # no JSON wall


def test_vm_details_halted_vm_without_guest_data(xo: McpSession, sim: RunningSimulator) -> None:
    vm = next(v for v in vms(sim) if v["power_state"] == "Halted")
    details = xo.ok("get_vm_details", {"vm_id": vm["id"]}).structured_content
    assert details is not None
    assert details["power_state"] == "Halted" and details.get("main_ip") is None


def test_pool_dashboard(xo: McpSession, sim: RunningSimulator) -> None:
    pool = next(iter(sim.state.inventory.pools.values()))
    result = xo.ok("get_pool_dashboard", {"pool_id": pool["id"]})
    dashboard = result.structured_content
    assert dashboard is not None
    assert dashboard["pool"] == {"id": pool["id"], "name": pool["name_label"]}
    pool_vms = [v for v in vms(sim) if v["$pool"] == pool["id"]]
    assert dashboard["vms"]["total"] == len(pool_vms)
    assert dashboard["vms"]["running"] == sum(v["power_state"] == "Running" for v in pool_vms)
    assert dashboard["hosts"]["total"] == sum(h["$pool"] == pool["id"] for h in sim.state.inventory.hosts.values())
    assert dashboard["srs"] and all(0 <= sr["percent"] <= 100 for sr in dashboard["srs"])
    pool_alarms = [a for a in sim.state.inventory.alarms.values() if a.get("$pool") == pool["id"]]
    assert dashboard["alarms_total"] == len(pool_alarms)
    text = text_of(result)
    assert pool["name_label"] in text and "Hosts:" in text and "Storage" in text
    assert len(text) < 3000


def test_summary_of_an_empty_estate(server_with: Any) -> None:
    from xo_mcp.simulator.runner import run_simulator

    from .conftest import OPS_TOKEN, make_state

    with run_simulator(make_state(vms=0)) as empty, server_with(XO_URL=empty.url, XO_TOKEN=OPS_TOKEN) as server:
        summary = server.ok("get_infrastructure_summary").structured_content
        assert summary is not None
        assert summary["vms"] == {"total": 0, "running": 0, "halted": 0, "other": 0, "other_breakdown": {}}


def test_huge_estate_pages_stay_bounded(server_with: Any) -> None:
    from xo_mcp.tools.listing import COUNT_CAP

    from .conftest import OPS_TOKEN, make_state

    with (
        run_simulator(make_state(vms=COUNT_CAP + 50)) as big,
        server_with(XO_URL=big.url, XO_TOKEN=OPS_TOKEN) as server,
    ):
        result = server.ok("list_vms", {"limit": 10})
        content = result.structured_content
        assert content is not None
        assert content.get("total") is None and content["total_at_least"] == COUNT_CAP + 1
        assert f"of {COUNT_CAP:,}+" in text_of(result) and "TRUNCATED" in text_of(result)
        summary = server.ok("get_infrastructure_summary").structured_content
        assert summary is not None and summary["vms"]["total"] == COUNT_CAP + 50
