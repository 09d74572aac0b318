"""Where our start-up time goes: the interpreter, the `mcp` SDK (and what it pulls in), our code, our other deps.

Python's ``-X importtime`` (``PYTHONPROFILEIMPORTTIME=1``) prints one line per imported module with its own
("self") time. The real server is started once with it on; each module is then attributed to the first of:
the bare interpreter (modules imported by ``python -c pass``), the SDK (modules imported by
``import mcp.server.mcpserver``), our package (``xo_mcp``), or our other dependencies. Profiling slows every
import by a similar factor, so the figure reported is the share of each group, not its absolute time.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

SDK_IMPORT = "import mcp.server.mcpserver"
OUR_PACKAGE = "xo_mcp"


@dataclass(frozen=True)
class ImportShares:
    """Self import time per group, in milliseconds (under the profiler)."""

    interpreter_ms: float
    sdk_ms: float
    ours_ms: float
    other_deps_ms: float
    top_ours: list[tuple[str, float]]
    top_other: list[tuple[str, float]]

    @property
    def total_ms(self) -> float:
        return self.interpreter_ms + self.sdk_ms + self.ours_ms + self.other_deps_ms

    def share(self, group_ms: float) -> float:
        return group_ms / self.total_ms if self.total_ms else 0.0


def parse_importtime(text: str) -> dict[str, float]:
    """Module name -> self time in ms, from ``-X importtime`` lines (other stderr lines are ignored)."""
    modules: dict[str, float] = {}
    for line in text.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) != 3:
            continue
        self_us, name = parts[0].strip(), parts[2].strip()
        if not self_us.isdigit():
            continue  # the header line
        modules.setdefault(name, int(self_us) / 1000.0)
    return modules


def modules_imported_by(python: str, code: str) -> set[str]:
    done = subprocess.run(
        [python, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(parse_importtime(done.stderr))


def attribute(server_profile: dict[str, float], interpreter: set[str], sdk: set[str]) -> ImportShares:
    groups = {"interpreter": 0.0, "sdk": 0.0, "ours": 0.0, "other": 0.0}
    ours: list[tuple[str, float]] = []
    other: list[tuple[str, float]] = []
    for name, self_ms in server_profile.items():
        if name in interpreter:
            groups["interpreter"] += self_ms
        elif name in sdk:
            groups["sdk"] += self_ms
        elif name == OUR_PACKAGE or name.startswith(OUR_PACKAGE + "."):
            groups["ours"] += self_ms
            ours.append((name, self_ms))
        else:
            groups["other"] += self_ms
            other.append((name.split(".")[0], self_ms))
    by_package: dict[str, float] = {}
    for package, self_ms in other:
        by_package[package] = by_package.get(package, 0.0) + self_ms
    return ImportShares(
        interpreter_ms=groups["interpreter"],
        sdk_ms=groups["sdk"],
        ours_ms=groups["ours"],
        other_deps_ms=groups["other"],
        top_ours=sorted(ours, key=lambda item: -item[1])[:5],
        top_other=sorted(by_package.items(), key=lambda item: -item[1])[:5],
    )
