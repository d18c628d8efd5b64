"""Traceability: declarations, their errors, the views of the restricted edition, coverage, and
the public edition's guarantee that none of it reaches it.

The small tree ``tests/roots/test-trace-basic`` has a public 方針 (tier 基本方針, measures under
``k-measures``), a restricted 基準 (対策基準), 手順 (実施手順) and a matrix page; every test builds
it, or the real ``docs/``, for real and reads what a reader would get.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import build, copy_root, find_canaries, tree_digest
from lxml import html
from policy import runner

ROOT = "trace-basic"
KIHON = "kihon/index.md"
STANDARDS = "restricted/taisaku/index.md"
PROCEDURES = "restricted/tejun/index.md"


def _joined(result: runner.Result) -> str:
    return "\n".join(result.lines)


def _article(page: Path) -> html.HtmlElement:
    body = html.parse(str(page)).xpath("//article")[0]
    for link in body.xpath('.//a[contains(@class, "headerlink")]'):
        link.drop_tree()
    return body


def _text(element: html.HtmlElement) -> str:
    return re.sub(r"\s+", " ", element.text_content()).strip()


def _section(page: Path, anchor: str) -> html.HtmlElement:
    """The section or numbered item a label names (an item's label is on its paragraph)."""
    found = _article(page).xpath(f'.//*[@id="{anchor}"]')[0]
    return found.getparent() if found.tag == "p" else found


def _own_boxes(clause: html.HtmlElement) -> list[html.HtmlElement]:
    """The lists of implementers that belong to this clause, not to a clause inside it."""
    return [box for box in clause.xpath('.//div[contains(@class, "policy-trace-implemented-by")]')
            if box.xpath('ancestor::*[self::section or self::li][1]')[0] is clause]


def _listed(box: html.HtmlElement) -> list[tuple[str, str]]:
    return [(_text(a), a.get("href")) for a in box.xpath(".//li//a")]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    stat = path.stat()  # make sure an incremental build sees the change
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**10))


@pytest.fixture(scope="module")
def basic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("trace-basic")
    src = copy_root(ROOT, work)
    for edition in ("restricted", "public"):
        result = build(src, edition, work)
        assert result.ok, _joined(result)
    return work


# --- the declaration ------------------------------------------------------------------------


def test_a_declaration_reads_as_what_the_clause_implements_with_linked_numbers(
        basic: Path) -> None:
    page = basic / "restricted" / "restricted" / "tejun" / "index.html"
    declarations = _article(page).xpath('.//p[contains(@class, "policy-trace-declaration")]')
    assert [_text(p) for p in declarations] == [
        "実施する対策基準：基準第1の1",
        "実施する対策基準：基準第2及び第2の1",
    ]
    links = [(_text(a), a.get("href")) for a in declarations[1].xpath(".//a")]
    assert links == [("基準第2", "../taisaku/index.html#s-layers"),
                     ("第2の1", "../taisaku/index.html#s-layer-b")]


def test_a_declaration_followed_directly_by_text_is_still_a_paragraph_of_its_own(
        basic: Path) -> None:
    section = _section(basic / "restricted" / "restricted" / "taisaku" / "index.html",
                       "s-org-head")
    paragraphs = [_text(p) for p in section.xpath("./p")]
    assert paragraphs == ["実施する基本方針：方針2(1)",
                          "本文のすぐ上に宣言を書いた場合も、宣言は段落として分かれる。"]


# --- the views ------------------------------------------------------------------------------


def test_each_basic_policy_clause_lists_the_standards_that_implement_it(basic: Path) -> None:
    page = basic / "restricted" / "kihon" / "index.html"
    organisation = _own_boxes(_section(page, "k-org"))
    assert len(organisation) == 1
    assert _text(organisation[0].xpath("./p")[0]) == "この条項を実施する対策基準："
    assert _listed(organisation[0]) == [
        ("基準第1 組織の基準", "../restricted/taisaku/index.html#s-org"),
        ("基準第1の1 責任者の指名", "../restricted/taisaku/index.html#s-org-head"),
    ]
    # A numbered item has its own list; its section's list comes before the items.
    item = _section(page, "k-layer-b")
    assert [_listed(box) for box in _own_boxes(item)] == [
        [("基準第2の1 乙の層の保護", "../restricted/taisaku/index.html#s-layer-b")]]
    layers = _section(page, "k-layers")
    children = list(layers)
    box, = _own_boxes(layers)
    assert children.index(box) < children.index(layers.xpath("./ol")[0])
    assert [_text(a) for a in box.xpath(".//li//a")] == ["基準第2 層の基準"]
    # A clause that nothing implements gets no list.
    assert _own_boxes(_section(page, "k-measures")) == []


