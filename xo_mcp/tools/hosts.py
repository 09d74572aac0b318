"""get_host_details: what an administrator checks on one hypervisor host (CONTRACT.md §6, CONTRACT-2 §7):
state, hardware, load, uptime, reboot and patch status, certificate and licence expiry, active alarms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from xo_mcp.arguments import XoId
from xo_mcp.arguments import object_id as id_of
from xo_mcp.client import XoClient
from xo_mcp.coerce import JsonObject, as_bool, as_dict, as_dicts, as_int, as_list, as_str, seconds_to_datetime, utc_text
from xo_mcp.errors import XoForbidden
from xo_mcp.formatting import count_of, fmt_bytes, fmt_duration, fmt_percent1, fmt_when, inline
from xo_mcp.tools.alarms import ALARM_FIELDS, MAX_ALARMS, AlarmLine, alarm_line, newest, render_alarm
from xo_mcp.tools.base import Answer, NamedRef, Part, Parts, XoContext, app_state, tool
from xo_mcp.tools.inventory import HOST
from xo_mcp.tools.names import names_of
from xo_mcp.tools.rules import patches_not_checked

MAX_PATCH_NAMES = 10
SOON_DAYS = 30
"""A certificate or licence expiring within this many days is flagged."""

PatchStatus = Literal["up to date", "missing", "not checked", "not in plan", "unknown"]


class Expiry(BaseModel):
    what: str
    at: str | None = Field(default=None, description="UTC; absent: no expiry date")
    days_left: int | None = None


class HostDetails(Answer):
    id: str
    name: str
    pool: NamedRef | None = None
    power_state: str
    enabled: bool | None = None
    product: str | None = None
    address: str | None = None
    cpu: str | None = None
    cores: int | None = None
    memory_size: int | None = None
    memory_usage: int | None = None
    vms: int | None = Field(default=None, description="VMs resident, control domain excluded")
    started: str | None = None
    uptime_s: float | None = None
    reboot_required: bool | None = None
    patches: PatchStatus
    patch_count: int | None = None
    patch_names: list[str] = []
    patches_reason: str | None = None
    expiries: list[Expiry] = []
    alarms: list[AlarmLine] = []
    alarms_total: int | None = None
    alarms_reason: str | None = Field(default=None, description="why the alarms are unknown")

    def render(self) -> str:
        state = self.power_state
        if self.enabled is False:
            state += ", disabled (maintenance mode)"
        elif self.enabled:
            state += ", enabled"
        pool = f"; pool {inline(self.pool.label)}" if self.pool else ""
        lines = [f"Host {inline(self.name)} (id {self.id}): {state}{pool}"]
        lines.append(" · ".join(part for part in (self.product, self._cpu(), self._memory()) if part))
        lines.append(" · ".join(self._load()))
        lines.append(f"Reboot required: {_yes_no(self.reboot_required)}")
        lines.append(self._patches())
        lines.extend(_expiry_line(expiry) for expiry in self.expiries)
        lines.append(self._alarms())
        return "\n".join(lines)

    def _cpu(self) -> str | None:
        if not self.cpu and self.cores is None:
            return None
        cores = f", {count_of(self.cores, 'core')}" if self.cores is not None else ""
        return f"CPU {inline(self.cpu or 'unknown model')}{cores}"

    def _memory(self) -> str | None:
        if not self.memory_size:
            return None
        if self.memory_usage is None:
            return f"memory {fmt_bytes(self.memory_size)}"
        share = fmt_percent1(self.memory_usage / self.memory_size * 100)
        return f"memory {fmt_bytes(self.memory_usage)} used of {fmt_bytes(self.memory_size)} ({share})"

    def _load(self) -> list[str]:
        parts = [f"resident VMs: {self.vms if self.vms is not None else 'unknown'}"]
        if self.started and self.uptime_s is not None:
            parts.append(f"up {fmt_duration(self.uptime_s)} (since {self.started})")
        elif self.power_state != "Running":
            parts.append("not running")
        if self.address:
            parts.append(f"address {self.address}")
        return parts

    def _patches(self) -> str:
        if self.patches == "missing":
            names = ", ".join(inline(name) for name in self.patch_names)
            more = (self.patch_count or 0) - len(self.patch_names)
            return f"Missing patches: {self.patch_count} — {names}" + (f" (+{more} more)" if more > 0 else "")
        if self.patches == "up to date":
            return "Missing patches: none (up to date)"
        return f"Missing patches: {self.patches} ({self.patches_reason})"

    def _alarms(self) -> str:
        if self.alarms_total is None:
            return f"Alarms: unknown ({self.alarms_reason or 'not fetched'})"
        if not self.alarms_total:
            return "Alarms: none"
        shown = "; ".join(render_alarm(alarm, subject_id=self.id) for alarm in self.alarms)
        count = f"{self.alarms_total}, newest {len(self.alarms)} shown" if self.alarms_total > len(self.alarms) else ""
        return f"Alarms ({count or self.alarms_total}): {shown}"


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else "yes" if value else "no"


def _expiry_line(expiry: Expiry) -> str:
    if expiry.at is None:
        return f"{expiry.what}: no expiry date"
    days = expiry.days_left
    flag = (
        " — EXPIRED"
        if days is not None and days < 0
        else " — expires soon"
        if days is not None and days <= SOON_DAYS
        else ""
    )
    return f"{expiry.what}: expires {expiry.at}{flag}"


@tool(title="Host details")
async def get_host_details(ctx: XoContext, host_id: Annotated[XoId, id_of(HOST)]) -> HostDetails:
    """One host: pool, power state, maintenance, version, CPU, memory, resident VMs, uptime, reboot required,
    missing patches, certificate and licence expiry, alarms. For "does host X need a reboot or patches?".
    """
    client = app_state(ctx).client
    host = await client.get_object(host_id)
    parts = Parts()
    pool_id = as_str(host.get("$pool"))
    pool = parts.add("pool", _named_pool(client, pool_id)) if pool_id else None
    patches = parts.add("missing patches", _missing_patches(client, host_id))
    stream = client.iter_objects("alarms", fields=ALARM_FIELDS, parent=host_id)
    alarms = parts.add("alarms", newest(stream, MAX_ALARMS))
    await parts.gather()
    return _details(host, pool, patches, alarms, datetime.now(UTC))


@dataclass(frozen=True)
class NotInPlan:
    """XO's plan restriction on missing patches (403 with a feature code), not a lack of privileges."""

    message: str


