"""The leak guarantee as a structure: each class of leak planted in several variants.

Every test plants a unique canary in restricted material and asserts one of two outcomes of a
public build: it fails with an error naming the file (and line, where there is one) and leaves
the previous edition byte for byte as it was, or it succeeds with no canary in any output byte.
The variants are written for these classes, not copied from the examples that revealed them.
"""

from __future__ import annotations

import hashlib
import importlib.util
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


# --- class 6: a published edition is what a clean build of the same sources makes ---------------


def _build_all(src: Path, work: Path, parallel: int = 0) -> dict[str, runner.Result]:
    return runner.build_editions(
        src, {"public": work / "public", "restricted": work / "restricted"},
        parallel=parallel, cache=work / ".cache")


def _all_ok(results: dict[str, runner.Result]) -> bool:
    assert all(result.ok for result in results.values()), "\n".join(
        line for result in results.values() for line in result.lines)
    return True


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("parallel", [0, 2])
def test_published_editions_equal_a_clean_build_after_any_sequence(
    parallel: int, tmp_path: Path
) -> None:
    src = copy_root("docs", tmp_path)
    work = tmp_path / "work"
    yougo, taisaku = src / "kihon" / "yougo.md", src / "restricted" / "taisaku" / "index.md"
    original = {path: path.read_text(encoding="utf-8") for path in (yougo, taisaku)}
    assert _all_ok(_build_all(src, work, parallel))
    # a no-change rebuild
    assert _all_ok(_build_all(src, work, parallel))
    # text added (a withdrawn name) and removed again, in a public and a restricted document
    yougo.write_text(original[yougo] + "\n連絡先は担当の山田ZQXW太郎です。\n", encoding="utf-8")
    taisaku.write_text(original[taisaku] + "\n## 追加の節 ZQXV\n\n追加した本文 ZQXV。\n",
                       encoding="utf-8")
    assert _all_ok(_build_all(src, work, parallel))
    yougo.write_text(original[yougo], encoding="utf-8")
    taisaku.write_text(original[taisaku], encoding="utf-8")
    assert _all_ok(_build_all(src, work, parallel))
    # a new restricted document in a toctree, then taken out again
    tejun = src / "restricted" / "tejun"
    (tejun / "zqx-new.md").write_text("# 新しい手順 ZQXN\n\n本文 ZQXN。\n", encoding="utf-8")
    _edit(tejun / "index.md", "social-media\n", "social-media\nzqx-new\n")
    assert _all_ok(_build_all(src, work, parallel))
    (tejun / "zqx-new.md").unlink()
    _edit(tejun / "index.md", "social-media\nzqx-new\n", "social-media\n")
    # a new public document, then reclassified restricted (and taken out of the public
    # toctree), the way a page withdrawn from the website is
    index = src / "index.md"
    index_text = index.read_text(encoding="utf-8")
    extra = src / "kihon" / "zqx-extra.md"
    extra.write_text("# 追加の公開文書\n\n公開していた本文 ZQXR。\n", encoding="utf-8")
    inner = src / "restricted" / "index.md"
    inner_text = inner.read_text(encoding="utf-8")
    _edit(index, "kihon/yougo\n", "kihon/yougo\nkihon/zqx-extra\n")
    _edit(inner, "../kihon/index\n", "../kihon/index\n../kihon/zqx-extra\n")
    assert _all_ok(_build_all(src, work, parallel))
    _edit(index, "kihon/yougo\nkihon/zqx-extra\n", "kihon/yougo\n")
    extra.write_text("---\nclassification: restricted\norphan: true\n---\n"
                     + extra.read_text(encoding="utf-8"), encoding="utf-8")
    assert _all_ok(_build_all(src, work, parallel))
    # ... the other edition built alone between, a failed build, then everything back
    assert runner.build_edition(src, work / "restricted", "restricted", parallel=parallel,
                                cache=work / ".cache").ok
    bad = src / "kihon" / "index.md"
    bad_text = bad.read_text(encoding="utf-8")
    bad.write_text(bad_text + "\n<!-- ZQXB -->\n", encoding="utf-8")
    assert not any(r.ok for r in _build_all(src, work, parallel).values())
    bad.write_text(bad_text, encoding="utf-8")
    extra.unlink()
    index.write_text(index_text, encoding="utf-8")
    inner.write_text(inner_text, encoding="utf-8")
    assert _all_ok(_build_all(src, work, parallel))
    assert _all_ok(_build_all(src, work, parallel))

    clean = tmp_path / "clean"
    assert _all_ok(_build_all(src, clean, parallel))
    for edition in ("public", "restricted"):
        built, fresh = tree_digest(work / edition), tree_digest(clean / edition)
        assert built == fresh, (edition, sorted(k for k in set(built) | set(fresh)
                                                if built.get(k) != fresh.get(k)))
    assert not find_canaries(work / "public", ["ZQXW", "ZQXV", "ZQXN", "ZQXB", "ZQXR"])
    assert not find_canaries(work / "restricted", ["ZQXW", "ZQXV", "ZQXN", "ZQXB", "ZQXR"])


