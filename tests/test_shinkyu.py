"""新旧対照表 from a real git history: two revisions of a small tree, compared in both editions.

Revision v1 → v2 of ``tests/roots/test-shinkyu-v1`` / ``-v2``: a clause edited (6 (3)), a
section inserted before 6 so that everything after it renumbers (and 「上記6」 becomes
「上記7」), clauses added (7 (4), 7 (5)) and one deleted (2 (3)), an unlabelled item edited,
a document reclassified from public to restricted (``kihon/tebiki.md``), a restricted document
deleted, and a restricted passage moved into the public basic policy. Canaries stand in
restricted documents of both revisions.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import lxml.html
import pytest
from conftest import PROJECT, ROOTS, find_canaries, tree_digest
from docx import Document
from docx.oxml.ns import qn
from policy import shinkyu, shinkyu_docx, shinkyu_publish, snapshot

#: Restricted text of v1 (one kept in a document deleted in v2) and of v2.
CANARIES = ("カナリア旧甲一二三", "カナリア新乙四五六", "カナリア旧文書丙七八九")
#: What the document that v2 makes restricted says: public in v1, restricted now.
RECLASSIFIED = ("職員向け手引", "窓口で来庁者に示す掲示の文例")


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=情報政策担当", "-c", "user.email=p@example.jp",
                           "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
                          cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


def make_history(root: Path) -> Path:
    """A repository whose ``docs/`` is v1 (tagged v1), then v2 (tagged v2); returns docs/."""
    repo = root / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    for tag in ("v1", "v2"):
        shutil.rmtree(repo / "docs", ignore_errors=True)
        shutil.copytree(ROOTS / f"test-shinkyu-{tag}", repo / "docs")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", f"改正 {tag}")
        _git(repo, "tag", tag)
    return repo / "docs"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("shinkyu")
    src = make_history(root)
    result = shinkyu_publish.write_tables(src, "v1", "v2", root / "shinkyu")
    assert result.ok, "\n".join(result.lines)
    return src, root / "shinkyu"


def _runs(cell: lxml.html.HtmlElement, tag: str) -> list[str]:
    return [element.text_content() for element in cell.iter(tag)]


def _cell_text(cell: lxml.html.HtmlElement) -> str:
    return "/".join(p.text_content() for p in cell.iter("p"))


def rows(page: Path, title: str) -> list[tuple[str, str, list[str], str, list[str]]]:
    """The rows of one document's table: kind, new text, underlined new text, old text,
    underlined old text (paragraphs joined by "/")."""
    tree = lxml.html.parse(str(page)).getroot()
    for section in tree.find_class("policy-shinkyu-document"):
        if section.findtext("h2") == f"{title} 新旧対照表":
            found = []
            for row in section.iter("tbody").__next__().iter("tr"):
                new, old = row.findall("td")
                found.append((row.get("class").removeprefix("policy-shinkyu-"),
                              _cell_text(new), _runs(new, "ins"), _cell_text(old),
                              _runs(old, "del")))
            return found
    raise AssertionError(f"no table for {title}")


#: The basic policy's table, row by row, the same in both editions.
BASIC_POLICY = [
    ("same", "（略）", [], "（略）", []),
    ("same", "1目的/（略）", [], "1目的/（略）", []),
    ("same", "2対象とする脅威", [], "2対象とする脅威", []),
    ("same", "2 (1)（略）", [], "2 (1)（略）", []),
    ("changed", "2 (2)誤操作、紛失等の非意図的な要因による情報資産の漏えい", ["、紛失"],
     "2 (2)誤操作等の非意図的な要因による情報資産の漏えい", []),
    ("deleted", "（削除）", [], "2 (3)地震、落雷、火災等の災害によるサービスの停止",
     ["2 (3)", "地震、落雷、火災等の災害によるサービスの停止"]),
    ("same", "3適用範囲/（略）", [], "3適用範囲/（略）", []),
    ("same", "4職員の義務/（略）", [], "4職員の義務/（略）", []),
    ("same", "5組織体制/（略）", [], "5組織体制/（略）", []),
    ("added", "6事案への対応/情報セキュリティに関する事案が発生したときは、直ちに最高情報"
     "セキュリティ責任者に報告する。",
     ["6", "事案への対応", "情報セキュリティに関する事案が発生したときは、直ちに最高情報"
      "セキュリティ責任者に報告する。"], "（新設）", []),
    ("same", "7情報セキュリティ対策/（略）", ["7"], "6情報セキュリティ対策/（略）", ["6"]),
    ("same", "7 (1)物理的セキュリティ/（略）", ["7"], "6 (1)物理的セキュリティ/（略）", ["6"]),
    ("same", "7 (2)人的セキュリティ/（略）", ["7"], "6 (2)人的セキュリティ/（略）", ["6"]),
    ("changed", "7 (3)技術的セキュリティ/不正プログラム対策及び脆弱性対策を講じ、アクセス制御を"
     "行う。", ["7", "及び脆弱性対策"],
     "6 (3)技術的セキュリティ/不正プログラム対策を講じ、アクセス制御を行う。", ["6"]),
    ("added", "7 (4)委託先の管理/業務を委託するときは、委託先に情報セキュリティ対策の実施を"
     "求める。", ["7 (4)", "委託先の管理", "業務を委託するときは、委託先に情報セキュリティ対策"
                  "の実施を求める。"], "（新設）", []),
    ("added", "7 (5)来庁者への周知/来庁者に対しては、庁舎の入口に情報の取扱いに関する掲示を"
     "行い、周知に努めるものとする。", ["7 (5)", "来庁者への周知", "来庁者に対しては、庁舎の"
                                       "入口に情報の取扱いに関する掲示を行い、周知に努める"
                                       "ものとする。"], "（新設）", []),
    ("changed", "8見直し/上記7の対策は、毎年度評価し、必要に応じて見直す。", ["8", "7"],
     "7見直し/上記6の対策は、毎年度評価し、必要に応じて見直す。", ["7", "6"]),
]


def test_public_table_row_by_row(history: tuple[Path, Path]) -> None:
    _src, out = history
    page = out / "public" / "shinkyu.html"
    assert rows(page, "見本市情報セキュリティ基本方針") == BASIC_POLICY
    text = page.read_text(encoding="utf-8")
    assert "改正後：令和7年3月24日　改正前：令和6年3月22日" in text  # the two dates
    # The document that became restricted: 削除, without its title or its text.
    assert rows(page, "（削除された文書）") == [("deleted", "（削除）", [], "（文書の全部）", [])]
    assert "対策基準" not in text  # restricted documents are not compared at all
    assert "庁内限定" not in text and "noindex" not in text


def test_restricted_table_row_by_row(history: tuple[Path, Path]) -> None:
    _src, out = history
    page = out / "restricted" / "shinkyu.html"
    assert rows(page, "見本市情報セキュリティ基本方針") == BASIC_POLICY
    assert rows(page, "見本市情報セキュリティ対策基準") == [
        ("same", "第1物理的セキュリティ", [], "第1物理的セキュリティ", []),
        ("changed", "第1の1サーバ室の鍵は、カナリア新乙四五六号の保管庫で管理する。",
         ["新乙四五六"], "第1の1サーバ室の鍵は、カナリア旧甲一二三号の保管庫で管理する。",
         ["旧甲一二三"]),
        ("same", "第1の2（略）", [], "第1の2（略）", []),
        ("same", "第2人的セキュリティ", [], "第2人的セキュリティ", []),
        ("same", "第2の1（略）", [], "第2の1（略）", []),
        ("same", "第2の2（略）", [], "第2の2（略）", []),
        ("deleted", "（削除）", [], "第3来庁者への周知/来庁者に対しては、庁舎の入口に情報の"
         "取扱いに関する掲示を行い、周知に努めるものとする。",
         ["第3", "来庁者への周知", "来庁者に対しては、庁舎の入口に情報の取扱いに関する掲示を"
          "行い、周知に努めるものとする。"]),
    ]
    assert rows(page, "旧い手順（廃止）") == [
        ("deleted", "（削除）", [], "この手順は、カナリア旧文書丙七八九の端末で行う作業を定める。",
         ["この手順は、カナリア旧文書丙七八九の端末で行う作業を定める。"])]
    text = page.read_text(encoding="utf-8")
    # Marked on screen and on every printed page (margin boxes, and the repeated table head).
    assert text.count('class="policy-shinkyu-banner"') == 2
    assert '@top-center { content: "庁内限定・取扱注意"' in text
    assert text.count('<th colspan="2" class="policy-shinkyu-marking">庁内限定・取扱注意</th>') \
        == 3
    assert 'name="robots" content="noindex' in text
    assert "size: A4 landscape" in text


def _docx_rows(path: Path, index: int) -> list[tuple[str, list[str], str, list[str]]]:
    document = Document(str(path))
    table = document.tables[index]
    found = []
    for row in table.rows[1:]:
        cells = []
        for cell in row.cells:
            text = "/".join(p.text for p in cell.paragraphs)
            underlined = [run.text for p in cell.paragraphs for run in p.runs if run.underline]
            cells += [text, underlined]
        found.append(tuple(cells))
    return found


def test_docx_table_reads_back(history: tuple[Path, Path]) -> None:
    _src, out = history
    for edition in ("public", "restricted"):
        path = out / edition / "shinkyu.docx"
        document = Document(str(path))
        section = document.sections[0]
        assert section.orientation == 1  # landscape
        assert round(section.page_width.mm) == 297 and round(section.page_height.mm) == 210
        header = [p.text for p in section.header.paragraphs]
        assert header == (["庁内限定・取扱注意"] if edition == "restricted" else [""])
        head = [cell.text for cell in document.tables[0].rows[0].cells]
        assert head == ["改正後", "改正前"]
        found = _docx_rows(path, 0)
        assert len(found) == len(BASIC_POLICY)
        for (kind, new, new_ins, old, old_del), (dnew, dnew_u, dold, dold_u) in zip(
                BASIC_POLICY, found, strict=True):
            # The same text (Word puts a full-width space after the number) and the same
            # underlined runs.
            assert dnew.replace("\u3000", "") == new, kind
            assert dold.replace("\u3000", "") == old, kind
            assert [r.strip() for r in dnew_u] == [r.strip() for r in new_ins], new
            assert [r.strip() for r in dold_u] == [r.strip() for r in old_del], old
        for paragraph in (p for t in document.tables for row in t.rows for c in row.cells
                          for p in c.paragraphs):
            for run in paragraph.runs:
                fonts = run._r.rPr.rFonts
                assert fonts.get(qn("w:eastAsia")) == shinkyu_docx.FONT
                assert run.font.name == shinkyu_docx.FONT
    restricted = _docx_rows(out / "restricted" / "shinkyu.docx", 1)
    assert restricted[1] == ("第1の1\u3000サーバ室の鍵は、カナリア新乙四五六号の保管庫で管理する。",
                             ["新乙四五六"],
                             "第1の1\u3000サーバ室の鍵は、カナリア旧甲一二三号の保管庫で管理する。",
                             ["旧甲一二三"])


_TAG = re.compile(r"<[^>]*>")


def _unpacked(out: Path, dest: Path) -> Path:
    """The outputs with the Word files unpacked beside them, and every page and part also
    without its markup (a changed run is marked up in the middle of a word: 「カナリア<del>
    旧甲一二三</del>号」), so that every byte and every text is scanned."""
    shutil.copytree(out, dest)
    for docx in dest.rglob("*.docx"):
        with zipfile.ZipFile(docx) as package:
            package.extractall(docx.with_suffix(".parts"))
    for marked in [*dest.rglob("*.html"), *dest.rglob("*.xml")]:
        text = marked.read_text(encoding="utf-8")
        marked.with_name(marked.name + ".txt").write_text(_TAG.sub("", text), encoding="utf-8")
    return dest


def test_no_restricted_text_in_any_public_byte(history: tuple[Path, Path],
                                               tmp_path: Path) -> None:
    _src, out = history
    public = _unpacked(out / "public", tmp_path / "public")
    assert not find_canaries(public, CANARIES + RECLASSIFIED)
    assert not find_canaries(public, ("kijun", "old-only", "tebiki"))  # no names either
    # The scan can find them: the restricted table holds both revisions' canaries.
    restricted = _unpacked(out / "restricted", tmp_path / "restricted")
    found = find_canaries(restricted, CANARIES)
    assert set(found) == set(CANARIES)
    assert any(name.endswith("document.xml.txt") for name in found[CANARIES[0]])


def test_same_history_gives_the_same_bytes(history: tuple[Path, Path], tmp_path: Path) -> None:
    src, out = history
    again = shinkyu_publish.write_tables(src, "v1", "v2", tmp_path / "again")
    assert again.ok, "\n".join(again.lines)
    assert tree_digest(tmp_path / "again") == tree_digest(out)


@pytest.mark.parametrize("leaked", [
    "新規採用の職員には、採用後一月以内に研修を行う。",  # restricted in both revisions
    "この手順は、カナリア旧文書丙七八九の端末で行う作業を定める。",  # in the older only
])
def test_whatever_reaches_the_public_table_is_audited(tmp_path: Path, leaked: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Should restricted text reach the public table by any path (here a fault put in the
    comparison), the audit refuses it in the page and in the Word file, against the
    restricted sources of either revision, and the previous tables stay."""
    src = make_history(tmp_path)
    out = tmp_path / "shinkyu"
    assert shinkyu_publish.write_tables(src, "v1", "v2", out).ok
    before = tree_digest(out)
    compare = shinkyu.compare

    def leaking(*args: object, **kwargs: object) -> shinkyu.Comparison:
        result = compare(*args, **kwargs)
        if kwargs["edition"] == "public":
            result.documents[0].rows.append(shinkyu.Row(
                "added", shinkyu.Side(lines=[[shinkyu.Segment(leaked)]]), shinkyu.Side()))
        return result

    monkeypatch.setattr(shinkyu, "compare", leaking)
    result = shinkyu_publish.write_tables(src, "v1", "v2", out)
    joined = "\n".join(result.lines)
    assert not result.ok
    assert f"{out}/public/shinkyu.html: エラー" in joined
    assert f"{out}/public/docx/word/document.xml: エラー" in joined
    assert "[policy.audit-hit]" in joined and "[policy.shinkyu-not-written]" in joined
    assert tree_digest(out) == before


