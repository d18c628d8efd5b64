"""The sidebar navigation is drawn once per build and marked per page: it must come out exactly
as Sphinx and the theme draw it from the full tables of contents, on every page of both
editions."""

from __future__ import annotations

import posixpath
from pathlib import Path

import pytest
from conftest import copy_root
from lxml import html
from policy import navigation
from sphinx.testing.util import SphinxTestApp


def _theme_navigation(app: SphinxTestApp, pagename: str) -> tuple[str, str]:
    """The sidebar of one page as the build writes it (our handlers around furo's) and as
    Sphinx and furo draw it alone from the full tables of contents."""
    import furo

    def draw(**kwargs: object) -> str:
        return app.builder._get_local_toctree(pagename, **kwargs)

    context: dict[str, object] = {"toctree": draw}
    navigation._on_html_page_context(app, pagename, "page.html", context, None)
    context["furo_navigation_tree"] = furo._compute_navigation_tree(context)
    navigation._after_theme(app, pagename, "page.html", context, None)
    alone = furo.get_navigation_tree(draw(**navigation.FURO_SIDEBAR))
    # the page's own table of contents keeps its clauses
    assert context["toctree"](collapse=True) == draw(collapse=True), pagename
    assert context["toctree"](**navigation.FURO_SIDEBAR) == draw(**navigation.FURO_SIDEBAR)
    return str(context["furo_navigation_tree"]), alone


def _add_to_second_toctree(src: Path) -> None:
    """List the procedures' index a second time, under the restricted root's other caption:
    its page then marks two entries and both their branches current."""
    index = src / "restricted" / "index.md"
    text = index.read_text(encoding="utf-8")
    index.write_text(text.replace("yougo\ntraceability\n", "yougo\ntraceability\ntejun/index\n"),
                     encoding="utf-8")
    assert "traceability\ntejun/index" in index.read_text(encoding="utf-8")


@pytest.mark.parametrize(("tree", "edition", "twice"), [
    ("docs", "restricted", False), ("docs", "public", False), ("leaks", "restricted", False),
    ("docs", "restricted", True)])
def test_sidebar_is_the_one_sphinx_and_the_theme_draw_on_every_page(
        tree: str, edition: str, twice: bool, tmp_path: Path) -> None:
    """Drawn once, its links written once per folder and marked per page, the sidebar is, on
    every page (and the index and search pages), the text Sphinx and furo draw for that page
    from the full tables of contents: same links, same current entries, same open switches."""
    src = copy_root(tree, tmp_path)
    if twice:
        _add_to_second_toctree(src)
    app = SphinxTestApp("html", srcdir=src, builddir=tmp_path / "build",
                        confoverrides={"policy_edition": edition}, freshenv=True)
    try:
        app.build()
        pages = [*sorted(app.env.found_docs), "genindex", "search"]
        current = 0
        for pagename in pages:
            ours, alone = _theme_navigation(app, pagename)
            assert ours == alone, pagename
            current += 'href="#"' in ours
            if twice and pagename == "restricted/tejun/index":
                assert ours.count('href="#"') == 2
                assert ours.count('checked=""') == 2
        # drawn once, its links written once per folder
        (drawing,) = navigation._DRAWN.values()
        assert drawing is not None
        assert set(drawing.folders) == {posixpath.dirname(page) for page in pages}
        titles = html.fromstring(f"<div>{ours}</div>").xpath("//a")
        assert len(titles) >= len(pages) - 5  # genindex/search aside, every document
        assert current >= len(pages) - 5
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
