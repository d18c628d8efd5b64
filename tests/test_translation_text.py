"""The English basic policy reads as a complete English text.

Built for real from ``docs/`` and its catalogs (``docs/locales/en``): the English page has its
English title, the English headings of all ten sections and the translated sentences, with the
clause references rendered inside them and linked; and no Japanese sentence of the basic policy
is left in the article. Sphinx shows a missing or fuzzy translation in Japanese, so the
Japanese-character count is what notices a Japanese sentence changed without its translation.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from babel.messages.pofile import read_po, write_po
from conftest import DOCS, build, copy_root
from lxml import html

CATALOGS = DOCS / "locales" / "en" / "LC_MESSAGES"

TITLE = "Otaru City Basic Information Security Policy"

#: The ten sections, in order; the numbers in front of them are the extension's, not ours.
SECTIONS = [
    "Purpose",
    "Definitions",
    "Threats addressed",
    "Scope",
    "Duty of staff members to comply",
    "Information security measures",
    "Carrying out information security audits and self-inspections",
    "Review of the information security policy",
    "Formulation of the Information Security Standards",
    "Formulation of the Information Security Implementation Procedures",
]

#: Sentences that only a translation of this policy contains (no clause number inside).
SENTENCES = [
    "This Basic Policy also serves as the policy for ensuring cybersecurity provided for in "
    "Article 244-6, paragraph 1 of the Local Autonomy Act (Act No. 67 of 1947).",
    "Means maintaining the confidentiality, integrity and availability of information assets.",
    "Means this Basic Policy and the Information Security Standards.",
    "caused by unintentional factors such as breaches of the rules",
    "In the LGWAN-connected systems, separation of communication paths is applied between the "
    "business systems connected to the LGWAN and the information systems of the "
    "Internet-connected systems.",
    "The Information Security Implementation Procedures are not made public, because making "
    "them public could seriously hinder the City\u2019s administration.",
]

#: A paragraph of the basic policy, as the catalog names it.
NOT_PUBLIC = (
    "なお、情報セキュリティ対策基準は、公にすることにより本市の行政運営に重大な支障を"
    "及ぼすおそれがあることから非公開とする。"
)

#: Each defined term's English name, as the definitions show it.
TERMS = [
    "Network",
    "Information system",
    "Information security",
    "Information security policy",
    "Confidentiality",
    "Integrity",
    "Availability",
    "My Number administrative systems (Individual Number systems)",
    "LGWAN-connected systems",
    "Internet-connected systems",
    "Separation of communication paths",
    "Sanitised communication",
]

#: Hiragana, katakana, kanji and the Japanese punctuation a left-over sentence would carry.
JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e]")

#: How many Japanese characters the English article may hold: enough for the enumeration words
#: the clause references still render in Japanese (「、」「及び」), far fewer than any sentence.
JAPANESE_ALLOWED = 8


def _article(page: Path) -> html.HtmlElement:
    articles = html.parse(str(page)).xpath('//article[@role="main"]')
    assert len(articles) == 1, page
    return articles[0]


def _text(element: html.HtmlElement) -> str:
    return re.sub(r"\s+", " ", element.text_content()).strip()


def japanese_in(page: Path) -> list[str]:
    """The runs of Japanese characters in a page's article (the language switch and the
    theme's chrome are outside it)."""
    return re.findall(rf"{JAPANESE.pattern}+", _text(_article(page)))


@pytest.fixture(scope="module")
def english(real_docs: Path) -> Path:
    return real_docs / "public" / "en"


def test_the_english_page_is_declared_english_and_titled(english: Path) -> None:
    page = english / "kihon" / "index.html"
    tree = html.parse(str(page))
    assert tree.getroot().get("lang") == "en"
    assert _text(_article(page).xpath(".//h1")[0]).rstrip("#") == TITLE
    assert tree.findtext(".//title").startswith(TITLE)


def test_all_ten_sections_have_their_english_headings_in_order(english: Path) -> None:
    headings = [
        _text(h).rstrip("#").strip()
        for h in _article(english / "kihon" / "index.html").xpath(".//h2")
    ]
    assert len(headings) == len(SECTIONS), headings
    for heading, (number, title) in zip(headings, enumerate(SECTIONS, start=1), strict=True):
        assert heading.endswith(title), (heading, title)
        assert heading.removesuffix(title).strip() == str(number), heading


def test_distinctive_sentences_are_translated(english: Path) -> None:
    text = _text(_article(english / "kihon" / "index.html"))
    for sentence in SENTENCES:
        assert sentence in text, sentence


def test_defined_terms_keep_one_english_name(english: Path) -> None:
    article = _article(english / "kihon" / "index.html")
    headings = [
        re.sub(r"^\(\d+\)\s*", "", _text(h).rstrip("#").strip())
        for h in article.xpath('.//section[contains(@class, "policy-definition")]/h3')
    ]
    assert headings == TERMS


