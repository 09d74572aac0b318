"""Backup routes with rules of their own (CONTRACT-2 §2–§5, §8): archives and their `backup-repository`
query, repository health, the two log stores' cross-404s, a VM's backup jobs, and the deprecated
`/backup/...` and `/restore/...` twins (their single-object routes are admin only)."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.responses import RedirectResponse, Response

from xo_mcp.simulator.auth import User
from xo_mcp.simulator.backup_rules import selects_vm, usable_archives
from xo_mcp.simulator.errors import (
    SimulatedError,
    invalid_query,
    no_such_object,
    not_enough_permissions,
)
from xo_mcp.simulator.kinds import KINDS, Kind
from xo_mcp.simulator.rest_base import PREFIX, Items, Params, RestBase, json_response, where

DEPRECATED_JOB_TYPES = {"vm": "backup", "metadata": "metadataBackup", "mirror": "mirrorBackup"}
_ARCHIVE_ID = re.compile(r"[^/]+/+xo-vm-backups/[^/]+/[^/]+\.json")


class BackupRoutes(RestBase):
    # Archives ----------------------------------------------------------------------------------

    def _archives(self, user: User, params: Params) -> Response:
        """`backup-repository` absent: nothing; `*`: every repository; an unknown id: 404. Disabled and
        failing repositories are skipped."""
        raw = params.get("backup-repository")
        kind = KINDS["backup-archives"]
        href = f"{PREFIX}/backup-archives"
        rest = {key: value for key, value in params.items() if key != "backup-repository"}
        if raw is None:
            return self._collection(user, kind, [], rest, href)
        if isinstance(raw, dict) or (isinstance(raw, list) and not all(isinstance(item, str) for item in raw)):
            raise invalid_query({"backup-repository": {"message": "invalid array", "value": raw}})
        wanted = [raw] if isinstance(raw, str) else list(raw)
        repositories = self.state.inventory.backup_repositories
        if "*" in wanted:
            chosen = None
        else:
            for remote_id in wanted:
                if remote_id not in repositories:
                    raise no_such_object("remote", remote_id)
            chosen = wanted
        items = ((archive["id"], archive) for archive in usable_archives(self.state.inventory, chosen))
        return self._collection(user, kind, items, rest, href)

    def _archive(self, user: User, archive_id: str) -> Response:
        kind = KINDS["backup-archives"]
        if not _ARCHIVE_ID.fullmatch(archive_id):
            raise no_such_object(kind.type_word, archive_id)
        return self._single(user, kind, archive_id)

    def _repository_health(self, user: User, remote_id: str) -> Response:
        remote = self._readable(user, KINDS["backup-repositories"], remote_id)
        if not remote.get("enabled"):
            raise SimulatedError(500, "remote is disabled")
        error = remote.get("error")
        if error:
            message = error.get("message", "remote error") if isinstance(error, dict) else str(error)
            raise SimulatedError(500, message)
        return json_response({"success": True})

    # Logs ----------------------------------------------------------------------------------------

    def _log(self, user: User, kind: Kind, log_id: str) -> Response:
        """Both stores share ids: an id of the other one is `no such object <its word>`."""
        inventory = self.state.inventory
        other = inventory.restore_logs if kind.collection == "backup-logs" else inventory.backup_logs
        if log_id not in inventory.collection(kind.collection) and log_id in other:
            word = "backup-log" if kind.collection == "backup-logs" else "restore-log"
            raise SimulatedError(404, f"no such object {word}", {"id": word})
        return self._single(user, kind, log_id)

    # A VM's jobs --------------------------------------------------------------------------------

    def _vm_backup_jobs(self, user: User, vm_id: str, params: Params) -> Response:
        """Type `backup` jobs selecting the VM, schedules ignored; the VM is looked up (404) only when
        there is at least one such job; no VM ACL, the jobs are filtered."""
        inventory = self.state.inventory
        jobs = [(job_id, job) for job_id, job in inventory.backup_jobs.items() if job.get("type") == "backup"]
        kind = KINDS["backup-jobs"]
        href = f"{PREFIX}/backup-jobs"
        if not jobs:
            return self._collection(user, kind, [], params, href)
        vm = self._lookup(KINDS["vms"], vm_id)
        items = [(job_id, job) for job_id, job in jobs if selects_vm(job, vm)]
        return self._collection(user, kind, items, params, href)

    # Deprecated twins ---------------------------------------------------------------------------

    def _deprecated_route(
        self, user: User, segments: list[str], lowered: list[str], params: Params, path: str
    ) -> Callable[[], Response] | None:
        inventory = self.state.inventory
        head, tail = lowered[0], lowered[1:2]
        if head == "restore" and tail == ["logs"] and len(segments) in {2, 3}:
            kind = KINDS["restore-logs"]
            if len(segments) == 3:
                return lambda: self._admin_only(user, lambda: self._log(user, kind, segments[2]))
            return lambda: self._admin_only(user, lambda: self._collection(user, kind, self._all(kind), params, path))
        if head != "backup":
            return None
        if tail == ["logs"] and len(segments) in {2, 3}:
            kind = KINDS["backup-logs"]
            if len(segments) == 3:
                return lambda: self._admin_only(user, lambda: self._log(user, kind, segments[2]))
            return lambda: self._collection(user, kind, inventory.backup_logs.items(), params, path)
        if tail == ["jobs"] and len(segments) == 3 and lowered[2] not in DEPRECATED_JOB_TYPES:
            target = f"{PREFIX}/backup/jobs/vm/{segments[2]}"
            return lambda: self._admin_only(user, lambda: RedirectResponse(target, status_code=308))
        if tail == ["jobs"] and len(segments) in {3, 4} and lowered[2] in DEPRECATED_JOB_TYPES:
            kind = KINDS["backup-jobs"]
            job_type = DEPRECATED_JOB_TYPES[lowered[2]]
            jobs = where(inventory.backup_jobs, lambda job: job.get("type") == job_type)
            if len(segments) == 4:
                return lambda: self._admin_only(user, lambda: self._typed_job(jobs, segments[3]))
            return lambda: self._collection(user, kind, jobs, params, path)
        return None

    @staticmethod
    def _admin_only(user: User, answer: Callable[[], Response]) -> Response:
        if not user.admin:
            raise not_enough_permissions()
        return answer()

    def _typed_job(self, jobs: Items, job_id: str) -> Response:
        found = dict(jobs).get(job_id)
        if found is None:
            if job_id in self.state.inventory.backup_jobs:
                raise no_such_object("backup-job", job_id)
            raise no_such_object("job", job_id)
        return json_response(found)