# --- class 3: an edition is written only where it may be; nothing else is ever removed -------


def _everything(root: Path, skip: tuple[str, ...] = (".cache",)) -> dict[str, str]:
    """Every file and folder under ``root`` (links as links), with the hash of each file."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.split("/")[0] in skip:
            continue
        if path.is_symlink():
            found[rel] = "link:" + str(path.readlink())
        elif path.is_dir():
            found[rel] = "dir"
        else:
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A repository-like folder: sources in docs/, a file of someone's beside them, and a
    published public edition in public/."""
    root = tmp_path / "repo"
    root.mkdir()
    src = copy_root("leaks", root)
    src.rename(root / "docs")
    (root / "notes").mkdir()
    (root / "notes" / "mine.txt").write_text("誰かのメモ\n", encoding="utf-8")
    (root / "README.txt").write_text("説明\n", encoding="utf-8")
    first = runner.build_edition(root / "docs", root / "public", "public", cache=root / ".cache")
    assert first.ok, "\n".join(first.lines)
    return root


MISUSED = {
    "the repository (above the docs tree)": ("public", ".", "out-in-tree"),
    "the docs tree itself": ("public", "docs", "out-in-tree"),
    "a folder inside the docs tree": ("public", "docs/pub", "out-in-tree"),
    "a new folder inside the docs tree": ("public", "docs/new-site", "out-in-tree"),
    "someone's non-empty folder": ("public", "notes", "out-not-edition"),
    "a file": ("public", "README.txt", "out-not-folder"),
    "inside the public edition (restricted)": ("restricted", "public/en", "out-inside-edition"),
    "inside the public edition (public)": ("public", "public/en", "out-inside-edition"),
    "a new folder inside the public edition": ("restricted", "public/new", "out-inside-edition"),
    "the public edition (restricted)": ("restricted", "public", "out-other-edition"),
    "around the public edition": ("restricted", "..", "out-in-tree"),
    "the tool's work folder": ("restricted", ".cache/x", "out-reserved"),
}


@pytest.mark.parametrize("case", list(MISUSED))
def test_an_edition_is_never_written_where_it_may_not_be(case: str, project: Path) -> None:
    edition, out, code = MISUSED[case]
    before = _everything(project.parent)
    result = runner.build_edition(project / "docs", project / out, edition,
                                  cache=project / ".cache")
    joined = "\n".join(result.lines)
    assert not result.ok and f"[policy.{code}]" in joined, joined
    assert _everything(project.parent) == before


def test_a_link_is_judged_by_where_it_leads(project: Path, tmp_path: Path) -> None:
    """A restricted/ that is a link into public/, or a link to someone's folder, is judged by
    the real folder; an edition folder reached through a link is published in that folder."""
    (project / "restricted").symlink_to(project / "public" / "en")
    (project / "site").symlink_to(project / "notes")
    before = _everything(project.parent)
    for edition, out, code in (("restricted", "restricted", "out-inside-edition"),
                               ("public", "site", "out-not-edition")):
        result = runner.build_edition(project / "docs", project / out, edition,
                                      cache=project / ".cache")
        assert not result.ok and f"[policy.{code}]" in "\n".join(result.lines)
    assert _everything(project.parent) == before
    served = tmp_path / "www"
    served.mkdir()
    (project / "published").symlink_to(served)
    result = runner.build_edition(project / "docs", project / "published", "public",
                                  cache=project / ".cache")
    assert result.ok, "\n".join(result.lines)
    assert (project / "published").is_symlink() and (served / "index.html").is_file()