def test_defaults_compare_the_latest_tag_with_the_working_tree(tmp_path: Path) -> None:
    src = make_history(tmp_path)
    scope = src / "kihon" / "index.md"
    scope.write_text(scope.read_text(encoding="utf-8").replace(
        "行政委員会の全ての職員に", "行政委員会の全ての職員等に"), encoding="utf-8")
    result = shinkyu_publish.write_tables(src, None, None, tmp_path / "out")
    assert result.ok, "\n".join(result.lines)
    page = tmp_path / "out" / "public" / "shinkyu.html"
    assert "改正前：v2" in page.read_text(encoding="utf-8")
    assert "改正後：作業中の原稿" in page.read_text(encoding="utf-8")
    changed = [row for row in rows(page, "見本市情報セキュリティ基本方針") if row[0] != "same"]
    assert changed == [("changed", "3適用範囲/本基本方針は、市長部局及び行政委員会の全ての職員等"
                        "に適用する。", ["等"], "3適用範囲/本基本方針は、市長部局及び行政委員会"
                        "の全ての職員に適用する。", [])]


def test_bad_requests_are_refused(tmp_path: Path) -> None:
    src = make_history(tmp_path)
    result = shinkyu_publish.write_tables(src, "r99", None, tmp_path / "out")
    assert not result.ok and "[policy.shinkyu-bad-revision]" in "\n".join(result.lines)
    assert not (tmp_path / "out").exists()
    result = shinkyu_publish.write_tables(src, "v1", None, src / "shinkyu")
    assert not result.ok and "[policy.out-in-tree]" in "\n".join(result.lines)
    (tmp_path / "other" / "public").mkdir(parents=True)
    (tmp_path / "other" / "public" / "index.html").write_text("web site", encoding="utf-8")
    result = shinkyu_publish.write_tables(src, "v1", None, tmp_path / "other")
    assert not result.ok and "[policy.out-not-edition]" in "\n".join(result.lines)
    assert (tmp_path / "other" / "public" / "index.html").read_text() == "web site"


