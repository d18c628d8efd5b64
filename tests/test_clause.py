"""Clauses: numbers computed in each document's style, and references that render them.

Every test builds a small tree (``tests/roots/test-clause-*``) or the real ``docs/`` for real
and reads the HTML a reader would get.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sphinx.locale
from conftest import build, copy_root, tree_digest
from lxml import html
from policy import runner

# --- reading the output -----------------------------------------------------------------------


def _body(page: Path) -> html.HtmlElement:
    tree = html.parse(str(page))
    body = tree.xpath('//article | //div[@role="main"]')[0]
    for link in body.xpath('.//a[contains(@class, "headerlink")]'):
        link.drop_tree()
    return body


def _text(element: html.HtmlElement) -> str:
    return re.sub(r"[ \t\n]+", " ", element.text_content()).strip()


def headings(page: Path) -> list[str]:
    return [_text(h) for h in _body(page).xpath(".//h1 | .//h2 | .//h3 | .//h4 | .//h5 | .//h6")]


def items(page: Path) -> list[str]:
    """The first paragraph of every list item, in document order."""
    return [_text(li.xpath("./p")[0]) for li in _body(page).xpath(".//li") if li.xpath("./p")]


def paragraphs(page: Path) -> list[str]:
    return [_text(p) for p in _body(page).xpath(".//p") if p.getparent().tag != "li"]


def clause_links(page: Path) -> list[tuple[str, str]]:
    return [(_text(a), a.get("href")) for a in
            _body(page).xpath('.//a[contains(@class, "clause-reference")]')]


def _joined(result: runner.Result) -> str:
    return "\n".join(result.lines)


# --- numbering --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("clause-forms")
    result = build(copy_root("clause-forms", work), "public", work)
    assert result.ok, _joined(result)
    return work / "public"


def test_kihon_style_numbers_sections_subsections_and_items(forms: Path) -> None:
    page = forms / "kihon.html"
    assert headings(page) == ["基本方針の番号", "1 目的", "2 範囲", "(1) 機関", "(2) 資産",
                              "3 参照"]
    assert items(page) == ["① 設備", "② 情報", "③ 文書", "箇条書きは番号を付けない"]


def test_kobun_style_numbers_all_seven_levels(forms: Path) -> None:
    page = forms / "kobun.html"
    assert headings(page) == ["対策基準の番号", "第1 総則", "第2 組織", "1 責任者", "(1) 指名",
                              "ア 手続", "(ア) 届出"]
    assert items(page) == ["a 書面", "(a) 様式", "(b) 写し"]


def test_a_style_defined_in_conf_py_writes_full_width_numbers(forms: Path) -> None:
    page = forms / "zenkaku.html"
    assert headings(page) == ["全角の番号", "第１条\u3000総則", "（１）\u3000定義",
                              "（２）\u3000適用"]
    assert paragraphs(page) == ["第１条（２）による。"]


def test_ordered_lists_are_clauses_numbered_with_their_parents_other_clauses(forms: Path) -> None:
    page = forms / "lists.html"
    assert headings(page) == ["リストと見出しの番号", "3 見出し"]
    assert items(page) == ["1 項目一", "2 項目二", "(1) 項目", "① 入れ子の項目", "(2) 続きの項目"]
    # The number is the item's text; the list itself shows no second marker.
    assert all("policy-clause-list" in ol.get("class") for ol in _body(page).xpath(".//ol"))
    css = forms / "_static" / "policy-clause.css"
    assert "list-style: none" in css.read_text(encoding="utf-8")


def test_restructuredtext_documents_number_and_refer_the_same_way(forms: Path) -> None:
    page = forms / "rest.html"
    assert headings(page) == ["reStructuredText の文書", "1 第一の節", "2 第二の節"]
    assert items(page) == ["(1) 項目", "(2) 項目"]
    assert paragraphs(page) == ["1 及び 方針1及び2 による。", "1又は2 による。"]
    assert clause_links(page)[:3] == [("1", "#r-first"), ("方針1", "kihon.html#f-purpose"),
                                      ("2", "kihon.html#f-scope")]


def test_a_document_without_numbering_is_left_as_written(forms: Path) -> None:
    page = forms / "plain.html"
    assert headings(page) == ["番号のない文書", "見出し"]
    assert items(page) == ["普通の番号付きリスト"]
    assert not _body(page).xpath('.//*[contains(@class, "clause-number")]')
    assert not _body(page).xpath('.//ol[contains(@class, "policy-clause-list")]')


def test_numbers_reach_the_table_of_contents_and_the_search_index(forms: Path) -> None:
    toc = [_text(li.xpath("./a")[0]) for li in _body(forms / "index.html").xpath(".//li")]
    assert {"1 目的", "(1) 機関", "第2 組織", "(ア) 届出"} <= set(toc)
    search = (forms / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(search[search.index("(") + 1 : search.rindex(")")])
    assert {"1 目的", "(2) 資産", "第1 総則"} <= set(index["alltitles"])


def test_a_translation_is_numbered_like_the_original(tmp_path: Path) -> None:
    """The catalogues hold the words only; the numbers are added to the translated text."""
    try:
        result = build(copy_root("clause-i18n", tmp_path), "public", tmp_path)
    finally:
        # Sphinx caches catalogues per process, not per language: leave none to later builds.
        sphinx.locale.translators.clear()
    assert result.ok, _joined(result)
    page = tmp_path / "public" / "index.html"
    assert headings(page) == ["A translated document", "1 Purpose"]
    assert items(page) == ["(1) Information"]
    assert paragraphs(page) == ["As in 1 above."]


# --- references -------------------------------------------------------------------------------


def test_references_within_a_document_render_the_number_alone(forms: Path) -> None:
    assert paragraphs(forms / "kihon.html")[-6:] == [
        "上記1のとおり。",
        "2 (1) に示す機関。",
        "2 (2) ②を含む。",
        "上記1、2及び3に規定する。",
        "1又は2 (1)による。",
        "1、2及び3による。",
    ]


def test_references_across_documents_carry_the_short_name(forms: Path) -> None:
    assert paragraphs(forms / "cross.html") == [
        "方針2(1)に示す。",
        "方針1及び2(2)②による。",
        "方針1及び対策第2の1の(1)のアの(ア)のaの(b)による。",
        "対策第2の1の(1)による。",
    ]


def test_every_rendered_number_links_to_its_clause(forms: Path) -> None:
    assert clause_links(forms / "kihon.html") == [
        ("1", "#f-purpose"), ("2 (1)", "#f-scope-bodies"), ("2 (2) ②", "#f-scope-assets-info"),
        ("1", "#f-purpose"), ("2", "#f-scope"), ("3", "#f-refs"),
        ("1", "#f-purpose"), ("2 (1)", "#f-scope-bodies"),
        ("1", "#f-purpose"), ("2", "#f-scope"), ("3", "#f-refs"),
    ]
    assert clause_links(forms / "cross.html") == [
        ("方針2(1)", "kihon.html#f-scope-bodies"),
        ("方針1", "kihon.html#f-purpose"), ("2(2)②", "kihon.html#f-scope-assets-info"),
        ("方針1", "kihon.html#f-purpose"),
        ("対策第2の1の(1)のアの(ア)のaの(b)", "kobun.html#k-deepest"),
        ("対策第2の1の(1)", "kobun.html#k-deep"),
    ]
    # The anchors are the clauses themselves: a heading's section, an item's text.
    kihon = _body(forms / "kihon.html")
    assert _text(kihon.xpath('.//*[@id="f-scope-bodies"]/h3')[0]) == "(1) 機関"
    assert _text(kihon.xpath('.//*[@id="f-scope-assets-info"]')[0]) == "② 情報"
    kobun = _body(forms / "kobun.html")
    assert _text(kobun.xpath('.//*[@id="k-deepest"]')[0]) == "(b) 写し"


def test_parallel_build_gives_the_same_edition_as_a_serial_one(tmp_path: Path) -> None:
    src = copy_root("clause-forms", tmp_path)
    serial = runner.build_edition(src, tmp_path / "serial", "public", cache=tmp_path / "c1")
    parallel = runner.build_edition(src, tmp_path / "parallel", "public", cache=tmp_path / "c2",
                                    parallel=2)
    assert serial.ok and parallel.ok, _joined(serial) + _joined(parallel)
    assert tree_digest(tmp_path / "serial") == tree_digest(tmp_path / "parallel")


# --- errors -----------------------------------------------------------------------------------


def test_an_unknown_style_is_an_error_at_its_front_matter_line(tmp_path: Path) -> None:
    result = runner.check(copy_root("clause-unknown-style", tmp_path), cache=tmp_path / "c")
    assert not result.ok
    assert re.search(r"index\.md:2: エラー: .*「nosuch」.*\[policy\.clause-unknown-style\]",
                     _joined(result), re.S), _joined(result)


def test_nesting_deeper_than_the_style_is_an_error_at_its_line(tmp_path: Path) -> None:
    result = runner.check(copy_root("clause-too-deep", tmp_path), cache=tmp_path / "c")
    assert not result.ok
    assert re.search(r"index\.md:12: エラー: .*\[policy\.clause-too-deep\]", _joined(result),
                     re.S), _joined(result)


def test_a_typed_number_left_in_a_heading_or_item_is_pointed_out(tmp_path: Path) -> None:
    result = runner.check(copy_root("clause-typed-number", tmp_path), cache=tmp_path / "c")
    joined = _joined(result)
    assert result.ok, joined  # advice: the page still builds, with the number twice
    warned = re.findall(r"index\.md:(\d+): 警告: .*?「(.+?)」.*?\[policy\.clause-typed-number\]",
                        joined, re.S)
    assert warned == [("7", "2"), ("9", "(1)"), ("11", "①")]


def test_an_unknown_setting_for_styles_stops_the_build(tmp_path: Path) -> None:
    src = copy_root("clause-too-deep", tmp_path)
    with (src / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write('policy_numbering_styles = {"mine": {"levels": ["{roman}"]}}\n')
    result = runner.check(src, cache=tmp_path / "c")
    assert not result.ok
    assert "policy_numbering_styles" in _joined(result)
    assert "[policy.bad-setting]" in _joined(result)


@pytest.mark.parametrize("how", ["check", "public", "restricted"])
def test_unknown_labels_are_errors_with_file_and_line(how: str, tmp_path: Path) -> None:
    src = copy_root("clause-unknown-label", tmp_path)
    if how == "check":
        result = runner.check(src, cache=tmp_path / "c")
    else:
        result = build(src, how, tmp_path)
    joined = _joined(result)
    assert not result.ok
    # A public document cannot tell a restricted label from a missing one: the edition's
    # message, the same in every build.
    assert re.search(r"index\.md:3: エラー: .*「nowhere」.*\[policy\.public-refers-restricted\]",
                     joined, re.S), joined
    public_lines = [line for line in result.lines if "index.md:3:" in line]
    assert public_lines
    assert not any("clause-unknown-label" in line for line in public_lines)
    if how != "public":
        assert re.search(r"refs\.md:10: エラー: .*「missing-too」.*"
                         r"\[policy\.clause-unknown-label\]", joined, re.S), joined
        assert re.search(r"refs\.md:12: エラー: .*\[policy\.clause-not-numbered\]", joined,
                         re.S), joined
    assert not (tmp_path / how).exists()


@pytest.mark.parametrize("text", ["kihon-audit 及び kihon-review 又は kihon-measures", " , "])
def test_a_reference_that_cannot_be_read_is_an_error(text: str, tmp_path: Path) -> None:
    src = copy_root("clause-unknown-label", tmp_path)
    (src / "restricted" / "refs.md").write_text(
        f"---\norphan: true\n---\n\n# 参照\n\n{{clause}}`{text}`による。\n", encoding="utf-8")
    result = runner.check(src, cache=tmp_path / "c")
    assert re.search(r"refs\.md:7: エラー: .*\[policy\.clause-bad-reference\]", _joined(result),
                     re.S), _joined(result)


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_duplicate_label_is_an_error_in_serial_and_parallel_builds(parallel: int,
                                                                     tmp_path: Path) -> None:
    src = copy_root("clause-duplicate", tmp_path)
    result = build(src, "public", tmp_path, parallel=parallel)
    joined = _joined(result)
    assert not result.ok
    assert re.search(r"[be]\.md:\d+: エラー: .*「dup-label」.*[be]\.md.*"
                     r"\[policy\.clause-duplicate-label\]", joined, re.S), joined


def test_a_duplicate_label_is_an_error_in_check(tmp_path: Path) -> None:
    result = runner.check(copy_root("clause-duplicate", tmp_path), cache=tmp_path / "c")
    assert not result.ok
    assert re.search(r"e\.md:10: エラー: .*b\.md.*\[policy\.clause-duplicate-label\]",
                     _joined(result), re.S), _joined(result)


@pytest.mark.sphinx("dummy", testroot="clause-forms", freshenv=True)
def test_merging_a_parallel_readers_data_reports_a_label_it_could_not_see(app) -> None:
    """The merge itself, without relying on which worker happens to read what."""
    app.build()
    domain = app.env.domains["clause"]
    clause = {"labels": ["f-purpose"], "parts": ["1"], "title": "別の目的", "anchor": "f-purpose",
              "line": 8}
    other = {"documents": {"other": {"style": "kihon", "short_name": None}},
             "clauses": {"other": [clause]}}
    domain.merge_domaindata({"other"}, other)
    assert "[policy.clause-duplicate-label]" in app.warning.getvalue()
    assert "other" in domain.clauses  # merged all the same, and cleared with its document
    domain.clear_doc("other")
    assert "other" not in domain.clauses
    assert domain.find("f-purpose")[0] == "kihon"


@pytest.mark.parametrize("how", ["check", "public", "restricted"])
def test_a_public_document_cannot_refer_to_a_restricted_clause(how: str, tmp_path: Path) -> None:
    src = copy_root("clause-leak", tmp_path)
    if how == "check":
        result = runner.check(src, cache=tmp_path / "c")
    else:
        result = build(src, how, tmp_path)
    joined = _joined(result)
    assert not result.ok
    assert re.search(r"index\.md:9: エラー: .*「secret-measure」.*"
                     r"\[policy\.public-refers-restricted\]", joined, re.S), joined
    assert "秘密" not in joined
    assert not (tmp_path / how).exists()


# --- the real basic policy --------------------------------------------------------------------


@pytest.fixture(scope="module")
def basic_policy(real_docs: Path) -> Path:
    return real_docs / "public" / "kihon" / "index.html"


def test_the_basic_policy_is_numbered_as_the_official_text(basic_policy: Path) -> None:
    top = [h for h in headings(basic_policy) if re.match(r"\d+ ", h)]
    assert top == ["1 目的", "2 定義", "3 対象とする脅威", "4 適用範囲", "5 職員等の遵守義務",
                   "6 情報セキュリティ対策", "7 情報セキュリティ監査及び自己点検の実施",
                   "8 情報セキュリティポリシーの見直し", "9 情報セキュリティ対策基準の策定",
                   "10 情報セキュリティ実施手順の策定"]
    subsections = [h.split(" ")[0] for h in headings(basic_policy) if h.startswith("(")]
    assert subsections == [f"({n})" for n in range(1, 13)] + ["(1)", "(2)"] + \
        [f"({n})" for n in range(1, 10)]
    numbers = [item.split(" ")[0] for item in items(basic_policy)]
    assert numbers == ["(1)", "(2)", "(3)", "(4)", "(5)", "①", "②", "③", "①", "②", "③"]


def test_the_basic_policy_refers_to_its_clauses_with_links(basic_policy: Path) -> None:
    text = " ".join(paragraphs(basic_policy))
    assert "4 (1) に示す行政機関" in text
    assert "上記3の脅威" in text
    assert "上記6、7及び8に規定する" in text
    assert clause_links(basic_policy) == [
        ("4 (1)", "#kihon-scope-bodies"), ("3", "#kihon-threats"),
        ("6", "#kihon-measures"), ("7", "#kihon-audit"), ("8", "#kihon-review"),
    ]


# --- incremental builds -----------------------------------------------------------------------

_PROBE = """---
orphan: true
---

