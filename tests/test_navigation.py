"""The sidebar navigation is answered from cut tables of contents: it must come out exactly as
Sphinx draws it from the full ones, on every page of both editions."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import copy_root
from lxml import html
from policy import navigation
from sphinx.testing.util import SphinxTestApp

#: What the theme asks for (furo's sidebar).
SIDEBAR = {"collapse": False, "titles_only": True, "maxdepth": -1, "includehidden": True}


@pytest.mark.parametrize(("tree", "edition"), [("docs", "restricted"), ("docs", "public"),
                                                ("leaks", "restricted")])
def test_sidebar_is_the_one_sphinx_draws_from_the_full_tables_of_contents(
        tree: str, edition: str, tmp_path: Path) -> None:
    src = copy_root(tree, tmp_path)
    app = SphinxTestApp("html", srcdir=src, builddir=tmp_path / "build",
                        confoverrides={"policy_edition": edition}, freshenv=True)
    try:
        app.build()
        documents = sorted(app.env.found_docs)
        for docname in documents:
            def draw(docname: str = docname, **kwargs: object) -> str:
                return app.builder._get_local_toctree(docname, **kwargs)

            context = {"toctree": draw}
            navigation._on_html_page_context(app, docname, "page.html", context, None)
            ours = context["toctree"](**SIDEBAR)
            assert ours == draw(**SIDEBAR), docname
            # the page's own table of contents keeps its clauses
            assert context["toctree"](collapse=True) == draw(collapse=True), docname
        titles = html.fromstring(f"<div>{ours}</div>").xpath("//a")
        assert len(titles) >= len(documents) - 3  # genindex/search aside, every document
    finally:
        app.cleanup()
