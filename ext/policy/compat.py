"""Sphinx's private corners that this package must reach, in one place.

Each reach into a private name of Sphinx is a function here, with a check that the name is
still there and still means what it did. A module that needs one asks here, and falls back to
Sphinx's own behaviour when the check fails, so that a Sphinx release that moves a private name
makes a build slower or plainer, never wrong.
"""

from __future__ import annotations

from typing import Any

#: The parts of Sphinx's search index builder (``sphinx.search.IndexBuilder``) that hold
#: what was fed to it, per document. Sphinx 9 keeps them on the environment as well.
_SEARCH_PARTS = ("_titles", "_filenames", "_all_titles", "_mapping", "_title_mapping",
                 "_index_entries", "_objtypes", "_objnames")


def search_index_parts_available(indexer: Any) -> bool:
    """Whether the search index builder still keeps what it was fed in the parts this
    package rebuilds it from (each a dict)."""
    return all(isinstance(getattr(indexer, name, None), dict) for name in _SEARCH_PARTS)


def empty_search_index(indexer: Any, env: Any) -> None:
    """Start the search index builder from nothing, as in a clean build: Sphinx 9 binds its
    parts to the environment, where an incremental build finds what earlier builds left."""
    for name in _SEARCH_PARTS:
        fresh: dict = {}
        setattr(indexer, name, fresh)
        if hasattr(env, f"_search_index{name}"):
            setattr(env, f"_search_index{name}", fresh)


def search_words(indexer: Any) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """The word and title-word tables of the search index builder."""
    return indexer._mapping, indexer._title_mapping


def set_search_words(indexer: Any, words: dict[str, set[str]],
                     title_words: dict[str, set[str]]) -> None:
    indexer._mapping, indexer._title_mapping = words, title_words


def search_document_parts(indexer: Any, docname: str) -> dict[str, Any] | None:
    """What the search index builder holds of one document besides its words, or None if
    the document was not fed (a page without a title)."""
    if docname not in indexer._titles:
        return None
    return {
        "title": indexer._titles[docname],
        "filename": indexer._filenames[docname],
        "alltitles": [list(item) for item in indexer._all_titles.get(docname, [])],
        "entries": [list(item) for item in indexer._index_entries.get(docname, [])],
    }


def restore_search_document(indexer: Any, docname: str, parts: dict[str, Any]) -> None:
    indexer._titles[docname] = parts["title"]
    indexer._filenames[docname] = parts["filename"]
    indexer._all_titles[docname] = [tuple(item) for item in parts["alltitles"]]
    indexer._index_entries[docname] = [tuple(item) for item in parts["entries"]]
