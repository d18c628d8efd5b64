"""Editions that cannot leak: each test is a real build, with canaries scanned in every file.

The restricted documents of ``tests/roots/test-leaks`` carry a unique canary in every
construct that stock Sphinx leaks (PRODUCT.md): titles, labels, glossary terms, index entries,
meta, footnotes, substitutions, images, figures, downloads, includes, literalincludes, toctree
entries, code, comments, front matter and a file name. The public edition must hold none of
them, by any path; the restricted edition must hold them (so the canaries are real).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zlib
from pathlib import Path

import pytest
from conftest import build, build_both, copy_root, find_canaries, tree_digest
from policy import audit, runner

CANARIES = {
    "title": "CNRY-TITLE-01",
    "label": "cnry-label-02",
    "section title": "CNRY-SECTION-03",
    "glossary term": "CNRY-TERM-04",
    "glossary definition": "CNRY-TERMDEF-05",
    "index entry": "CNRY-INDEX-06",
    "meta": "CNRY-META-07",
    "footnote": "CNRY-FOOTNOTE-08",
    "substitution": "CNRY-SUBST-09",
    "image alt text": "CNRY-ALT-10",
    "image bytes": "CNRY-PNG-11",
    "figure caption": "CNRY-CAPTION-12",
    "download link text": "CNRY-DLTEXT-13",
    "download file": "CNRY-DLFILE-14",
    "include": "CNRY-INCLUDE-15",
    "literalinclude": "CNRY-LITINC-16",
    "toctree entry": "CNRY-CHILD-17",
    "code block": "CNRY-CODE-18",
    "comment": "CNRY-COMMENT-19",
    "html comment": "CNRY-HTMLCOMMENT-20",
    "front matter": "CNRY-FRONTMATTER-21",
    "front matter meta": "CNRY-HTMLMETA-22",
    "only block": "CNRY-ONLY-23",
    "figure bytes": "CNRY-PNG-24",
    "file name": "cnry-filename-zq81",
    "document name": "secret/child",
    "folder name": "secret",
    "japanese text": "機密漏洩検知用の見本文字列",
}
#: Constructs that render in the restricted edition: proof that the canaries are real.
RENDERED_IN_RESTRICTED = [
    "title", "label", "section title", "glossary term", "glossary definition", "index entry",
    "meta", "footnote", "substitution", "image alt text", "image bytes", "figure caption",
    "download link text", "download file", "include", "literalinclude", "toctree entry",
    "code block", "front matter meta", "figure bytes", "file name", "document name",
    "japanese text",
]


@pytest.fixture(scope="module")
def leaks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_both("leaks", tmp_path_factory.mktemp("leaks"))


def test_public_edition_holds_no_canary(leaks: Path) -> None:
    assert find_canaries(leaks / "public", ["PUBLIC-OK-CANARY"])  # the scanner sees text
    found = find_canaries(leaks / "public", CANARIES.values())
    assert not found, found


@pytest.mark.parametrize("construct", RENDERED_IN_RESTRICTED)
def test_restricted_edition_holds_the_canary(leaks: Path, construct: str) -> None:
    assert find_canaries(leaks / "restricted", [CANARIES[construct]]), construct


def test_public_edition_has_no_search_index_genindex_or_inventory_entries_of_restricted(
    leaks: Path,
) -> None:
    public = leaks / "public"
    for name in ("searchindex.js", "objects.inv", "genindex.html"):
        assert (public / name).is_file()
    found = find_canaries(public, CANARIES.values())
    assert not {path for paths in found.values() for path in paths} & {
        "searchindex.js", "objects.inv", "genindex.html"
    }
    assert not (public / "_downloads").exists() or not any((public / "_downloads").rglob("*"))
    assert not (public / "_images").exists()


def test_restricted_edition_is_marked_noindex_on_every_page(leaks: Path) -> None:
    pages = list((leaks / "restricted").rglob("*.html"))
    assert len(pages) > 3
    for page in pages:
        assert '<meta name="robots" content="noindex' in page.read_text(encoding="utf-8"), page
    for page in (leaks / "public").rglob("*.html"):
        if page.name == "search.html":
            continue  # Sphinx keeps its own search page out of search engines
        assert "noindex" not in page.read_text(encoding="utf-8"), page


def test_public_audit_ran_and_found_nothing(leaks: Path, tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    result = build(src, "public", tmp_path)
    assert result.ok and result.audit is not None
    assert result.audit.clean
    assert result.audit.restricted_sources >= 8
    assert result.audit.fingerprints > 50
    assert result.audit.files_scanned > 10


def test_public_edition_builds_with_the_restricted_folders_deleted(tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    shutil.rmtree(src / "secret")
    result = build(src, "public", tmp_path)
    assert result.ok, "\n".join(result.lines)
    assert any("[policy.audit-no-restricted]" in line for line in result.lines)
    assert (tmp_path / "public" / "pub" / "page.html").is_file()


def test_real_docs_public_edition_builds_without_docs_restricted(tmp_path: Path) -> None:
    src = copy_root("docs", tmp_path)
    shutil.rmtree(src / "restricted")
    result = build(src, "public", tmp_path)
    assert result.ok, "\n".join(result.lines)
    assert (tmp_path / "public" / "kihon" / "index.html").is_file()


@pytest.mark.parametrize("root", ["leaks", "docs"])
def test_same_sources_give_byte_identical_editions(root: str, tmp_path: Path) -> None:
    src = copy_root(root, tmp_path)
    digests = []
    for attempt in ("one", "two"):
        work = tmp_path / attempt
        for edition in ("public", "restricted"):
            result = build(src, edition, work)
            assert result.ok, "\n".join(result.lines)
        digests.append((tree_digest(work / "public"), tree_digest(work / "restricted")))
    assert digests[0] == digests[1]


def test_parallel_build_gives_the_same_public_edition(tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    serial = build(src, "public", tmp_path / "serial")
    parallel = build(src, "public", tmp_path / "parallel", parallel=2)
    assert serial.ok and parallel.ok, "\n".join(parallel.lines)
    assert tree_digest(tmp_path / "serial" / "public") == tree_digest(
        tmp_path / "parallel" / "public")
    assert not find_canaries(tmp_path / "parallel" / "public", CANARIES.values())


# --- public -> restricted attempts: each fails with file and line, public/ untouched ---------

ATTEMPTS = {
    "ref to a restricted label": ("{ref}`cnry-label-02`", "public-refers-restricted"),
    "doc link to a restricted document": ("{doc}`/secret/child`", "public-refers-restricted"),
    "term of a restricted glossary": ("{term}`CNRY-TERM-04`", "public-refers-restricted"),
    "toctree entry": ("```{toctree}\n/secret/child\n```", "public-refers-restricted"),
    "image": ("![図](/secret/cnry-img.png)", "public-uses-restricted-file"),
    "figure": ("```{figure} /secret/cnry-fig.png\n図\n```", "public-uses-restricted-file"),
    "download": ("{download}`資料 </secret/cnry-download.txt>`", "public-uses-restricted-file"),
    "include": ("```{include} /secret/cnry-include.mdinc\n```", "public-uses-restricted-file"),
    "literalinclude": ("```{literalinclude} /secret/cnry-code.py\n```",
                       "public-uses-restricted-file"),
    "csv-table file": ("```{csv-table} 表\n:file: /secret/cnry-download.txt\n```",
                       "public-uses-restricted-file"),
    "include outside the tree": ("```{include} ../../outside.md\n```",
                                 "public-uses-restricted-file"),
    "image through a symlink": ("![図](linked.png)", "public-uses-restricted-file"),
    "only block": ("```{only} restricted\nCNRY-ATTEMPT\n```", "restricted-inline"),
    "heading inside only": ("```{only} html\n## CNRY-ATTEMPT\n\n本文\n```", "restricted-inline"),
    "ifconfig block": ("```{ifconfig} True\nCNRY-ATTEMPT\n```", "restricted-inline"),
    "restricted block": (":::{restricted}\nCNRY-ATTEMPT\n:::", "restricted-inline"),
    "html comment": ("<!-- CNRY-ATTEMPT -->", "restricted-inline"),
    "raw html": ("```{raw} html\n<b>CNRY-ATTEMPT</b>\n```", "restricted-inline"),
    "raw html inside eval-rst": ("```{eval-rst}\n.. raw:: html\n\n   <i>CNRY-ATTEMPT</i>\n```",
                                 "restricted-inline"),
}


def _plant(src: Path, snippet: str) -> int:
    """Append ``snippet`` to the public page; return the line it starts on."""
    page = src / "pub" / "page.md"
    text = page.read_text(encoding="utf-8")
    if not text.endswith("\n\n"):
        text += "\n"
    line = text.count("\n") + 1
    page.write_text(text + snippet + "\n", encoding="utf-8")
    (src.parent / "outside.md").write_text("CNRY-OUTSIDE 木の外の文章\n", encoding="utf-8")
    os.symlink(src / "secret" / "cnry-img.png", src / "pub" / "linked.png")
    return line


@pytest.mark.parametrize("attempt", list(ATTEMPTS))
def test_public_document_cannot_reach_restricted_material(attempt: str, tmp_path: Path) -> None:
    snippet, code = ATTEMPTS[attempt]
    src = copy_root("leaks", tmp_path)
    first = build(src, "public", tmp_path)
    assert first.ok, "\n".join(first.lines)
    before = tree_digest(tmp_path / "public")
    line = _plant(src, snippet)
    for edition in ("public", "restricted"):
        result = build(src, edition, tmp_path)
        assert not result.ok, f"{edition} build accepted: {attempt}"
        joined = "\n".join(result.lines)
        assert f"[policy.{code}]" in joined, joined
        lines = [int(n) for n in re.findall(r"pub/page\.md:(\d+)", joined)]
        assert lines and all(line <= n <= line + snippet.count("\n") for n in lines), joined
        assert "Traceback" not in joined
    assert tree_digest(tmp_path / "public") == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".public.")]
    checked = runner.check(src, cache=tmp_path / "check")
    assert not checked.ok and f"[policy.{code}]" in "\n".join(checked.lines)
    if (tmp_path / "restricted").exists():
        assert not find_canaries(tmp_path / "public", ["CNRY-ATTEMPT", "CNRY-OUTSIDE"])


def test_same_message_for_a_restricted_reference_in_every_build(tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    _plant(src, "{ref}`cnry-label-02`")
    pattern = re.compile(
        r"page\.md:\d+: エラー: (公開文書から参照.*?\[policy\.public-refers-restricted\])", re.S)
    results = [build(src, "public", tmp_path), build(src, "restricted", tmp_path),
               runner.check(src, cache=tmp_path / "check")]
    messages = [pattern.findall("\n".join(result.lines)) for result in results]
    assert messages[0] and messages[0] == messages[1] == messages[2], messages


def test_parallel_build_still_refuses_a_restricted_reference(tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    _plant(src, "{ref}`cnry-label-02`")
    for edition in ("public", "restricted"):
        result = build(src, edition, tmp_path, parallel=2)
        assert not result.ok
        assert "[policy.public-refers-restricted]" in "\n".join(result.lines)


# --- classification settings that cannot be trusted -----------------------------------------


def _set_front_matter(page: Path, front: str) -> None:
    page.write_text(f"---\n{front}\n---\n" + page.read_text(encoding="utf-8"), encoding="utf-8")


def test_front_matter_cannot_lower_a_classification(tmp_path: Path) -> None:
    """Whoever reads the document refuses the declaration; the public build never reads a
    document of a restricted folder, so it simply leaves it out."""
    src = copy_root("leaks", tmp_path)
    _set_front_matter(src / "secret" / "child.md", "classification: public")
    for failing in (build(src, "restricted", tmp_path),
                    runner.check(src, cache=tmp_path / "check")):
        assert not failing.ok
        joined = "\n".join(failing.lines)
        assert "[policy.lowered-level]" in joined and "secret/child.md:2" in joined
    assert build(src, "public", tmp_path).ok
    assert not find_canaries(tmp_path / "public", ["CNRY-CHILD-17"])


def test_front_matter_lowering_a_public_folder_document_is_refused_before_reading(
    tmp_path: Path,
) -> None:
    src = copy_root("leaks", tmp_path)
    conf = src / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8").replace(
        'policy_classification = {', 'policy_levels = ["public", "internal", "restricted"]\n'
        'policy_classification = {"pub/internal": "internal", '), encoding="utf-8")
    (src / "pub" / "internal").mkdir()
    (src / "pub" / "internal" / "memo.md").write_text(
        "---\norphan: true\nclassification: public\n---\n# 内部 CNRY-INTERNAL\n",
        encoding="utf-8")
    result = build(src, "public", tmp_path)
    assert not result.ok
    joined = "\n".join(result.lines)
    assert "[policy.lowered-level]" in joined and "pub/internal/memo.md:3" in joined
    assert not (tmp_path / "public").exists()


def test_front_matter_can_raise_a_classification(tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    page = src / "pub" / "cnry-raised-page.md"
    page.write_text("---\nclassification: restricted\norphan: true\n---\n# 隠す CNRY-RAISED\n",
                    encoding="utf-8")
    result = build(src, "public", tmp_path)
    assert result.ok, "\n".join(result.lines)
    assert not find_canaries(tmp_path / "public", ["CNRY-RAISED", "cnry-raised-page"])
    assert find_canaries(tmp_path / ".cache", ["CNRY-RAISED"]) == {}  # never even staged


def test_unknown_level_is_an_error(tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    _set_front_matter(src / "pub" / "page.md", "classification: secret-ish")
    result = build(src, "public", tmp_path)
    assert not result.ok
    assert "[policy.unknown-level]" in "\n".join(result.lines)
    conf = src / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8").replace('"pub": "public"',
                                                             '"pub": "pubic"'), encoding="utf-8")
    (src / "pub" / "page.md").write_text("# 公開のページ\n", encoding="utf-8")
    result = build(src, "public", tmp_path)
    assert not result.ok
    assert "[policy.unknown-level]" in "\n".join(result.lines)


def test_unnamed_files_are_restricted(tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    (src / "stray.md").write_text("---\norphan: true\n---\n# 迷子 CNRY-STRAY\n", encoding="utf-8")
    result = build(src, "public", tmp_path)
    assert result.ok, "\n".join(result.lines)
    assert not find_canaries(tmp_path / "public", ["CNRY-STRAY", "stray"])
    result = build(src, "restricted", tmp_path)
    assert find_canaries(tmp_path / "restricted", ["CNRY-STRAY"])


def test_malformed_only_expression_is_an_error(tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    page = src / "secret" / "child.md"
    page.write_text(page.read_text(encoding="utf-8")
                    + "\n```{only} restricted and\nCNRY-MALFORMED\n```\n", encoding="utf-8")
    result = build(src, "restricted", tmp_path)
    assert not result.ok
    joined = "\n".join(result.lines)
    assert "[policy.bad-only-expression]" in joined and "secret/child.md:" in joined
    assert not runner.check(src, cache=tmp_path / "check").ok


def test_symlink_out_of_the_tree_is_an_error(tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    (tmp_path / "elsewhere.md").write_text("# 外\n", encoding="utf-8")
    os.symlink(tmp_path / "elsewhere.md", src / "pub" / "elsewhere.md")
    result = build(src, "public", tmp_path)
    assert not result.ok
    assert "[policy.link-outside-tree]" in "\n".join(result.lines)


def test_suppressing_policy_warnings_is_refused(tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    conf = src / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + '\nsuppress_warnings = ["policy"]\n',
                    encoding="utf-8")
    result = build(src, "public", tmp_path)
    assert not result.ok
    assert "[policy.bad-setting]" in "\n".join(result.lines)


# --- the audit, tested on its own -----------------------------------------------------------


def test_audit_refuses_a_leak_the_filter_cannot_see(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A page title set from outside the tree puts restricted text on every page; the filter
    never sees it, the audit does, and the previous edition stays."""
    src = copy_root("leaks", tmp_path)
    assert build(src, "public", tmp_path).ok
    before = tree_digest(tmp_path / "public")
    monkeypatch.setenv("POLICY_TEST_TITLE", "機密漏洩検知用の見本文字列として、この一文は")
    result = build(src, "public", tmp_path)
    assert not result.ok
    joined = "\n".join(result.lines)
    assert "[policy.audit-hit]" in joined and "secret/index.md" in joined
    assert "[policy.not-published]" in joined
    assert tree_digest(tmp_path / "public") == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".public.")]


