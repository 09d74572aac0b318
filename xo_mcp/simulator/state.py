"""Everything a running simulator reads and tests may change on the fly."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xo_mcp.simulator.auth import Authenticator, User
from xo_mcp.simulator.credentials import (
    ADMIN_ID,
    ADMIN_PASSWORD,
    ADMIN_TOKEN,
    ADMIN_USERNAME,
    VIEWER_ID,
    VIEWER_PASSWORD,
    VIEWER_TOKEN,
    VIEWER_USERNAME,
)
from xo_mcp.simulator.faults import Faults
from xo_mcp.simulator.generator import generate_inventory
from xo_mcp.simulator.inventory import Inventory
from xo_mcp.simulator.request_log import RequestLog


def default_users(inventory: Inventory) -> list[User]:
    """The admin, and a viewer who may read the objects of the first pool only."""
    first_pool = next(iter(inventory.pools), None)
    viewer_pools = frozenset([first_pool] if first_pool is not None else [])
    return [
        User(ADMIN_ID, ADMIN_USERNAME, ADMIN_PASSWORD, ADMIN_TOKEN, admin=True),
        User(VIEWER_ID, VIEWER_USERNAME, VIEWER_PASSWORD, VIEWER_TOKEN, admin=False, pools=viewer_pools),
    ]


@dataclass
class SimulatorState:
    inventory: Inventory = field(default_factory=generate_inventory)
    users: list[User] | None = None
    """Defaults to `default_users(inventory)`."""
    faults: Faults = field(default_factory=Faults)
    requests: RequestLog = field(default_factory=RequestLog)
    mcp_enabled: bool = True
    """False: the MCP kill-switch is on (503 for `X-XO-Client: mcp`, /mcp/status answers 503)."""
    swagger_path: Path | None = None
    """Served at /rest/v0/docs/swagger.json when set; 404 otherwise."""
    base_latency_ms: float = 0.0
    """Added to every /rest/v0 request, before any fault."""
    missing_patches_authorized: bool = True
    """False: the XOA plan lacks LIST_MISSING_PATCHES (403 on missing_patches, dashboard says so)."""
    throttle_seconds: float = 2.0
    dashboard_routes: bool = True
    """False: /dashboard, /pools/{id}/dashboard and /vms/{id}/dashboard answer 404, as on an older XO."""
    dashboard_part_faults: dict[str, str] = field(default_factory=dict)
    """/dashboard part -> how it misbehaves: `expired` (the cached parts backups and backupRepositories
    answer stale, with `isExpired: true`), `absent` (a cached part missing: no key, `{}` in NDJSON),
    `error` (`{"error": true}` for storageRepositories, missingPatches, backupRepositories, backups; a 500
    for poolsStatus)."""
    slow_dashboard_parts_ms: float = 0.0
    """Delay before each slow /dashboard part in NDJSON mode (the fast keys are sent at once)."""
    hv_supported_versions: dict[str, str] | None = field(
        default_factory=lambda: {"XCP-ng": "8.3.0", "XenServer": "8.4.0"}
    )
    """Lowest supported version per product brand, for /dashboard's nHostsEol (XOA's list); None: an XO
    built from the sources, where nHostsEol is `{"isEmpty": true}`."""
    authenticator: Authenticator = field(init=False)

    def __post_init__(self) -> None:
        if self.users is None:
            self.users = default_users(self.inventory)
        if self.swagger_path is not None:
            self.swagger_path = Path(self.swagger_path)
        self.authenticator = Authenticator(self.users, self.throttle_seconds)

    def reset(self) -> None:
        """Back to a well-behaved server: no faults, empty log, no throttled users, MCP enabled, every
        dashboard route served promptly and whole."""
        self.faults.clear()
        self.requests.clear()
        self.authenticator.reset_throttle()
        self.mcp_enabled = True
        self.dashboard_routes = True
        self.dashboard_part_faults.clear()
        self.slow_dashboard_parts_ms = 0.0