def test_a_revision_that_does_not_build_is_reported(tmp_path: Path) -> None:
    src = make_history(tmp_path)
    policy = src / "kihon" / "index.md"
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        "{clause}`k-scope`", "{clause}`k-nowhere`"), encoding="utf-8")
    result = shinkyu_publish.write_tables(src, "v2", None, tmp_path / "out")
    joined = "\n".join(result.lines)
    assert not result.ok
    assert "kihon/index.md:" in joined and "[policy.shinkyu-revision-failed]" in joined
    assert not (tmp_path / "out").exists()


def test_command_line(tmp_path: Path) -> None:
    src = make_history(tmp_path)
    done = subprocess.run([sys.executable, str(PROJECT / "build.py"), "shinkyu", "v1", "v2",
                           "--src", str(src), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "[policy.shinkyu-written]" in done.stderr
    assert (tmp_path / "out" / "restricted" / "shinkyu.docx").is_file()
    done = subprocess.run([sys.executable, str(PROJECT / "build.py"), "shinkyu", "v1", "v2",
                           "v3", "--src", str(src)], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_docx_bytes_do_not_depend_on_the_clock(history: tuple[Path, Path]) -> None:
    _src, out = history
    with zipfile.ZipFile(io.BytesIO((out / "public" / "shinkyu.docx").read_bytes())) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"1980-01-01" in package.read("docProps/core.xml")


def test_public_export_never_reads_a_restricted_file(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Each revision is exported by its own classification: for the public edition, git is
    asked only for what the revision's rules make public, and a file that raises itself in
    its front matter (v2's kihon/tebiki.md) is not kept."""
    src = make_history(tmp_path)
    read: list[str] = []
    blobs = snapshot._blobs

    def recording(where: Path, objects: list[str]) -> list[bytes]:
        read.extend(objects)
        return blobs(where, objects)

    monkeypatch.setattr(snapshot, "_blobs", recording)
    for tag, kept in (("v1", {"conf.py", "index.md", "kihon/index.md", "kihon/tebiki.md"}),
                      ("v2", {"conf.py", "index.md", "kihon/index.md"})):
        read.clear()
        revision = snapshot.resolve(src, tag)
        snapshot.export(revision, tmp_path / tag, "public")
        files = {p.relative_to(tmp_path / tag).as_posix()
                 for p in (tmp_path / tag).rglob("*") if p.is_file()}
        assert files == kept
        objects = {path: obj for _mode, obj, path in snapshot._entries(revision)[1]}
        restricted = {obj for path, obj in objects.items() if path.startswith("restricted/")}
        assert restricted and not restricted & set(read)
