"""The tools, one module per domain; this list is what `build_server()` registers.

A domain module declares its tools with `@tool(...)` (see `base.py`) and lists them in `TOOLS`; it may
offer resource templates in `RESOURCES`. Adding a tool is one module (or a function in one), one test file
and one README row: the server, the contract tests and the README check pick it up from here.
"""

from __future__ import annotations

from types import ModuleType

from xo_mcp.tools import (
    alarms,
    backups,
    connection,
    dashboard,
    docs,
    health,
    hosts,
    inventory,
    objects,
    snapshots,
    storage,
    summary,
    tasks,
    vm_details,
)
from xo_mcp.tools.base import ResourceDef, ToolDef

MODULES: tuple[ModuleType, ...] = (
    connection,
    summary,
    inventory,
    dashboard,
    vm_details,
    backups,
    storage,
    alarms,
    tasks,
    snapshots,
    hosts,
    health,
    objects,
    docs,
)

TOOLS: tuple[ToolDef, ...] = tuple(tool for module in MODULES for tool in module.TOOLS)
RESOURCES: tuple[ResourceDef, ...] = tuple(r for module in MODULES for r in getattr(module, "RESOURCES", ()))

_names = [tool.name for tool in TOOLS]
assert len(set(_names)) == len(_names), f"two tools share a name: {sorted(_names)}"