def test_each_standard_shows_what_carries_it_out_and_says_so_when_nothing_does(
        basic: Path) -> None:
    page = basic / "restricted" / "restricted" / "taisaku" / "index.html"
    layers, = _own_boxes(_section(page, "s-layers"))
    assert _text(layers) == "この条項を実施する実施手順： 手順第2 層の点検"
    assert _listed(layers) == [("手順第2 層の点検", "../tejun/index.html#p-layers")]
    purpose, = _own_boxes(_section(page, "s-purpose"))
    assert _text(purpose) == "この条項を実施する実施手順：なし"
    assert purpose.xpath('.//*[contains(@class, "policy-trace-gap")]')
    # A chapter whose every standard is carried out is not a gap, though nothing names it.
    chapter, = _own_boxes(_section(page, "s-org"))
    assert _text(chapter) == "この条項を実施する実施手順：下位の各条項で実施"
    assert not chapter.xpath('.//*[contains(@class, "policy-trace-gap")]')
    # The declaration comes first, right under the heading, then what carries it out.
    section = _section(page, "s-layers")
    assert [_text(p) for p in section.xpath("./p")][:1] == ["実施する基本方針：方針2(2)及び2(2)①"]


def test_the_matrix_lists_every_measure_its_standards_and_their_procedures(basic: Path) -> None:
    page = basic / "restricted" / "restricted" / "matrix.html"
    article = _article(page)
    table, = article.xpath('.//table[contains(@class, "policy-trace-matrix")]')
    assert [_text(th) for th in table.xpath(".//thead//th")] == ["基本方針", "対策基準", "実施手順"]
    rows = [[(_text(td), td.get("rowspan")) for td in tr.xpath("./td")]
            for tr in table.xpath("./tbody/tr")]
    assert rows == [
        [("方針1 目的", None), ("基準第3 目的の基準", None), ("なし", None)],
        [("方針2(1) 体制の整備", "2"), ("基準第1 組織の基準", None), ("下位の各条項で実施", None)],
        [("基準第1の1 責任者の指名", None), ("手順第1 指名の手続", None)],
        [("方針2(2) 三つの層", None), ("基準第2 層の基準", None), ("手順第2 層の点検", None)],
        [("方針2(2)① 甲の層を分ける。", None), ("基準第2 層の基準", None),
         ("手順第2 層の点検", None)],
        [("方針2(2)② 乙の層を守る。", None), ("基準第2の1 乙の層の保護", None),
         ("手順第2 層の点検", None)],
        [("方針2(3) 見直し", None), ("基準第4 見直しの基準", None), ("なし", None)],
    ]
    assert table.xpath(".//a/@href")[:2] == ["../kihon/index.html#k-purpose",
                                             "taisaku/index.html#s-purpose"]
    summary = [_text(li) for li in article.xpath('.//ul[contains(@class, "policy-trace-summary")]'
                                                 "/li")]
    assert summary == ["方針2の対策 5 件のうち、対策基準が実施していないもの 0 件",
                       "対策基準の条項 6 件のうち、実施手順が実施していないもの 2 件"]
    gaps = [_text(p) for p in article.xpath('.//p[contains(@class, "policy-trace-gaps")]')]
    assert gaps == ["対策基準が実施していない方針2の対策（0 件）",
                    "実施手順が実施していない対策基準の条項（2 件）"]
    listed = article.xpath('.//ul[contains(@class, "policy-trace-gap-list")]//a')
    assert [_text(a) for a in listed] == ["基準第3 目的の基準", "基準第4 見直しの基準"]


def test_the_matrix_prints_as_a_plain_table(basic: Path) -> None:
    page = (basic / "restricted" / "restricted" / "matrix.html").read_text(encoding="utf-8")
    assert "policy-trace.css" in page
    css = (basic / "restricted" / "_static" / "policy-trace.css").read_text(encoding="utf-8")
    assert "@media print" in css and "table-header-group" in css
    assert 'class="policy-banner policy-banner-top' in page
    assert 'class="policy-banner policy-banner-bottom' in page


def test_the_public_edition_shows_none_of_it(basic: Path) -> None:
    public = basic / "public"
    page = (public / "kihon" / "index.html").read_text(encoding="utf-8")
    assert "体制を整える。" in page  # the clause is there, its list is not
    canaries = ["policy-trace", "実施する", "基準第1", "組織の基準", "指名の手続",
                "下位の各条項で実施", "実施関係の見本一覧"]
    assert set(find_canaries(basic / "restricted", canaries)) == set(canaries)
    assert find_canaries(public, canaries) == {}


