"""get_health_report against the simulator: every check of XO 5's Health view checked against the ground truth of
`tests/estate_truth.py` (objects that trigger it and near-misses that must not), the pool filter, a non-admin's
view, checks that fail while the others answer, and XO's backup overview in its every state."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests import estate_truth as truth
from tests import harness
from tests.conftest import Connect
from tests.harness import XoSession, make_state, now, requests_since, simulator, text_of
from xo_mcp.simulator import RunningSimulator, estate

pytestmark = pytest.mark.anyio

TOOL = "get_health_report"
SHOWN = 5
DOCS = "https://docs.xen-orchestra.com/xo5/manage_infrastructure#"


def check(report: dict[str, Any], key: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [c for c in report["checks"] if c["check"] == key]
    assert len(found) == 1, f"the report has no single {key} check"
    return found[0]


def shown_ids(report: dict[str, Any], key: str) -> list[str]:
    return [item["id"] for item in check(report, key).get("items", [])]


def assert_counted(report: dict[str, Any], key: str, expected: list[str] | set[str]) -> None:
    """The check's exact count, and what it shows is among what it should flag (capped, with the rest counted)."""
    result = check(report, key)
    assert result["count"] == len(expected), (key, result)
    shown = shown_ids(report, key)
    assert len(shown) == min(len(expected), SHOWN)
    assert set(shown) <= set(expected)
    assert result.get("more", 0) == len(expected) - len(shown)


# Storage and pools ------------------------------------------------------------------------------------------


