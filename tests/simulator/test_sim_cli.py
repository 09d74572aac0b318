"""`xo-mcp simulate`: prints where it listens and how to log in, serves, and stops on SIGTERM."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from xo_mcp.simulator.cli import main


def test_serves_until_sigterm(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"pools": [{"id": "p1", "name_label": "Only pool", "$pool": "p1"}]}))
    command = [sys.executable, "-m", "xo_mcp", "simulate", "--port", "0", "--inventory", str(inventory)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        banner = ""
        while "Ctrl-C" not in banner:
            line = process.stderr.readline()
            assert line, f"the simulator exited early: {banner}"
            banner += line
        url = re.search(r"(http://127\.0\.0\.1:\d+)/rest/v0", banner)
        assert url is not None
        assert "admin@admin.net / admin" in banner
        token = re.search(r"token (\S+)", banner)
        assert token is not None
        response = httpx.get(f"{url.group(1)}/rest/v0/pools", headers={"Cookie": f"authenticationToken={token[1]}"})
        assert response.json() == ["/rest/v0/pools/p1"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def test_unreadable_inventory_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--inventory", str(tmp_path / "missing.json")]) == 2
    assert "cannot build the inventory" in capsys.readouterr().err


def test_estate_options_are_parsed() -> None:
    from xo_mcp.simulator.cli import _parser

    options = _parser().parse_args(
        [
            "--no-dashboards",
            "--backup-jobs",
            "20",
            "--backup-runs",
            "300",
            "--now",
            "1760000000",
            "--slow-dashboard-ms",
            "50",
        ]
    )
    assert options.no_dashboards and options.backup_jobs == 20 and options.backup_runs == 300
    assert options.now == 1_760_000_000.0 and options.slow_dashboard_ms == 50.0
    assert _parser().parse_args(["--now", "now"]).now > 1_700_000_000
    with pytest.raises(SystemExit):
        _parser().parse_args(["--now", "yesterday"])