@pytest.fixture
def clean_public(tmp_path: Path) -> tuple[Path, Path]:
    """A freshly built, clean public edition (a copy, to plant leaks into) and its sources."""
    src = copy_root("leaks", tmp_path)
    assert build(src, "public", tmp_path).ok
    planted = tmp_path / "planted"
    shutil.copytree(tmp_path / "public", planted)
    assert audit.audit_edition(planted, src).clean
    return planted, src


def _page(out: Path) -> Path:
    return out / "pub" / "page.html"


PLANTS = {
    "text in a paragraph": lambda out, src: _page(out).write_text(
        _page(out).read_text(encoding="utf-8").replace(
            "公開してよい文章です。",
            "公開してよい文章です。この一文は公開版のどこにも現れてはならない"),
        encoding="utf-8"),
    "text in an attribute": lambda out, src: _page(out).write_text(
        _page(out).read_text(encoding="utf-8").replace(
            "<body", '<body title="庁内の細則を定める見本の文書であり"'), encoding="utf-8"),
    "escaped text in the search index": lambda out, src: (out / "searchindex.js").write_text(
        (out / "searchindex.js").read_text(encoding="utf-8").replace(
            '"titles":', '"x":"' + _escaped("庁内の細則を定める見本の文書であり")
            + '","titles":'), encoding="utf-8"),
    "label in objects.inv": lambda out, src: _replant_inventory(out, "cnry-label-02"),
    "restricted document name in a link": lambda out, src: _page(out).write_text(
        _page(out).read_text(encoding="utf-8").replace(
            "</article>", '<a href="../secret/child.html">x</a></article>'), encoding="utf-8"),
    "restricted document name in a link of an upper-case .HTML page": lambda out, src: (
        out / "pub" / "extra.HTML").write_text(
            '<html><body><a href="../secret/child.html">x</a></body></html>', encoding="utf-8"),
    "restricted file name": lambda out, src: (out / "cnry-filename-zq81.html").write_text(
        "<html></html>", encoding="utf-8"),
    "restricted image bytes": lambda out, src: shutil.copy(
        src / "secret" / "cnry-img.png", out / "_static" / "logo.png"),
    "short restricted title in a paragraph": lambda out, src: _page(out).write_text(
        _page(out).read_text(encoding="utf-8").replace(
            "公開してよい文章です。", "公開してよい文章です。ファイル名の試験"), encoding="utf-8"),
    "restricted title in an html comment": lambda out, src: _page(out).write_text(
        _page(out).read_text(encoding="utf-8") + "<!-- 非公開の表紙 CNRY-TITLE-01 -->",
        encoding="utf-8"),
    "copied sources": lambda out, src: (out / "_sources").mkdir() or (
        out / "_sources" / "page.md.txt").write_text("公開のページ", encoding="utf-8"),
    "doctrees": lambda out, src: (out / ".doctrees").mkdir(),
    "buildinfo": lambda out, src: (out / ".buildinfo").write_text("tags: 0", encoding="utf-8"),
}


