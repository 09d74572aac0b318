"""Odd queries get results or a clear "nothing matched", never an error (there is no query parser to trip)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xo_mcp.docs.library import DocsLibrary


@pytest.fixture(scope="module", params=["lexical", "semantic"])
def library(request: pytest.FixtureRequest) -> DocsLibrary:
    """Both kinds of index: words only, and words with meaning (a question's vector is never empty)."""
    index: Path = request.getfixturevalue("shared_index" if request.param == "lexical" else "semantic_index")
    return DocsLibrary(index)


@pytest.mark.parametrize(
    "query",
    [
        "the of and to is what how why",  # only stop words
        "?!... ,;: --- ((( )))",  # only punctuation
        "резервное копирование виртуальных машин",  # Cyrillic
        "备份虚拟机",  # CJK
        "النسخ الاحتياطي",  # Arabic
        "🙂🙂🙂",
    ],
)
def test_queries_without_usable_words_say_nothing_matched(library: DocsLibrary, query: str) -> None:
    answer = library.search("all", query)
    assert answer.results == []
    assert "No section matches" in answer.render()


@pytest.mark.parametrize(
    "query",
    [
        "backup' OR 1=1; DROP TABLE sections; --",
        "proxy.* [a-z]+ (backup|restore)$ ^\\d{2,}",
        "backup AND proxy OR NOT restore",
        'title:"backup proxy" heading:* body:proxy~2 proxy^3',
        "back* pro?y {restore TO snapshot} [a TO z]",
        "  backup  proxy  ",
    ],
)
def test_query_syntax_is_read_as_plain_words(library: DocsLibrary, query: str) -> None:
    answer = library.search("backups", query)
    assert answer.results, query
    assert all(hit.source_path.endswith(".md") for hit in answer.results)


def test_a_500_character_question_is_answered(library: DocsLibrary) -> None:
    sentence = "We run nightly incremental backups of our VMs to an NFS backup repository through a proxy. "
    query = (sentence * 6)[:500]
    assert len(query) == 500
    answer = library.search("backups", query, 5)
    assert len(answer.results) == 5


def test_a_misspelt_stop_word_is_not_turned_into_a_content_word(library: DocsLibrary) -> None:
    parsed = library._state().ranker.parse("wich proxy")
    assert [term.stem for term in parsed.terms if term.weight >= 1 or term.stem == "proxi"] == ["proxi"]


@pytest.mark.parametrize("word", ["tons", "overlay"])
def test_valid_english_words_are_never_corrected(library: DocsLibrary, word: str) -> None:
    parsed = library._state().ranker.parse(f"{word} of snapshots")
    assert parsed.corrections == []
