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


def test_parallel_build_draws_the_same_sidebars(tmp_path: Path) -> None:
    """Pages written by worker processes get the cut tables of contents too, and the same
    sidebar as pages written by one process."""
    from conftest import build

    src = copy_root("docs", tmp_path)
    serial = build(src, "restricted", tmp_path / "one")
    parallel = build(src, "restricted", tmp_path / "two", parallel=2)
    assert serial.ok and parallel.ok, "\n".join(serial.lines + parallel.lines)
    pages = sorted(p.relative_to(tmp_path / "one" / "restricted")
                   for p in (tmp_path / "one" / "restricted").rglob("*.html"))
    assert len(pages) > 10
    drawn = 0
    for page in pages:
        sidebars = [[html.tostring(tree) for tree in html.parse(str(root / "restricted" / page))
                     .xpath('//div[contains(@class, "sidebar-tree")]')]
                    for root in (tmp_path / "one", tmp_path / "two")]
        assert sidebars[0] == sidebars[1], page
        drawn += bool(sidebars[0]) and sidebars[0][0].count(b"<a ") > 10
    assert drawn >= len(pages) - 3  # a redirect page has no sidebar


def test_a_parallel_build_leaves_the_garbage_collector_as_it_found_it(tmp_path: Path) -> None:
    """Objects set aside from collection for the worker processes are given back at the end,
    whether the build succeeds or fails."""
    import gc

    from conftest import build

    src = copy_root("docs", tmp_path)
    assert build(src, "public", tmp_path, parallel=2).ok
    assert gc.get_freeze_count() == 0
    (src / "kihon" / "index.md").write_text("```{include} ../restricted/yougo.md\n```\n",
                                            encoding="utf-8")
    assert not build(src, "public", tmp_path, parallel=2).ok
    assert gc.get_freeze_count() == 0
