"""list_objects and get_object: the kinds table against XO's spec, every kind against the simulator's
inventory, references by name, secrets withheld, refusals (deny, dedicated, unknown, missing routes)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests import estate_truth as truth
from tests.conftest import Connect
from tests.harness import XoSession, text_of
from xo_mcp.simulator import RunningSimulator
from xo_mcp.simulator.credentials import PROXY_URL_TOKEN, REMOTE_URL_PASSWORD, USER_OTP_SECRET
from xo_mcp.tools.objects import DEDICATED, DENIED, KINDS

pytestmark = pytest.mark.anyio

SPEC = Path(__file__).resolve().parents[3] / "shared" / "xo-rest-api" / "swagger.json"
NOT_COLLECTIONS = {"dashboard", "ping", "gui-routes", "events"}
"""Single-segment `allow` routes that are no collection: aggregates, probes and the SSE event stream."""


def expected_ids(sim: RunningSimulator, kind: str) -> list[str]:
    """What an admin's GET /<kind> lists (CONTRACT-2 §5: archives of working repositories only)."""
    inventory = sim.state.inventory
    objects = inventory.collection(kind)
    if kind == "backup-archives":
        working = truth.working_repositories(inventory)
        return [aid for aid, archive in objects.items() if archive["backupRepository"] in working]
    if kind == "users":
        # XO's users are its accounts: the simulator's login accounts are users too.
        return list(objects) + [account.id for account in sim.state.users or () if account.id not in objects]
    return list(objects)


def spec_operations() -> dict[str, str]:
    if not SPEC.is_file():
        pytest.skip(f"XO's OpenAPI spec is not beside the checkout ({SPEC})")
    paths = json.loads(SPEC.read_text(encoding="utf-8"))["paths"]
    return {path: ops["get"].get("x-mcp-exposure", "none") for path, ops in paths.items() if "get" in ops}


def test_the_kinds_are_the_specs_readable_collections() -> None:
    operations = spec_operations()
    singles = {path.strip("/") for path in operations if path.count("/") == 1}
    collections = {
        name for name in singles if operations[f"/{name}"] == "allow" and operations.get(f"/{name}/{{id}}") == "allow"
    }
    assert not NOT_COLLECTIONS & collections
    assert set(KINDS) | set(DEDICATED) == collections
    assert not set(KINDS) & set(DEDICATED)


def test_every_denied_operation_has_its_reason() -> None:
    denied = [path for path, exposure in spec_operations().items() if exposure == "deny"]
    assert denied
    for path in denied:
        word = (
            "stats"
            if path.endswith("/stats")
            else "exports"
            if ".{format}" in path
            else "logs"
            if path.endswith("logs.tgz")
            else "audit"
            if path.endswith("audit.txt")
            else "swagger"
            if path.endswith("swagger.json")
            else None
        )
        assert word in DENIED, path


@pytest.mark.parametrize("kind", list(KINDS))
async def test_every_kind_lists_what_xo_holds(xo: XoSession, sim: RunningSimulator, kind: str) -> None:
    expected = expected_ids(sim, kind)
    result = await xo.ok("list_objects", {"kind": kind, "limit": 1000})
    content = result.structured_content
    assert content is not None
    assert content["total"] == len(expected)
    assert [item["id"] for item in content["items"]] == expected[:1000]
    roots = {"id", *(name.split(".", 1)[0] for name in KINDS[kind].fields)}
    assert all(set(item) <= roots for item in content["items"])
    text = text_of(result)
    assert "\n{" not in text and all(len(line) < 1500 for line in text.splitlines())


@pytest.mark.parametrize("kind", [k for k in KINDS if KINDS[k].single_reads])
async def test_get_object_of_every_kind(xo: XoSession, sim: RunningSimulator, kind: str) -> None:
    objects = sim.state.inventory.collection(kind)
    object_id, obj = next(iter(objects.items()))
    result = await xo.ok("get_object", {"kind": kind, "id": object_id})
    content = result.structured_content
    assert content is not None and content["id"] == object_id and content["kind"] == kind
    label = KINDS[kind].label
    if label != "id":
        assert content["name"] == obj[label]
    text = text_of(result)
    assert object_id in text.splitlines()[0]
    assert "\n{" not in text and all(len(line) <= 400 for line in text.splitlines())
    for key, value in obj.items():
        if isinstance(value, list) and len(value) > 50:
            assert content["lengths"][key] == len(value) and len(content["object"][key]) == 50


