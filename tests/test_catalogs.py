"""Translation: catalogs hold public text only; the English edition falls back and switches."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import build, copy_root, find_canaries
from lxml import html
from policy import catalogs
from test_editions import CANARIES

I18N_SETTINGS = """
policy_translations = {"en": "en"}
policy_translated_titles = {"en": "Leak test"}
locale_dirs = ["locales/"]
gettext_compact = False
gettext_uuid = False
policy_classification["locales"] = "public"
"""


def _translatable(tmp_path: Path) -> Path:
    src = copy_root("leaks", tmp_path)
    conf = src / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + I18N_SETTINGS, encoding="utf-8")
    return src


def _po(src: Path, docname: str) -> Path:
    return src / "locales" / "en" / "LC_MESSAGES" / f"{docname}.po"


def _translate(po: Path, msgid: str, msgstr: str, fuzzy: bool = False) -> None:
    text = po.read_text(encoding="utf-8")
    entry = f'msgid "{msgid}"\nmsgstr ""'
    assert entry in text, text
    flag = "#, fuzzy\n" if fuzzy else ""
    po.write_text(text.replace(entry, f'{flag}msgid "{msgid}"\nmsgstr "{msgstr}"'),
                  encoding="utf-8")


@pytest.fixture
def translated(tmp_path: Path) -> tuple[Path, Path]:
    src = _translatable(tmp_path)
    result = catalogs.update_catalogs(src, cache=tmp_path / ".cache")
    assert result.ok, "\n".join(result.lines)
    return src, tmp_path


def test_catalogs_are_made_for_public_documents_only(translated: tuple[Path, Path]) -> None:
    src, _work = translated
    folder = src / "locales" / "en" / "LC_MESSAGES"
    made = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.po"))
    assert made == ["index.po", "pub/page.po"]
    assert "公開してよい文章です。" in _po(src, "pub/page").read_text(encoding="utf-8")


def test_no_catalog_holds_a_restricted_string(translated: tuple[Path, Path]) -> None:
    src, work = translated
    assert not find_canaries(src / "locales", CANARIES.values())
    pots = list((work / ".cache").rglob("*.pot"))
    assert pots
    for pot in pots:
        assert not find_canaries(pot.parent, CANARIES.values()), pot


def test_catalog_locations_name_the_docs_tree_not_the_staged_copy(
    translated: tuple[Path, Path],
) -> None:
    src, _work = translated
    text = _po(src, "pub/page").read_text(encoding="utf-8")
    assert re.search(r"^#: pub/page\.md:\d+$", text, re.M), text
    assert ".cache" not in text and "/src/" not in text


def test_i18n_lists_untranslated_messages_with_file_and_line(
    translated: tuple[Path, Path],
) -> None:
    src, work = translated
    result = catalogs.update_catalogs(src, cache=work / ".cache")
    joined = "\n".join(result.lines)
    assert re.search(r"pub/page\.md:\d+: 警告: en の訳がありません", joined), joined
    assert "[policy.translation-progress]" in joined


def test_english_edition_uses_translations_and_falls_back_to_japanese(
    translated: tuple[Path, Path],
) -> None:
    src, work = translated
    _translate(_po(src, "pub/page"), "公開のページ", "The public page")
    _translate(_po(src, "pub/page"), "公開してよい文章です。", "Text that may be published.",
               fuzzy=True)
    result = build(src, "public", work)
    assert result.ok, "\n".join(result.lines)
    page = work / "public" / "en" / "pub" / "page.html"
    text = page.read_text(encoding="utf-8")
    assert re.search(r'<html[^>]*lang="en"', text)
    assert "The public page" in text
    assert "公開してよい文章です。" in text  # fuzzy: the Japanese text is shown
    assert "Text that may be published." not in text
    listed = "\n".join(catalogs.update_catalogs(src, cache=work / ".cache").lines)
    assert "要確認 1 件" in listed and "[policy.translation-fuzzy]" in listed
    assert not list((src / "locales").rglob("*.mo"))  # compiled in the staged copy only


def test_language_switch_links_both_ways_on_every_page(translated: tuple[Path, Path]) -> None:
    src, work = translated
    assert build(src, "public", work).ok
    public = work / "public"
    pages = [p for p in public.rglob("*.html")]
    assert any(p.is_relative_to(public / "en") for p in pages)
    for page in pages:
        switch = html.parse(str(page)).xpath('//nav[@class="policy-language-switch"]')
        assert len(switch) == 1, page
        for link in switch[0].xpath(".//a"):
            target = urljoin(page.as_uri(), link.get("href"))
            assert Path(target.removeprefix("file://")).is_file(), (page, link.get("href"))


def test_restricted_edition_has_no_translation_and_no_switch(
    translated: tuple[Path, Path],
) -> None:
    src, work = translated
    assert build(src, "restricted", work).ok
    assert not (work / "restricted" / "en").exists()
    for page in (work / "restricted").rglob("*.html"):
        assert "policy-language-switch" not in page.read_text(encoding="utf-8")


def test_english_edition_holds_no_restricted_canary(translated: tuple[Path, Path]) -> None:
    src, work = translated
    assert build(src, "public", work).ok
    assert (work / "public" / "en" / "index.html").is_file()
    assert not find_canaries(work / "public", CANARIES.values())


def test_a_catalog_for_a_restricted_document_is_refused(translated: tuple[Path, Path]) -> None:
    src, work = translated
    planted = _po(src, "secret/child")
    planted.parent.mkdir(parents=True)
    planted.write_text('msgid "子の文書 CNRY-CHILD-17"\nmsgstr "Child"\n', encoding="utf-8")
    result = build(src, "public", work)
    assert not result.ok
    assert "[policy.catalog-not-public]" in "\n".join(result.lines)
    assert not (work / "public").exists()
    assert not catalogs.update_catalogs(src, cache=work / ".cache").ok


def test_a_japanese_build_after_an_english_one_stays_japanese(
    translated: tuple[Path, Path],
) -> None:
    """Sphinx caches catalogs process-wide: build.py builds English, then Japanese editions
    in one process, and none of the English may reach them."""
    src, work = translated
    _translate(_po(src, "pub/page"), "公開のページ", "The public page")
    assert build(src, "public", work).ok
    assert "The public page" in (work / "public" / "en" / "pub" / "page.html").read_text(
        encoding="utf-8")
    assert build(src, "restricted", work).ok
    for edition in ("public", "restricted"):
        page = (work / edition / "pub" / "page.html").read_text(encoding="utf-8")
        assert "公開のページ" in page and "The public page" not in page, edition


@pytest.fixture(scope="module")
def real_public(real_docs: Path) -> Path:
    return real_docs / "public"


def test_the_real_public_edition_carries_no_restricted_asset(real_public: Path) -> None:
    """The public and English builds add the package's shared stylesheets; the restricted
    edition's own assets live in a folder that only a restricted build adds."""
    names = {p.name for p in real_public.rglob("*")}
    assert "policy-clause.css" in names
    assert not names & {"policy-restricted.css", "policy-trace.css"}


def test_several_clause_numbers_are_joined_in_each_editions_language(real_public: Path) -> None:
    japanese = html.parse(str(real_public / "kihon" / "index.html")).xpath("//article")[0]
    english = html.parse(str(real_public / "en" / "kihon" / "index.html")).xpath("//article")[0]
    assert "上記6、7及び8に規定する" in japanese.text_content()
    text = " ".join(english.text_content().split())
    assert "6, 7 and 8" in text
    assert "及び" not in text and "、" not in text
