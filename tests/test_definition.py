"""Defined terms: the definition clause, links in running text, the 用語集, and every check.

Real builds of ``tests/roots/test-definition-basic`` (six public terms in ``kihon/``, two
restricted terms in ``restricted/``) and of the real docs tree; each check has a planted case
that must be found, with file and line, and the clean root must stay silent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import DOCS, build, copy_root, find_canaries
from lxml import html
from policy import runner

ROOT = "definition-basic"
PUBLIC_TERMS = ["ネットワーク", "情報システム", "情報セキュリティ", "情報セキュリティポリシー",
                "マイナンバー利用事務系（個人番号利用事務系）", "通信経路の分割"]
RESTRICTED_CANARIES = ["秘匿区画管理簿", "秘匿区画カナリア本文"]


def _check(src: Path, tmp: Path) -> runner.Result:
    return runner.check(src, cache=tmp / "cache")


def _codes(result: runner.Result) -> list[str]:
    return re.findall(r"\[policy\.([\w-]+)\]", "\n".join(result.lines))


def _where(result: runner.Result, code: str) -> list[str]:
    """``file:line`` (relative to the docs tree) of every message with ``code``."""
    found = []
    for line in result.lines:
        if f"[policy.{code}]" in line:
            match = re.match(r"^(?P<path>\S+?):(?P<line>\d+): ", line)
            assert match, f"no file and line: {line}"
            found.append(f"{match['path'].split('/src/', 1)[-1]}:{match['line']}")
    return found


def _line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _page(path: Path) -> html.HtmlElement:
    return html.parse(str(path)).getroot()


def _links(element: html.HtmlElement) -> list[tuple[str, str]]:
    """(text, href) of every link but the heading permalinks."""
    return [(a.text_content(), a.get("href", "")) for a in element.iter("a")
            if "headerlink" not in a.get("class", "")]


def _section(page: html.HtmlElement, section_id: str) -> html.HtmlElement:
    return page.xpath(f'//section[@id="{section_id}"]')[0]


def _definitions_clause(page: html.HtmlElement) -> html.HtmlElement:
    return page.xpath('//section[h2[contains(., "定義")]]')[0]


def _term_href(page: html.HtmlElement, heading: str) -> str:
    for section in page.xpath('//section[contains(@class, "policy-definition")]'):
        title = section.xpath("./h1|./h2|./h3|./h4")[0]
        if heading in title.text_content():
            return "#" + section.get("id")
    raise AssertionError(f"no definition of {heading}")


@pytest.fixture(scope="module")
def basic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("definition")
    src = copy_root(ROOT, work)
    for edition in ("public", "restricted"):
        result = build(src, edition, work)
        assert result.ok, "\n".join(result.lines)
        assert not [c for c in _codes(result) if c.startswith("term-")], result.lines
    return work


# --- the definition clause and the standard glossary machinery ---------------------------


def test_a_definition_is_a_clause_headed_by_its_term(basic: Path) -> None:
    page = _page(basic / "public" / "kihon" / "index.html")
    clause = _definitions_clause(page)
    definitions = clause.xpath('./section[contains(@class, "policy-definition")]')
    headings = [s.xpath("./h3")[0].text_content().rstrip("#¶") for s in definitions]
    assert headings == PUBLIC_TERMS
    body = definitions[0].xpath("./p")[0].text_content()
    assert body == "コンピュータ等を相互に接続するための通信網をいう。"


def test_terms_are_in_the_standard_glossary_index_and_inventory(basic: Path) -> None:
    public = basic / "public"
    page = _page(public / "kihon" / "index.html")
    network = _term_href(page, "ネットワーク")
    # {term} resolves through the standard domain.
    explicit = [href for text, href in _links(_section(page, "sample-use"))
                if text == "ネットワーク"]
    assert network in explicit
    genindex = (public / "genindex.html").read_text(encoding="utf-8")
    for name in ("ネットワーク", "個人番号利用事務系", "マイナンバー利用事務系"):
        entry = rf'href="kihon/index.html#term-[0-9a-f]+"><strong>{name}</strong></a>'
        assert re.search(entry, genindex), name
    inventory = find_canaries(public, ["std:term"])
    assert inventory == {"std:term": ["objects.inv"]}
    assert find_canaries(public, ["個人番号利用事務系 std:term"])


# --- links in running text --------------------------------------------------------------------


def test_uses_are_linked_longest_first_and_only_in_running_text(basic: Path) -> None:
    page = _page(basic / "public" / "kihon" / "index.html")
    section = _section(page, "sample-use")
    links = [text for text, _href in _links(section)]
    assert links == ["情報システム", "情報セキュリティポリシー", "情報システム", "ネットワーク",
                     "通信経路を分割", "個人番号利用事務系", "マイナンバー利用事務系",
                     "情報システム", "ネットワーク"]
    hrefs = dict(_links(section))
    assert hrefs["通信経路を分割"] == _term_href(page, "通信経路の分割")
    assert hrefs["個人番号利用事務系"] == _term_href(page, "マイナンバー利用事務系")
    assert hrefs["情報システム"] != "https://example.jp/" or links.count("情報システム") == 3
    # Not linked: the heading, inline code, code blocks, the {no-term} text, the restricted
    # term that a public document happens to contain.
    assert not _links(section.xpath("./h2")[0])
    assert not section.xpath(".//code//a | .//pre//a | .//span[@class='policy-no-term']//a")
    assert "庁内専用語" not in links
    # A definition does not link to itself; it links the other terms it uses.
    own = page.xpath('//section[contains(@class, "policy-definition")]'
                     '[.//h3[contains(., "情報セキュリティポリシー")]]')[0]
    assert [text for text, _h in _links(own)] == ["情報セキュリティ"]


def test_a_public_document_is_never_linked_to_a_restricted_term(basic: Path) -> None:
    page = basic / "restricted" / "kihon" / "index.html"
    assert "庁内専用語" in page.read_text(encoding="utf-8")
    body = _page(page).xpath("//*[@role='main']")[0]
    assert _links(body)
    assert not [href for _t, href in _links(body) if "restricted/" in href]
    taisaku = _page(basic / "restricted" / "restricted" / "taisaku.html").xpath(
        "//*[@role='main']")[0]
    assert [text for text, _h in _links(taisaku) if text in ("秘匿区画管理簿", "庁内専用語")] == \
        ["秘匿区画管理簿", "庁内専用語"]


def test_link_frequency_first_use_per_clause(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    _append(src / "conf.py", '\npolicy_term_links = "first-per-clause"\n')
    assert build(src, "public", tmp_path).ok
    page = _page(tmp_path / "public" / "kihon" / "index.html")
    hrefs = [href for _text, href in _links(_section(page, "sample-use"))]
    # 情報システム is used three times in running text in the clause: linked once. The
    # written {term} is linked although ネットワーク was linked before it in the same clause:
    # it forces a link. Other clauses link their own first use again.
    assert hrefs.count(_term_href(page, "情報システム")) == 1
    assert hrefs.count(_term_href(page, "ネットワーク")) == 2
    assert hrefs.count(_term_href(page, "マイナンバー利用事務系")) == 1
    definitions = _definitions_clause(page)
    assert [text for text, _h in _links(definitions)] == [
        "ネットワーク", "情報セキュリティ", "情報システム"]
    every = _page(_built_every(tmp_path))
    assert [h for _t, h in _links(_section(every, "sample-use"))].count(
        _term_href(every, "情報システム")) == 2


def _built_every(tmp_path: Path) -> Path:
    src = copy_root(ROOT, tmp_path / "every")
    assert build(src, "public", tmp_path / "every").ok
    return tmp_path / "every" / "public" / "kihon" / "index.html"


def test_link_frequency_setting_is_checked(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    _append(src / "conf.py", '\npolicy_term_links = "sometimes"\n')
    result = _check(src, tmp_path)
    assert not result.ok
    assert "bad-setting" in _codes(result) and "policy_term_links" in "\n".join(result.lines)


# --- the 用語集 of each edition -----------------------------------------------------------------


def test_each_edition_has_its_glossary_and_the_public_one_holds_no_restricted_term(
        basic: Path) -> None:
    public = _page(basic / "public" / "kihon" / "yougo.html")
    listed = [dt.text_content()
              for dt in public.xpath("//dl[contains(@class, 'policy-term-list')]/dt")]
    assert listed == PUBLIC_TERMS
    assert "コンピュータ等を相互に接続するための通信網をいう。" in public.text_content()
    assert find_canaries(basic / "public", RESTRICTED_CANARIES) == {}
    restricted = _page(basic / "restricted" / "restricted" / "yougo.html")
    listed = [dt.text_content() for dt in restricted.xpath("//dl/dt")]
    assert listed == [*PUBLIC_TERMS, "秘匿区画管理簿", "庁内専用語"]
    # The public page, where the restricted edition also has it, still lists public terms only.
    again = _page(basic / "restricted" / "kihon" / "yougo.html")
    assert [dt.text_content() for dt in again.xpath("//dl/dt")] == PUBLIC_TERMS
    assert set(find_canaries(basic / "restricted", RESTRICTED_CANARIES)) == set(RESTRICTED_CANARIES)


# --- the checks -----------------------------------------------------------------------------


def test_the_clean_root_is_silent(tmp_path: Path) -> None:
    result = _check(copy_root(ROOT, tmp_path), tmp_path)
    assert result.ok and not result.lines, "\n".join(result.lines)


def test_a_public_document_naming_a_restricted_term_fails_in_every_build(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    _append(src / "kihon" / "index.md", "\n台帳は{term}`秘匿区画管理簿`に記録する。\n")
    line = _line_of(src / "kihon" / "index.md", "{term}`秘匿区画管理簿`")
    for result in (_check(src, tmp_path), build(src, "public", tmp_path),
                   build(src, "restricted", tmp_path)):
        assert not result.ok
        assert f"kihon/index.md:{line}" in _where(result, "public-refers-restricted")
    assert not (tmp_path / "public").exists()


def test_a_term_referenced_but_not_defined(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    _append(src / "restricted" / "taisaku.md", "\n{term}`存在しない用語`を参照する。\n")
    _append(src / "kihon" / "index.md", "\n{term}`未定義の公開用語`を参照する。\n")
    result = _check(src, tmp_path)
    assert not result.ok
    assert _where(result, "term-undefined") == [
        f"restricted/taisaku.md:{_line_of(src / 'restricted' / 'taisaku.md', '存在しない用語')}"]
    # In a public document the message cannot say whether the term is restricted.
    assert _where(result, "public-refers-restricted") == [
        f"kihon/index.md:{_line_of(src / 'kihon' / 'index.md', '未定義の公開用語')}"]
    assert not any("sphinx-warning" in line for line in result.lines)


def test_a_term_defined_but_never_used_is_a_warning(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    _append(src / "restricted" / "taisaku.md",
            "\n:::{definition} 使われない用語\nどこでも使われない語をいう。\n:::\n")
    result = _check(src, tmp_path)
    assert result.ok  # advice, not an error
    line = _line_of(src / "restricted" / "taisaku.md", "使われない用語")
    assert _where(result, "term-unused") == [f"restricted/taisaku.md:{line}"]
    assert "警告" in "\n".join(result.lines)
    assert build(src, "restricted", tmp_path).ok


def test_a_term_defined_twice(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    (src / "restricted" / "other.md").write_text(
        "---\norphan: true\n---\n# 別の見本\n\n"
        ":::{definition} 秘匿区画管理簿\n別の意味をいう。\n:::\n",
        encoding="utf-8")
    result = _check(src, tmp_path)
    assert not result.ok
    # Reported at the later definition (by level, then document), naming the first.
    assert _where(result, "term-defined-twice") == ["restricted/taisaku.md:5"]
    assert "restricted/other.md:6" in "\n".join(result.lines)


def test_a_definition_belongs_directly_under_a_heading(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    _append(src / "restricted" / "taisaku.md",
            "\n- 項目\n\n  :::{definition} 項目内の用語\n  項目の中の語をいう。\n  :::\n\n"
            "項目内の用語を使う。\n")
    result = _check(src, tmp_path)
    line = _line_of(src / "restricted" / "taisaku.md", "{definition} 項目内の用語")
    assert _where(result, "definition-misplaced") == [f"restricted/taisaku.md:{line}"]
    assert "definition-misplaced" not in _codes(_check(copy_root(ROOT, tmp_path / "clean"),
                                                       tmp_path / "clean"))


def test_a_subordinate_document_cannot_redefine_a_basic_policy_term(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    _append(src / "restricted" / "taisaku.md",
            "\n:::{definition} ネットワーク\n庁内の通信網をいう。\n:::\n")
    result = _check(src, tmp_path)
    assert not result.ok
    line = _line_of(src / "restricted" / "taisaku.md", "{definition} ネットワーク")
    assert _where(result, "term-redefined") == [f"restricted/taisaku.md:{line}"]
    assert "term-defined-twice" not in _codes(result)


VARIANTS = {
    "情報セキュリティーポリシー": "情報セキュリティポリシー",
    "ﾈｯﾄﾜｰｸ": "ネットワーク",
    "情報 システム": "情報システム",
    "通信経路の分割ー": "通信経路の分割",
}


def test_variant_spellings_are_reported_with_the_defined_spelling(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    lines = "\n".join(f"{found}を確かめる。" for found in VARIANTS)
    _append(src / "restricted" / "taisaku.md", f"\n## 表記\n\n{lines}\n")
    result = _check(src, tmp_path)
    assert not result.ok
    path = src / "restricted" / "taisaku.md"
    assert sorted(_where(result, "term-variant")) == sorted(
        f"restricted/taisaku.md:{_line_of(path, found + 'を')}" for found in VARIANTS)
    joined = "\n".join(result.lines)
    for found, term in VARIANTS.items():
        assert f"「{found}」は定義された用語「{term}」の表記ゆれです" in joined


def test_the_checks_run_in_both_builds_as_in_check(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    _append(src / "kihon" / "index.md", "\n情報セキュリティーポリシーのの見直し。\n")
    line = _line_of(src / "kihon" / "index.md", "情報セキュリティーポリシーのの")
    for result in (_check(src, tmp_path), build(src, "public", tmp_path),
                   build(src, "restricted", tmp_path)):
        assert not result.ok
        assert _where(result, "term-variant") == [f"kihon/index.md:{line}"]
        assert _where(result, "doubled-character") == [f"kihon/index.md:{line}"]


def test_defined_spellings_and_marked_words_are_not_variants(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    _append(src / "restricted" / "taisaku.md",
            "\n情報セキュリティポリシーとﾈｯﾄﾜｰｸ機器ではない{no-term}`情報 システム`。\n"
            "`情報 システム` とコードに書いたもの。\n")
    result = _check(src, tmp_path)
    assert _where(result, "term-variant") == ["restricted/taisaku.md:" + str(
        _line_of(src / "restricted" / "taisaku.md", "ﾈｯﾄﾜｰｸ機器"))]


def test_a_public_document_is_not_checked_against_restricted_terms(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    _append(src / "kihon" / "index.md", "\n秘匿区画 管理簿という語は公開文書では用語ではない。\n")
    result = _check(src, tmp_path)
    assert "term-variant" not in _codes(result), result.lines
    _append(src / "restricted" / "taisaku.md", "\n秘匿区画 管理簿に記録する。\n")
    assert "term-variant" in _codes(_check(src, tmp_path))


DOUBLED = ["非意図的的要因", "資産ののうち", "においてて"]
NOT_DOUBLED = ["規程はあるものの", "計画を立てて", "捨てて", "ここ", "人々"]


def test_doubled_characters_are_found_and_ordinary_words_are_not(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    text = "\n".join(f"{words}。" for words in DOUBLED + NOT_DOUBLED)
    _append(src / "restricted" / "taisaku.md", f"\n{text}\n")
    result = _check(src, tmp_path)
    assert not result.ok
    path = src / "restricted" / "taisaku.md"
    assert sorted(_where(result, "doubled-character")) == sorted(
        f"restricted/taisaku.md:{_line_of(path, words)}" for words in DOUBLED)


def test_sic_accepts_official_wording_and_needs_a_reason(tmp_path: Path) -> None:
    src = copy_root(ROOT, tmp_path)
    assert "{sic}`非意図的的要因 <" in (src / "kihon" / "index.md").read_text(encoding="utf-8")
    _append(src / "restricted" / "taisaku.md", "\n{sic}`規定規定`のまま残す。\n")
    result = _check(src, tmp_path)
    line = _line_of(src / "restricted" / "taisaku.md", "規定規定")
    assert _where(result, "sic-without-reason") == [f"restricted/taisaku.md:{line}"]
    assert "doubled-character" not in _codes(result)


# --- the real basic policy ------------------------------------------------------------------


def _term_names(source: Path) -> dict[str, str]:
    """Every written form of every term defined in a source, mapped to its term."""
    text = source.read_text(encoding="utf-8")
    names: dict[str, str] = {}
    for match in re.finditer(r"^:::\{definition\} (.+)\n(?::forms: (.+)\n)?", text, re.M):
        heading, forms = match.group(1).strip(), match.group(2) or ""
        alias = re.match(r"^(.+?)（(.+)）$", heading)
        term = alias.group(1) if alias else heading
        for name in [term, *([alias.group(2)] if alias else []), *forms.split("、")]:
            if name.strip():
                names[name.strip()] = term
    return names


@pytest.fixture(scope="module")
def real_public(real_docs: Path) -> Path:
    return real_docs / "public"


def test_the_public_edition_links_every_use_of_every_term_in_the_basic_policy(
        real_public: Path) -> None:
    names = _term_names(DOCS / "kihon" / "index.md")
    assert len(set(names.values())) == 12
    page = _page(real_public / "kihon" / "index.html")
    article = page.xpath("//article")[0]
    linked_terms = set()
    for block in article.xpath(".//p | .//li"):
        if block.xpath(".//p | .//li"):
            continue  # the innermost blocks carry the text
        own = block.xpath('ancestor::section[contains(@class, "policy-definition")][1]/h3')
        own_heading = own[0].text_content() if own else ""
        for link in list(block.iter("a")):
            linked_terms.add(link.text_content())
            link.drop_tree()
        for sic in block.xpath(".//span[@class='policy-sic']"):
            sic.drop_tree()
        rest = block.text_content()
        unlinked = [name for name in names if name in rest and name not in own_heading]
        assert not unlinked, f"not linked in {rest!r}: {unlinked}"
    assert {names[name] for name in linked_terms if name in names} == set(names.values())


def test_the_public_glossary_lists_the_twelve_terms_in_each_language(real_public: Path) -> None:
    japanese = _page(real_public / "kihon" / "yougo.html").xpath("//dl/dt")
    assert [dt.text_content() for dt in japanese][:2] == ["ネットワーク", "情報システム"]
    assert len(japanese) == 12
    # The English edition shows each term as its translated definition clause is headed.
    english = _page(real_public / "en" / "kihon" / "yougo.html")
    policy = _page(real_public / "en" / "kihon" / "index.html")
    first = english.xpath("//dl/dt/a")[0]
    anchor = first.get("href").split("#")[1]
    heading = policy.xpath(f'//section[@id="{anchor}"]/h3')[0]
    for number in heading.xpath(".//*[@class='clause-number'] | .//a[@class='headerlink']"):
        number.drop_tree()
    assert first.text_content() == heading.text_content().strip()
    assert "Defined in: " in english.text_content()
    assert "定義: " not in english.text_content()


def test_the_official_typo_is_found_without_its_acceptance(tmp_path: Path) -> None:
    src = copy_root("docs", tmp_path)
    policy = src / "kihon" / "index.md"
    assert _check(src, tmp_path).ok
    text = policy.read_text(encoding="utf-8")
    plain = re.sub(r"\{sic\}`(非意図的的要因) <[^>]+>`", r"\1", text)
    assert plain != text
    policy.write_text(plain, encoding="utf-8")
    result = _check(src, tmp_path)
    assert not result.ok
    assert _where(result, "doubled-character") == [
        f"kihon/index.md:{_line_of(policy, '非意図的的要因')}"]