# --- coverage ---------------------------------------------------------------------------------


def test_check_prints_the_coverage_summary_and_lists_each_gap_with_file_and_line(
        tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    result = runner.check(src, cache=tmp_path / "cache")
    assert result.ok, _joined(result)
    joined = _joined(result)
    assert "情報: 方針2の対策 5 件のうち、対策基準が実施していないもの 0 件" in joined
    assert "情報: 対策基準の条項 6 件のうち、実施手順が実施していないもの 2 件" in joined
    gaps = [line.split(": 警告: ")[0] for line in result.lines if "[policy.trace-gap]" in line]
    assert gaps == [f"{src / STANDARDS}:32", f"{src / STANDARDS}:38"]
    # A second check of an unchanged tree reads nothing again, and still prints the summary.
    again = runner.check(src, cache=tmp_path / "cache")
    assert "対策基準の条項 6 件のうち、実施手順が実施していないもの 2 件" in _joined(again)


def test_an_unimplemented_measure_is_an_error_by_default(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    _edit(src / STANDARDS, "{implements}`k-review`", "{implements}`k-purpose`")
    result = runner.check(src, cache=tmp_path / "cache")
    assert not result.ok
    assert "方針2の対策 5 件のうち、対策基準が実施していないもの 1 件" in _joined(result)
    assert (f"{src / KIHON}:31: エラー: 基本方針の「2(3) 見直し」を実施する対策基準がありません"
            in _joined(result))
    built = build(src, "restricted", tmp_path)
    assert not built.ok and "[policy.trace-gap]" in _joined(built)


@pytest.mark.parametrize(("setting", "ok", "measure", "standard"), [
    ("[]", True, "警告", "警告"),
    ('["基本方針", "対策基準"]', False, "エラー", "エラー"),
    ('["対策基準"]', False, "警告", "エラー"),
])
def test_a_setting_decides_which_gaps_are_errors(tmp_path: Path, setting: str, ok: bool,
                                                 measure: str, standard: str) -> None:
    src = copy_root(ROOT, tmp_path)
    _edit(src / STANDARDS, "{implements}`k-review`", "{implements}`k-purpose`")
    with (src / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write(f"policy_coverage_errors = {setting}\n")
    result = runner.check(src, cache=tmp_path / "cache")
    assert result.ok is ok, _joined(result)
    assert f"{src / KIHON}:31: {measure}: 基本方針の「2(3) 見直し」" in _joined(result)
    assert f"{src / STANDARDS}:32: {standard}: 対策基準の「第3 目的の基準」" in _joined(result)


@pytest.mark.parametrize(("name", "value"), [
    ("policy_coverage_errors", '["不明な階層"]'),
    ("policy_measures", '["no-such-clause"]'),
    ("policy_tiers", '{"基本方針": "kihon"}'),
])
def test_a_wrong_setting_is_an_error(tmp_path: Path, name: str, value: str) -> None:
    src = copy_root(ROOT, tmp_path)
    with (src / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write(f"{name} = {value}\n")
    result = runner.check(src, cache=tmp_path / "cache")
    assert not result.ok
    assert "[policy.bad-setting]" in _joined(result) and name in _joined(result)


# --- errors in declarations -------------------------------------------------------------------

_EXTRA = """---
numbering: kobun
short-name: 追加
{front}---

# 追加の文書

(x-clause)=
## 追加の条項
{{implements}}`k-org`

本文。
"""


@pytest.mark.parametrize(("path", "old", "new", "code", "line"), [
    pytest.param(STANDARDS, "{implements}`k-review`", "{implements}`k-reveiw`",
                 "trace-unknown-label", 39, id="unknown label"),
    pytest.param(STANDARDS, "{implements}`k-purpose`", "{implements}`p-appoint`",
                 "trace-wrong-tier", 33, id="a standard implementing a procedure"),
    pytest.param(PROCEDURES, "{implements}`s-org-head`", "{implements}`k-org`",
                 "trace-wrong-tier", 10, id="a procedure implementing the basic policy"),
    pytest.param(STANDARDS, "(s-purpose)=\n", "", "trace-unlabelled", 32, id="unlabelled clause"),
    pytest.param(STANDARDS, "# 基準の見本\n", "# 基準の見本\n{implements}`k-org`\n",
                 "trace-outside-clause", 7, id="under the document title"),
    pytest.param(STANDARDS, "{implements}`k-purpose`", "{implements}`,`",
                 "trace-bad-declaration", 33, id="no label"),
])
def test_a_wrong_declaration_is_an_error_with_file_and_line_in_check_and_build(
        tmp_path: Path, path: str, old: str, new: str, code: str, line: int) -> None:
    src = copy_root(ROOT, tmp_path)
    _edit(src / path, old, new)
    checked = runner.check(src, cache=tmp_path / "cache")
    assert not checked.ok
    assert f"{src / path}:{line}: エラー: " in _joined(checked)
    assert f"[policy.{code}]" in _joined(checked)
    built = build(src, "restricted", tmp_path)
    assert not built.ok and f"[policy.{code}]" in _joined(built)
    assert not (tmp_path / "restricted").exists()


@pytest.mark.parametrize(("front", "code"), [
    ("", "trace-no-tier"),
    ("tier: 不明\n", "trace-unknown-tier"),
    ("tier: 基本方針\n", "trace-top-tier"),
])
def test_a_document_declares_only_from_a_tier_below_the_top(tmp_path: Path, front: str,
                                                            code: str) -> None:
    src = copy_root(ROOT, tmp_path)
    (src / "restricted" / "extra.md").write_text(
        "---\norphan: true\n" + _EXTRA.format(front=front)[4:], encoding="utf-8")
    result = runner.check(src, cache=tmp_path / "cache")
    assert not result.ok
    assert f"{src / 'restricted' / 'extra.md'}:" in _joined(result)
    assert f"[policy.{code}]" in _joined(result)


def test_front_matter_puts_a_document_in_a_tier(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    (src / "restricted" / "extra.md").write_text(
        "---\norphan: true\n" + _EXTRA.format(front="tier: 対策基準\n")[4:], encoding="utf-8")
    result = build(src, "restricted", tmp_path)
    assert result.ok, _joined(result)
    box, = _own_boxes(_section(tmp_path / "restricted" / "kihon" / "index.html", "k-org"))
    assert ("追加第1 追加の条項", "../restricted/extra.html#x-clause") in _listed(box)


@pytest.mark.parametrize("written", ["{implements}`k-org`", "```{traceability-matrix}\n```"])
def test_a_public_document_cannot_declare_or_hold_the_matrix_in_any_build(
        tmp_path: Path, written: str) -> None:
    src = copy_root(ROOT, tmp_path)
    _edit(src / KIHON, "体制を整える。\n", f"体制を整える。\n\n{written}\n")
    checked = runner.check(src, cache=tmp_path / "cache")
    for result in (checked, build(src, "public", tmp_path), build(src, "restricted", tmp_path)):
        assert not result.ok
        assert f"{src / KIHON}:21: エラー: " in _joined(result)
        assert "[policy.restricted-inline]" in _joined(result)
    assert not (tmp_path / "public").exists()


# --- parallel and incremental builds ----------------------------------------------------------


def _with_more_procedures(tmp_path: Path) -> Path:
    """The basic root and four more procedures, so that parallel readers each hold some."""
    src = copy_root(ROOT, tmp_path)
    for number in range(1, 5):
        (src / "restricted" / "tejun" / f"more{number}.md").write_text(
            f"---\norphan: true\nnumbering: kobun\nshort-name: 追加手順{number}\n---\n\n"
            f"# 追加手順{number}\n\n(more{number})=\n## 目的の手続{number}\n"
            "{implements}`s-purpose`\n\n本文。\n", encoding="utf-8")
    return src


def test_a_parallel_build_gives_the_same_edition_as_a_serial_one(tmp_path: Path) -> None:
    src = _with_more_procedures(tmp_path)
    serial = runner.build_edition(src, tmp_path / "serial", "restricted", cache=tmp_path / "c1")
    parallel = runner.build_edition(src, tmp_path / "parallel", "restricted",
                                    cache=tmp_path / "c2", parallel=2)
    assert serial.ok and parallel.ok, _joined(serial) + _joined(parallel)
    assert tree_digest(tmp_path / "serial") == tree_digest(tmp_path / "parallel")
    page = tmp_path / "parallel" / "restricted" / "taisaku" / "index.html"
    box, = _own_boxes(_section(page, "s-purpose"))
    assert [text for text, _href in _listed(box)] == [
        f"追加手順{n}第1 目的の手続{n}" for n in range(1, 5)]
    assert "実施手順が実施していないもの 1 件" in _joined(parallel)


def test_changing_a_declaration_rewrites_the_pages_that_show_it(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    assert build(src, "restricted", tmp_path).ok
    kihon = tmp_path / "restricted" / "kihon" / "index.html"
    standards = tmp_path / "restricted" / "restricted" / "taisaku" / "index.html"
    matrix = tmp_path / "restricted" / "restricted" / "matrix.html"
    doctrees = next((tmp_path / ".cache").glob("*/restricted/doctrees"))
    kihon_read = (doctrees / "kihon" / "index.doctree").stat().st_mtime_ns
    assert [_text(a) for a in _own_boxes(_section(kihon, "k-purpose"))[0].xpath(".//li//a")] == [
        "基準第3 目的の基準"]

    # The standard 第3 now implements 2(3) instead of 1: the basic policy is not read again,
    # but its lists and the matrix follow.
    _edit(src / STANDARDS, "{implements}`k-purpose`", "{implements}`k-review`")
    second = build(src, "restricted", tmp_path)
    assert second.ok, _joined(second)
    assert (doctrees / "kihon" / "index.doctree").stat().st_mtime_ns == kihon_read
    assert _own_boxes(_section(kihon, "k-purpose")) == []
    assert _listed(_own_boxes(_section(kihon, "k-review"))[0]) == [
        ("基準第3 目的の基準", "../restricted/taisaku/index.html#s-purpose"),
        ("基準第4 見直しの基準", "../restricted/taisaku/index.html#s-review"),
    ]
    first_row = _article(matrix).xpath('.//table//tbody/tr')[0]
    assert _text(first_row.xpath("./td")[0]) == "方針2(1) 体制の整備"

    # A procedure now carries out 第3: the standards page is not read again, but shows it.
    _edit(src / PROCEDURES, "{implements}`s-org-head`", "{implements}`s-org-head, s-purpose`")
    third = build(src, "restricted", tmp_path)
    assert third.ok, _joined(third)
    assert _listed(_own_boxes(_section(standards, "s-purpose"))[0]) == [
        ("手順第1 指名の手続", "../tejun/index.html#p-appoint")]
    assert "実施手順が実施していないもの 1 件" in _text(_article(matrix))


# --- the real policy --------------------------------------------------------------------------

#: Strings only the views write, and titles found only in the standards and procedures.
VIEW_CANARIES = (
    "実施関係一覧",
    "トレーサビリティ",
    "実施する基本方針",
    "実施する対策基準",
    "この条項を実施する対策基準",
    "この条項を実施する実施手順",
    "下位の各条項で実施",
    "policy-trace",
    "兼務の禁止",
    "発見及び第一報",
    "対策基準第1の1",
)


@pytest.fixture(scope="module")
def real(real_docs: Path) -> Path:
    return real_docs


@pytest.fixture(scope="module")
def checked(real_docs: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """What ``check`` prints on the real docs."""
    return _joined(runner.check(real_docs / "src", cache=tmp_path_factory.mktemp("check")))


def test_the_real_policy_implements_every_measure_of_section_6(real: Path, checked: str) -> None:
    assert "情報: 基本方針6の対策 12 件のうち、対策基準が実施していないもの 0 件" in checked
    counts = re.search(r"対策基準の条項 (\d+) 件のうち、実施手順が実施していないもの (\d+) 件",
                       checked)
    assert counts and int(counts[1]) >= 300 and 0 < int(counts[2]) < int(counts[1]) // 2
    assert checked.count("[policy.trace-gap]") == int(counts[2])
    matrix = real / "restricted" / "restricted" / "traceability.html"
    first_column = _article(matrix).xpath('.//table//tbody/tr/td[1][@rowspan or position()=1]')
    measures = [_text(td) for td in first_column if _text(td).startswith("基本方針6")]
    assert len(measures) == 12
    index = (real / "restricted" / "restricted" / "index.html").read_text(encoding="utf-8")
    assert 'href="traceability.html"' in index


def test_the_real_basic_policy_lists_its_standards_in_the_restricted_edition_only(
        real: Path) -> None:
    restricted = real / "restricted" / "kihon" / "index.html"
    box, = _own_boxes(_section(restricted, "kihon-resilience-lgwan"))
    page = "../restricted/taisaku/index.html#"
    assert {href for _text_, href in _listed(box)} == {
        page + label for label in ("std-res-model-alphaprime", "std-res-lgwan",
                                   "std-res-lgwan-split", "std-res-lgwan-sanitise",
                                   "std-res-lgwan-browsing", "std-res-lgwan-rules")}
    public = (real / "public" / "kihon" / "index.html").read_text(encoding="utf-8")
    assert "policy-trace" not in public and "この条項を実施する" not in public


def test_no_view_reaches_the_public_edition(real: Path) -> None:
    assert set(find_canaries(real / "restricted", VIEW_CANARIES)) == set(VIEW_CANARIES)
    assert find_canaries(real / "public", VIEW_CANARIES) == {}
    assert not list((real / "public").rglob("*trace*"))