def _escaped(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in text)


def _replant_inventory(out: Path, name: str) -> None:
    inventory = out / "objects.inv"
    head, _, body = inventory.read_bytes().partition(b"zlib.\n")
    lines = zlib.decompress(body) + f"{name} std:label -1 secret/index.html#$ 見出し\n".encode()
    inventory.write_bytes(head + b"zlib.\n" + zlib.compress(lines))


@pytest.mark.parametrize("plant", list(PLANTS))
def test_audit_finds_a_leak_planted_in_the_output(plant: str,
                                                   clean_public: tuple[Path, Path]) -> None:
    out, src = clean_public
    PLANTS[plant](out, src)
    report = audit.audit_edition(out, src)
    assert not report.clean, plant
    for hit in report.hits:
        assert hit.output and hit.fragment and hit.source


def test_audit_names_the_output_file_and_the_restricted_source(
    clean_public: tuple[Path, Path],
) -> None:
    out, src = clean_public
    PLANTS["text in a paragraph"](out, src)
    hits = audit.audit_edition(out, src).hits
    assert any(hit.output == "pub/page.html" and hit.source == "secret/index.md"
               and hit.kind == "text" for hit in hits), hits


#: A restricted sentence of the leaks root, normalised as the audit reads it.
_SENTENCE = audit.normalise(
    "機密漏洩検知用の見本文字列として、この一文は公開版のどこにも現れてはならないものとする")


