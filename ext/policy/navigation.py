"""The sidebar navigation: document titles only, without copying every clause heading.

Each clause is a heading, so a document's table of contents holds all of them. The theme
draws the sidebar from Sphinx's tree of document titles (``titles_only``), but Sphinx makes
that tree by copying each document's whole table of contents and then cutting it back to the
title: on every page, for every document. With a hundred documents of clauses that copying
was the largest single cost of the restricted build, and it grows with the square of the
tree. Here each document's table of contents is cut back to what the title-only tree keeps
(its title and the tables of contents it includes) once per build, and the theme's call is
answered from those. The sidebar comes out the same; the page's own table of contents, which
does list the clauses, is not touched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.adapters import toctree as sphinx_toctree

#: id(env) -> docname -> the document's table of contents cut back to its title
_TITLES: dict[int, dict[str, nodes.bullet_list]] = {}


def _titles_only(env: BuildEnvironment, tags: Any) -> dict[str, nodes.bullet_list]:
    """Every document's table of contents as a title-only tree keeps it: copied the way
    Sphinx copies it (``only`` blocks decided by the build's tags), then each top-level
    entry reduced to its title and the tables of contents under it, as Sphinx does."""
    found = _TITLES.get(id(env))
    if found is None:
        found = {}
        for docname, toc in env.tocs.items():
            cut = sphinx_toctree._toctree_copy(toc, 2, 0, False, tags)
            for top_level in cut.children:
                if len(top_level) > 1:
                    subtrees = list(top_level.findall(addnodes.toctree))
                    if subtrees:
                        top_level[1][:] = subtrees
                    else:
                        top_level.pop(1)
            found[docname] = cut
        _TITLES.clear()
        _TITLES[id(env)] = found
    return found


def _forget(*_args: Any) -> None:
    _TITLES.clear()


def _on_html_page_context(app: Sphinx, pagename: str, templatename: str,
                          context: dict[str, Any], doctree: nodes.document | None) -> None:
    """Answer the theme's title-only navigation from the cut tables of contents. Runs before
    the theme's own handler (priority 500), which asks for the navigation."""
    draw: Callable[..., str] | None = context.get("toctree")
    if draw is None:
        return
    env = app.env

    def toctree(**kwargs: Any) -> str:
        if not kwargs.get("titles_only") or kwargs.get("collapse", True):
            return draw(**kwargs)
        if int(kwargs.get("maxdepth") or 0) > 0:
            return draw(**kwargs)
        full = env.tocs
        env.tocs = _titles_only(env, app.builder.tags)  # type: ignore[assignment]
        try:
            return draw(**kwargs)
        finally:
            env.tocs = full

    context["toctree"] = toctree


def setup_navigation(app: Sphinx) -> None:
    app.connect("builder-inited", _forget)
    app.connect("env-updated", _forget)
    app.connect("html-page-context", _on_html_page_context, priority=400)
