"""The object kinds the simulator serves: URL segment, XO type word, ACL resource name."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    collection: str
    """URL segment under /rest/v0 and the inventory key, e.g. `vms`."""
    type_word: str
    """XO's type word, used in `no such <type> <id>` errors, e.g. `VM`."""
    resource: str
    """ACL resource name reported in `missingPrivileges`."""
    acl_scoped: bool = True
    """True: non-admins see the objects they may read (CONTRACT-2 §8: every collection now).
    False: non-admins get 403 `not enough permissions`."""


_ALL = (
    Kind("pools", "pool", "pool"),
    Kind("hosts", "host", "host"),
    Kind("vms", "VM", "vm"),
    Kind("srs", "SR", "sr"),
    Kind("networks", "network", "network"),
    Kind("vdis", "VDI", "vdi"),
    Kind("vm-templates", "VM-template", "vm-template"),
    Kind("vm-snapshots", "VM-snapshot", "vm-snapshot"),
    Kind("vm-controllers", "VM-controller", "vm-controller"),
    Kind("vifs", "VIF", "vif"),
    Kind("vbds", "VBD", "vbd"),
    Kind("vdi-snapshots", "VDI-snapshot", "vdi-snapshot"),
    Kind("pifs", "PIF", "pif"),
    Kind("pbds", "PBD", "pbd"),
    Kind("pcis", "PCI", "pci"),
    Kind("pgpus", "PGPU", "pgpu"),
    Kind("sms", "SM", "sm"),
    Kind("alarms", "alarm", "alarm"),
    Kind("messages", "message", "message"),
    Kind("tasks", "task", "task"),
    # CONTRACT-2 §3: an unknown id is `no such job <id>` (the job store is shared by every job type).
    Kind("backup-jobs", "job", "backup-job"),
    # CONTRACT-2 §4/§5: both log routes read XO's backup-ng log store.
    Kind("backup-logs", "backup-ng-log", "backup-log"),
    Kind("restore-logs", "backup-ng-log", "restore-log"),
    Kind("schedules", "schedule", "schedule"),
    Kind("backup-repositories", "remote", "backup-repository"),
    Kind("backup-archives", "backup-archive", "backup-archive"),
    # The contracts name no type word for these: XO's own getters' words (servers: `xenServer`).
    Kind("servers", "xenServer", "server"),
    Kind("proxies", "proxy", "proxy"),
    Kind("users", "user", "user"),
    Kind("groups", "group", "group"),
    Kind("acl-roles", "acl-role", "acl-role"),
    Kind("acl-privileges", "acl-privilege", "acl-privilege"),
)

KINDS: dict[str, Kind] = {kind.collection: kind for kind in _ALL}
COLLECTIONS: tuple[str, ...] = tuple(KINDS)