@pytest.mark.parametrize("start", range(audit.STEP + 3))
def test_audit_finds_the_shortest_guaranteed_run_wherever_it_starts(
        start: int, clean_public: tuple[Path, Path]) -> None:
    """The audit keeps one restricted n-gram in STEP: a shared run of NGRAM + STEP - 1
    characters must be found at every starting position, not only at the kept ones."""
    out, src = clean_public
    run = _SENTENCE[start:start + audit.NGRAM + audit.STEP - 1]
    assert len(run) == audit.NGRAM + audit.STEP - 1
    page = _page(out)
    page.write_text(page.read_text(encoding="utf-8").replace(
        "公開してよい文章です。", f"公開してよい文章です。<span>{run}</span>"), encoding="utf-8")
    hits = audit.audit_edition(out, src).hits
    assert any(hit.output == "pub/page.html" and hit.kind == "text"
               and hit.source == "secret/index.md" for hit in hits), (run, hits)


def test_audit_cache_gives_the_same_findings_and_follows_edited_sources(
        clean_public: tuple[Path, Path], tmp_path: Path) -> None:
    """What the audit keeps between runs changes its speed, never its findings: a planted
    leak is found from a fresh cache, from a kept one, from a damaged one, and a sentence
    added to a restricted source after the cache was written is found too."""
    out, src = clean_public
    cache = tmp_path / "cache" / "audit.json"
    PLANTS["text in a paragraph"](out, src)
    fresh = audit.audit_edition(out, src)
    assert not fresh.clean
    first = audit.audit_edition(out, src, cache=cache)
    assert cache.is_file()
    outputs = cache.with_name("audit-outputs.json")
    assert outputs.is_file()  # what each output file holds, beside the fingerprints
    kept = audit.audit_edition(out, src, cache=cache)
    assert fresh.hits == first.hits == kept.hits
    cache.write_text('{"key": "damaged", "files": ', encoding="utf-8")
    assert audit.audit_edition(out, src, cache=cache).hits == fresh.hits
    stored = json.loads(outputs.read_text(encoding="utf-8"))
    for entry in stored["files"].values():
        entry[2] = [42] if entry[2] else entry[2]  # units of the wrong kind: read again
    outputs.write_text(json.dumps(stored), encoding="utf-8")
    assert audit.audit_edition(out, src, cache=cache).hits == fresh.hits
    outputs.write_text("not json", encoding="utf-8")
    assert audit.audit_edition(out, src, cache=cache).hits == fresh.hits
    # in the search index, where names are looked for, an escaped character outside the
    # basic plane is read back as two lone surrogates: kept all the same
    index = out / "searchindex.js"
    index.write_text(index.read_text(encoding="utf-8") + '\n"\\ud83d\\ude00"',
                     encoding="utf-8")
    assert audit.audit_edition(out, src, cache=cache).hits == fresh.hits
    assert audit.audit_edition(out, src, cache=cache).hits == fresh.hits
    assert "\\ud83d" in outputs.read_text(encoding="utf-8")

    added = "監査の記録を残すための追加の一文であり公開してはならない"
    child = src / "secret" / "child.md"
    child.write_text(child.read_text(encoding="utf-8") + f"\n{added}\n", encoding="utf-8")
    page = _page(out)
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</article>", f"<p>{added}</p></article>"), encoding="utf-8")
    hits = audit.audit_edition(out, src, cache=cache).hits
    assert any(hit.source == "secret/child.md" and hit.kind == "text" for hit in hits), hits


