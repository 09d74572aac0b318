"""Offline Xen Orchestra documentation: a Whoosh index built from the upstream pages, and its search.

Build side: manifest -> sources -> markdown/html parsing -> index writer (`build.main`).
Serve side: `library.DocsLibrary` opens the index lazily and answers searches and reads.
"""
