"""Contract §3, §5, §7, §8: routes, object lookups, errors, dashboard, missing patches, kill-switch."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from xo_mcp.simulator import RunningSimulator, SimulatorState, generate_inventory, run_simulator
from xo_mcp.simulator.kinds import KINDS

TYPE_WORDS = {
    "pools": "pool",
    "hosts": "host",
    "vms": "VM",
    "srs": "SR",
    "networks": "network",
    "vdis": "VDI",
    "vm-templates": "VM-template",
    "vm-snapshots": "VM-snapshot",
    "messages": "message",
    "alarms": "alarm",
    "tasks": "task",
}


PLAIN_COLLECTIONS = [name for name in KINDS if name != "backup-archives"]


@pytest.mark.parametrize("collection", PLAIN_COLLECTIONS)
def test_every_collection_lists_hrefs(admin: httpx.Client, sim: RunningSimulator, collection: str) -> None:
    objects = sim.state.inventory.collection(collection)
    assert objects, f"the generated inventory should hold some {collection}"
    assert admin.get(f"/{collection}").json() == [f"/rest/v0/{collection}/{object_id}" for object_id in objects]


@pytest.mark.parametrize("collection", list(KINDS))
def test_every_single_object_comes_back_whole(admin: httpx.Client, sim: RunningSimulator, collection: str) -> None:
    object_id, obj = next(iter(sim.state.inventory.collection(collection).items()))
    # Archive ids hold slashes: sent encoded, as the route takes one path segment.
    response = admin.get(f"/{collection}/{quote(object_id, safe='')}", params={"fields": "id", "markdown": "true"})
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == obj


@pytest.mark.parametrize(("collection", "word"), TYPE_WORDS.items())
def test_unknown_id_is_404_with_the_type_word(admin: httpx.Client, collection: str, word: str) -> None:
    response = admin.get(f"/{collection}/nope")
    assert response.status_code == 404
    assert response.json() == {"error": f"no such {word} nope", "data": {"id": "nope", "type": word}}


def test_id_of_another_type_is_404(admin: httpx.Client, sim: RunningSimulator) -> None:
    template_id = next(iter(sim.state.inventory.vm_templates))
    assert admin.get(f"/vms/{template_id}").json()["error"] == f"no such VM {template_id}"
    alarm_id = next(iter(sim.state.inventory.alarms))
    assert admin.get(f"/messages/{alarm_id}").status_code == 404


def test_lookup_by_opaque_ref(admin: httpx.Client, sim: RunningSimulator) -> None:
    vm = next(iter(sim.state.inventory.vms.values()))
    assert admin.get(f"/vms/{vm['_xapiRef']}").json()["id"] == vm["id"]


def test_root_redirects_to_docs(admin: httpx.Client) -> None:
    response = admin.get("", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/rest/v0/docs"


def test_unknown_path_is_404(admin: httpx.Client) -> None:
    assert admin.get("/nothing-here").status_code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_only_get_is_served(admin: httpx.Client, sim: RunningSimulator, method: str) -> None:
    sim.state.requests.clear()
    vm_id = next(iter(sim.state.inventory.vms))
    response = admin.request(method, f"/vms/{vm_id}/actions/start")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert [(record.method, record.status) for record in sim.state.requests] == [(method, 405)]


def test_vm_shapes_follow_the_contract(admin: httpx.Client, sim: RunningSimulator) -> None:
    vms = admin.get("/vms", params={"fields": "*"}).json()
    states = {vm["power_state"] for vm in vms}
    assert states == {"Running", "Halted", "Paused", "Suspended"}
    assert any(vm["os_version"] is None for vm in vms)
    assert any("mainIpAddress" not in vm for vm in vms)
    with_ip = [vm for vm in vms if "mainIpAddress" in vm]
    assert with_ip and all(vm["mainIpAddress"] in vm["addresses"].values() for vm in with_ip)
    assert all(isinstance(vm["CPUs"]["max"], int) for vm in vms)


def test_host_shapes_follow_the_contract(admin: httpx.Client) -> None:
    hosts = admin.get("/hosts", params={"fields": "CPUs,productBrand,version,power_state,enabled"}).json()
    assert all(isinstance(value, str) for host in hosts for value in host["CPUs"].values())
    assert {host["productBrand"] for host in hosts} == {"XCP-ng", "XenServer"}
    assert {host["power_state"] for host in hosts} == {"Running", "Halted"}
    assert any(not host["enabled"] for host in hosts)


def test_alarm_time_is_in_milliseconds(admin: httpx.Client) -> None:
    alarms = admin.get("/alarms", params={"fields": "time,body,object,$pool"}).json()
    assert alarms and all(alarm["time"] > 10**12 for alarm in alarms)
    assert all("name" in alarm["body"] for alarm in alarms)


def test_filter_sees_properties_hidden_by_fields(admin: httpx.Client, sim: RunningSimulator) -> None:
    pool_id = next(iter(sim.state.inventory.pools))
    shown = admin.get("/vms", params={"filter": f"$pool:{pool_id[:8]}", "fields": "name_label"}).json()
    expected = [vm for vm in sim.state.inventory.vms.values() if vm["$pool"] == pool_id]
    assert len(shown) == len(expected)


# Sub-collections ---------------------------------------------------------------------------


def test_vm_vdis(admin: httpx.Client, sim: RunningSimulator) -> None:
    vm = next(iter(sim.state.inventory.vms.values()))
    vdis = admin.get(f"/vms/{vm['id']}/vdis", params={"fields": "$VBDs"}).json()
    assert len(vdis) == len(vm["$VBDs"])
    assert all(vdi["href"].startswith("/rest/v0/vdis/") for vdi in vdis)


def test_object_alarms_and_messages(admin: httpx.Client, sim: RunningSimulator) -> None:
    alarm = next(iter(sim.state.inventory.alarms.values()))
    target = alarm["object"]["href"].removeprefix("/rest/v0")
    assert f"/rest/v0/alarms/{alarm['id']}" in admin.get(f"{target}/alarms").json()
    message = next(iter(sim.state.inventory.messages.values()))
    assert admin.get(f"/vms/{message['$object']}/messages").json() == [
        f"/rest/v0/messages/{item_id}"
        for item_id, item in sim.state.inventory.messages.items()
        if item["$object"] == message["$object"]
    ]


def test_sub_collection_combines_the_filter(admin: httpx.Client, sim: RunningSimulator) -> None:
    vm_id = next(iter(sim.state.inventory.vms))
    response = admin.get(f"/vms/{vm_id}/alarms", params={"filter": "   "})
    assert response.status_code == 400
    assert response.json()["data"]["stringToParse"].startswith("(   ) ")
    assert admin.get("/vms", params={"filter": "   ", "limit": "1"}).status_code == 200


def test_sub_collection_of_unknown_parent_is_404(admin: httpx.Client) -> None:
    assert admin.get("/hosts/nope/alarms").json()["error"] == "no such host nope"


def test_object_tasks_and_vm_backup_jobs(admin: httpx.Client, sim: RunningSimulator) -> None:
    task = next(task for task in sim.state.inventory.tasks.values() if task["properties"].get("objectId"))
    object_id = task["properties"]["objectId"]
    if object_id in sim.state.inventory.vms:
        assert f"/rest/v0/tasks/{task['id']}" in admin.get(f"/vms/{object_id}/tasks").json()
    job = next(job for job in sim.state.inventory.backup_jobs.values() if isinstance(job["vms"].get("id"), dict))
    vm_id = job["vms"]["id"]["__or"][0]
    assert f"/rest/v0/backup-jobs/{job['id']}" in admin.get(f"/vms/{vm_id}/backup-jobs").json()


# Dashboard and patches ---------------------------------------------------------------------


def test_dashboard_shape(admin: httpx.Client, sim: RunningSimulator) -> None:
    pool_id, pool = next(iter(sim.state.inventory.pools.items()))
    dashboard = admin.get(f"/pools/{pool_id}/dashboard").json()
    assert list(dashboard) == ["hosts", "vms", "srs", "alarms", "cpuProvisioning"]
    assert list(dashboard["hosts"]["status"]) == ["running", "disabled", "halted", "total"]
    assert list(dashboard["vms"]["status"]) == ["running", "halted", "paused", "total", "suspended"]
    vms = [vm for vm in sim.state.inventory.vms.values() if vm["$pool"] == pool_id]
    assert dashboard["vms"]["status"]["total"] == len(vms)
    assert dashboard["hosts"]["missingPatches"]["hasAuthorization"] is True
    assert all(isinstance(alarm_id, str) for alarm_id in dashboard["alarms"])
    assert len(dashboard["srs"]["topFiveUsage"]) <= 5
    percents = [item["percent"] for item in dashboard["hosts"]["topFiveUsage"]["cpu"]]
    assert percents == sorted(percents, reverse=True)
    provisioning = dashboard["cpuProvisioning"]
    assert provisioning["total"] == pool["cpus"]["cores"]
    assert provisioning["assigned"] == sum(vm["CPUs"]["number"] for vm in vms if vm["power_state"] == "Running")


def test_dashboard_counts_disabled_and_halted_hosts(admin: httpx.Client, sim: RunningSimulator) -> None:
    second_pool = list(sim.state.inventory.pools)[1]
    status = admin.get(f"/pools/{second_pool}/dashboard").json()["hosts"]["status"]
    assert status == {"running": 1, "disabled": 1, "halted": 1, "total": 3}


def test_dashboard_ndjson_streams_parts(admin: httpx.Client, sim: RunningSimulator) -> None:
    pool_id = next(iter(sim.state.inventory.pools))
    response = admin.get(f"/pools/{pool_id}/dashboard", params={"ndjson": "true", "fields": "x"})
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines[0] == {"hosts": {"status": admin.get(f"/pools/{pool_id}/dashboard").json()["hosts"]["status"]}}
    assert {next(iter(line)) for line in lines} == {"hosts", "vms", "srs", "alarms", "cpuProvisioning"}


def test_missing_patches(admin: httpx.Client, sim: RunningSimulator) -> None:
    host_id = next(iter(sim.state.inventory.hosts))
    patches = admin.get(f"/hosts/{host_id}/missing_patches").json()
    assert patches and {"name", "version", "release", "description", "url", "license", "size"} <= set(patches[0])
    pool_id = next(iter(sim.state.inventory.pools))
    pool_patches = admin.get(f"/pools/{pool_id}/missing_patches").json()
    assert len(pool_patches) == len({patch["name"] for patch in pool_patches}) >= len(patches)


def test_missing_patches_without_the_feature(admin: httpx.Client, sim: RunningSimulator) -> None:
    host_id = next(iter(sim.state.inventory.hosts))
    pool_id = next(iter(sim.state.inventory.pools))
    sim.state.missing_patches_authorized = False
    try:
        response = admin.get(f"/hosts/{host_id}/missing_patches")
        assert response.status_code == 403
        assert response.json()["error"] == "feature Unauthorized"
        assert response.json()["data"]["featureCode"] == "LIST_MISSING_PATCHES"
        dashboard = admin.get(f"/pools/{pool_id}/dashboard").json()
        assert dashboard["hosts"]["missingPatches"] == {"hasAuthorization": False}
    finally:
        sim.state.missing_patches_authorized = True


# Spec and kill-switch ----------------------------------------------------------------------


def test_swagger_is_404_without_a_spec_file(anonymous: httpx.Client) -> None:
    assert anonymous.get("/docs/swagger.json").status_code == 404


def test_swagger_is_served_from_the_given_file(tmp_path: Path) -> None:
    spec = tmp_path / "swagger.json"
    spec.write_text('{"openapi": "3.0.0", "paths": {}}')
    with run_simulator(SimulatorState(inventory=generate_inventory(vms=1), swagger_path=spec)) as sim:
        response = httpx.get(f"{sim.rest_url}/docs/swagger.json")
        assert response.status_code == 200
        assert response.json() == {"openapi": "3.0.0", "paths": {}}


def test_kill_switch(anonymous: httpx.Client, admin: httpx.Client, sim: RunningSimulator) -> None:
    disabled = {"error": "MCP is disabled by administrator", "data": {"error": "mcp_disabled"}}
    sim.state.mcp_enabled = False
    status = anonymous.get("/mcp/status", headers={"X-XO-Client": "mcp"})
    assert (status.status_code, status.json()) == (503, disabled)
    gated = admin.get("/vms", headers={"X-XO-Client": "MCP"})
    assert (gated.status_code, gated.json()) == (503, disabled)
    assert admin.get("/vms", headers={"X-XO-Client": "other"}).status_code == 200
    assert admin.get("/vms").status_code == 200
    bad = anonymous.get("/vms", headers={"X-XO-Client": "mcp"}, auth=("nobody@example.net", "x"))
    assert bad.status_code == 401
    sim.state.mcp_enabled = True
    assert admin.get("/vms", headers={"X-XO-Client": "mcp"}).status_code == 200


def test_more_sub_collections_and_deprecated_twins(admin: httpx.Client, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    pool_id = next(iter(inventory.pools))
    assert len(admin.get(f"/pools/{pool_id}/vms").json()) == sum(
        vm["$pool"] == pool_id for vm in inventory.vms.values()
    )
    sr_id = next(vdi["$SR"] for vdi in inventory.vdis.values())
    assert admin.get(f"/srs/{sr_id}/vdis").json() == [
        f"/rest/v0/vdis/{vdi_id}" for vdi_id, vdi in inventory.vdis.items() if vdi["$SR"] == sr_id
    ]
    vm_jobs = [job_id for job_id, job in inventory.backup_jobs.items() if job["type"] == "backup"]
    assert admin.get("/backup/jobs/vm").json() == [f"/rest/v0/backup/jobs/vm/{job_id}" for job_id in vm_jobs]
    assert admin.get(f"/backup/jobs/vm/{vm_jobs[0]}").json()["id"] == vm_jobs[0]
    assert len(admin.get("/backup/logs").json()) == len(inventory.backup_logs)


def test_task_watch(sim: RunningSimulator, admin: httpx.Client) -> None:
    assert admin.get("/tasks", params={"watch": "true"}).status_code == 400
    with (
        httpx.Client(headers={"Cookie": f"token={sim.admin_token}"}, timeout=5) as client,
        client.stream("GET", f"{sim.rest_url}/tasks?watch=true&ndjson=true") as response,
    ):
        first = json.loads(next(response.iter_lines()))
    task_id = next(iter(sim.state.inventory.tasks))
    assert first == ["update", sim.state.inventory.tasks[task_id]]
