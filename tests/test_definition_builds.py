"""Defined terms in parallel and incremental builds: the same result as a fresh serial build."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import build, copy_root, tree_digest
from lxml import html
from policy import runner

ROOT = "definition-basic"
PARTS = 6


def _with_parts(tmp_path: Path) -> Path:
    """The basic root and six more restricted documents, enough for Sphinx to read in parallel;
    each defines a term and uses the next one's."""
    src = copy_root(ROOT, tmp_path)
    for number in range(1, PARTS + 1):
        following = number % PARTS + 1
        (src / "restricted" / f"part{number}.md").write_text(
            f"---\norphan: true\n---\n# 部品{number}\n\n## 定義\n\n"
            f":::{{definition}} 部品用語{number}号\n第{number}の部品を{{no-term}}`いう`。\n:::\n\n"
            f"## 使い方\n\n部品用語{following}号は情報システムの部品である。\n",
            encoding="utf-8")
    return src


def _main(page: Path) -> html.HtmlElement:
    return html.parse(str(page)).getroot().xpath("//*[@role='main']")[0]


def _hrefs(page: Path, text: str) -> list[str]:
    return [a.get("href") for a in _main(page).iter("a") if a.text_content() == text]


def test_parallel_build_gives_the_same_edition_as_a_serial_one(tmp_path: Path) -> None:
    src = _with_parts(tmp_path)
    serial = runner.build_edition(src, tmp_path / "serial", "restricted", cache=tmp_path / "c1")
    parallel = runner.build_edition(src, tmp_path / "parallel", "restricted",
                                    cache=tmp_path / "c2", parallel=2)
    assert serial.ok and parallel.ok, "\n".join(serial.lines + parallel.lines)
    assert tree_digest(tmp_path / "serial") == tree_digest(tmp_path / "parallel")
    part = tmp_path / "parallel" / "restricted" / "part3.html"
    assert _hrefs(part, "部品用語4号") == ["part4.html#" + _id_of(tmp_path / "parallel", 4)]
    glossary = _main(tmp_path / "parallel" / "restricted" / "yougo.html")
    assert len(glossary.xpath("//dl/dt")) == 8 + PARTS


def _id_of(out: Path, number: int) -> str:
    page = _main(out / "restricted" / f"part{number}.html")
    return page.xpath("//section[contains(@class, 'policy-definition')]/@id")[0]


@pytest.mark.parametrize("parallel", [0, 2])
def test_a_term_defined_in_two_documents_is_found_in_serial_and_parallel_builds(
        parallel: int, tmp_path: Path) -> None:
    src = _with_parts(tmp_path)
    # part1 and part6 are far apart, so that two parallel readers each see one of them.
    path = src / "restricted" / "part6.md"
    path.write_text(path.read_text(encoding="utf-8")
                    + "\n:::{definition} 部品用語1号\n重ねて定義する。\n:::\n", encoding="utf-8")
    result = build(src, "restricted", tmp_path, parallel=parallel)
    assert not result.ok
    joined = "\n".join(result.lines)
    assert re.search(r"restricted/part6\.md:\d+: エラー: 用語「部品用語1号」は "
                     r"restricted/part1\.md:\d+ でも定義されています", joined), joined


def _doctree(tmp_path: Path, src: Path, edition: str, docname: str) -> Path:
    found = list((tmp_path / ".cache").glob(f"*/{edition}/doctrees/{docname}.doctree"))
    assert len(found) == 1, found
    return found[0]


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_incremental_build_follows_edits_to_definitions(tmp_path: Path) -> None:
    src = _with_parts(tmp_path)
    (src / "restricted" / "later.md").write_text(
        "---\norphan: true\n---\n# 後の文書\n\n入退室記録簿は毎日確かめる。\n", encoding="utf-8")
    assert build(src, "restricted", tmp_path).ok
    out = tmp_path / "restricted" / "restricted"
    later = _doctree(tmp_path, src, "restricted", "restricted/later")
    glossary = _doctree(tmp_path, src, "restricted", "restricted/yougo")
    read_at = (later.stat().st_mtime_ns, glossary.stat().st_mtime_ns)
    assert _hrefs(out / "later.html", "入退室記録簿") == []

    # A new term, and a changed definition, in one document only.
    taisaku = src / "restricted" / "taisaku.md"
    _replace(taisaku, "入退室を記録する帳簿をいう。", "入退室を記録し、毎月点検する帳簿をいう。")
    _append_definition(taisaku, "入退室記録簿", "入退室の記録を綴じた簿冊をいう。")
    result = build(src, "restricted", tmp_path)
    assert result.ok, "\n".join(result.lines)
    # The unchanged documents were not read again, only written again with the new terms.
    assert (later.stat().st_mtime_ns, glossary.stat().st_mtime_ns) == read_at
    assert _hrefs(out / "later.html", "入退室記録簿") == ["taisaku.html#" + _definition_id(
        out / "taisaku.html", "入退室記録簿")]
    listing = _main(out / "yougo.html").text_content()
    assert "入退室を記録し、毎月点検する帳簿をいう。" in listing
    assert "入退室の記録を綴じた簿冊をいう。" in listing

    # The term is removed again: its links go.
    _replace(taisaku, ":::{definition} 入退室記録簿\n入退室の記録を綴じた簿冊をいう。\n:::\n", "")
    assert build(src, "restricted", tmp_path).ok
    assert _hrefs(out / "later.html", "入退室記録簿") == []
    assert "入退室記録簿" not in _main(out / "yougo.html").text_content()


