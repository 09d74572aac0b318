"""list_snapshots: VM snapshots oldest first, with the VM they belong to, their age in days and the backup
job that made them (CONTRACT-2 §6: VM-snapshot `snapshot_time`, `$snapshot_of`, `other['xo:backup:job']`)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, Field, PrivateAttr

from xo_mcp.arguments import Offset, XoId, object_id, page_size
from xo_mcp.client import XoClient
from xo_mcp.coerce import JsonObject, as_dict, as_number, as_str, seconds_to_datetime, utc_text
from xo_mcp.formatting import cell_text, count_of, inline, table
from xo_mcp.tools.base import XoContext, app_state, gather, tool
from xo_mcp.tools.inventory import VM
from xo_mcp.tools.listing import Page, first_by
from xo_mcp.tools.names import known_names
from xo_mcp.xo_filters import all_of, quoted

SNAPSHOTS_DEFAULT_LIMIT = 50
SNAPSHOTS_MAX_LIMIT = 500
MAX_AGE_DAYS = 3650
BACKUP_JOB_KEY = "xo:backup:job"
SNAPSHOT_FIELDS = ("id", "name_label", "snapshot_time", "$snapshot_of", "$pool", f"other.{BACKUP_JOB_KEY}")

AgeInDays = Annotated[
    int | None,
    Field(strict=True, ge=0, le=MAX_AGE_DAYS, description="Only snapshots taken more than this many days ago."),
]


class SnapshotRow(BaseModel):
    id: str
    name: str
    vm_id: str | None = Field(default=None, description="absent: the VM is gone (orphaned snapshot)")
    vm: str | None = None
    taken: str | None = None
    age_days: int | None = None
    backup_job_id: str | None = None
    backup_job: str | None = None


class SnapshotList(Page):
    items: list[SnapshotRow]

    _scope: str = PrivateAttr(default="")
    _narrowed: bool = PrivateAttr(default=False)

    def render(self) -> str:
        note = self.note("VM snapshot", "VM snapshots", None if self._narrowed else "vm_id or older_than_days")
        lines = [f"{self._scope}: {note}" if self._scope else note]
        if self.items:
            lines[0] += " Oldest first."
            rows = (_cells(row) for row in self.items)
            lines.append(table(["snapshot", "VM", "taken", "age (days)", "made by", "id"], rows))
        return "\n".join(lines)


def _cells(row: SnapshotRow) -> list[str]:
    vm = row.vm or row.vm_id or "none (orphaned)"
    made_by = ""
    if row.backup_job_id:
        made_by = f"backup job {row.backup_job}" if row.backup_job else f"backup job id {row.backup_job_id}"
    cells = [row.name, vm, row.taken or "unknown", "" if row.age_days is None else str(row.age_days), made_by]
    return [cell_text(text) for text in cells] + [row.id]


@tool(title="List VM snapshots", example={"limit": 5})
async def list_snapshots(
    ctx: XoContext,
    vm_id: Annotated[XoId | None, object_id(VM)] = None,
    older_than_days: AgeInDays = None,
    limit: Annotated[int, page_size(SNAPSHOTS_MAX_LIMIT)] = SNAPSHOTS_DEFAULT_LIMIT,
    offset: Offset = 0,
) -> SnapshotList:
    """VM snapshots oldest first: VM, name, date, age in days, the backup job that made it. For "which VMs
    carry old snapshots?" (older_than_days=30).
    """
    client = app_state(ctx).client
    now = datetime.now(UTC)
    terms, scope = [], []
    if vm_id is not None:
        # The VM first: an unknown id is one clear answer naming list_vms, not an empty list.
        vm = await client.get_object(vm_id)
        terms.append(f"$snapshot_of:{quoted(vm_id)}")
        scope.append(f"VM {inline(as_str(vm.get('name_label')) or vm_id)}")
    if older_than_days is not None:
        cutoff = (now - timedelta(days=older_than_days)).timestamp()
        terms.append(f"snapshot_time:<{math.floor(cutoff)}")
        scope.append(f"older than {count_of(older_than_days, 'day')}")
    stream = client.iter_objects("vm-snapshots", fields=SNAPSHOT_FIELDS, filter=all_of(*terms))
    kept, total = await _oldest(stream, offset + limit)
    items = [_row(snapshot, now) for snapshot in kept[offset:]]
    await _name(client, items)
    result = SnapshotList(
        items=items,
        **Page.of(returned=len(items), total=total, offset=offset),
    )
    result._scope = ", ".join(scope)
    result._narrowed = bool(scope)
    return result


async def _oldest(snapshots: AsyncIterable[JsonObject], count: int) -> tuple[list[JsonObject], int]:
    """The ``count`` oldest snapshots (XO's order on ties) and how many there were, holding ``count`` at most."""
    return await first_by(snapshots, count, lambda snapshot: -(as_number(snapshot.get("snapshot_time")) or 0.0))


def _row(snapshot: JsonObject, now: datetime) -> SnapshotRow:
    taken = seconds_to_datetime(snapshot.get("snapshot_time"))
    return SnapshotRow(
        id=str(snapshot.get("id")),
        name=as_str(snapshot.get("name_label")) or str(snapshot.get("id")),
        vm_id=as_str(snapshot.get("$snapshot_of")),
        taken=utc_text(taken),
        age_days=(now - taken).days if taken else None,
        backup_job_id=as_str(as_dict(snapshot.get("other")).get(BACKUP_JOB_KEY)),
    )


async def _name(client: XoClient, rows: list[SnapshotRow]) -> None:
    """VM and backup job names of the rows shown; ids stay where XO does not give a name."""
    vms, jobs = await gather(
        known_names(client, "vms", (row.vm_id for row in rows if row.vm_id)),
        known_names(client, "backup-jobs", (row.backup_job_id for row in rows if row.backup_job_id), label="name"),
    )
    for row in rows:
        row.vm = vms.get(row.vm_id or "")
        row.backup_job = jobs.get(row.backup_job_id or "")


TOOLS = (list_snapshots,)
