"""XO's own rules, as its code applies them (CONTRACT-2), shared by every tool that needs one.

Kept in one place so a listing, a health check and a backup overview can never disagree about what a
writable SR, a replica or a no-backup tag is.
"""

from __future__ import annotations

from collections.abc import Sized
from typing import Literal

from xo_mcp.coerce import JsonObject, as_dict, as_list, as_number

SR_WARNING_PERCENT = 80.0
SR_CRITICAL_PERCENT = 90.0
"""XO 5's Health view colours an SR's usage with a <meter low=80 high=90>: green below 80 %, yellow from
80 % to 90 %, red above 90 %."""

SrLevel = Literal["ok", "warning", "critical"]


def sr_is_writable(sr: JsonObject) -> bool:
    """An SR XO counts as storage: a size, and not an ISO library (udev SRs included)."""
    size = as_number(sr.get("size"))
    return size is not None and size > 0 and sr.get("content_type") != "iso"


def sr_usage_percent(sr: JsonObject) -> float | None:
    """Physical usage over size, in percent (None for an SR without a size)."""
    size, used = as_number(sr.get("size")), as_number(sr.get("physical_usage"))
    if size is None or size <= 0 or used is None:
        return None
    return used / size * 100


def sr_level(percent: float) -> SrLevel:
    if percent > SR_CRITICAL_PERCENT:
        return "critical"
    if percent >= SR_WARNING_PERCENT:
        return "warning"
    return "ok"


def patches_not_checked(host: JsonObject, patches: Sized) -> bool:
    """XO answers `[]` for a host it could not query (a halted host, CONTRACT-2 §7): empty means "not checked"
    unless the host runs."""
    return not patches and host.get("power_state") != "Running"


def is_replica(vm: JsonObject) -> bool:
    """A VM made by a replication job (CR/DR): start blocked and `other['xo:backup:job']` set."""
    return bool(as_dict(vm.get("blockedOperations")).get("start")) and bool(
        as_dict(vm.get("other")).get("xo:backup:job")
    )


def has_no_bak_tag(vm: JsonObject) -> bool:
    """Tagged `xo:no-bak` or `xo:no-bak=<reason>`: backup jobs skip it and XO counts it nowhere."""
    return any(isinstance(tag, str) and tag.split("=", 1)[0] == "xo:no-bak" for tag in as_list(vm.get("tags")))