def test_an_edition_folder_carries_its_marker_and_accepts_an_earlier_edition(
    tmp_path: Path,
) -> None:
    src = copy_root("leaks", tmp_path)
    earlier = tmp_path / "site"
    (earlier / "_static").mkdir(parents=True)
    (earlier / "searchindex.js").write_text("Search.setIndex({})", encoding="utf-8")
    result = runner.build_edition(src, earlier, "public", cache=tmp_path / ".cache")
    assert not result.ok  # not a default output folder: an unmarked folder is refused
    assert (earlier / "searchindex.js").read_text(encoding="utf-8") == "Search.setIndex({})"
    result = runner.build_edition(src, tmp_path / "fresh", "public", cache=tmp_path / ".cache")
    assert result.ok
    marker = (tmp_path / "fresh" / ".policy-edition").read_text(encoding="utf-8")
    assert '"edition": "public"' in marker
    again = runner.build_edition(src, tmp_path / "fresh", "restricted",
                                 cache=tmp_path / ".cache")
    assert not again.ok and "[policy.out-other-edition]" in "\n".join(again.lines)


def test_build_py_refuses_the_repository_as_output(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = tmp_path / "repo"
    root.mkdir()
    src = copy_root("leaks", root)
    (root / "keep.txt").write_text("消えてはいけない\n", encoding="utf-8")
    before = _everything(tmp_path)
    done = subprocess.run([sys.executable, str(Path(runner.PROJECT_ROOT) / "build.py"),
                           "public", "--src", str(src), "--out", "."], cwd=root,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode != 0 and "[policy.out-in-tree]" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert _everything(tmp_path) == before


# --- class 7: what an interrupted build leaves is cleared; a refused stage is deleted at once -


def test_leftovers_of_an_interrupted_publication_are_cleared(project: Path) -> None:
    from policy import publish

    published = tree_digest(project / "public")
    new = project / ".public.policy-new-0123456789abcdef"
    new.mkdir()
    publish.write_marker(new, "public")
    (new / "half.html").write_text("CNRY-G7-HALF", encoding="utf-8")
    earlier = project / ".public.new-ab12cd34"
    earlier.mkdir()
    (earlier / "page.html").write_text("CNRY-G7-EARLIER", encoding="utf-8")
    stranger = project / ".public.policy-new-fedcba9876543210"
    stranger.mkdir()  # no marker: not ours, left alone
    result = runner.build_edition(project / "docs", project / "public", "public",
                                  cache=project / ".cache")
    assert result.ok, "\n".join(result.lines)
    assert not new.exists() and not earlier.exists() and stranger.exists()
    assert tree_digest(project / "public") == published


def test_an_edition_moved_aside_is_put_back_when_publication_stopped_midway(
    project: Path,
) -> None:
    published = tree_digest(project / "public")
    aside = project / ".public.policy-old-0123456789abcdef"
    (project / "public").rename(aside)
    result = runner.build_edition(project / "docs", project / "public", "public",
                                  cache=project / ".cache")
    assert result.ok
    assert not aside.exists() and tree_digest(project / "public") == published


def test_a_refused_stage_is_deleted_at_once(tmp_path: Path, monkeypatch) -> None:
    src = copy_root("leaks", tmp_path)
    assert build(src, "public", tmp_path).ok
    before = tree_digest(tmp_path / "public")
    monkeypatch.setenv("POLICY_TEST_TITLE", "CNRY-TITLE-01 の題")  # a restricted title
    result = build(src, "public", tmp_path)
    assert not result.ok and "[policy.audit-hit]" in "\n".join(result.lines)
    assert tree_digest(tmp_path / "public") == before
    assert not [path for path in (tmp_path / ".cache").rglob("*")
                if path.is_file() and b"CNRY-TITLE-01" in path.read_bytes()
                and "publish" in path.parts]
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".public")]