async def test_references_are_named(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    vif = next(iter(inventory.vifs.values()))
    vm, network = inventory.vms[vif["$VM"]], inventory.networks[vif["$network"]]
    text = text_of(await xo.ok("get_object", {"kind": "vifs", "id": vif["id"]}))
    assert f"$VM: {vm['name_label']} ({vm['id']})" in text
    assert f"$network: {network['name_label']} ({network['id']})" in text
    assert f"$pool: {inventory.pools[vif['$pool']]['name_label']}" in text
    schedules = text_of(await xo.ok("list_objects", {"kind": "schedules", "limit": 100}))
    for schedule in inventory.schedules.values():
        job = inventory.backup_jobs.get(schedule["jobId"])
        if job is not None:
            assert f"| {job['name']} |" in schedules
    dom0 = next(iter(inventory.vm_controllers.values()))
    vbd = next(v for v in inventory.vbds.values() if v["VM"] == dom0["id"])
    assert f"VM: {dom0['name_label']} (" in text_of(await xo.ok("get_object", {"kind": "vbds", "id": vbd["id"]}))


async def test_times_sizes_and_counts_read_like_an_administrator_would(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    snapshot = next(iter(inventory.vdi_snapshots.values()))
    text = text_of(await xo.ok("get_object", {"kind": "vdi-snapshots", "id": snapshot["id"]}))
    assert re.search(r"snapshot_time: \d{4}-\d\d-\d\d \d\d:\d\d UTC \((\d+ (d|h|min) ago|just now)\)", text)
    assert re.search(r"size: \d+\.\d (GiB|MiB|TiB)", text)
    network = max(inventory.networks.values(), key=lambda n: len(n["VIFs"]))
    shown = text_of(await xo.ok("get_object", {"kind": "networks", "id": network["id"]}))
    assert f"VIFs: {len(network['VIFs'])}\n" in shown + "\n"


async def test_secrets_are_withheld_whatever_the_fields(xo: XoSession, sim: RunningSimulator) -> None:
    auditor = next(u for u in sim.state.inventory.collection("users").values() if u["preferences"].get("otp"))
    listed = await xo.content("list_objects", {"kind": "users", "fields": "email,preferences,pw_hash"})
    row = next(item for item in listed["items"] if item["id"] == auditor["id"])
    assert row["preferences"]["otp"] == "(withheld)" and row["pw_hash"] == "(withheld)"
    one = text_of(await xo.ok("get_object", {"kind": "users", "id": auditor["id"]}))
    assert "otp=(withheld)" in one
    repositories = text_of(await xo.ok("list_objects", {"kind": "backup-repositories", "fields": "name,url"}))
    proxies = text_of(await xo.ok("list_objects", {"kind": "proxies", "fields": "name,url"}))
    assert "://***@" in repositories and "://***@" in proxies
    for secret in (USER_OTP_SECRET, REMOTE_URL_PASSWORD, PROXY_URL_TOKEN):
        assert all(secret not in text for text in (one, repositories, proxies, json.dumps(listed)))


@pytest.mark.parametrize("bad_filter", ["preferences:otp:A*", '"pw_hash":x', "properties:params:password:x"])
async def test_filters_on_secrets_are_refused(xo: XoSession, sim: RunningSimulator, bad_filter: str) -> None:
    before = sim.state.requests.counts()["requests"]
    message = await xo.error("list_objects", {"kind": "users", "filter": bad_filter})
    assert "secret" in message and "filter" in message
    assert sim.state.requests.counts()["requests"] == before


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("stats", ["deny", "statistics"]),
        ("swagger", ["deny", "specification"]),
        ("logs", ["deny", "log archives"]),
        ("vms", ["list_vms", "get_vm_details"]),
        ("srs", ["list_srs"]),
        ("tasks", ["list_tasks"]),
        ("alarm", ["list_alarms"]),
        ("bogus", ["unknown kind", "networks", "acl-privileges"]),
    ],
)
async def test_refused_kinds_say_why_before_any_request(
    xo: XoSession, sim: RunningSimulator, kind: str, words: list[str]
) -> None:
    before = sim.state.requests.counts()["requests"]
    for tool, arguments in (("list_objects", {}), ("get_object", {"id": "x1"})):
        message = await xo.error(tool, {"kind": kind, **arguments})
        assert "`kind`" in message and all(word in message for word in words), message
    assert sim.state.requests.counts()["requests"] == before