async def _missing_patches(client: XoClient, host_id: XoId) -> list[JsonObject] | NotInPlan:
    try:
        return await client.get_list(host_id, "missing_patches", endpoint="missing patches")
    except XoForbidden as exc:
        if exc.feature_code is None:
            raise
        return NotInPlan(exc.message)


async def _named_pool(client: XoClient, pool_id: str) -> NamedRef:
    return NamedRef(id=pool_id, name=(await names_of(client, "pools", [pool_id])).get(pool_id))


def _details(
    host: JsonObject,
    pool: Part[NamedRef] | None,
    patches: Part[list[JsonObject] | NotInPlan],
    alarms: Part[tuple[list[JsonObject], int]],
    now: datetime,
) -> HostDetails:
    power_state = as_str(host.get("power_state")) or "Unknown"
    memory = as_dict(host.get("memory"))
    cpus, cpu_info = as_dict(host.get("cpus")), as_dict(host.get("CPUs"))
    started = seconds_to_datetime(host.get("startTime"))
    running = power_state == "Running"
    brand, version = as_str(host.get("productBrand")), as_str(host.get("version"))
    details = HostDetails(
        id=str(host.get("id")),
        name=as_str(host.get("name_label")) or str(host.get("id")),
        pool=pool.value if pool and pool.value else NamedRef(id=str(host["$pool"])) if host.get("$pool") else None,
        power_state=power_state,
        enabled=as_bool(host.get("enabled")),
        product=" ".join(part for part in (brand, version) if part) or None,
        address=as_str(host.get("address")),
        cpu=as_str(cpu_info.get("modelname")),
        cores=as_int(cpus.get("cores")),
        memory_size=as_int(memory.get("size")) or None,
        # XO reports usage 0 when the host is not running: unknown, not idle.
        memory_usage=as_int(memory.get("usage")) if running else None,
        vms=_resident_vms(host),
        started=utc_text(started) if started and running else None,
        uptime_s=(now - started).total_seconds() if started and running else None,
        reboot_required=as_bool(host.get("rebootRequired")),
        patches="unknown",
        expiries=_expiries(host, now),
        alarms=[alarm_line(alarm) for alarm in alarms.value[0]] if alarms.value else [],
        alarms_total=alarms.value[1] if alarms.value else None,
        alarms_reason=alarms.error,
    )
    _patch_status(details, patches, host)
    return details


def _resident_vms(host: JsonObject) -> int | None:
    # residentVms includes the host's own control domain (CONTRACT-2 §7).
    resident = host.get("residentVms")
    if not isinstance(resident, list):
        return None
    return len([vm for vm in resident if vm != host.get("controlDomain")])


def _patch_status(details: HostDetails, patches: Part[list[JsonObject] | NotInPlan], host: JsonObject) -> None:
    if patches.error is not None:
        details.patches_reason = patches.error
        return
    if isinstance(patches.value, NotInPlan):
        details.patches, details.patches_reason = "not in plan", patches.value.message
        return
    found = patches.value or []
    if found:
        details.patches, details.patch_count = "missing", len(found)
        details.patch_names = [_patch_name(patch) for patch in found[:MAX_PATCH_NAMES]]
    elif patches_not_checked(host, found):
        details.patches = "not checked"
        details.patches_reason = f"the host is {details.power_state}: XO cannot ask it, and answers an empty list"
    else:
        details.patches = "up to date"


def _patch_name(patch: JsonObject) -> str:
    """`xapi-core 25.6.0-1.11.xcpng8.3` (XCP-ng) or `XS84E011` (XenServer)."""
    name = as_str(patch.get("name")) or "unnamed patch"
    version = "-".join(part for part in (as_str(patch.get("version")), as_str(patch.get("release"))) if part)
    return f"{name} {version}" if version else name


def _expiries(host: JsonObject, now: datetime) -> list[Expiry]:
    found = []
    for number, certificate in enumerate(as_dicts(host.get("certificates")), start=1):
        what = "TLS certificate" if len(as_list(host.get("certificates"))) == 1 else f"TLS certificate {number}"
        found.append(_expiry(what, seconds_to_datetime(certificate.get("notAfter")), now))
    if "license_expiry" in host:
        # null: no expiry date (XCP-ng hosts have none; CONTRACT-2 §7 "s or null").
        found.append(_expiry("Licence", seconds_to_datetime(host.get("license_expiry")), now))
    return found


def _expiry(what: str, moment: datetime | None, now: datetime) -> Expiry:
    if moment is None:
        return Expiry(what=what)
    return Expiry(what=what, at=fmt_when(moment, now), days_left=(moment - now).days)


TOOLS = (get_host_details,)
