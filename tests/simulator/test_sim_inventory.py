"""Generated and loaded inventories: determinism, realism, the contract's quirks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xo_mcp.simulator import generate_inventory, inventory_from_data, load_inventory
from xo_mcp.simulator.kinds import COLLECTIONS


def test_generation_is_deterministic() -> None:
    first = generate_inventory(seed=3, vms=60)
    again = generate_inventory(seed=3, vms=60)
    other = generate_inventory(seed=4, vms=60)
    assert json.dumps(first.objects) == json.dumps(again.objects)
    assert list(first.vms) != list(other.vms)


def test_every_collection_is_populated() -> None:
    inventory = generate_inventory()
    assert inventory.counts()["vms"] == 40
    assert inventory.counts()["pools"] == 2
    assert inventory.counts()["hosts"] == 6
    assert all(inventory.counts()[name] > 0 for name in COLLECTIONS)


def test_objects_are_keyed_by_their_id_and_typed() -> None:
    inventory = generate_inventory(vms=30)
    words = {"pools": "pool", "hosts": "host", "vms": "VM", "srs": "SR", "networks": "network", "vdis": "VDI"}
    for collection, word in words.items():
        for object_id, obj in inventory.collection(collection).items():
            assert obj["id"] == object_id
            assert obj["type"] == word
            assert obj["$pool"] in inventory.pools
            assert obj["_xapiRef"].startswith("OpaqueRef:")


def test_vm_names_are_realistic_and_unique() -> None:
    inventory = generate_inventory(vms=200)
    names = [vm["name_label"] for vm in inventory.vms.values()]
    assert len(set(names)) == len(names)
    assert "web-01" in names
    assert any(name.startswith("db-prod-") for name in names)


def test_contract_quirks_are_present() -> None:
    inventory = generate_inventory(vms=200)
    vms = list(inventory.vms.values())
    running_without_tools = [vm for vm in vms if vm["power_state"] == "Running" and vm["os_version"] is None]
    assert running_without_tools and all("mainIpAddress" not in vm for vm in running_without_tools)
    assert all(vm["addresses"] == {} for vm in running_without_tools)
    assert all("usage" in vm["memory"] for vm in vms if vm.get("managementAgentDetected"))
    host = next(iter(inventory.hosts.values()))
    assert host["CPUs"]["cpu_count"].isdigit()
    assert isinstance(host["cpus"]["cores"], int)
    resident = {vm["id"] for vm in vms if vm["power_state"] in {"Running", "Paused"}}
    containers = {vm["$container"] for vm in vms if vm["id"] in resident}
    assert containers <= set(inventory.hosts)
    assert all(alarm["time"] > 10**12 for alarm in inventory.alarms.values())
    assert all(message["time"] < 10**11 for message in inventory.messages.values())
    template = next(iter(inventory.vm_templates.values()))
    assert template["id"] == f"{template['$pool']}-{template['uuid']}"
    snapshot = next(iter(inventory.vm_snapshots.values()))
    assert snapshot["$snapshot_of"] in inventory.vms
    # Current task ids: creation time in base 36 on 9 characters, a dash, a random suffix; in key order.
    assert all(len(task_id.split("-")[0]) == 9 for task_id in inventory.tasks)
    assert list(inventory.tasks) == sorted(inventory.tasks)
    assert all(log_id == str(log["start"]) for log_id, log in inventory.backup_logs.items())


def test_ips_are_unique_per_vm() -> None:
    inventory = generate_inventory(vms=500)
    ips = [vm["mainIpAddress"] for vm in inventory.vms.values() if "mainIpAddress" in vm]
    ipv4 = [ip for ip in ips if "." in ip]
    assert len(set(ipv4)) == len(ipv4)


def test_hosts_reference_their_resident_vms() -> None:
    inventory = generate_inventory(vms=100)
    for host in inventory.hosts.values():
        for vm_id in host["residentVms"][1:]:
            assert inventory.vms[vm_id]["$container"] == host["id"]


def test_loader_accepts_partial_files_and_both_spellings(tmp_path: Path) -> None:
    path = tmp_path / "inventory.json"
    data = {
        "vms": [{"id": "a", "name_label": "one"}, {"uuid": "b"}, {"name_label": "anonymous"}],
        "vm_templates": [{"id": "t"}],
        "missing_patches": {"h": [{"name": "p"}]},
    }
    path.write_text(json.dumps(data))
    inventory = load_inventory(path)
    assert list(inventory.vms) == ["a", "b", "2"]
    assert inventory.vms["2"] == {"name_label": "anonymous"}
    assert list(inventory.vm_templates) == ["t"]
    assert inventory.missing_patches == {"h": [{"name": "p"}]}
    assert inventory.hosts == {}


def test_loader_rejects_unknown_collections() -> None:
    with pytest.raises(ValueError, match="unknown inventory keys: widgets"):
        inventory_from_data({"widgets": []})


def test_invalid_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        generate_inventory(pools=0)