# --- the extension alone, under plain Sphinx ---------------------------------------------------


@pytest.mark.sphinx("html", testroot="leaks", freshenv=True)
def test_plain_sphinx_build_defaults_to_the_public_edition(app) -> None:  # type: ignore[no-untyped-def]
    app.build()
    assert not find_canaries(Path(app.outdir), CANARIES.values())
    # The pickled environment keeps conf.py, which names the restricted root; nothing else.
    content = [c for name, c in CANARIES.items() if name not in ("folder name",)]
    assert not find_canaries(Path(app.doctreedir), content)
    assert (Path(app.outdir) / "pub" / "page.html").is_file()


@pytest.mark.sphinx("gettext", testroot="leaks", freshenv=True)
def test_gettext_catalogs_of_the_public_edition_hold_no_restricted_string(app) -> None:  # type: ignore[no-untyped-def]
    app.build()
    catalogs = list(Path(app.outdir).rglob("*.pot"))
    assert catalogs
    assert any("公開してよい文章です" in p.read_text(encoding="utf-8") for p in catalogs)
    assert not find_canaries(Path(app.outdir), CANARIES.values())


@pytest.mark.sphinx("gettext", testroot="leaks", freshenv=True,
                    confoverrides={"policy_edition": "restricted"})
def test_gettext_catalogs_of_the_restricted_edition_do_hold_them(app) -> None:  # type: ignore[no-untyped-def]
    app.build()
    assert find_canaries(Path(app.outdir), [CANARIES["title"], CANARIES["japanese text"]])