async def test_storage_state_flags_srs_from_80_percent_fullest_first(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    result = await xo.ok(TOOL)
    report = result.structured_content
    assert report is not None
    rows = truth.storage_state(inventory)
    flagged = [row for row in rows if row.level != "green"]
    assert {row.level for row in flagged} == {"red", "yellow"}, "the estate has an SR at each level"
    assert_counted(report, "storage_state", [row.id for row in flagged])
    assert shown_ids(report, "storage_state") == [row.id for row in flagged][:SHOWN], "fullest first"
    storage = check(report, "storage_state")
    red = sum(row.level == "red" for row in flagged)
    assert storage["summary"] == f"{red} over 90%, {len(flagged) - red} from 80 to 90%, of {len(rows)} SRs checked"
    first = flagged[0]
    assert storage["items"][0]["detail"].startswith(f"{first.percent:.1f}%, ")
    # The ISO library is 96 % full, but ISO SRs are not storage for the check.
    iso = [sr for sr in inventory.srs.values() if sr["content_type"] == "iso" and sr["size"]]
    assert iso and all(sr["physical_usage"] / sr["size"] > 0.9 for sr in iso[:1])
    assert not {sr["id"] for sr in iso} & set(shown_ids(report, "storage_state"))
    assert f"{first.name}" in text_of(result) and f"{first.percent:.1f}%" in text_of(result)


async def test_local_default_srs_and_pools_without_default_sr(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    report = await xo.content(TOOL)
    local = truth.local_default_srs(inventory)
    without = truth.pools_without_default_sr(inventory)
    assert local and without, "the estate has a case of each"
    assert_counted(report, "local_default_srs", local)
    assert_counted(report, "pools_without_default_sr", without)
    # The pool with a local default SR has one (not flagged as without); the pool without one has no local one.
    assert not set(local) & set(without)
    item = check(report, "local_default_srs")["items"][0]
    default_sr = inventory.srs[inventory.pools[item["id"]]["default_SR"]]
    assert item["name"] == inventory.pools[item["id"]]["name_label"] and default_sr["name_label"] in item["detail"]


# VDIs -----------------------------------------------------------------------------------------------------------


async def test_orphan_vdis_follow_xos_rule(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    report = await xo.content(TOOL)
    expected = truth.orphan_vdis(inventory)
    assert len(expected) == 3, "the estate's orphans: a VDI, a VDI snapshot and a half-named PVS cache"
    assert_counted(report, "orphan_vdis", expected)
    names = {item["name"] for item in check(report, "orphan_vdis")["items"]}
    assert {estate.ORPHAN_VDI, estate.ORPHAN_VDI_SNAPSHOT, estate.HALF_PVS_CACHE} == names
    # Near-misses: VBD-less VDIs each clause of the rule excludes (ISO SR, size 0, both PVS names, HA statefile,
    # udev SR of non-zero size).
    near_misses = [
        vdi["id"]
        for vdi in [*inventory.vdis.values(), *inventory.vdi_snapshots.values()]
        if not vdi["$VBDs"] and vdi["name_label"] in estate.NOT_ORPHAN_VDIS and vdi["id"] not in expected
    ]
    assert len(near_misses) >= len(estate.NOT_ORPHAN_VDIS)
    largest = max(expected, key=lambda vdi_id: inventory.vdis.get(vdi_id, {}).get("size", 0))
    assert shown_ids(report, "orphan_vdis")[0] == largest, "the largest first"
    sr = inventory.srs[inventory.vdis[largest]["$SR"]]
    assert check(report, "orphan_vdis")["items"][0]["detail"] == f"100.0 GiB on {sr['name_label']}"


async def test_vdis_attached_to_a_control_domain(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    report = await xo.content(TOOL)
    expected = truth.vdis_on_control_domain(inventory)
    assert len(expected) == 2, "a config drive and a backup's VDI snapshot"
    assert_counted(report, "vdis_on_control_domain", expected)
    dom0 = next(c for c in inventory.vm_controllers.values() if c.get("$VBDs"))
    host = inventory.hosts[dom0["$container"]]["name_label"]
    items = check(report, "vdis_on_control_domain")["items"]
    assert estate.DOM0_VDI in {item["name"] for item in items}
    assert all(item["detail"] == f"on the control domain of {host}" for item in items)


async def test_unhealthy_chains_only_as_far_as_the_rest_api_shows_them(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    result = await xo.ok(TOOL)
    report = result.structured_content
    assert report is not None
    # Every chain of the estate runs through a base copy shared by a VDI and its snapshots: nothing the REST API
    # shows is unhealthy, and the chains it cannot follow are counted and said.
    assert truth.unhealthy_vdi_chains(inventory) == {}
    chains = check(report, "unhealthy_vdis")
    assert chains["count"] == 0
    unlisted = truth.vdis_with_unlisted_chain(inventory)
    assert unlisted
    assert chains["reason"].startswith(f"{len(unlisted)} VDIs chain into base copies the REST API does not list")
    assert "Unhealthy VDI chains: none found; " in text_of(result)


async def test_an_unhealthy_chain_the_rest_api_shows() -> None:
    state = make_state(vms=60, seed=23)
    inventory = state.inventory
    writable = [
        vdi
        for vdi in inventory.vdis.values()
        if not vdi.get("parent") and vdi["$VBDs"] and inventory.srs[vdi["$SR"]]["content_type"] != "iso"
    ]
    root, child, near_root, near_a, near_b = writable[:5]
    # A listed VDI with exactly one child waits to coalesce: both walks count it.
    child["parent"] = root["id"]
    # A listed VDI with two children does not.
    near_a["parent"] = near_b["parent"] = near_root["id"]
    expected = truth.unhealthy_vdi_chains(inventory)
    assert expected == {root["id"]: 1, child["id"]: 1}
    with simulator(state) as running:
        async with harness.connect(harness.settings_for(running.url)) as session:
            report = await session.content(TOOL)
    assert_counted(report, "unhealthy_vdis", list(expected))
    items = check(report, "unhealthy_vdis")["items"]
    assert {item["name"] for item in items} == {root["name_label"], child["name_label"]}
    assert {item["detail"] for item in items} == {"1 to coalesce"}


async def test_near_misses_the_default_estate_lacks() -> None:
    state = make_state(vms=60, seed=29)
    inventory = state.inventory
    # A VM with more than five snapshots, tagged for continuous replication (an exact tag): not too many.
    replicated = next(vm for vm in inventory.vms.values() if len(vm["snapshots"]) > 5)
    replicated["tags"] = [*replicated["tags"], "Continuous Replication"]
    # A message /alarms lists (its name contains ALARM) that is not one of the Health view's exact names.
    model = next(iter(inventory.alarms.values()))
    look_alike = {**model, "id": "0b7c3e4a-0000-4000-8000-00000000a1a1", "name": "ALARM_CLEARED"}
    look_alike["uuid"] = look_alike["id"]
    inventory.alarms[look_alike["id"]] = look_alike
    too_many = truth.vms_with_too_many_snapshots(inventory)
    alarms = truth.alarm_ids(inventory)
    assert replicated["id"] not in too_many and too_many
    assert look_alike["id"] not in alarms and alarms
    with simulator(state) as running:
        async with harness.connect(harness.settings_for(running.url)) as session:
            report = await session.content(TOOL)
    assert_counted(report, "too_many_snapshots", too_many)
    assert check(report, "alarms")["count"] == len(alarms)


# Snapshots ----------------------------------------------------------------------------------------------------


async def test_old_snapshots_not_kept_by_an_enabled_schedule(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    report = await xo.content(TOOL)
    expected = truth.old_snapshots(inventory)
    assert_counted(report, "old_snapshots", expected)
    oldest = sorted(expected, key=lambda s: inventory.vm_snapshots[s]["snapshot_time"])
    assert shown_ids(report, "old_snapshots") == oldest[:SHOWN], "oldest first"
    # The monthly job's snapshots are old but kept by an enabled schedule: not flagged.
    limit = time.time() - 30 * truth.DAY_S
    kept = [
        s["id"]
        for s in inventory.vm_snapshots.values()
        if s["snapshot_time"] <= limit
        and inventory.schedules.get((s.get("other") or {}).get("xo:backup:schedule", ""), {}).get("enabled") is True
    ]
    assert kept and not set(kept) & set(expected)
    deleted_schedule = next(s for s in inventory.vm_snapshots.values() if s["name_label"].startswith("[XO Backup Old"))
    assert deleted_schedule["id"] in expected
    age = int((time.time() - inventory.vm_snapshots[oldest[0]]["snapshot_time"]) // truth.DAY_S)
    assert check(report, "old_snapshots")["items"][0]["detail"] in {f"{age} d ago", f"{age - 1} d ago"}


async def test_orphaned_vm_snapshots(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    report = await xo.content(TOOL)
    expected = truth.orphaned_snapshots(inventory)
    assert len(expected) == 2
    assert_counted(report, "orphaned_snapshots", expected)
    assert {item["name"] for item in check(report, "orphaned_snapshots")["items"]} == {
        estate.ORPHANED_SNAPSHOT,
        f"{estate.ORPHANED_SNAPSHOT} (2)",
    }


async def test_vms_with_more_than_five_snapshots(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    report = await xo.content(TOOL)
    expected = truth.vms_with_too_many_snapshots(inventory)
    assert_counted(report, "too_many_snapshots", expected)
    for item in check(report, "too_many_snapshots")["items"]:
        vm = inventory.vms[item["id"]]
        assert item["name"] == vm["name_label"] and item["detail"] == f"{len(vm['snapshots'])} snapshots"
    five = next(vm for vm in inventory.vms.values() if len(vm["snapshots"]) == 5)
    assert five["id"] not in expected, "exactly five is not too many"
    replicated = [
        vm["id"] for vm in inventory.vms.values() if len(vm["snapshots"]) > 5 and "Continuous Replication" in vm["tags"]
    ]
    assert not set(replicated) & set(shown_ids(report, "too_many_snapshots"))


# VMs and network ------------------------------------------------------------------------------------------


async def test_duplicated_macs_group_exact_addresses(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    report = await xo.content(TOOL)
    expected = truth.duplicated_macs(inventory)
    on_running = truth.duplicated_macs(inventory, running_only=True)
    assert {estate.DUPLICATED_MAC_RUNNING, estate.DUPLICATED_MAC_HALTED, estate.DUPLICATED_MAC_MIXED} <= set(expected)
    assert_counted(report, "duplicated_macs", list(expected))
    macs = check(report, "duplicated_macs")
    assert macs["summary"] == f"{len(on_running)} on more than one running VM"
    assert shown_ids(report, "duplicated_macs")[: len(on_running)] == sorted(on_running), "running ones first"
    for item in macs["items"]:
        vms = {inventory.vifs[vif]["$VM"] for vif in expected[item["id"]]}
        assert set(item["related"]) == vms
        assert all(inventory.vms[vm]["name_label"] in item["detail"] for vm in vms)
    running = next(item for item in macs["items"] if item["id"] == estate.DUPLICATED_MAC_RUNNING)
    assert "×2" in running["detail"], "the same VM counts twice"
    # The same MAC in two cases is two MACs.
    assert not set(estate.MAC_CASE_NEAR_MISS) & set(shown_ids(report, "duplicated_macs"))


async def test_guest_tools_missing_or_outdated_on_running_vms(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    report = await xo.content(TOOL)
    expected = truth.guest_tools_issues(inventory)
    labels = set(expected.values())
    assert labels == {"no tools", "agent missing", "outdated"}, "the estate has each case"
    assert_counted(report, "guest_tools", list(expected))
    tools = check(report, "guest_tools")
    assert shown_ids(report, "guest_tools") == list(expected)[:SHOWN], "in XO's order"
    assert all(item["detail"] == expected[item["id"]] for item in tools["items"])
    counts = {label: sum(v == label for v in expected.values()) for label in ("no tools", "agent missing", "outdated")}
    assert tools["summary"] == "running VMs: " + ", ".join(f"{n} {label}" for label, n in counts.items() if n)
    halted_without_tools = [
        vm["id"] for vm in inventory.vms.values() if vm["power_state"] != "Running" and not vm.get("pvDriversDetected")
    ]
    assert halted_without_tools and not set(halted_without_tools) & set(expected)


async def test_alarms_newest_first_with_their_objects_named(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    result = await xo.ok(TOOL)
    report = result.structured_content
    assert report is not None
    expected = truth.alarm_ids(inventory)
    alarms = check(report, "alarms")
    assert alarms["count"] == len(expected) and alarms["more"] == len(expected) - 3
    newest = sorted(expected, key=lambda a: -inventory.alarms[a]["time"])[:3]
    assert [item["id"] for item in alarms["items"]] == [inventory.alarms[a]["object"]["uuid"] for a in newest]
    assert "+8 more: list_alarms()" in text_of(result) or alarms["more"] != 8


# Hosts ------------------------------------------------------------------------------------------------------


async def test_hosts_needing_a_reboot(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    report = await xo.content(TOOL)
    expected = truth.hosts_needing_reboot(inventory)
    assert expected and len(expected) < len(inventory.hosts)
    assert_counted(report, "hosts_needing_reboot", expected)
    assert {i["name"] for i in check(report, "hosts_needing_reboot")["items"]} == set(
        truth.names(inventory, "hosts", expected)
    )


async def test_hosts_with_missing_patches_and_halted_hosts_not_checked(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    report = await xo.content(TOOL)
    expected = truth.hosts_with_missing_patches(inventory)
    not_checked = truth.hosts_not_checked_for_patches(inventory)
    assert expected and not_checked, "the estate has hosts with patches and a halted host"
    assert_counted(report, "missing_patches", list(expected))
    for item in check(report, "missing_patches")["items"]:
        count = len(expected[item["id"]])
        assert item["detail"] == f"{count} patch{'es' if count != 1 else ''}"
    reason = check(report, "missing_patches")["reason"]
    assert reason.startswith(
        f"{len(not_checked)} host{'s' if len(not_checked) != 1 else ''} not checked (XO cannot query a host"
    )
    assert all(name in reason for name in truth.names(inventory, "hosts", not_checked))
    up_to_date = [h for h in inventory.hosts if h not in expected and h not in not_checked]
    assert not set(up_to_date) & set(shown_ids(report, "missing_patches"))


async def test_missing_patches_outside_the_xoa_plan(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.missing_patches_authorized = False
    result = await xo.ok(TOOL)
    report = result.structured_content
    assert report is not None
    patches = check(report, "missing_patches")
    assert patches.get("count") is None and "LIST_MISSING_PATCHES" in patches["reason"]
    assert "XOA plan" in patches["reason"]
    assert "Hosts with missing patches: could not run (This XO feature (LIST_MISSING_PATCHES)" in text_of(result)
    assert check(report, "hosts_needing_reboot")["count"] == len(truth.hosts_needing_reboot(sim.state.inventory))


# Backups --------------------------------------------------------------------------------------------------


async def test_backup_line_is_xos_overview(xo: XoSession, sim: RunningSimulator) -> None:
    expected = truth.backups_summary(sim.state.inventory)
    result = await xo.ok(TOOL)
    backups = (result.structured_content or {})["backups"]
    assert backups["jobs"] == expected["jobs"]
    assert backups["vms"] == expected["vmsProtection"]
    assert backups["issues_total"] == len(expected["issues"])
    assert backups["jobs_with_issues"] == [issue.get("name", issue["uuid"]) for issue in expected["issues"]][:SHOWN]
    line = text_of(result).splitlines()[-1]
    jobs, vms = expected["jobs"], expected["vmsProtection"]
    assert line.startswith(f"Backups (XO's overview, whole XO): {jobs['total']} jobs — {jobs['failed']} failed")
    assert f"VMs: {vms['protected']} protected, {vms['unprotected']} unprotected, {vms['notInJob']} in no job" in line
    assert line.endswith("get_backup_status for details.")


@pytest.mark.parametrize(
    ("setup", "wording"),
    [
        ({"dashboard_routes": False}, "this XO has no /dashboard endpoint"),
        ({"dashboard_part_faults": {"backups": "error"}}, "XO failed to compute its backup overview"),
        ({"dashboard_part_faults": {"backups": "absent"}}, "XO has not finished computing its backup overview"),
        ({"dashboard_part_faults": {"poolsStatus": "error"}}, "XO has not finished computing its backup overview"),
    ],
    ids=["404", "error", "absent", "stream-cut"],
)
async def test_backup_line_when_xo_cannot_give_it(
    xo: XoSession, sim: RunningSimulator, setup: dict[str, Any], wording: str
) -> None:
    for name, value in setup.items():
        setattr(sim.state, name, value)
    result = await xo.ok(TOOL)
    report = result.structured_content
    assert report is not None
    assert report["backups"]["reason"].startswith(wording)
    line = text_of(result).splitlines()[-1]
    assert line == f"Backups: unknown ({report['backups']['reason']}); get_backup_status reads the jobs and their runs."
    assert check(report, "orphan_vdis")["count"] == len(truth.orphan_vdis(sim.state.inventory))


async def test_the_report_does_not_wait_long_for_xos_backup_overview(
    xo: XoSession, sim: RunningSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xo_mcp.tools import health

    monkeypatch.setattr(health, "BACKUPS_WAIT_S", 0.3)
    sim.state.slow_dashboard_parts_ms = 400  # XO still computing: its slow parts come later than that
    report = await xo.content(TOOL)
    assert report["backups"]["reason"] == "XO did not send its backup overview within 0.3 s"
    assert_counted(report, "orphan_vdis", truth.orphan_vdis(sim.state.inventory))


async def test_a_stale_backup_overview_says_so(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.dashboard_part_faults["backups"] = "expired"
    result = await xo.ok(TOOL)
    assert (result.structured_content or {})["backups"]["stale"] is True
    assert "XO's cached value (isExpired)" in text_of(result).splitlines()[-1]


# Scope, users, failures -------------------------------------------------------------------------------------


async def test_pool_id_limits_every_check(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    pool_id = list(inventory.pools)[1]
    result = await xo.ok(TOOL, {"pool_id": pool_id})
    report = result.structured_content
    assert report is not None
    assert report["pool"] == {"id": pool_id, "name": inventory.pools[pool_id]["name_label"]}
    expected: dict[str, list[str]] = {
        "storage_state": [row.id for row in truth.storage_state(inventory, pool_id) if row.level != "green"],
        "local_default_srs": truth.local_default_srs(inventory, pool_id),
        "pools_without_default_sr": truth.pools_without_default_sr(inventory, pool_id),
        "orphan_vdis": truth.orphan_vdis(inventory, pool_id),
        "vdis_on_control_domain": truth.vdis_on_control_domain(inventory, pool_id),
        "old_snapshots": truth.old_snapshots(inventory, pool_id),
        "orphaned_snapshots": truth.orphaned_snapshots(inventory, pool_id),
        "too_many_snapshots": truth.vms_with_too_many_snapshots(inventory, pool_id),
        "duplicated_macs": list(truth.duplicated_macs(inventory, pool_id)),
        "guest_tools": list(truth.guest_tools_issues(inventory, pool_id)),
        "hosts_needing_reboot": truth.hosts_needing_reboot(inventory, pool_id),
        "missing_patches": list(truth.hosts_with_missing_patches(inventory, pool_id)),
    }
    for key, ids in expected.items():
        assert_counted(report, key, ids)
    assert check(report, "alarms")["count"] == len(truth.alarm_ids(inventory, pool_id))
    assert expected["storage_state"] and not expected["orphan_vdis"], "the second pool differs from the first"
    text = text_of(result)
    assert text.startswith(f"Health of pool {inventory.pools[pool_id]['name_label']} (id {pool_id})")
    assert "Nothing found: " in text, "checks that find nothing share one line"
    assert check(report, "storage_state")["list_all"] == f"list_srs(filter='$pool:\"{pool_id}\"')"
    assert "whole XO, not only this pool" in text


async def test_an_unknown_pool_names_the_tool_that_lists_pools(xo: XoSession) -> None:
    message = await xo.error(TOOL, {"pool_id": "0b7c3e4a-0000-4000-8000-00000000beef"})
    assert "No pool" in message and "list_pools" in message


async def test_a_viewer_gets_what_xo_lets_them_read(connect: Connect, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    pool_id = next(iter(inventory.pools))  # the viewer may read the first pool's objects only
    async with connect(sim.url, token=sim.viewer_token) as viewer:
        result = await viewer.ok(TOOL)
    report = result.structured_content
    assert report is not None
    assert report["visible_to"] == sim.viewer_username
    text = text_of(result)
    assert f"As visible to {sim.viewer_username}: " in text
    for key, ids in {
        "storage_state": [row.id for row in truth.storage_state(inventory, pool_id) if row.level != "green"],
        "orphan_vdis": truth.orphan_vdis(inventory, pool_id),
        "vdis_on_control_domain": truth.vdis_on_control_domain(inventory, pool_id),
        "orphaned_snapshots": truth.orphaned_snapshots(inventory, pool_id),
        "guest_tools": list(truth.guest_tools_issues(inventory, pool_id)),
        "duplicated_macs": list(truth.duplicated_macs(inventory, pool_id)),
        "missing_patches": list(truth.hosts_with_missing_patches(inventory, pool_id)),
    }.items():
        assert_counted(report, key, ids)
    # XO's backup overview is for administrators: the check says why it could not run.
    assert report["backups"]["reason"] == "XO's /dashboard is for administrators only"
    # Schedules carry no pool: the viewer reads none, so a backup snapshot's schedule says nothing to them.
    limit = time.time() - 30 * truth.DAY_S
    old = [s for s in inventory.vm_snapshots.values() if s["$pool"] == pool_id and s["snapshot_time"] <= limit]
    unjudged = [s for s in old if (s.get("other") or {}).get("xo:backup:schedule")]
    assert unjudged, "the first pool has old backup snapshots"
    old_check = check(report, "old_snapshots")
    assert old_check["count"] == len(old) - len(unjudged)
    more = "more " if old_check["count"] else ""
    assert old_check["reason"].startswith(f"{len(unjudged)} {more}old snapshot")
    assert "cannot read: not judged" in old_check["reason"]


async def test_a_failing_collection_leaves_the_other_checks_answering(xo: XoSession, sim: RunningSimulator) -> None:
    inventory = sim.state.inventory
    sim.state.faults.add(path="/rest/v0/vifs", status=500, body={"error": "VIF index down"})
    result = await xo.ok(TOOL)
    report = result.structured_content
    assert report is not None
    macs = check(report, "duplicated_macs")
    assert (
        macs.get("count") is None
        and macs["reason"].startswith("VIFs unavailable: ")
        and "VIF index down" in macs["reason"]
    )
    assert "Duplicated MAC addresses: could not run (VIFs unavailable: " in text_of(result)
    assert "1 could not run." in text_of(result).splitlines()[0]
    assert_counted(report, "orphan_vdis", truth.orphan_vdis(inventory))
    assert_counted(report, "guest_tools", list(truth.guest_tools_issues(inventory)))


async def test_snapshots_failing_take_the_checks_that_need_them(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/vm-snapshots", status=503, body={"error": "busy"})
    report = await xo.content(TOOL)
    for key in ("old_snapshots", "orphaned_snapshots", "duplicated_macs"):
        assert check(report, key).get("count") is None, key
        assert "VM snapshots unavailable: " in check(report, key)["reason"], key
    assert_counted(report, "too_many_snapshots", truth.vms_with_too_many_snapshots(sim.state.inventory))


async def test_a_collection_this_xo_lacks(xo: XoSession, sim: RunningSimulator) -> None:
    sim.state.faults.add(path="/rest/v0/vm-controllers", status=404, body="Cannot GET /rest/v0/vm-controllers")
    report = await xo.content(TOOL)
    dom0 = check(report, "vdis_on_control_domain")
    assert dom0.get("count") is None
    assert "This Xen Orchestra has no /vm-controllers endpoint (HTTP 404)" in dom0["reason"]
    assert_counted(report, "orphan_vdis", truth.orphan_vdis(sim.state.inventory))


async def test_large_collections_are_read_once_or_filtered_by_xo(xo: XoSession) -> None:
    started = now()
    await xo.ok(TOOL)
    large = {"vms", "vifs", "vdis", "vdi-snapshots", "vm-snapshots", "vbds"}
    streams = [
        r for r in requests_since(started) if r.path.split("/")[-1] in large and r.query.get("ndjson") == ["true"]
    ]
    whole = [r.path for r in streams if "filter" not in r.query]
    # Every row of these serves a check: each is read once, whole, with two to five fields.
    assert sorted(whole) == ["/rest/v0/vifs", "/rest/v0/vm-snapshots"]
    assert next(r for r in streams if r.path == "/rest/v0/vifs").query["fields"] == ["MAC,$VM"]
    # The others only as XO's filters pick the rows a rule may flag.
    assert {r.path for r in streams if "filter" in r.query} == {
        "/rest/v0/vms",
        "/rest/v0/vdis",
        "/rest/v0/vdi-snapshots",
    }
    assert all("*" not in r.query["fields"][0] and len(r.query["fields"][0].split(",")) <= 7 for r in streams)


# Documentation ----------------------------------------------------------------------------------------------


async def test_each_check_links_its_documentation(connect: Connect, sim: RunningSimulator, docs_index: Path) -> None:
    async with connect(sim.url, docs_index=docs_index) as session:
        result = await session.ok(TOOL)
    report = result.structured_content
    assert report is not None
    anchors = {
        "storage_state": "storage-state",
        "local_default_srs": "local-default-srs",
        "pools_without_default_sr": "pools-with-no-default-sr",
        "unhealthy_vdis": "unhealthy-vdis",
        "orphan_vdis": "orphan-vdis",
        "vdis_on_control_domain": "vdis-attached-to-control-domain",
        "orphaned_snapshots": "orphaned-vm-snapshot",
        "too_many_snapshots": "too-many-snapshots",
        "duplicated_macs": "duplicated-mac-addresses",
        "guest_tools": "guest-tools-status",
        "alarms": "alarms",
        "missing_patches": "available-updates",
    }
    for key, anchor in anchors.items():
        doc = check(report, key).get("doc")
        assert doc is not None and doc["url"] == DOCS + anchor, (key, doc)
        assert doc["source_path"] == "xo5/manage_infrastructure.md"
    # The docs have no section for these: no link rather than a wrong one.
    assert "doc" not in check(report, "old_snapshots") and "doc" not in check(report, "hosts_needing_reboot")
    assert f"Docs: {DOCS}orphan-vdis" in text_of(result)


async def test_the_answer_stays_lean(xo: XoSession) -> None:
    result = await xo.ok(TOOL)
    text = text_of(result)
    assert len(text) < 6000
    assert all(len(line) < 1200 for line in text.splitlines())
