"""Structured content of every infrastructure tool (their outputSchema)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ObjectList(BaseModel):
    """A page of XO objects, each with its id and the requested fields (sizes in bytes)."""

    items: list[dict[str, Any]]
    returned: int
    total: int | None = Field(default=None, description="objects matching the filter, when known")
    total_at_least: int | None = Field(default=None, description="set instead of total when too many to count")
    offset: int = 0
    truncated: bool = Field(description="true when more objects match than were returned")
    next_offset: int | None = None
    missing_fields: list[str] | None = Field(default=None, description="requested fields present on no object")


class PoolCounts(BaseModel):
    total: int
    names: list[str]


class HostCounts(BaseModel):
    total: int
    running: int
    halted: int
    other: int
    by_power_state: dict[str, int]


class VmCounts(BaseModel):
    total: int
    running: int
    halted: int
    other: int
    other_breakdown: dict[str, int]


class InfrastructureSummary(BaseModel):
    pools: PoolCounts
    hosts: HostCounts
    vms: VmCounts


class ConnectionReport(BaseModel):
    xo_url: str
    connected: bool
    authenticated: bool
    auth_method: str
    round_trip_ms: float
    rest_api_version: str | None = None
    mcp_access: str = Field(description="enabled, disabled, or unknown (XO older than 6.5)")
    tls: str


class NamedRef(BaseModel):
    id: str
    name: str | None = None


class Disk(BaseModel):
    name: str | None = None
    size: int | None = Field(default=None, description="bytes")
    usage: int | None = Field(default=None, description="bytes")
    sr: str | None = None


class AlarmLine(BaseModel):
    name: str
    value: str | None = None
    time: str | None = None
    object_type: str | None = None
    object_id: str | None = None


class VmDetails(BaseModel):
    id: str
    name_label: str
    name_description: str | None = None
    power_state: str
    host: NamedRef | None = None
    pool: NamedRef | None = None
    vcpus: int | None = None
    vcpus_max: int | None = None
    memory_size: int | None = Field(default=None, description="bytes")
    memory_usage: int | None = Field(default=None, description="bytes, from guest metrics")
    memory_static_max: int | None = Field(default=None, description="bytes")
    os: str | None = None
    main_ip: str | None = None
    ips: list[str] = []
    guest_tools: str | None = None
    virtualization_mode: str | None = None
    auto_poweron: bool | None = None
    high_availability: str | None = None
    disks: list[Disk] = []
    vifs: int = 0
    tags: list[str] = []
    snapshots: int = 0
    started: str | None = None
    alarms: list[AlarmLine] = []
    notes: list[str] = Field(default=[], description="parts that could not be fetched")


class HostStatus(BaseModel):
    running: int
    disabled: int
    halted: int
    total: int


class VmStatus(BaseModel):
    running: int
    halted: int
    paused: int
    suspended: int
    total: int


class UsageLine(BaseModel):
    id: str
    name: str | None = None
    percent: float | None = None
    used: int | None = Field(default=None, description="bytes")
    size: int | None = Field(default=None, description="bytes")


class PoolDashboard(BaseModel):
    pool: NamedRef
    hosts: HostStatus | None = None
    vms: VmStatus | None = None
    top_hosts_ram: list[UsageLine] = []
    top_hosts_cpu: list[UsageLine] = []
    top_vms_ram: list[UsageLine] = []
    top_vms_cpu: list[UsageLine] = []
    srs: list[UsageLine] = []
    cpu_provisioning: dict[str, float] | None = None
    alarms_total: int = 0
    alarms: list[AlarmLine] = []
    missing_patches: int | None = Field(default=None, description="None when the XOA plan does not allow the check")
    notes: list[str] = []
