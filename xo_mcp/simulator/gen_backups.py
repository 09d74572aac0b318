"""Generator step 4: backup repositories, a proxy, the VMs smart-mode jobs may select, and the jobs
(gen_backup_jobs) (CONTRACT-2 §3, §5).

Smart-mode jobs select on `backup-*` tags that only a bounded sample of VMs carries (about 120, at any
estate size), so runs stay a realistic size at 100 000 VMs; extra "Customer" jobs select a few VMs by id.
The run history (gen_backup_logs), replicas and backup snapshots (gen_replicas) and archives
(gen_archives) follow from the plan made here.
"""

from __future__ import annotations

import itertools
import math

from xo_mcp.simulator import estate
from xo_mcp.simulator.credentials import PROXY_URL_TOKEN, REMOTE_URL_PASSWORD
from xo_mcp.simulator.gen_backup_jobs import filler_jobs, scenario_jobs
from xo_mcp.simulator.gen_backup_plan import DAY_S, BackupPlan
from xo_mcp.simulator.gen_context import GenContext
from xo_mcp.simulator.inventory import JsonObject

_CANDIDATES = 120
_PROD_ROLES = ("web", "app", "api", "cache", "lb", "k8s-node")
_INFRA_ROLES = ("mail", "dns", "monitoring", "vpn", "win-ad")


def plan_backups(ctx: GenContext, filler_count: int, replica_budget: int) -> BackupPlan:
    plan = BackupPlan()
    _repositories(ctx, plan)
    vms = list(ctx.inventory.vms.values())
    # VMs are dealt to pools in turn: a stride sharing a factor with the pool count would sample few pools.
    stride = max(1, len(vms) // _CANDIDATES)
    while math.gcd(stride, len(ctx.pools)) != 1:
        stride += 1
    candidates = vms[::stride]
    _tag_candidates(candidates)
    if replica_budget and vms:
        plan.dr_source = next((vm for vm in candidates if vm["name_label"].startswith("win-ad")), vms[0])
        dr_id = plan.dr_source["id"]
        db = [vm for vm in candidates if vm["name_label"].startswith("db-prod") and vm["id"] != dr_id]
        db_ids = {vm["id"] for vm in db}
        others = (vm for vm in vms if vm["id"] != dr_id and vm["id"] not in db_ids)
        plan.cr_sources = [*db, *itertools.islice(others, replica_budget)][: replica_budget - 2]
        for vm in plan.cr_sources:
            vm["tags"] = [*vm["tags"], "backup-cr"]
    last_pool = ctx.pools[-1]
    plan.dr_sr = last_pool.shared_sr
    scenario_jobs(ctx, plan, candidates)
    filler_jobs(ctx, plan, filler_count, vms)
    return plan


# Repositories ------------------------------------------------------------------------------------


def _repositories(ctx: GenContext, plan: BackupPlan) -> None:
    proxy_id = ctx.uuid()
    remotes = {
        "nas": (estate.REPOSITORY_NAS, "nfs://nas-lyon.example.net:/export/xo-backups", True, None),
        "s3": (
            estate.REPOSITORY_S3,
            "s3://AKIAWASABI7EXAMPLE2:obfuscated-q3oi6d9X8uenGvdLnHk2@s3.eu-central-2.wasabisys.com"
            "/xo-backups/prod?useVhdDirectory=true",
            True,
            None,
        ),
        # XO obfuscates the password fields it parses (s3, smb); an NFS URL's userinfo is kept verbatim.
        "mirror": (
            estate.REPOSITORY_MIRROR,
            f"nfs://xo-mirror:{REMOTE_URL_PASSWORD}@nfs-offsite.example.org:/srv/xo-mirror",
            True,
            None,
        ),
        "usb": (estate.REPOSITORY_DISABLED, "file:///mnt/usb-backup", False, None),
        "smb": (
            estate.REPOSITORY_BROKEN,
            "smb://xo-backup:obfuscated-Zm9vYmFyYmF6cXV4@PARIS\\\\10.0.8.20\\\\xo-backups",
            True,
            "connect EHOSTUNREACH 10.0.8.20:445",
        ),
    }
    for role, (name, url, enabled, error) in remotes.items():
        remote: JsonObject = {"id": ctx.uuid(), "name": name, "url": url, "enabled": enabled}
        if error is not None:
            remote["error"] = error
        if role == "mirror":
            remote["proxy"] = proxy_id
        if role in {"nas", "s3"}:
            remote["benchmarks"] = [
                {
                    "readRate": 180_000_000.0 + 1_000_000 * day + (0.5 if role == "s3" else 0.25),
                    "timestamp": ctx.now_ms - day * DAY_S * 1000,
                    "writeRate": 95_000_000.0 + 750_000 * day + 0.125,
                }
                for day in range(3, 0, -1)
            ]
        ctx.inventory.add("backup-repositories", remote)
        plan.remotes[role] = remote
    proxy_vm = next((vm["id"] for vm in ctx.inventory.vms.values() if vm["name_label"].startswith("backup-proxy")), "")
    plan.proxy = {
        "name": "Proxy Montreal",
        "vmUuid": proxy_vm or ctx.uuid(),
        "id": proxy_id,
        # As XO stores it: the proxy's authentication token in the URL's userinfo.
        "url": f"https://{PROXY_URL_TOKEN}@10.1.7.238/",
        "version": "0.29.29",
    }
    ctx.inventory.add("proxies", plan.proxy)


# VM selection ------------------------------------------------------------------------------------


def _tag_candidates(candidates: list[JsonObject]) -> None:
    """Give a bounded sample of VMs the tags smart-mode jobs select on (tag lists are shared: replace)."""
    shared: dict[tuple[str, ...], list[str]] = {}
    snap = 0
    daily = 0
    for position, vm in enumerate(candidates):
        role = vm["name_label"].rsplit("-", 1)[0]
        extra: list[str] = []
        if role in _PROD_ROLES and position % 5 != 4:
            extra.append("backup-daily")
            daily += 1
            if daily == 2:
                extra.append(estate.NO_BACKUP_TAG_WITH_REASON)
        if role in {"app", "api"} and snap < 8:
            extra.append("backup-snap")
            snap += 1
        if role in _INFRA_ROLES:
            extra.append("backup-weekly")
        if extra:
            tags = (*vm["tags"], *extra)
            vm["tags"] = shared.setdefault(tags, list(tags))