# 基本方針を参照する文書

{clause}`kihon-measures`による。
"""

_NEW_SECTION = """(kihon-inserted)=
## 新たに加える節

本文。

"""


def test_inserting_a_section_renumbers_every_reference_without_a_fresh_environment(
        tmp_path: Path) -> None:
    src = copy_root("docs", tmp_path)
    probe = src / "restricted" / "clause-probe.md"
    probe.write_text(_PROBE, encoding="utf-8")
    first = build(src, "restricted", tmp_path)
    assert first.ok, _joined(first)
    page = tmp_path / "restricted" / "kihon" / "index.html"
    probe_page = tmp_path / "restricted" / "restricted" / "clause-probe.html"
    assert "上記6、7及び8に規定する" in " ".join(paragraphs(page))
    assert paragraphs(probe_page) == ["基本方針6による。"]
    doctrees = next((tmp_path / ".cache").glob("*/restricted/doctrees"))
    probe_doctree = doctrees / "restricted" / "clause-probe.doctree"
    probe_read = probe_doctree.stat().st_mtime_ns

    kihon = src / "kihon" / "index.md"
    text = kihon.read_text(encoding="utf-8")
    kihon.write_text(text.replace("(kihon-measures)=", _NEW_SECTION + "(kihon-measures)=", 1),
                     encoding="utf-8")
    second = build(src, "restricted", tmp_path)
    assert second.ok, _joined(second)

    assert probe_doctree.stat().st_mtime_ns == probe_read  # not read again: only rewritten
    body = " ".join(paragraphs(page))
    assert "上記7、8及び9に規定する" in body
    assert "上記6、7及び8" not in body
    assert "6 新たに加える節" in headings(page)
    assert "7 情報セキュリティ対策" in headings(page)
    assert "11 情報セキュリティ実施手順の策定" in headings(page)
    assert paragraphs(probe_page) == ["基本方針7による。"]
    assert clause_links(probe_page) == [("基本方針7", "../kihon/index.html#kihon-measures")]
    # Pages that were not read again show the new numbers in their navigation too.
    navigation = _text(html.parse(str(tmp_path / "restricted" / "restricted" / "index.html"))
                       .getroot())
    assert "7 情報セキュリティ対策" in navigation
    assert "6 情報セキュリティ対策" not in navigation
