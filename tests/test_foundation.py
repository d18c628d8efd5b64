"""The foundation: the real basic policy in the public edition, both editions, the commands."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import policy
import pytest
from conftest import PROJECT, TESTS, build_both, copy_root, find_canaries
from lxml import html
from policy import runner

REFERENCE = TESTS / "data" / "basic-policy.txt"
TITLE = "小樽市情報セキュリティ基本方針"


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", text)


_NUMBER = re.compile(r"^(?:-\s*)?(?:\(\s*\d[\d ]*\)|\d+|[①-⑳])\s*")


def reference_units() -> list[str]:
    """The body of the official text as units to find: headings, and sentences of paragraphs,
    with the dump's artefacts undone and the unit numbers removed (numbers are computed)."""
    lines = [line.strip() for line in REFERENCE.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    toc_start = lines.index("目 次")
    body_start = lines.index(TITLE, toc_start)
    front = lines[:toc_start]
    units = [_normalise(line) for line in front]
    for line in lines[body_start:]:
        line = re.sub(r"\((\d) (\d)\)", r"(\1\2)", line)
        line = _NUMBER.sub("", line)
        for sentence in line.split("。"):
            if _normalise(sentence):
                units.append(_normalise(sentence))
    return units


def rendered_article(page: Path) -> html.HtmlElement:
    tree = html.parse(str(page))
    return tree.xpath("//article")[0]


def rendered_text(page: Path) -> str:
    article = rendered_article(page)
    for link in article.xpath('.//a[contains(@class, "headerlink")]'):
        link.drop_tree()
    return _normalise(article.text_content())


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_both("docs", tmp_path_factory.mktemp("editions"))


def test_public_edition_carries_every_sentence_of_the_basic_policy(editions: Path) -> None:
    text = rendered_text(editions / "public" / "kihon" / "index.html")
    units = reference_units()
    assert len(units) > 90  # the reference was actually read
    missing = [unit for unit in units if unit not in text]
    assert not missing, f"missing or altered: {missing}"


def test_public_edition_adds_no_sentence_of_its_own_to_the_basic_policy(editions: Path) -> None:
    reference = _normalise(re.sub(r"\((\d) (\d)\)", r"(\1\2)",
                                  REFERENCE.read_text(encoding="utf-8")))
    article = rendered_article(editions / "public" / "kihon" / "index.html")
    paragraphs = [p.text_content() for p in article.xpath(".//p | .//li")]
    assert len(paragraphs) > 30
    extra = [
        sentence
        for paragraph in paragraphs
        for sentence in _normalise(_NUMBER.sub("", paragraph.strip())).split("。")
        if sentence and sentence not in reference
    ]
    assert not extra, f"not in the official text: {extra}"


def test_both_editions_are_japanese_static_sites(editions: Path) -> None:
    for edition in ("public", "restricted"):
        index = editions / edition / "index.html"
        assert index.is_file()
        assert '<html lang="ja"' in index.read_text(encoding="utf-8") or \
            'lang="ja"' in index.read_text(encoding="utf-8")
    page = (editions / "public" / "kihon" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<html[^>]*lang="ja"', page)
    search = (editions / "public" / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(search[search.index("(") + 1 : search.rindex(")")])
    # Japanese word splitting: words, not whole runs of text between punctuation.
    assert {"アクセス", "コンピュータ", "セキュリティ"} <= set(index["terms"])
    assert not any(len(term) > 25 for term in index["terms"])


def test_restricted_sample_appears_only_in_the_restricted_edition(editions: Path) -> None:
    marker = "統括情報セキュリティ責任者"
    assert find_canaries(editions / "restricted", [marker])
    assert not find_canaries(editions / "public", [marker, "taisaku"])
    assert (editions / "restricted" / "restricted" / "taisaku" / "index.html").is_file()
    assert not (editions / "public" / "restricted").exists()


def test_no_sources_or_doctrees_are_published(editions: Path) -> None:
    for edition in ("public", "restricted"):
        names = {p.name for p in (editions / edition).rglob("*")}
        assert not names & {"_sources", ".doctrees", ".buildinfo"}, edition
        assert not list((editions / edition).rglob("*.doctree"))


def test_extension_declares_parallel_safety() -> None:
    from sphinx.application import Sphinx

    class _App:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def __getattr__(self, name: str):
            return lambda *args, **kwargs: self.calls.append(name)

    metadata = policy.setup(_App())  # type: ignore[arg-type]
    assert metadata["parallel_read_safe"] is True
    assert metadata["parallel_write_safe"] is True
    assert Sphinx  # the extension is an ordinary Sphinx extension


def test_check_reports_file_and_line_of_a_syntax_error(tmp_path: Path) -> None:
    src = copy_root("syntax-error", tmp_path)
    result = runner.check(src)
    assert not result.ok
    joined = "\n".join(result.lines)
    assert re.search(r"bad\.md:7", joined), joined


def test_check_passes_on_the_real_docs(tmp_path: Path) -> None:
    result = runner.check(copy_root("docs", tmp_path))
    assert result.ok, "\n".join(result.lines)


def _run_build_py(*args: str, cwd: Path = PROJECT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, str(PROJECT / "build.py"), *args], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=600)


def test_build_py_check_fails_without_a_traceback(tmp_path: Path) -> None:
    src = copy_root("syntax-error", tmp_path)
    done = _run_build_py("check", "--src", str(src))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "bad.md:7" in done.stderr
    assert "エラー" in done.stderr and "[English]" in done.stderr


def test_build_py_builds_an_edition_end_to_end(tmp_path: Path) -> None:
    src = copy_root("docs", tmp_path)
    out = tmp_path / "site"
    done = _run_build_py("public", "--src", str(src), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert (out / "kihon" / "index.html").is_file()
    assert "public 版" in done.stderr


def test_build_py_refuses_unknown_arguments() -> None:
    done = _run_build_py("public", "--bogus")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr


def test_build_py_never_writes_the_restricted_edition_into_the_public_folder(
    tmp_path: Path,
) -> None:
    public = PROJECT / "public"
    before = sorted(p.as_posix() for p in public.rglob("*")) if public.exists() else None
    done = _run_build_py("restricted", "--out", "public", cwd=PROJECT)
    assert done.returncode == 1
    assert "[policy.out-other-edition]" in done.stderr
    after = sorted(p.as_posix() for p in public.rglob("*")) if public.exists() else None
    assert before == after

