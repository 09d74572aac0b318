"""The official server for comparison: `@xen-orchestra/mcp` from npm, installed by the bench into a scratch folder.

Also fetches XO's OpenAPI spec from the npm package `@xen-orchestra/rest-api` (its ``open-api/spec/swagger.json``)
for the simulator to serve: the official server generates its tools from it at start-up. Nothing here is
committed: everything lands under ``bench/.scratch/`` (git-ignored).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from bench.driver import ServerCommand

SCRATCH = Path(__file__).resolve().parent / ".scratch"
MCP_PACKAGE = "@xen-orchestra/mcp"
MCP_VERSION = "1.4.2"
REST_API_PACKAGE = "@xen-orchestra/rest-api"
SPEC_MEMBER = "package/open-api/spec/swagger.json"
NPM_TIMEOUT_S = 300


@dataclass(frozen=True)
class Official:
    """A ready official server, or the reason it could not be prepared."""

    entry: Path | None
    version: str | None
    spec: Path | None
    spec_version: str | None
    node_version: str | None
    skipped: str | None = None

    @property
    def available(self) -> bool:
        return self.skipped is None and self.entry is not None

    def command(self, url: str, *, token: str, label: str = "official") -> ServerCommand:
        assert self.entry is not None
        node = shutil.which("node") or "node"
        return ServerCommand(label=label, command=node, args=(str(self.entry),), env={"XO_URL": url, "XO_TOKEN": token})


def _run(args: list[str], cwd: Path | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=NPM_TIMEOUT_S, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"`{' '.join(args[:3])} …` failed ({done.returncode}): {' | '.join(tail)}")
    return done.stdout.strip()


def _installed_version(prefix: Path) -> str | None:
    manifest = prefix / "node_modules" / MCP_PACKAGE / "package.json"
    try:
        version = json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    return str(version)


def install_official(version: str = MCP_VERSION) -> tuple[Path, str]:
    """Install the official server (once) and return its entry script and version."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not on PATH")
    prefix = SCRATCH / "official"
    if _installed_version(prefix) != version:
        prefix.mkdir(parents=True, exist_ok=True)
        _run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", f"{MCP_PACKAGE}@{version}"])
    installed = _installed_version(prefix)
    entry = prefix / "node_modules" / MCP_PACKAGE / "bin" / "xo-mcp.mjs"
    if installed is None or not entry.exists():
        raise RuntimeError(f"{MCP_PACKAGE} did not install into {prefix}")
    return entry, installed


def fetch_spec() -> tuple[Path, str]:
    """Download `@xen-orchestra/rest-api` with ``npm pack`` and extract its OpenAPI spec (once)."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not on PATH")
    folder = SCRATCH / "rest-api"
    spec = folder / "swagger.json"
    if not spec.exists():
        folder.mkdir(parents=True, exist_ok=True)
        listing = _run([npm, "pack", REST_API_PACKAGE, "--json", "--silent"], cwd=folder)
        tarball = folder / json.loads(listing)[0]["filename"]
        with tarfile.open(tarball) as archive:
            member = archive.extractfile(SPEC_MEMBER)
            if member is None:
                raise RuntimeError(f"{SPEC_MEMBER} missing from {tarball.name}")
            spec.write_bytes(member.read())
        tarball.unlink()
    info = json.loads(spec.read_text())
    return spec, str(info.get("info", {}).get("version", "?"))


def prepare_official() -> Official:
    """Everything the comparison needs, or a clear reason to skip it."""
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        return Official(None, None, None, None, None, skipped="node or npm is not installed: comparison skipped")
    try:
        node_version = _run([node, "--version"])
        major = int(node_version.lstrip("v").split(".")[0])
        if major < 20:
            return Official(None, None, None, None, node_version, skipped=f"node {node_version} < 20: skipped")
        entry, version = install_official()
        spec, spec_version = fetch_spec()
    except (RuntimeError, OSError, ValueError, KeyError, subprocess.TimeoutExpired, tarfile.TarError) as exc:
        return Official(None, None, None, None, None, skipped=f"official server unavailable ({exc}): skipped")
    return Official(entry, version, spec, spec_version, node_version)
