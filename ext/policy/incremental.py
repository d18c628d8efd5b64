"""Incremental builds that publish exactly what a clean build would.

Sphinx writes again only the pages whose documents changed, and patches its search index:
it reads the previous ``searchindex.js`` back and removes the pages it writes again. That
patching loses what the file does not hold back (index entries, such as a glossary's: a rebuild
with no change dropped them) and keeps what it should not (a word whose last page was written
again stays in the index with no page: a name withdrawn from a document stayed in the file).

Here the search index is put together from what each page gave it when it was written, kept
per page beside the doctrees. A page written again gives its part afresh; the parts of the
other pages are taken as they were, so the index is the one a clean build makes. A page whose
part is missing (the first build after an upgrade, a damaged record) is fed again from its
doctree, and where Sphinx no longer keeps its index the way this module expects, every page is
written again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from . import compat

_logger = logging.getLogger(__name__)
RECORDS = "policy-search-parts.json"


class EditionHTMLBuilder(StandaloneHTMLBuilder):
    """Sphinx's HTML builder, with a search index equal to a clean build's after any
    incremental build."""

    name = "html"

    def load_indexer(self, docnames: Any) -> None:
        assert self.indexer is not None
        compat.empty_search_index(self.indexer, self.env)
        self._search_parts: dict[str, Any] = {}
        records = _read_records(Path(self.doctreedir))
        for docname in sorted(set(self.env.all_docs) - set(docnames)):
            record = records.get(docname)
            if record is None:
                # No record of what this page gave the index: feed it again, as writing it
                # would (resolved, with its images' paths worked out).
                self.write_doc_serialized(docname,
                                          self.env.get_and_resolve_doctree(docname, self))
                continue
            _restore(self.indexer, docname, record)
            self._search_parts[docname] = record

    def index_page(self, pagename: str, doctree: nodes.document, title: str) -> None:
        indexer = self.indexer
        if indexer is None:
            return
        words, title_words = compat.search_words(indexer)
        compat.set_search_words(indexer, {}, {})
        try:
            super().index_page(pagename, doctree, title)
        finally:
            own_words, own_title_words = compat.search_words(indexer)
            compat.set_search_words(indexer, words, title_words)
        for word in own_words:
            words.setdefault(word, set()).add(pagename)
        for word in own_title_words:
            title_words.setdefault(word, set()).add(pagename)
        parts = compat.search_document_parts(indexer, pagename)
        record: dict[str, Any] = {"indexed": parts is not None}
        if parts is not None:
            record.update(parts, words=sorted(own_words), titlewords=sorted(own_title_words))
        if not hasattr(self, "_search_parts"):
            self._search_parts = {}
        self._search_parts[pagename] = record

    def dump_search_index(self) -> None:
        super().dump_search_index()
        if self.indexer is not None:
            parts = {name: record for name, record in getattr(self, "_search_parts", {}).items()
                     if name in self.env.all_docs}
            _write_records(Path(self.doctreedir), parts)


def _restore(indexer: Any, docname: str, record: dict[str, Any]) -> None:
    if not record.get("indexed"):
        return
    compat.restore_search_document(indexer, docname, record)
    words, title_words = compat.search_words(indexer)
    for word in record["words"]:
        words.setdefault(word, set()).add(docname)
    for word in record["titlewords"]:
        title_words.setdefault(word, set()).add(docname)


def _read_records(doctreedir: Path) -> dict[str, Any]:
    """Each page's part of the search index, as the last finished build wrote it; nothing
    when the file is missing or not what this module writes (every page is fed again)."""
    try:
        data = json.loads((doctreedir / RECORDS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {name: record for name, record in data.items()
            if isinstance(record, dict) and _well_formed(record)}


def _well_formed(record: dict[str, Any]) -> bool:
    if record.get("indexed") is False:
        return True
    return (record.get("indexed") is True and isinstance(record.get("title"), str)
            and isinstance(record.get("filename"), str)
            and all(isinstance(record.get(key), list)
                    for key in ("alltitles", "entries", "words", "titlewords")))


def _write_records(doctreedir: Path, parts: dict[str, Any]) -> None:
    doctreedir.mkdir(parents=True, exist_ok=True)
    path = doctreedir / RECORDS
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(parts, ensure_ascii=True, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def _on_env_get_outdated(app: Sphinx, env: BuildEnvironment, added: set[str],
                         changed: set[str], removed: set[str]) -> list[str]:
    """Where Sphinx no longer keeps its search index as this module expects, every page is
    written again: slower, still equal to a clean build."""
    builder = app.builder
    if isinstance(builder, EditionHTMLBuilder) and builder.search:
        from sphinx.search import IndexBuilder

        probe = IndexBuilder(env, "en", {}, "")
        if not compat.search_index_parts_available(probe):
            _logger.info("search index: every page is written again")
            return sorted(env.found_docs)
    return []


def setup_incremental(app: Sphinx) -> None:
    app.add_builder(EditionHTMLBuilder, override=True)
    app.connect("env-get-outdated", _on_env_get_outdated)
