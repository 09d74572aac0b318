"""The Whoosh schema of the documentation index and its version.

Bump INDEX_VERSION whenever a field, an analyzer or the layout of the index folder changes: a server
refuses an index of another version (with a message saying how to rebuild) instead of misreading it.
"""

from __future__ import annotations

from typing import Any

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from xo_mcp.docs.analysis import text_analyzer

INDEX_VERSION = 5

BUILD_MANIFEST = "build.json"  # source, revision, date, page hashes, INDEX_VERSION
PAGES_FILE = "pages.json"  # per page: title, URL, topics, section outline with summaries
VOCABULARY_FILE = "vocabulary.json"  # the corpus's words and counts, and valid English words: spelling
SEMANTIC_DIR = "semantic"  # optional: section vectors and the query encoder (absent: lexical search only)
SEMANTIC_META = "semantic.json"  # model name and fingerprint, the section key of each vector row
SEMANTIC_VECTORS = "sections.npy"  # float16, one unit vector per section
SEMANTIC_ENCODER = "encoder.npz"  # the sentence model in int8 (encoder_file)
SEMANTIC_VOCABULARY = "vocab.txt"  # its WordPiece vocabulary
BUILT_STAMP = ".built"  # written last: `make` and readers know the folder is complete
WHOOSH_DIR = "whoosh"

# Field weights for BM25F: a word in a section's own heading says more than one in its body.
FIELD_BOOSTS = {"heading": 3.0, "title": 1.5, "context": 1.2, "body": 1.0, "code": 0.6}


def index_schema() -> Any:
    analyzer = text_analyzer()
    return Schema(
        key=ID(stored=True, unique=True),  # source_path#anchor
        path=ID(stored=True),
        topics=KEYWORD(stored=True, commas=True),
        title=TEXT(analyzer=analyzer, phrase=False),  # the page title
        heading=TEXT(analyzer=analyzer, phrase=False),  # the section's own heading
        context=TEXT(analyzer=analyzer, phrase=False),  # the headings between the page title and this one
        body=TEXT(analyzer=analyzer, phrase=False),  # prose: paragraphs, lists, tables, notes, captions
        code=TEXT(analyzer=analyzer, phrase=False),  # code blocks and terminal commands
        heading_path=STORED,
        anchor=STORED,
        url=STORED,
        level=STORED,
        order=NUMERIC(stored=True, sortable=True),  # position in the page
        text=STORED,  # the section as readable text, in reading order
    )
