"""DocsLibrary on the real docs: searches, topic maps, reads, typos, errors, laziness."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.helpers import REPO
from xo_mcp.docs.excerpt import EXCERPT_CHARS
from xo_mcp.docs.library import DocsLibrary
from xo_mcp.docs.manifest import TOPICS
from xo_mcp.errors import InvalidArgument


@pytest.fixture(scope="module")
def library(shared_index: Path) -> DocsLibrary:
    return DocsLibrary(shared_index)


def test_search_returns_ranked_sections_with_anchored_urls_and_short_excerpts(library: DocsLibrary) -> None:
    answer = library.search("manage", "keep two database VMs on different hosts with the load balancer", 5)
    assert len(answer.results) == 5
    first = answer.results[0]
    assert first.source_path == "xo5/load_balancing.md"
    assert first.heading.startswith("Load balancing › ")
    assert first.url.startswith("https://docs.xen-orchestra.com/xo5/load_balancing#")
    assert first.topic == "manage"
    assert [hit.score for hit in answer.results] == sorted((hit.score for hit in answer.results), reverse=True)
    assert all(len(hit.excerpt) <= EXCERPT_CHARS + 2 for hit in answer.results)
    text = answer.render()
    assert text.startswith("1. Load balancing › ") and "{" not in text.splitlines()[0]


def test_default_is_three_results_and_the_bounds_are_checked(library: DocsLibrary) -> None:
    assert len(library.search("all", "backup").results) == 3
    with pytest.raises(InvalidArgument, match="between 1 and 10"):
        library.search("all", "backup", 11)
    with pytest.raises(InvalidArgument, match="Unknown topic"):
        library.search("gardening", "backup")


def test_a_misspelt_word_still_finds_its_section(library: DocsLibrary) -> None:
    answer = library.search("configuration", "custom certifcate authoritty for xo-server")
    assert answer.note is not None and "certifcate -> certificate" in answer.note
    assert answer.results[0].heading.endswith("Custom certificate authority")


def test_the_topic_is_a_prior_not_a_filter(library: DocsLibrary) -> None:
    answer = library.search("releases", "LDAP user filter for Active Directory")
    assert answer.results[0].source_path == "xo5/users.md"
    assert answer.results[0].topic == "users"


def test_a_page_in_two_topics_answers_with_the_requested_one(library: DocsLibrary) -> None:
    hit = library.search("restapi", "RBAC roles").results[0]
    assert (hit.source_path, hit.topic) == ("rbac.md", "restapi")


def test_code_and_identifiers_are_searchable(library: DocsLibrary) -> None:
    hit = library.search("restapi", "curl fields name_label power_state filter").results[0]
    assert hit.source_path == "automation/restapi.md"
    assert "power_state" in hit.excerpt


def test_nothing_found(library: DocsLibrary) -> None:
    answer = library.search("all", "zzzz qqqq")
    assert answer.results == []
    assert "No section matches" in answer.render()


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_maps_are_compact_and_start_with_the_core_page(library: DocsLibrary, topic: str) -> None:
    answer = library.search(topic)
    assert answer.pages, topic
    assert all(page.url.startswith("https://docs.xen-orchestra.com/") for page in answer.pages)
    assert len(answer.render().encode()) < 8000
    core = answer.pages[0]
    assert core.sections and all(section.summary is not None for section in core.sections)


def test_the_all_map_lists_the_topics(library: DocsLibrary) -> None:
    text = library.search("all").render()
    assert all(f"{topic}:" in text for topic in TOPICS)


def test_read_a_section_with_its_subsections(library: DocsLibrary) -> None:
    section = library.read("immutability.md", "Configuring on-prem immutability")
    assert section.url == "https://docs.xen-orchestra.com/immutability#configuring-on-prem-immutability"
    assert "### 1. Install the required package" in section.text
    assert "## How it works" not in section.text
    assert not section.truncated
    assert library.read("immutability.md", "#configuring-on-prem-immutability").text == section.text


def test_read_a_whole_page_is_capped(library: DocsLibrary) -> None:
    page = library.read("xo5/advanced.md")
    assert page.truncated and len(page.text) <= 12_000
    assert page.url == "https://docs.xen-orchestra.com/xo5/advanced"
    assert "[truncated" in page.render()


def test_read_errors_name_what_exists(library: DocsLibrary) -> None:
    with pytest.raises(InvalidArgument, match="No documentation page"):
        library.read("nope.md")
    with pytest.raises(InvalidArgument, match=r"Headings include: .*Logical Air Gap"):
        library.read("airgap.md", "Nonexistent heading")


def test_build_info(library: DocsLibrary) -> None:
    info = library.build_info()
    assert info["schema_version"] >= 1 and len(info["pages"]) == 59


def test_a_rebuilt_index_is_picked_up(shared_index: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(shared_index, copy)
    library = DocsLibrary(copy)
    assert library.search("all", "backup").results
    stamp = copy / ".built"
    os.utime(stamp, ns=(stamp.stat().st_atime_ns, stamp.stat().st_mtime_ns + 1_000_000))  # a new build's stamp
    shutil.rmtree(copy / "whoosh")
    with pytest.raises(Exception, match="unreadable"):
        library.search("all", "backup")


def test_construction_is_free_and_whoosh_loads_on_first_use() -> None:
    script = (
        "import sys\n"
        "from xo_mcp.docs.library import DocsLibrary\n"
        "DocsLibrary()\n"
        "assert not any(m.split('.')[0] == 'whoosh' for m in sys.modules), 'whoosh imported at construction'\n"
        "assert 'xo_mcp.docs.search' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO)
