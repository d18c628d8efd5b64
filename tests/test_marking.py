"""The marks of the restricted edition: banners, noindex, its own look, levels in navigation."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build_both
from lxml import html
from policy import marking


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_both("leaks", tmp_path_factory.mktemp("marking"))


def _pages(out: Path) -> list[Path]:
    return [p for p in sorted(out.rglob("*.html")) if "http-equiv=\"refresh\"" not in
            p.read_text(encoding="utf-8")]


def test_every_restricted_page_has_a_banner_at_top_and_bottom(editions: Path) -> None:
    pages = _pages(editions / "restricted")
    assert {"search.html", "genindex.html"} <= {p.name for p in pages}
    for page in pages:
        tree = html.parse(str(page))
        banners = tree.xpath('//div[contains(@class, "policy-banner")]')
        assert len(banners) == 2, page
        top, bottom = banners
        assert "policy-banner-top" in top.get("class")
        assert "policy-banner-bottom" in bottom.get("class")
        order = [element for element in tree.iter() if element is top
                 or element is bottom or element.tag == "article"]
        assert order[0] is top and order[-1] is bottom, page
        assert "庁内限定" in top.text_content()


def test_banner_names_the_documents_level(editions: Path, tmp_path: Path) -> None:
    page = editions / "restricted" / "secret" / "child.html"
    top = html.parse(str(page)).xpath('//*[@class="policy-banner-level"]')[0]
    assert top.text_content() == "庁内限定・取扱注意"
    public_page = editions / "restricted" / "pub" / "page.html"
    level = html.parse(str(public_page)).xpath('//*[@class="policy-banner-level"]')[0]
    assert level.text_content() == "公開"


def test_restricted_levels_appear_in_the_navigation(editions: Path) -> None:
    page = editions / "restricted" / "secret" / "index.html"
    sidebar = html.parse(str(page)).xpath('//div[contains(@class, "sidebar-tree")]')[0]
    badges = sidebar.xpath('.//*[contains(@class, "policy-level-badge")]')
    assert badges and all(b.text_content() == "［庁内限定・取扱注意］" for b in badges)
    links = {a.text_content() for a in sidebar.xpath(".//a")}
    assert any(text.startswith("子の文書") and text.endswith("］") for text in links)
    assert "公開のページ" in links  # public documents are listed without a badge


def test_restricted_edition_has_its_own_look_and_survives_printing(editions: Path) -> None:
    css = editions / "restricted" / "_static" / "policy-restricted.css"
    assert css.is_file()
    assert "@media print" in css.read_text(encoding="utf-8")
    for page in _pages(editions / "restricted"):
        assert "policy-restricted.css" in page.read_text(encoding="utf-8"), page


def test_public_edition_carries_no_restricted_mark(editions: Path) -> None:
    assert not (editions / "public" / "_static" / "policy-restricted.css").exists()
    for page in _pages(editions / "public"):
        text = page.read_text(encoding="utf-8")
        assert "policy-banner" not in text and "policy-level-badge" not in text, page


def test_verify_marks_refuses_a_page_without_its_banner(editions: Path, tmp_path: Path) -> None:
    copy = tmp_path / "restricted"
    import shutil

    shutil.copytree(editions / "restricted", copy)
    assert marking.verify_marks(copy) == []
    page = copy / "secret" / "child.html"
    page.write_text(page.read_text(encoding="utf-8").replace("policy-banner-bottom", "x"),
                    encoding="utf-8")
    index = copy / "pub" / "page.html"
    index.write_text(index.read_text(encoding="utf-8").replace('content="noindex', 'content="'),
                     encoding="utf-8")
    assert marking.verify_marks(copy) == ["pub/page.html: noindex",
                                          "secret/child.html: banner (bottom)"]
