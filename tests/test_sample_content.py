"""The sample 対策基準 and 実施手順 of the restricted edition.

They are what the traceability views, the clause numbering and the audit work on, so they must
stay shaped like the real thing: enough clauses, a sample mark on every page, a label and an
``{implements}`` declaration under every clause heading that names a label that exists, every
measure of 基本方針 6 implemented, most standards carried out by a procedure, and none of it in
the public edition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import DOCS, find_canaries
from lxml import html

SAMPLE_FOLDERS = ("restricted/taisaku", "restricted/tejun")
STANDARDS = "restricted/taisaku/index"
CHAPTERS = (
    "総則",
    "組織体制",
    "情報資産の分類と管理",
    "情報システム全体の強靱性の向上",
    "物理的セキュリティ",
    "人的セキュリティ",
    "技術的セキュリティ",
    "運用",
    "業務委託と外部サービスの利用",
    "評価・見直し",
)
#: The four procedures the issue asks for, by document name, with a word of their title.
PROCEDURES = {
    "restricted/tejun/kinkyu": "緊急時対応計画",
    "restricted/tejun/id-password": "ID及びパスワード管理手順",
    "restricted/tejun/mochidashi": "持出し",
    "restricted/tejun/itaku": "委託先管理手順",
}
#: Every measure of 基本方針 6, and the three items of 6(3).
MEASURES = (
    "kihon-organization",
    "kihon-classification",
    "kihon-resilience",
    "kihon-resilience-mynumber",
    "kihon-resilience-lgwan",
    "kihon-resilience-internet",
    "kihon-physical",
    "kihon-human",
    "kihon-technical",
    "kihon-operation",
    "kihon-outsourcing",
    "kihon-evaluation",
)
SAMPLE_MARK = "本ツールの動作を確かめるために新たに作成した見本であり"
#: Phrases, labels and names found only in the sample set.
CANARIES = (
    "委託事業者情報セキュリティ確認票",
    "情報セキュリティインシデント報告書",
    "持出し申請・許可簿",
    "CSIRT責任者",
    "管理区域入退室管理手順",
    "std-res-lgwan-split",
    "proc-incident-detect",
    "mochidashi",
    "kinkyu",
)

_LABEL = re.compile(r"^\s*(?:\d+\.\s+)?\((?P<label>[^)\s]+)\)=\s*$")
_HEADING = re.compile(r"^(?P<marks>#{1,6})\s+(?P<title>\S.*)$")
_IMPLEMENTS = re.compile(r"^\{implements\}`(?P<targets>[^`]*)`\s*$")
_ORDERED_ITEM = re.compile(r"^\s*\d+\.\s+\S")


# --- the sources, read as the policy office writes them ---------------------------------------


@dataclass(frozen=True)
class Clause:
    """A clause heading of a sample document with what is written around it."""

    docname: str
    line: int
    depth: int
    title: str
    label: str | None
    implements: tuple[str, ...] | None


def _body_lines(text: str) -> list[tuple[int, str]]:
    """The lines outside front matter and code fences, with their line numbers."""
    lines = text.splitlines()
    start = 0
    if lines and lines[0] == "---":
        start = lines.index("---", 1) + 1
    body, fenced = [], False
    for number, line in enumerate(lines[start:], start + 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            body.append((number, line))
    return body


def read_sources(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).with_suffix("").as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*.md"))
    }


def is_sample(docname: str) -> bool:
    return docname.startswith(tuple(folder + "/" for folder in SAMPLE_FOLDERS))


def labels_of(sources: dict[str, str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for docname, text in sources.items():
        for number, line in _body_lines(text):
            if match := _LABEL.match(line):
                found.setdefault(match["label"], []).append(f"{docname}:{number}")
    return found


def clauses_of(docname: str, text: str) -> list[Clause]:
    lines = _body_lines(text)
    found = []
    for index, (number, line) in enumerate(lines):
        heading = _HEADING.match(line)
        if not heading or len(heading["marks"]) < 2:
            continue
        before = _LABEL.match(lines[index - 1][1]) if index else None
        after = _IMPLEMENTS.match(lines[index + 1][1]) if index + 1 < len(lines) else None
        targets = tuple(t.strip() for t in after["targets"].split(",")) if after else None
        found.append(
            Clause(
                docname,
                number,
                len(heading["marks"]),
                heading["title"],
                before["label"] if before else None,
                targets,
            )
        )
    return found


def traceability_problems(sources: dict[str, str]) -> list[str]:
    """What an auditor could not follow: clause headings without a label or a declaration,
    declarations that name no label or the wrong tier, stray declarations, duplicate labels."""
    labels = labels_of(sources)
    problems = [
        f"label {label} defined at {', '.join(where)}"
        for label, where in labels.items()
        if len(where) > 1
    ]
    for docname, text in sources.items():
        if not is_sample(docname):
            continue
        prefix, tier = ("std-", "kihon-") if docname == STANDARDS else ("proc-", "std-")
        clauses = clauses_of(docname, text)
        placed = {clause.line + 1 for clause in clauses if clause.implements is not None}
        for number, line in _body_lines(text):
            if _IMPLEMENTS.match(line) and number not in placed:
                problems.append(f"{docname}:{number}: declaration not directly under a heading")
        for clause in clauses:
            where = f"{docname}:{clause.line} ({clause.title})"
            if not clause.label or not clause.label.startswith(prefix):
                problems.append(f"{where}: no {prefix}… label directly before the heading")
            if not clause.implements:
                problems.append(f"{where}: no '{{implements}}' directly under the heading")
                continue
            for target in clause.implements:
                if target not in labels:
                    problems.append(f"{where}: implements unknown label {target!r}")
                elif not target.startswith(tier):
                    problems.append(f"{where}: implements {target!r}, not a {tier}… label")
    return problems


def implementers(sources: dict[str, str]) -> dict[str, set[str]]:
    """Each label with the labels of the sample clauses that declare they implement it."""
    found: dict[str, set[str]] = {}
    for docname, text in sources.items():
        if is_sample(docname):
            for clause in clauses_of(docname, text):
                for target in clause.implements or ():
                    found.setdefault(target, set()).add(clause.label or f"{docname}:{clause.line}")
    return found


def uncovered_measures(sources: dict[str, str]) -> list[str]:
    found = implementers(sources)
    return [m for m in MEASURES if not any(c.startswith("std-") for c in found.get(m, ()))]


@pytest.fixture(scope="module")
def sources() -> dict[str, str]:
    return read_sources(DOCS)


# --- the sources ---------------------------------------------------------------------------------


def test_every_clause_heading_is_labelled_and_traced(sources: dict[str, str]) -> None:
    assert sum(len(clauses_of(d, t)) for d, t in sources.items() if is_sample(d)) > 100
    assert traceability_problems(sources) == []


def test_traceability_check_finds_what_an_auditor_would_miss(sources: dict[str, str]) -> None:
    standards = sources[STANDARDS]

    def declared(label: str) -> str:
        return f"{{implements}}`{label}`\n"

    broken = {
        "unknown": standards.replace(declared("kihon-physical"), declared("kihon-phys"), 1),
        "unlabelled": standards.replace("(std-org-ciso)=\n", "", 1),
        "undeclared": standards.replace(declared("kihon-organization"), "", 2),
        "wrong tier": standards.replace(declared("kihon-human"), declared("std-org"), 1),
        "stray": standards + "\n" + declared("kihon-human"),
        "duplicate": standards + "\n(std-org-ciso)=\n本文\n",
    }
    for name, text in broken.items():
        assert text != standards, name
        problems = traceability_problems({**sources, STANDARDS: text})
        assert problems, f"{name}: not reported"


def test_every_measure_of_section_6_is_implemented(sources: dict[str, str]) -> None:
    assert uncovered_measures(sources) == []
    old, new = "{implements}`kihon-resilience-lgwan", "{implements}`kihon-resilience"
    without_lgwan = {docname: text.replace(old, new) for docname, text in sources.items()}
    assert uncovered_measures(without_lgwan) == ["kihon-resilience-lgwan"]


def test_most_standards_are_carried_out_by_a_procedure_and_the_gaps_are_listed(
    sources: dict[str, str],
) -> None:
    clauses = clauses_of(STANDARDS, sources[STANDARDS])
    leaves = [
        c.label
        for i, c in enumerate(clauses)
        if i + 1 == len(clauses) or clauses[i + 1].depth <= c.depth
    ]
    carried = implementers(sources)
    done = [label for label in leaves if any(p.startswith("proc-") for p in carried.get(label, ()))]
    assert len(leaves) >= 60
    # An auditor's gap list has something honest in it: not everything is carried out.
    assert len(leaves) // 2 < len(done) < len(leaves), (len(done), len(leaves))


def test_the_standards_have_numbered_clauses_and_items(sources: dict[str, str]) -> None:
    text = sources[STANDARDS]
    items = sum(1 for _, line in _body_lines(text) if _ORDERED_ITEM.match(line))
    assert len(clauses_of(STANDARDS, text)) + items >= 60
    assert items >= 30
    front = text.split("---")[1]
    assert "numbering: kobun" in front and "short-name: 対策基準" in front


def test_clause_headings_carry_no_typed_numbers(sources: dict[str, str]) -> None:
    typed = re.compile(r"^(第\s*\d+|\d+\s|\(\d+\)|（\d+）|[ア-ン]\s|[①-⑳])")
    for docname, text in sources.items():
        if is_sample(docname):
            assert not [c for c in clauses_of(docname, text) if typed.match(c.title)], docname


# --- the editions ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def editions(real_docs: Path) -> Path:
    return real_docs


def _article(page: Path) -> html.HtmlElement:
    return html.parse(str(page)).xpath("//article")[0]


def test_the_standards_follow_section_6_chapter_by_chapter(editions: Path) -> None:
    article = _article(editions / "restricted" / f"{STANDARDS}.html")
    chapters = [h.text_content() for h in article.xpath(".//h2")]
    assert len(chapters) == len(CHAPTERS)
    for rendered, title in zip(chapters, CHAPTERS, strict=True):
        assert title in rendered
    assert len(article.xpath(".//h2 | .//h3 | .//h4")) >= 60


def test_the_four_procedures_have_steps_records_and_forms(editions: Path) -> None:
    index = (editions / "restricted" / "restricted" / "tejun" / "index.html").read_text("utf-8")
    for docname, title in PROCEDURES.items():
        page = editions / "restricted" / f"{docname}.html"
        assert f'href="{Path(docname).name}.html"' in index, docname
        article = _article(page)
        assert title in article.xpath(".//h1")[0].text_content()
        assert len(article.xpath(".//li")) >= 10, docname
        assert len(article.xpath(".//table")) >= 2, docname
        text = article.text_content()
        assert "様式第1号" in text and "保存期間" in text, docname


def test_every_sample_page_says_so_before_its_first_clause(editions: Path) -> None:
    pages = sorted(
        p for folder in SAMPLE_FOLDERS for p in (editions / "restricted" / folder).glob("*.html")
    )
    assert len(pages) >= 1 + 1 + len(PROCEDURES)
    for page in pages:
        article = _article(page)
        assert "（見本）" in article.xpath(".//h1")[0].text_content(), page.name
        first = article.xpath('(.//div[contains(@class, "admonition")] | .//h2)[1]')[0]
        assert first.tag == "div" and SAMPLE_MARK in first.text_content(), page.name


def test_none_of_the_sample_is_in_the_public_edition(editions: Path) -> None:
    assert set(find_canaries(editions / "restricted", CANARIES)) == set(CANARIES)
    assert find_canaries(editions / "public", [*CANARIES, SAMPLE_MARK]) == {}
    assert not (editions / "public" / "restricted").exists()
