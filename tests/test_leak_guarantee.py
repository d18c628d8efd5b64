"""The leak guarantee as a structure: each class of leak planted in several variants.

Every test plants a unique canary in restricted material and asserts one of two outcomes of a
public build: it fails with an error naming the file (and line, where there is one) and leaves
the previous edition byte for byte as it was, or it succeeds with no canary in any output byte.
The variants are written for these classes, not copied from the examples that revealed them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build, copy_root, find_canaries, tree_digest
from policy import runner

# --- class 1: every document of the public edition gets the public guards --------------------

HIDDEN = {
    "restricted block": (":::{restricted}\nCNRY-G1-{n} 隠した文\n:::", "restricted-inline"),
    "html comment": ("<!-- CNRY-G1-{n} 注釈に隠した文 -->", "restricted-inline"),
    "raw html block": ("<div hidden>CNRY-G1-{n} 生の HTML</div>", "restricted-inline"),
    "only directive": ("```{only} restricted\nCNRY-G1-{n} 条件付きの文\n```", "restricted-inline"),
    "ifconfig directive": ("```{ifconfig} policy_edition == 'restricted'\nCNRY-G1-{n}\n```",
                           "restricted-inline"),
    "implements role": ("第一項は {implements}`cnry-label-02` を満たす。", "restricted-inline"),
}

#: How a document can become public: the root document named by a file rule, a document in a
#: folder made public, and a document made public by a rule naming the file itself.
HOW_PUBLIC = {
    "root by file rule": ("index.md", None),
    "folder rule": ("pub/page.md", None),
    "file rule": ("extra/one.md", '"extra/one.md": "public"'),
}


def _append(page: Path, snippet: str) -> int:
    text = page.read_text(encoding="utf-8") if page.exists() else "# 追加の文書\n"
    if not text.endswith("\n\n"):
        text += "\n"
    line = text.count("\n") + 1
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(text + snippet + "\n", encoding="utf-8")
    return line


def _add_rule(src: Path, rule: str) -> None:
    conf = src / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8").replace(
        "policy_classification = {", "policy_classification = {" + rule + ", ", 1),
        encoding="utf-8")


def _previous_public(src: Path, work: Path) -> dict[str, str]:
    first = build(src, "public", work)
    assert first.ok, "\n".join(first.lines)
    return tree_digest(work / "public")


@pytest.mark.parametrize("how", list(HOW_PUBLIC))
@pytest.mark.parametrize("hidden", list(HIDDEN))
def test_every_public_document_is_guarded_however_it_became_public(
    how: str, hidden: str, tmp_path: Path
) -> None:
    src = copy_root("leaks", tmp_path)
    relpath, rule = HOW_PUBLIC[how]
    if rule:
        (src / relpath).parent.mkdir(parents=True, exist_ok=True)
        (src / relpath).write_text("---\norphan: true\n---\n# 追加の文書\n", encoding="utf-8")
        _add_rule(src, rule)
    before = _previous_public(src, tmp_path)
    n = f"{list(HIDDEN).index(hidden)}{list(HOW_PUBLIC).index(how)}"
    snippet, code = HIDDEN[hidden]
    line = _append(src / relpath, snippet.replace("{n}", n))
    # The public root is not part of the restricted edition; every check reads it.
    editions = ["public"] if how == "root by file rule" else ["public", "restricted"]
    results = [build(src, edition, tmp_path) for edition in editions]
    for result in [*results, runner.check(src, cache=tmp_path / "chk")]:
        joined = "\n".join(result.lines)
        assert not result.ok, f"accepted {hidden} in {relpath}"
        assert f"{relpath}:{line}" in joined and f"[policy.{code}]" in joined, joined
        assert "Traceback" not in joined
    assert tree_digest(tmp_path / "public") == before
    assert not find_canaries(tmp_path / "public", [f"CNRY-G1-{n}"])


def test_a_document_with_a_sibling_suffix_keeps_its_own_level(tmp_path: Path) -> None:
    """The level belongs to the file that exists: a public ``index.md`` is public even though
    ``index.rst`` (absent) would be restricted, and a restricted ``page.rst`` next to a public
    ``page.md`` makes the document doubtful, so it takes the higher level."""
    src = copy_root("leaks", tmp_path)
    _previous_public(src, tmp_path)
    (src / "secret" / "page.rst").write_text("秘密 CNRY-G1-SIB\n", encoding="utf-8")
    line = _append(src / "index.md", "<!-- CNRY-G1-ROOT -->")
    result = build(src, "public", tmp_path)
    assert not result.ok and f"index.md:{line}" in "\n".join(result.lines)
    assert not find_canaries(tmp_path / "public", ["CNRY-G1-ROOT", "CNRY-G1-SIB"])


# --- class 2: a declared level is read the way the parser reads it ----------------------------

#: Front matter that YAML (and so MyST) reads as ``classification: restricted``.
DECLARATIONS = {
    "plain": "classification: restricted",
    "indented keys": "  orphan: true\n  classification: restricted",
    "single-quoted key": "'classification': restricted",
    "double-quoted value": 'classification: "restricted"',
    "flow mapping": "{orphan: true, classification: restricted}",
    "trailing comment": "classification: restricted   # 非公開",
    "far down a long front matter": "\n".join(f"note{i}: 項目{i}" for i in range(90))
    + "\nclassification: restricted",
    "block scalar neighbour": "summary: |\n  classification: public\nclassification: restricted",
    "longer fences": None,  # written below with ---- fences
}


@pytest.mark.parametrize("form", list(DECLARATIONS))
def test_front_matter_is_read_as_yaml_reads_it(form: str, tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    canary = f"CNRY-G2-{list(DECLARATIONS).index(form):02d}"
    page = src / "pub" / "declared.md"
    body = f"# 宣言した文書 {canary}\n\n本文 {canary} の見本です。\n"
    if DECLARATIONS[form] is None:
        page.write_text(f"----\norphan: true\nclassification: restricted\n----\n{body}",
                        encoding="utf-8")
    else:
        front = DECLARATIONS[form]
        if "orphan" not in front:
            front += "\norphan: true"
        page.write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")
    result = build(src, "public", tmp_path)
    assert result.ok, "\n".join(result.lines)
    assert not find_canaries(tmp_path / "public", [canary, "declared"])
    restricted = build(src, "restricted", tmp_path)
    assert restricted.ok, "\n".join(restricted.lines)
    assert find_canaries(tmp_path / "restricted", [canary])  # the canary is real


#: Declarations that a reader could take two ways: each is an error at its line.
DOUBTFUL = {
    "declaration in the body": ("# 文書\n\nclassification: restricted\n", 3,
                                "stray-declaration"),
    "after a blank first line": ("\n---\nclassification: restricted\n---\n# 文書\n", 3,
                                 "stray-declaration"),
    "misspelt key": ("---\nClassification: restricted\n---\n# 文書\n", 2,
                     "misspelt-classification-key"),
    "full-width key": ("---\nｃｌａｓｓｉｆｉｃａｔｉｏｎ: restricted\n---\n# 文書\n", 2,
                       "misspelt-classification-key"),
    "unknown value": ("---\nclassification: confidential\n---\n# 文書\n", 2, "unknown-level"),
    "list value": ("---\nclassification: [restricted]\n---\n# 文書\n", 2, "unknown-level"),
    "declared twice": ("---\nclassification: public\nclassification: restricted\n---\n# 文書\n",
                       2, "bad-front-matter"),
    "broken yaml": ("---\nclassification: restricted\n  orphan: [true\n---\n# 文書\n", 3,
                    "bad-front-matter"),
    "rst field below the title": ("文書\n====\n\n:classification: restricted\n", 4,
                                  "stray-declaration"),
}


@pytest.mark.parametrize("case", list(DOUBTFUL))
def test_a_doubtful_declaration_is_an_error_at_its_line(case: str, tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    before = _previous_public(src, tmp_path)
    text, line, code = DOUBTFUL[case]
    suffix = ".rst" if case.startswith("rst") else ".md"
    (src / "pub" / f"doubt{suffix}").write_text(text + "\nCNRY-G2-DOUBT\n", encoding="utf-8")
    for result in (build(src, "public", tmp_path), runner.check(src, cache=tmp_path / "chk")):
        joined = "\n".join(result.lines)
        assert not result.ok, case
        assert f"pub/doubt{suffix}:{line}" in joined and f"[policy.{code}]" in joined, joined
    assert tree_digest(tmp_path / "public") == before


def test_rst_docinfo_declaration_is_read(tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    (src / "pub" / "field.rst").write_text(
        ":orphan:\n:classification: restricted\n\n文書 CNRY-G2-RST\n=====================\n\n"
        "本文 CNRY-G2-RST\n", encoding="utf-8")
    result = build(src, "public", tmp_path)
    assert result.ok, "\n".join(result.lines)
    assert not find_canaries(tmp_path / "public", ["CNRY-G2-RST"])
    assert build(src, "restricted", tmp_path).ok
    assert find_canaries(tmp_path / "restricted", ["CNRY-G2-RST"])


# --- class 4 (filter side): classification keys and path settings ------------------------------

BAD_KEYS = ['"pub\\\\": "public"', '"./pub": "public"', '"pub/": "public"', '" pub": "public"',
            '"pub/../pub": "public"', '"/pub": "public"', '"publ": "public"']


@pytest.mark.parametrize("key", BAD_KEYS)
def test_classification_keys_are_plain_paths_that_exist(key: str, tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    before = _previous_public(src, tmp_path)
    _add_rule(src, key)
    for result in (build(src, "public", tmp_path), runner.check(src, cache=tmp_path / "chk")):
        joined = "\n".join(result.lines)
        assert not result.ok, key
        assert "conf.py" in joined and ("[policy.bad-classification-key]" in joined
                                        or "[policy.missing-classification-key]" in joined)
    assert tree_digest(tmp_path / "public") == before


def test_a_restricted_key_may_name_what_was_deleted(tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    _add_rule(src, '"gone": "restricted"')
    assert build(src, "public", tmp_path).ok


PATH_SETTINGS = {
    "static path, absolute into the tree": "html_static_path = ['_static', {secret!r}]",
    "extra path to a restricted file": "html_extra_path = [{secret_file!r}]",
    "templates from a restricted folder": "templates_path = [{secret!r}]",
    "logo from a restricted folder": "html_logo = {secret_png!r}",
    "theme option naming a restricted file": "html_theme_options = {{'light_logo': "
    "{secret_png!r}}}",
    "static path outside the tree": "html_static_path = [{outside!r}]",
}


@pytest.mark.parametrize("setting", list(PATH_SETTINGS))
def test_path_settings_are_classified_like_sources(setting: str, tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    before = _previous_public(src, tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "note.txt").write_text("CNRY-G4-OUT 外の文書\n", encoding="utf-8")
    line = PATH_SETTINGS[setting].format(
        secret=str(src / "secret"), secret_file=str(src / "secret" / "cnry-download.txt"),
        secret_png=str(src / "secret" / "cnry-img.png"), outside=str(outside))
    conf = src / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    result = build(src, "public", tmp_path)
    joined = "\n".join(result.lines)
    assert not result.ok, setting
    assert "conf.py" in joined and "[policy.path-setting-not-public]" in joined, joined
    assert tree_digest(tmp_path / "public") == before
