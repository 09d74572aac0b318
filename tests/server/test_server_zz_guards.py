"""Suite-wide guards, run after every other test (see conftest): what reached XO, and what leaked."""

from __future__ import annotations

from .conftest import SECRETS, SIMULATORS
from .mcp_harness import STDERR_FILES, TRANSCRIPT


def test_only_get_reached_xo() -> None:
    # The server marks its requests with X-XO-Client: mcp; tests that poke the simulator directly don't.
    records = [record for state in SIMULATORS for record in state.requests if record.client == "mcp"]
    assert len(records) > 50, "the server tests should have sent many requests"
    assert {record.method for record in records} == {"GET"}


def test_no_credential_in_any_answer_or_log() -> None:
    assert len(TRANSCRIPT) > 100 and STDERR_FILES
    logs = [path.read_text(errors="replace") for path in STDERR_FILES if path.exists()]
    assert any("Tool" in log for log in logs), "servers log tool failures on stderr at INFO"
    for secret in SECRETS:
        for text in TRANSCRIPT:
            assert secret not in text
        for log in logs:
            assert secret not in log
