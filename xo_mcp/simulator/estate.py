"""Names of the generated estate's notable objects, so tests and demos can find them.

Every generated inventory (from 12 VMs on) holds these backup jobs and health-check cases; the
figures themselves are always recomputed from the inventory (tests/estate_truth.py), never assumed.
"""

from __future__ import annotations

# Backup jobs (CONTRACT-2 §3), one per scenario ------------------------------------------------------

JOB_DAILY_DELTA = "Daily prod delta"
"""Delta to two repositories; smart mode ($pool, tags with an exception); newest run pending (the job
has a `runId`), the newest finished one has a VM failing with VDI_IO_ERROR, older runs have a retried
VM and a VM missing from the tasks; health checks after each VM."""
JOB_WEEKLY_FULL = "Weekly databases full"
"""Full to one repository; explicit `{id: {__or}}` selection; an interrupted run three weeks ago."""
JOB_DR = "DR nightly"
"""Full to an SR (disaster recovery); explicit `{id}` selection; last runs fail with SR_BACKEND_FAILURE_44."""
JOB_CR = "CR databases"
"""Delta to an SR (continuous replication); smart mode on a tag; last run skipped (unhealthy VDI chain)."""
JOB_ROLLING = "App servers rolling snapshots"
"""Rolling snapshots every 4 hours (snapshotRetention 6); smart mode with `power_state` and `$pool` __and."""
JOB_MONTHLY = "Monthly archive snapshots"
"""Rolling snapshot, monthly: two runs ever, none in the last 7 days; its snapshots are old but kept by
an enabled schedule."""
JOB_LEGACY = "Legacy export"
"""Disabled (its only schedule is disabled); runs stopped 40 days ago; selects a VM that no longer exists."""
JOB_NO_MATCH = "Decommissioned apps"
"""Smart mode on a tag no VM carries: every run skipped with `no VMs match this pattern`."""
JOB_METADATA = "XO config and pool metadata"
JOB_MIRROR = "Offsite mirror"
"""Mirror of the first repository to the one whose URL carries a credential; last run interrupted."""
JOB_UNSCHEDULED = "Windows weekly"
"""Its enabled schedule is missing from `settings`: XO counts the job as disabled."""
JOB_BROKEN_REMOTE = "Paris SMB weekly"
"""Targets a repository XO cannot reach: runs fail on `get remote adapter`, with no VM task."""
FILLER_JOB_PREFIX = "Customer "
"""Extra jobs (`generate_inventory(backup_jobs=...)`), each an explicit selection of a few VMs."""

BACKUP_TAGS = ("backup-daily", "backup-snap", "backup-cr", "backup-weekly")
"""Tags smart-mode jobs select on; only a bounded sample of VMs carries them, at any estate size."""
NO_BACKUP_TAG_WITH_REASON = "xo:no-bak=scratch disks only"

# Backup repositories --------------------------------------------------------------------------------

REPOSITORY_NAS = "NAS Lyon (NFS)"
REPOSITORY_S3 = "Wasabi S3 offsite"
REPOSITORY_MIRROR = "Offsite NFS Montreal"
"""Its URL keeps a password in the userinfo part (XO does not obfuscate NFS URLs)."""
REPOSITORY_DISABLED = "USB disk (unplugged)"
REPOSITORY_BROKEN = "SMB Paris (unreachable)"

# Health checks (CONTRACT-2 §6): objects that trigger a check, and near-misses that must not -------

ORPHAN_VDI = "detached data disk"
ORPHAN_VDI_SNAPSHOT = "detached data disk (snapshot)"
HALF_PVS_CACHE = "PVS cache VDI"
"""Named like a PVS cache but described otherwise: still an orphan (both names must match)."""
PVS_CACHE_DESCRIPTION = "PVS cache VDI"
NOT_ORPHAN_VDIS = (
    "debian-12.7.0-amd64-netinst.iso",  # on an ISO SR
    "empty disk",  # size 0
    "PVS cache VDI",  # both names `PVS cache VDI`
    "Statefile for HA",  # VDI_type ha_statefile
    "USB backup stick",  # on a udev SR of non-zero size
)
"""Names of VBD-less VDIs each orphan rule excludes (plus every suspended VM's `Suspend image`)."""
DOM0_VDI = "XO CloudConfigDrive"
"""A VDI left attached to a control domain (a VDI snapshot of a backup is attached to another)."""
ORPHANED_SNAPSHOT = "decommissioned-vm before removal"
TOO_MANY_SNAPSHOTS_NAME = "pre-deploy #"
"""Seven manual snapshots `<vm> pre-deploy #n` on one VM (more than five)."""
FIVE_SNAPSHOTS_NAME = "checkpoint #"
"""Exactly five manual snapshots `<vm> checkpoint #n` on another VM (not more than five)."""
DUPLICATED_MAC_RUNNING = "02:5e:00:00:00:01"
"""On two running VMs (a clone), and twice on one of them."""
DUPLICATED_MAC_HALTED = "02:5e:00:00:00:02"
"""On two halted VMs: duplicated, but not on running VMs."""
DUPLICATED_MAC_MIXED = "02:5e:00:00:00:03"
"""On a running and a halted VM."""
MAC_CASE_NEAR_MISS = ("02:5e:00:00:00:04", "02:5E:00:00:00:04")
"""The same MAC spelled in two cases: grouping is exact, so not duplicated."""