def test_a_killed_build_leaves_nothing_that_stops_the_next(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    src = copy_root("docs", tmp_path)
    work = tmp_path / "work"
    script = (f"import sys; sys.path.insert(0, {str(Path(runner.__file__).parents[1])!r})\n"
              "from pathlib import Path\nfrom policy import runner\n"
              f"runner.build_editions(Path({str(src)!r}), {{'public': Path({str(work)!r}) / "
              f"'public', 'restricted': Path({str(work)!r}) / 'restricted'}}, "
              f"cache=Path({str(work)!r}) / '.cache')\n")
    for delay in (1.5, 4.0):
        child = subprocess.Popen([sys.executable, "-c", script])
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert _all_ok(_build_all(src, work))
    assert not [path for path in work.iterdir() if path.name.startswith(".")
                and path.name != ".cache"]
    clean = tmp_path / "clean"
    assert _all_ok(_build_all(src, clean))
    for edition in ("public", "restricted"):
        assert tree_digest(work / edition) == tree_digest(clean / edition)


# --- class 8: both editions are published, or neither ------------------------------------------


def test_both_editions_or_neither(tmp_path: Path) -> None:
    src = copy_root("leaks", tmp_path)
    assert _all_ok(_build_all(src, tmp_path))
    before = {edition: tree_digest(tmp_path / edition) for edition in ("public", "restricted")}
    # a public document links to a restricted one: the public edition fails ...
    _append(src / "pub" / "page.md", "[秘密の文書へ](../secret/child.md)")
    (src / "secret" / "child.md").write_text(
        (src / "secret" / "child.md").read_text(encoding="utf-8") + "\n追記 CNRY-G8-R\n",
        encoding="utf-8")
    results = _build_all(src, tmp_path)
    assert not results["public"].ok and not results["restricted"].ok
    assert "[policy.not-published]" in "\n".join(results["restricted"].lines)
    # ... and the restricted edition, which built, is not published either
    assert {e: tree_digest(tmp_path / e) for e in before} == before
    assert not find_canaries(tmp_path / "restricted", ["CNRY-G8-R"])


def test_a_publication_that_fails_midway_puts_the_first_edition_back(
    tmp_path: Path, monkeypatch
) -> None:
    from policy import publish

    src = copy_root("leaks", tmp_path)
    assert _all_ok(_build_all(src, tmp_path))
    before = {edition: tree_digest(tmp_path / edition) for edition in ("public", "restricted")}
    (src / "pub" / "page.md").write_text(
        (src / "pub" / "page.md").read_text(encoding="utf-8") + "\n新しい公開の文 G8N\n",
        encoding="utf-8")
    real = publish._put_in_place
    calls = []

    def failing(item):
        calls.append(item)
        if len(calls) == 2:
            raise OSError("disk full")
        real(item)

    monkeypatch.setattr(publish, "_put_in_place", failing)
    with pytest.raises(OSError):
        _build_all(src, tmp_path)
    assert {e: tree_digest(tmp_path / e) for e in before} == before
    assert not [p for p in tmp_path.iterdir() if ".policy-" in p.name]


# --- the command line, serial and in parallel ---------------------------------------------------


@pytest.mark.parametrize("jobs", ["0", "2"])
def test_build_py_refuses_each_class_in_both_commands(jobs: str, tmp_path: Path,
                                                      capsys) -> None:
    spec = importlib.util.spec_from_file_location("build_py", runner.PROJECT_ROOT / "build.py")
    assert spec is not None and spec.loader is not None
    build_py = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_py)  # the command line's own module, run in this process

    src = copy_root("leaks", tmp_path)
    out = tmp_path / "site"
    assert build_py.main(["all", "--src", str(src), "--out", str(out), "-j", jobs]) == 0
    before = {e: tree_digest(out / e) for e in ("public", "restricted")}
    plants = {
        "class 1": (src / "index.md", "<!-- CNRY-CLI-1 -->"),
        "class 2": (src / "pub" / "cli.md", None),
    }
    _append(*plants["class 1"])
    (src / "pub" / "cli.md").write_text(
        "---\n  orphan: true\n  classification: restricted\n---\n# CNRY-CLI-2\n",
        encoding="utf-8")
    _append(src / "pub" / "page.md", "{doc}`/pub/cli`")
    for args in (["public", "--out", str(out / "public")], ["all", "--out", str(out)]):
        status = build_py.main([*args, "--src", str(src), "-j", jobs])
        err = capsys.readouterr().err
        assert status == 1 and "index.md:" in err and "[policy.restricted-inline]" in err
        assert "[policy.public-refers-restricted]" in err and "Traceback" not in err
        assert {e: tree_digest(out / e) for e in before} == before
        assert not find_canaries(out, ["CNRY-CLI-1", "CNRY-CLI-2"])