def test_unchanged_text_is_checked_again_against_changed_terms(tmp_path: Path) -> None:
    """The findings about a document's text are kept with it between builds, but only for
    the terms it was checked against: a new term makes text that was not read again a
    variant spelling of it, and the build fails there; a term used only in such text is not
    called unused."""
    src = _with_parts(tmp_path)
    later = src / "restricted" / "later.md"
    later.write_text("---\norphan: true\n---\n# 後の文書\n\n点検簿冊の綴りを確かめる。\n\n"
                     "入退室記録簿ーを毎日確かめる。\n", encoding="utf-8")
    assert build(src, "restricted", tmp_path).ok
    read_at = _doctree(tmp_path, src, "restricted", "restricted/later").stat().st_mtime_ns

    taisaku = src / "restricted" / "taisaku.md"
    _append_definition(taisaku, "点検簿冊", "点検の結果を綴じた簿冊をいう。")
    result = build(src, "restricted", tmp_path)
    assert result.ok, "\n".join(result.lines)
    assert not any("term-unused" in line for line in result.lines)
    assert _doctree(tmp_path, src, "restricted", "restricted/later").stat().st_mtime_ns == read_at

    _append_definition(taisaku, "入退室記録簿", "入退室の記録を綴じた簿冊をいう。")
    result = build(src, "restricted", tmp_path)
    assert not result.ok
    line = later.read_text(encoding="utf-8").split("\n").index("入退室記録簿ーを毎日確かめる。") + 1
    assert [found for found in result.lines if "[policy.term-variant]" in found
            and f"later.md:{line}" in found], result.lines


def test_incremental_public_build_follows_a_changed_basic_definition(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    assert build(src, "public", tmp_path).ok
    _replace(src / "kihon" / "index.md", "コンピュータ等を相互に接続するための通信網をいう。",
             "コンピュータ等を相互に接続する通信網をいう。")
    assert build(src, "public", tmp_path).ok
    listing = _main(tmp_path / "public" / "kihon" / "yougo.html").text_content()
    assert "コンピュータ等を相互に接続する通信網をいう。" in listing
    assert "接続するための" not in listing


def _append_definition(path: Path, term: str, body: str) -> None:
    path.write_text(path.read_text(encoding="utf-8")
                    + f"\n:::{{definition}} {term}\n{body}\n:::\n", encoding="utf-8")


def _definition_id(page: Path, term: str) -> str:
    for section in _main(page).xpath("//section[contains(@class, 'policy-definition')]"):
        if section.xpath("./h1|./h2|./h3|./h4")[0].text_content().startswith(term):
            return section.get("id")
    raise AssertionError(term)


def _check_without_reset(src: Path, work: Path) -> tuple[str, dict]:
    """One ``sphinx-build -b dummy`` run that keeps its environment, as a plain incremental
    check does (``runner.check`` would read everything again after a failed run)."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    warnings = io.StringIO()
    with patch_docutils(src), docutils_namespace():
        app = Sphinx(src, src, work / "out", work / "doctrees", "dummy",
                     confoverrides={"policy_edition": "restricted"}, status=None,
                     warning=warnings, freshenv=False)
        app.build()
        terms = dict(app.env.domains.standard_domain._terms)
    return warnings.getvalue(), terms


def test_removing_one_of_two_definitions_keeps_the_other_registered(tmp_path: Path) -> None:
    """After a check that found a duplicate, only the edited document is read again; the
    definition that remains must still be the one ``{term}`` and the links reach."""
    src = copy_root(ROOT, tmp_path)
    for name in ("a", "b"):
        (src / "restricted" / f"{name}.md").write_text(
            f"---\norphan: true\n---\n# 文書{name}\n\n:::{{definition}} 二重用語\n"
            f"文書{name}での意味をいう。\n:::\n", encoding="utf-8")
    (src / "restricted" / "user.md").write_text(
        "---\norphan: true\n---\n# 使う文書\n\n{term}`二重用語`と二重用語を使う。\n",
        encoding="utf-8")
    first, terms = _check_without_reset(src, tmp_path)
    assert "term-defined-twice" in first
    assert terms["二重用語"][0] == "restricted/a"
    (src / "restricted" / "a.md").write_text("---\norphan: true\n---\n# 文書a\n\n定義はない。\n",
                                             encoding="utf-8")
    second, terms = _check_without_reset(src, tmp_path)
    assert "policy." not in second, second
    assert terms["二重用語"][0] == "restricted/b"
