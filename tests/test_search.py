"""Japanese words for the search index: the quick splitter finds exactly the words Sphinx's
own splitter finds, and is the one a Japanese build uses unless ``conf.py`` chose another."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import DOCS, PROJECT, copy_root
from policy.search import Splitter
from sphinx.search.ja import DefaultSplitter

sys.path.insert(0, str(PROJECT))

from bench.generate import generate

#: Text where the weights of the marks around the text, of half-width and full-width forms,
#: of numbers and of the model's own word list come into play.
EDGES = ["", " ", "a", "ab", "漢", " 漢字 かな ", "ｶﾀｶﾅﾞ１２３ＡＢＣ", "東京都について", "B1あ",
         "E1E2", "、と同", "ある程度", "一二三四五六七八九十百千万億兆", "――−−..11", "ﾙﾝ",
         "情報セキュリティ対策基準（第3条）に定めるところによる。", "\t改行\nを含む 文\u3000章"]


def _texts(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix in (".md", ".rst", ".txt", ".po") and path.is_file():
            text = path.read_text(encoding="utf-8")
            found.append(text)
            found.extend(text.splitlines())
    return found


def test_quick_splitter_finds_the_words_sphinx_finds(tmp_path: Path) -> None:
    """Every line and every whole file of the docs tree, the test roots, the authoring guide
    and a generated set of three departments, split both ways."""
    generate(tmp_path / "set", 3, seed=5)
    texts = EDGES + _texts(DOCS) + _texts(PROJECT / "tests" / "roots")
    texts += _texts(PROJECT / "guide") + _texts(tmp_path / "set")
    assert sum(map(len, texts)) > 500_000
    sphinx, quick = DefaultSplitter({}), Splitter({})
    for text in texts:
        assert quick.split(text) == sphinx.split(text), text[:80]


def test_a_short_text_met_again_gives_the_same_words() -> None:
    """Short texts are remembered with their words: the second answer is the first, and
    changing a list that was handed out does not change what is remembered."""
    quick, sphinx = Splitter({}), DefaultSplitter({})
    for text in ("情報セキュリティ", "実施する対策基準：", "第3の1(2)"):
        first = quick.split(text)
        first.append("書き足し")
        assert quick.split(text) == sphinx.split(text)
    long = "情報セキュリティ対策基準に定めるところにより、" * 4
    assert quick.split(long) == quick.split(long) == sphinx.split(long)


def test_restricted_search_index_is_the_one_sphinx_writes(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The restricted edition of the docs tree, built with the quick splitter (chosen by the
    extension) and with Sphinx's own (chosen in the configuration): the same search index,
    byte for byte."""
    src = copy_root("docs", tmp_path)
    indexes = []
    for name, options in (("quick", {}), ("sphinx", {"type": "sphinx.search.ja.DefaultSplitter"})):
        app = make_app("html", srcdir=src, builddir=tmp_path / name, freshenv=True,
                       confoverrides={"policy_edition": "restricted",
                                      "html_search_options": options})
        app.build()
        splitter = app.builder.indexer.lang.splitter
        assert type(splitter) is (Splitter if name == "quick" else DefaultSplitter)
        indexes.append((Path(app.outdir) / "searchindex.js").read_bytes())
    assert indexes[0] == indexes[1]
    assert len(indexes[0]) > 20_000


@pytest.mark.sphinx("html", testroot="leaks", freshenv=True, confoverrides={
    "language": "en", "html_search_language": "en"})
def test_english_build_keeps_its_own_words(app) -> None:  # type: ignore[no-untyped-def]
    app.build()
    assert "type" not in (app.config.html_search_options or {})
