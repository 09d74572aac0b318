"""DocsLibrary.explain on a real index: errors and health checks link to the section that explains them."""

from __future__ import annotations

from pathlib import Path

import pytest

from xo_mcp.docs.library import DocsLibrary

TROUBLESHOOTING = "xo5/backup_troubleshooting.md"
MANAGE = "xo5/manage_infrastructure.md"


@pytest.fixture(scope="module")
def library(shared_index: Path) -> DocsLibrary:
    return DocsLibrary(shared_index)


@pytest.mark.parametrize(
    ("text", "page", "heading"),
    [
        ("VDI_IO_ERROR(Device I/O errors)", TROUBLESHOOTING, "Error: VDI_IO_ERROR"),
        ("SR_BACKEND_FAILURE_44(, There is insufficient space, )", TROUBLESHOOTING, "SR_BACKEND_FAILURE_44"),
        ("ENOSPC: no space left on device, write", TROUBLESHOOTING, "ENOSPC: no space left on device"),
        ("Error: the job (6ba1-22f0) is already running", TROUBLESHOOTING, "Error: the job is already running"),
        ("orphan VDIs", MANAGE, "Orphan VDIs"),
        ("too many snapshots", MANAGE, "Too many snapshots"),
        ("duplicated MAC addresses", MANAGE, "Duplicated MAC addresses"),
        ("guest tools", MANAGE, "Guest Tools status"),
    ],
)
def test_known_errors_and_checks_link_to_their_section(
    library: DocsLibrary, text: str, page: str, heading: str
) -> None:
    link = library.explain(text)
    assert link is not None, text
    assert (link.source_path, link.heading.split(" › ")[-1]) == (page, heading)
    assert link.url.startswith("https://docs.xen-orchestra.com/") and "#" in link.url
    assert link.title


@pytest.mark.parametrize("topic", ["backups", None])
def test_a_run_skipped_on_an_unhealthy_chain_links_to_the_page_quoting_the_message(
    library: DocsLibrary, topic: str | None
) -> None:
    # The Health view's "Unhealthy VDIs" heading matches more of the words; the backup page quotes the message.
    link = library.explain("unhealthy VDI chain", topic=topic)
    assert link is not None
    assert link.source_path == "xo5/backup_troubleshooting.md"
    assert link.heading.split(" › ")[-1] == "VDI chain protection"


def test_the_health_check_still_links_to_the_health_view(library: DocsLibrary) -> None:
    link = library.explain("Unhealthy VDIs", topic="manage")
    assert link is not None and link.heading.split(" › ")[-1] == "Unhealthy VDIs"


@pytest.mark.parametrize(
    "text",
    [
        "everything fine",
        "3f2a9c1e-7b4d-4e2a-9c1e-7b4d4e2a9c1e",
        "the quick brown fox jumps over the lazy dog",
        "SR_BACKEND_FAILURE_47(, The SR is not available)",  # a code the docs do not explain
        "",
        "!!!",
    ],
)
def test_unrelated_text_links_to_nothing(library: DocsLibrary, text: str) -> None:
    assert library.explain(text) is None


def test_the_same_text_is_answered_from_the_cache(library: DocsLibrary) -> None:
    first = library.explain("orphan VDIs")
    assert library.explain("orphan VDIs") is first


def test_no_index_means_no_link_and_no_error(tmp_path: Path) -> None:
    library = DocsLibrary(tmp_path / "missing")
    assert library.explain("VDI_IO_ERROR") is None
    assert library.provenance() is None