def test_short_restricted_names_do_not_trip_the_audit_on_theme_files(tmp_path: Path) -> None:
    """A restricted document called ``sns`` or ``map``: those letters are in every theme's
    scripts, so names are looked for where names are used, not in every byte."""
    src = copy_root("leaks", tmp_path)
    for name in ("sns", "map", "css"):
        (src / "secret" / f"{name}.md").write_text(f"---\norphan: true\n---\n# {name} の運用\n",
                                                   encoding="utf-8")
    result = build(src, "public", tmp_path)
    assert result.ok, "\n".join(result.lines)
    out = tmp_path / "planted"
    shutil.copytree(tmp_path / "public", out)
    (out / "pub" / "sns.html").write_text("<html></html>", encoding="utf-8")
    hits = audit.audit_edition(out, src).hits
    assert any(hit.output == "pub/sns.html" and hit.fragment in ("secret/sns", "sns")
               for hit in hits), hits


def _page_with_a_referred_section(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the leak root whose public page has a labelled section, and an orphan page
    that refers to it (no toctree ties the two, only the reference): the tree and the page."""
    src = copy_root("leaks", tmp_path)
    page = src / "pub" / "page.md"
    section = "\n(pub-section)=\n## 節の見出し\n\n本文。\n"
    page.write_text(page.read_text(encoding="utf-8") + section, encoding="utf-8")
    other = src / "pub" / "other.md"
    other.write_text("---\norphan: true\n---\n# 別のページ\n\n参照: {ref}`pub-section`\n",
                     encoding="utf-8")
    return src, page


def test_incremental_build_rewrites_pages_whose_reference_targets_changed(
    tmp_path: Path,
) -> None:
    """A page that refers to a label in another document is not read again when only that
    document changes; it must still be written again with the new title."""
    src, page = _page_with_a_referred_section(tmp_path)
    assert build(src, "restricted", tmp_path).ok
    assert "節の見出し" in (tmp_path / "restricted" / "pub" / "other.html").read_text(
        encoding="utf-8")
    page.write_text(page.read_text(encoding="utf-8").replace("節の見出し", "改めた見出し"),
                    encoding="utf-8")
    result = build(src, "restricted", tmp_path)
    assert result.ok, "\n".join(result.lines)
    rewritten = (tmp_path / "restricted" / "pub" / "other.html").read_text(encoding="utf-8")
    assert "改めた見出し" in rewritten and "節の見出し" not in rewritten


def test_incremental_build_leaves_referring_pages_alone_until_a_target_changes(
    tmp_path: Path,
) -> None:
    """A sentence edited in a document leaves the pages that refer to it as they were (what
    they show of it did not change); a label removed from it writes them again, and the
    reference that no longer resolves fails the build. (The restricted edition: the public
    one is built from nothing every time.)"""
    src, page = _page_with_a_referred_section(tmp_path)
    assert build(src, "restricted", tmp_path).ok
    written = {name: (tmp_path / "restricted" / "pub" / f"{name}.html").stat().st_mtime_ns
               for name in ("page", "other")}
    page.write_text(page.read_text(encoding="utf-8").replace("本文。", "本文を改めた。"),
                    encoding="utf-8")
    result = build(src, "restricted", tmp_path)
    assert result.ok, "\n".join(result.lines)
    assert "本文を改めた" in (tmp_path / "restricted" / "pub" / "page.html").read_text(
        encoding="utf-8")
    now = {name: (tmp_path / "restricted" / "pub" / f"{name}.html").stat().st_mtime_ns
           for name in ("page", "other")}
    assert now["page"] != written["page"]
    assert now["other"] == written["other"]
    page.write_text(page.read_text(encoding="utf-8").replace("(pub-section)=\n", ""),
                    encoding="utf-8")
    result = build(src, "restricted", tmp_path)
    assert not result.ok
    assert any("other.md" in line and "pub-section" in line for line in result.lines), \
        result.lines


@pytest.mark.parametrize("setting", ["html_extra_path", "html_static_path", "templates_path"])
def test_configuration_cannot_copy_a_restricted_folder_into_the_public_edition(
    setting: str, tmp_path: Path,
) -> None:
    """A folder of the configuration is staged only if it is public; a restricted one is not
    there for the public build, which then fails rather than publish without it."""
    src = copy_root("leaks", tmp_path)
    conf = src / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + f'\n{setting} = ["secret"]\n',
                    encoding="utf-8")
    result = build(src, "public", tmp_path)
    assert not (tmp_path / ".cache").exists() or not find_canaries(
        tmp_path / ".cache", ["CNRY-DLFILE-14", "CNRY-PNG-11"])  # never even staged
    if result.ok:
        assert not find_canaries(tmp_path / "public", CANARIES.values())
    else:
        assert not (tmp_path / "public").exists()


def test_audit_looks_for_many_names_as_a_plain_search_would() -> None:
    """The audit's quick search for many short strings finds exactly what ``in`` finds: at
    the start and end of the text, across lines, shorter than the part it looks up first,
    and not at all; with few strings and with many."""
    text = "対策基準の第三条\n情報資産の分類ab-1\x00末尾"
    needles = ["対策基準", "末尾", "ab-1", "b-1\x00末", "第三条\n情報", "a", "分類", "対策基準X",
               "基準の第", "", "資産の分類ab-2", "末尾。", "\x00末尾"]
    needles += [text[i:j] for i in range(len(text)) for j in range(i, min(len(text), i + 6))]
    needles += [f"{needle}{n}" for n in range(3) for needle in needles]
    needles += [f"{n}{needle}" for n in range(3) for needle in needles]
    plain = {needle for needle in needles if needle in text}
    assert len(set(needles)) > audit._MANY > 20
    assert audit._found_in(needles, text) == plain
    assert audit._found_in(needles[:20], text) == {n for n in needles[:20] if n in text}
    assert 0 < len(plain) < len(set(needles))


def test_audit_samples_every_step_and_the_last_n_gram_of_each_unit() -> None:
    """The restricted n-grams are cut out by two regular expressions over the joined units:
    they are exactly the n-grams at every STEP-th position of each unit and its last one,
    never one across two units, and every run of NGRAM + STEP - 1 characters holds one."""
    text = "情報資産の取扱いに関する基準を定め、職員はこれを守るものとする0123456789abc"
    units = [text[:n] for n in range(audit.NGRAM + 3 * audit.STEP + 2)] + [text, "短い", ""]
    expected: set[str] = set()
    for unit in units:
        last = len(unit) - audit.NGRAM
        if last >= 0:
            expected.update(unit[i:i + audit.NGRAM] for i in range(0, last + 1, audit.STEP))
            expected.add(unit[last:])
    sampled = audit._sampled_grams("\x00".join(units))
    assert set(sampled) == expected
    assert all(len(gram) == audit.NGRAM for gram in sampled)
    run = audit.NGRAM + audit.STEP - 1
    for start in range(len(text) - run + 1):
        piece = text[start:start + run]
        assert any(gram in piece for gram in audit._sampled_grams(text)), piece


def test_audit_normalises_as_plain_nfkc_would() -> None:
    """The quick way through NFKC (full-width characters replaced first) gives exactly what
    NFKC of the whole text gives: next to combining marks, half-width kana and their voicing
    marks, circled numbers and other compatibility forms, and in parts joined for one pass."""
    import unicodedata

    wide = "".join(map(chr, range(0xFF01, 0xFF5F)))
    samples = [
        "情報資産（機密性２以上）の取扱い：年１回　点検する", wide, wide + "\u0301\u0327",
        "Ｅ\u0301Ａ\u030aｶﾞｷﾟ①㈱㍻ﬁ", "ＡＢＣ_ｄｅｆ＿ghi", "", "　", "é\u0301\u0323",
        "한국어 ㄱㅏ", "全角　空白と\u3000改行\n\tタブ", "ﾊﾟｽﾜｰﾄﾞは９０日ごとに変更する",
    ]
    for text in samples:
        plain = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text)).lower()
        assert audit.normalise(text) == plain, text
    assert audit.normalise_all(samples) == [audit.normalise(text) for text in samples]
    assert audit.normalise_all(["a\x00b", "Ｃ"]) == ["ab", "c"]
    # units: separators replaced in place give what splitting at them gives
    text = "\n".join(samples) + '<p class="x">情報資産の分類基準を定める</p>\t|"{[職員の責務]}"'
    for sample in [text, text + "\x00" + text, *samples]:
        split = audit.normalise_all(audit._SEPARATORS.split(sample))
        assert audit.segments(sample) == [unit for unit in split if len(unit) >= audit.NGRAM]
        assert set(audit._parts(sample)) - {""} == set(audit._SEPARATORS.split(sample)) - {""}


def test_audit_reads_labels_titles_and_terms_from_restricted_sources() -> None:
    """Labels and titles are found at the first line, after blank lines, in MyST and in
    reStructuredText, with a title underlined twice."""
    text = ("(lbl-top)=\n# 先頭の見出し\n\n  (lbl-a)=\n## 第一章 総則 ##\n.. _lbl-b:\n\n"
            "  :label: lbl-c\nタイトル\n--------\n\n二重の下線\n=========\n---------\n"
            "本文の一行 # 見出しではない\n")
    labels, phrases = audit._names_in(text)
    assert labels == {"lbl-top", "lbl-a", "lbl-b", "lbl-c"}
    assert {"先頭の見出し", "第一章 総則", "タイトル", "二重の下線"} <= phrases
    assert not any("見出しではない" in phrase for phrase in phrases)
    assert audit._names_in("Title\n=====\n") == (set(), {"Title"})


def test_audit_does_not_trust_an_emptied_file_of_n_grams(
        clean_public: tuple[Path, Path], tmp_path: Path) -> None:
    """An empty file of a source's n-grams would say that the source has nothing to find:
    it is worked out again from the source, and the planted text is found."""
    out, src = clean_public
    cache = tmp_path / "cache" / "audit.json"
    assert audit.audit_edition(out, src, cache=cache).clean
    grams = list(cache.parent.glob("audit-grams-*/*"))
    assert grams
    for path in grams:
        path.write_text("", encoding="utf-8")
    cache.unlink()  # the entries too, so that each source's n-grams are asked for
    PLANTS["text in a paragraph"](out, src)
    hits = audit.audit_edition(out, src, cache=cache).hits
    assert any(hit.source == "secret/index.md" and hit.kind == "text" for hit in hits), hits


def test_audit_keeps_the_n_grams_of_all_sources_in_one_pack(
        clean_public: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The n-grams of every restricted source are kept in one pack; a source changed since
    gets a small file of its own, read beside the pack, and is folded into it when more
    than a few sources are outside it and all are needed. A pack that does not hold what its
    first line says is not trusted: every source is worked out again, the planted text is
    found, and the pack is written whole again."""
    out, src = clean_public
    cache = tmp_path / "cache" / "audit.json"
    memo = cache.with_name("audit-clean.json")
    assert audit.audit_edition(out, src, cache=cache).clean
    (folder,) = cache.parent.glob("audit-grams-*")
    assert {path.name for path in folder.iterdir()} == {"pack"}
    first = (folder / "pack").read_bytes()

    child = src / "secret" / "child.md"
    written = child.read_text(encoding="utf-8")
    sentence = "追加した段落の文章で、公開版にはないものとする"
    child.write_text(written + f"\n{sentence}\n", encoding="utf-8")
    digest = hashlib.sha256(child.read_bytes()).hexdigest()
    assert audit.audit_edition(out, src, cache=cache).clean
    assert {path.name for path in folder.iterdir()} == {"pack", digest}
    memo.unlink()  # as after a change of the edition's text: every source matched again
    page = _page(out)
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</article>", f"<p>{sentence}</p></article>"), encoding="utf-8")
    hits = audit.audit_edition(out, src, cache=cache).hits
    assert any(hit.source == "secret/child.md" and hit.kind == "text" for hit in hits), hits
    assert {path.name for path in folder.iterdir()} == {"pack", digest}
    assert (folder / "pack").read_bytes() == first

    monkeypatch.setattr(audit, "_LOOSE", 0)
    memo.unlink()
    assert audit.audit_edition(out, src, cache=cache).hits == hits
    assert {path.name for path in folder.iterdir()} == {"pack"}
    index = (folder / "pack").read_bytes().split(b"\n", 1)[0]
    assert digest in dict(json.loads(index))
    monkeypatch.undo()

    child.write_text(written, encoding="utf-8")
    page.write_text(page.read_text(encoding="utf-8").replace(f"<p>{sentence}</p>", ""),
                    encoding="utf-8")
    (folder / "pack").write_bytes(first.replace(b"\n", b"\n ", 1))  # one byte too many
    PLANTS["text in a paragraph"](out, src)
    hits = audit.audit_edition(out, src, cache=cache).hits
    assert any(hit.source == "secret/index.md" and hit.kind == "text" for hit in hits), hits
    assert (folder / "pack").read_bytes() == first  # written whole again


def test_audit_works_out_the_suspect_text_again_when_the_public_sources_change(
        clean_public: tuple[Path, Path], tmp_path: Path) -> None:
    """A sentence that a public source, the edition and a restricted source all hold is no
    finding; once no public source holds it, the same edition is refused, although its
    files did not change: what of the edition's text could be a finding is kept with the
    cache by the edition's files and the public sources' text together."""
    out, src = clean_public
    cache = tmp_path / "cache" / "audit.json"
    sentence = "公開の文書にも庁内の文書にも書かれている共通の一文である"
    public, child = src / "pub" / "page.md", src / "secret" / "child.md"
    written = public.read_text(encoding="utf-8")
    public.write_text(written + f"\n{sentence}\n", encoding="utf-8")
    child.write_text(child.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")
    page = _page(out)
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</article>", f"<p>{sentence}</p></article>"), encoding="utf-8")
    assert audit.audit_edition(out, src, cache=cache).clean
    assert audit.audit_edition(out, src, cache=cache).clean
    public.write_text(written, encoding="utf-8")
    hits = audit.audit_edition(out, src, cache=cache).hits
    assert any(hit.source == "secret/child.md" and hit.kind == "text" for hit in hits), hits


def test_audit_skips_a_source_found_clean_only_while_it_and_the_edition_are_unchanged(
        clean_public: tuple[Path, Path], tmp_path: Path) -> None:
    """A restricted source found to share nothing with the edition is not looked at again
    while neither changes: its n-grams are not even read (a damaged file of them stays as it
    is). A sentence that was already in the edition, written into a restricted source
    afterwards, is found; so is one planted in the edition afterwards."""
    out, src = clean_public
    cache = tmp_path / "cache" / "audit.json"
    sentence = "監査の記録を残すための追加の一文であり公開してはならない"
    page = _page(out)
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</article>", f"<p>{sentence}</p></article>"), encoding="utf-8")
    assert audit.audit_edition(out, src, cache=cache).clean  # in no source yet
    grams = list(cache.parent.glob("audit-grams-*/*"))
    assert grams and cache.with_name("audit-clean.json").is_file()
    for path in grams:
        path.write_text("not n-grams", encoding="utf-8")
    assert audit.audit_edition(out, src, cache=cache).clean
    for path in grams:  # not needed, not read
        assert path.read_text(encoding="utf-8") == "not n-grams"

    child = src / "secret" / "child.md"
    child.write_text(child.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")
    hits = audit.audit_edition(out, src, cache=cache).hits
    assert any(hit.source == "secret/child.md" and hit.kind == "text" for hit in hits), hits

    PLANTS["text in a paragraph"](out, src)
    hits = audit.audit_edition(out, src, cache=cache).hits
    assert any(hit.source == "secret/index.md" and hit.kind == "text" for hit in hits), hits