def test_clause_references_sit_inside_the_english_sentences_and_link(english: Path) -> None:
    page = english / "kihon" / "index.html"
    article = _article(page)
    text = _text(article)
    assert (
        "To protect information assets from the threats listed in 3 above, the City takes" in text
    )
    assert (
        "belong to the administrative bodies set out in 4 (1) (hereinafter referred to as"
        in re.sub(r"4\s*\(1\)", "4 (1)", text)
    )
    ids = set(article.xpath(".//@id"))
    hrefs = [
        link.get("href") for link in article.xpath('.//a[contains(@class, "clause-reference")]')
    ]
    assert {
        "#kihon-threats",
        "#kihon-scope-bodies",
        "#kihon-measures",
        "#kihon-audit",
        "#kihon-review",
    } <= set(hrefs), hrefs
    for href in hrefs:
        assert href.lstrip("#") in ids, href


def test_every_link_of_the_english_page_leads_somewhere(english: Path) -> None:
    page = english / "kihon" / "index.html"
    for link in html.parse(str(page)).xpath("//a[@href]"):
        target = urlparse(urljoin(page.as_uri(), link.get("href")))
        if target.scheme != "file":
            continue
        path = Path(target.path)
        assert path.is_file(), link.get("href")
        if target.fragment:
            assert target.fragment in html.parse(str(path)).xpath("//@id"), link.get("href")


def test_no_japanese_sentence_is_left_in_the_english_policy(english: Path) -> None:
    runs = japanese_in(english / "kihon" / "index.html")
    assert sum(len(run) for run in runs) < JAPANESE_ALLOWED, runs
    assert all(len(run) <= 2 for run in runs), runs  # 「、」「及び」, never a phrase


def test_landing_page_is_english(english: Path) -> None:
    page = english / "index.html"
    text = _text(_article(page))
    assert text.startswith("Otaru City Information Security Policy")
    for name in (
        "Basic Policy",
        "Information Security Standards",
        "Information Security Implementation Procedures",
    ):
        assert name in text
    assert not japanese_in(page)


def test_catalogs_are_complete_and_current() -> None:
    """Every message of the public documents has an English translation that is not fuzzy; a
    Japanese sentence changed since the translation shows up here as fuzzy or untranslated."""
    for po in sorted(CATALOGS.rglob("*.po")):
        with po.open("rb") as stream:
            catalog = read_po(stream)
        pending = [
            message.id
            for message in catalog
            if message.id and (not message.string or message.fuzzy)
        ]
        assert not pending, (po.name, pending)


def _blank(src: Path, msgid: str) -> None:
    """Take one translation out of the English catalog of the basic policy."""
    po = src / "locales" / "en" / "LC_MESSAGES" / "kihon" / "index.po"
    with po.open("rb") as stream:
        catalog = read_po(stream)
    assert catalog[msgid].string
    catalog[msgid].string = ""
    with po.open("wb") as stream:
        write_po(stream, catalog)


def test_a_missing_translation_shows_as_japanese(tmp_path: Path) -> None:
    """The check above can fail: blank one translated paragraph and its Japanese comes back."""
    src = copy_root("docs", tmp_path)
    _blank(src, NOT_PUBLIC)
    result = build(src, "public", tmp_path)
    assert result.ok, "\n".join(result.lines)
    runs = japanese_in(tmp_path / "public" / "en" / "kihon" / "index.html")
    assert NOT_PUBLIC in "".join(runs)
    assert sum(len(run) for run in runs) >= JAPANESE_ALLOWED


def test_a_translation_removed_between_two_builds_is_gone(tmp_path: Path) -> None:
    src = copy_root("docs", tmp_path)
    assert build(src, "public", tmp_path).ok
    _blank(src, NOT_PUBLIC)
    result = build(src, "public", tmp_path)
    assert result.ok, "\n".join(result.lines)
    assert NOT_PUBLIC in "".join(japanese_in(tmp_path / "public" / "en" / "kihon" / "index.html"))


def test_english_glossary_lists_english_terms_and_definitions(english: Path) -> None:
    page = english / "kihon" / "yougo.html"
    article = _article(page)
    assert _text(article).startswith("Glossary")
    terms = [_text(term) for term in article.xpath(".//dl//dt")]
    assert terms == TERMS
    assert (
        "Means maintaining the confidentiality, integrity and availability of information "
        "assets." in _text(article)
    )
    assert not japanese_in(page)


def test_english_page_chrome_is_english(english: Path) -> None:
    """Sphinx's own words (search box, index link) come from the English build's catalogs, not
    from the Japanese build that ran before it in the same process."""
    tree = html.parse(str(english / "kihon" / "index.html"))
    assert tree.xpath('//input[@name="q"]/@placeholder') == ["Search"]
    assert tree.xpath('//link[@rel="index"]/@title') == ["Index"]