@pytest.mark.parametrize(
    ("alias", "kind"), [("VDI", "vdis"), ("templates", "vm-templates"), ("vdi_snapshot", "vdi-snapshots")]
)
async def test_kinds_are_understood_as_people_write_them(xo: XoSession, alias: str, kind: str) -> None:
    content = await xo.content("list_objects", {"kind": alias, "limit": 1})
    assert content["returned"] == 1
    assert (await xo.content("list_objects", {"kind": kind, "limit": 1}))["items"] == content["items"]


async def test_a_missing_route_is_no_endpoint_not_no_object(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/pgpus*", status=404, body={"error": "Not Found"})
    listed = await xo.error("list_objects", {"kind": "pgpus"})
    one = await xo.error("get_object", {"kind": "pgpus", "id": next(iter(sim.state.inventory.collection("pgpus")))})
    for message in (listed, one):
        assert message.startswith("This Xen Orchestra has no pgpus endpoint") and "No " not in message[:3]


async def test_an_unknown_id_names_the_listing_call(xo: XoSession, sim: RunningSimulator) -> None:
    message = await xo.error("get_object", {"kind": "pcis", "id": "0b7c3e4a-0000-4000-8000-00000000dead"})
    assert 'No PCI device with id "0b7c3e4a-0000-4000-8000-00000000dead"' in message
    assert 'list_objects(kind="pcis")' in message
    network = next(iter(sim.state.inventory.networks))
    assert 'list_objects(kind="vifs")' in await xo.error("get_object", {"kind": "vifs", "id": network})


async def test_backup_archives_are_read_by_listing(xo: XoSession, sim: RunningSimulator) -> None:
    message = await xo.error("get_object", {"kind": "backup-archives", "id": "abc"})
    assert 'list_objects(kind="backup-archives"' in message
    archive = next(iter(sim.state.inventory.collection("backup-archives").values()))
    vm = archive["vm"]["uuid"]
    content = await xo.content("list_objects", {"kind": "backup-archives", "filter": f"vm:uuid:{vm}", "limit": 1000})
    archives = sim.state.inventory.collection("backup-archives")
    expected = [aid for aid in expected_ids(sim, "backup-archives") if archives[aid]["vm"]["uuid"] == vm]
    assert [item["id"] for item in content["items"]] == expected


async def test_paging_like_list_vms(xo: XoSession, sim: RunningSimulator) -> None:
    every = list(sim.state.inventory.vifs)
    first = await xo.content("list_objects", {"kind": "vifs", "limit": 5})
    assert first["returned"] == 5 and first["truncated"] and first["next_offset"] == 5 and first["total"] == len(every)
    second = await xo.content("list_objects", {"kind": "vifs", "limit": 5, "offset": 5})
    assert [item["id"] for item in first["items"] + second["items"]] == every[:10]
    text = text_of(await xo.ok("list_objects", {"kind": "vifs", "offset": len(every) + 1}))
    assert f"past the {len(every)} matches" in text
    one = text_of(await xo.ok("list_objects", {"kind": "backup-repositories", "limit": 1}))
    assert "Backup repositories 1–1 of" in one


async def test_a_viewer_lists_only_their_pool(connect: Connect, sim: RunningSimulator) -> None:
    first_pool = next(iter(sim.state.inventory.pools))
    expected = [nid for nid, network in sim.state.inventory.networks.items() if network["$pool"] == first_pool]
    async with connect(sim.url, token=sim.viewer_token) as viewer:
        content: dict[str, Any] = await viewer.content("list_objects", {"kind": "networks"})
    assert [item["id"] for item in content["items"]] == expected


@pytest.mark.parametrize("arguments", [{"limit": 0}, {"limit": 1001}, {"offset": -1}, {"fields": "*"}])
async def test_out_of_range_is_refused_before_any_request(
    xo: XoSession, sim: RunningSimulator, arguments: dict[str, Any]
) -> None:
    before = sim.state.requests.counts()["requests"]
    message = await xo.error("list_objects", {"kind": "networks", **arguments})
    assert "Invalid argument" in message and next(iter(arguments)) in message
    assert sim.state.requests.counts()["requests"] == before
