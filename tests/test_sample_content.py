"""The sample 対策基準 and 実施手順 of the restricted edition.

They are what the traceability views, the clause numbering and the audit work on, and what a
city trying the tool reads first, so they must stay shaped like the real thing: the size of a
real standard, the topics of the current 総務省 guideline, a sample mark on every page, a label
and an ``{implements}`` declaration under every clause heading that names a label that exists,
every measure of 基本方針 6 implemented, most standards carried out by a procedure, no clause
that contradicts another, forms named once in the tree, and none of it in the public edition.
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
RESTRICTED_INDEX = "restricted/index"
#: 総則 first, then one chapter per measure of 基本方針 6, in its order.
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
#: Every procedure by document name, with a word of its title and the prefix of its forms.
PROCEDURES = {
    "restricted/tejun/kinkyu": ("緊急時対応計画", "IR"),
    "restricted/tejun/backup": ("バックアップ実施手順", "BK"),
    "restricted/tejun/patch": ("修正プログラム適用手順", "PT"),
    "restricted/tejun/remote-hoshu": ("リモート保守", "RM"),
    "restricted/tejun/id-password": ("ID及びパスワード管理手順", "ID"),
    "restricted/tejun/jinteki": ("研修及び誓約", "HR"),
    "restricted/tejun/mochidashi": ("持出し", "MD"),
    "restricted/tejun/joho-shisan": ("情報資産の分類及び管理手順", "AS"),
    "restricted/tejun/kanri-kuiki": ("管理区域入退室管理手順", "AR"),
    "restricted/tejun/telework": ("テレワーク", "TW"),
    "restricted/tejun/seisei-ai": ("生成AI利用手順", "AI"),
    "restricted/tejun/itaku": ("委託先管理手順", "OS"),
    "restricted/tejun/social-media": ("ソーシャルメディアサービス運用手順", "SM"),
    "restricted/tejun/reigai": ("例外措置及び違反への対応", "EX"),
    "restricted/tejun/jiko-tenken": ("自己点検実施手順", "SA"),
    "restricted/tejun/kansa": ("監査実施手順", "AU"),
}
#: The procedures the issues asked for by name: full ones, with steps, records and forms.
FULL_PROCEDURES = (
    "restricted/tejun/kinkyu",
    "restricted/tejun/id-password",
    "restricted/tejun/mochidashi",
    "restricted/tejun/itaku",
    "restricted/tejun/backup",
    "restricted/tejun/patch",
    "restricted/tejun/seisei-ai",
)
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
#: Topics of the current guideline that the standard must hold: the clause (with the clauses
#: under it), one of the basic-policy clauses it must implement, and words it must say.
TOPICS = {
    "std-res-model-choice": (
        {"kihon-resilience"},
        ("αモデル", "α′モデル", "βモデル", "β′モデル", "本市は、α′モデルを採る",
         "マイナンバー利用事務系", "LGWAN 接続系", "インターネット接続系"),
    ),
    "std-res-model-beta": ({"kihon-resilience"}, ("EDR", "ログ", "多要素認証", "β′モデルでは")),
    "std-res-gcloud": ({"kihon-resilience"}, ("標準準拠システム", "ガバメントクラウド", "閉域")),
    "std-tech-genai": ({"kihon-technical"}, ("生成AI", "入力", "出力", "学習")),
    "std-tech-telework": ({"kihon-technical"}, ("テレワーク", "仮想デスクトップ")),
    "std-tech-webconf": ({"kihon-technical"}, ("Web会議", "録画")),
    "std-tech-wlan": ({"kihon-technical"}, ("無線LAN", "暗号化")),
    "std-tech-mfp": ({"kihon-technical"}, ("複合機", "記憶装置")),
    "std-tech-iot": ({"kihon-technical"}, ("IoT", "特定用途機器")),
    "std-tech-remote": (
        {"kihon-technical"},
        ("VPN装置等", "リモート保守", "ランサムウェア", "多要素認証", "修正プログラム"),
    ),
    "std-org-csirt-mayor": ({"kihon-operation"}, ("市長", "議会の議長")),
    "std-org-csirt-ppc": (
        {"kihon-operation"},
        ("個人情報保護委員会", "第68条", "速報", "確報", "30日以内", "60日以内", "本人"),
    ),
    "std-org-csirt-agencies": ({"kihon-operation"}, ("地方公共団体情報システム機構",)),
    "std-eval-audit-external": ({"kihon-audit"}, ("外部の専門家",)),
    "std-ops-violation-suspend": ({"kihon-operation"}, ("利用者IDの停止",)),
    "std-ops-exception": ({"kihon-operation"}, ("例外措置", "申請", "期間")),
    "std-human-parttime": ({"kihon-human"}, ("会計年度任用職員", "誓約書")),
    "std-gen-relation-school": ({"kihon-scope-bodies"}, ("教育情報セキュリティポリシー",)),
    "std-gen-relation-hospital": (
        {"kihon-scope-bodies"},
        ("市立病院", "医療情報システムの安全管理に関するガイドライン"),
    ),
}
#: Procedures the issue asks for: the clause, a standard it must carry out, and words.
PROCEDURE_TOPICS = {
    "proc-backup": ("std-tech-backup-offline", ("世代", "ネットワークから切り離", "復元")),
    "proc-patch": ("std-tech-dev-patch-urgent", ("緊急", "VPN装置等", "回避策")),
    "proc-incident-ransomware": (
        "std-ops-incident-ransomware",
        ("金銭の要求には応じない", "隔離", "バックアップ"),
    ),
    "proc-incident-notify": (
        "std-org-csirt-ppc",
        ("速報", "確報", "30日以内", "60日以内", "市長", "議会の議長",
         "地方公共団体情報システム機構", "広報"),
    ),
    "proc-ai": ("std-tech-genai-input", ("生成AI", "入力", "出力", "著作物")),
}
SAMPLE_MARK = "本ツールの動作を確かめるために新たに作成した見本であり"
#: Phrases, labels and names found only in the sample set.
CANARIES = (
    "委託事業者情報セキュリティ確認票",
    "情報セキュリティインシデント報告書",
    "持出し申請・許可簿",
    "報告及び通知の管理表",
    "管理区域入退室管理手順",
    "α′モデルの利用の条件",
    "外部接続経路台帳",
    "生成AI利用申請書",
    "std-res-lgwan-split",
    "proc-incident-detect",
    "proc-incident-ransom-isolate",
    "mochidashi",
    "kinkyu",
    "seisei-ai",
)
#: A form's identifier: 「様式 IR-1」.
_FORM = re.compile(r"様式\s?(?P<id>(?P<prefix>[A-Z]{2})-\d+)")
_FORM_HEADING = re.compile(r"^#{2,6}\s.*（様式\s(?P<id>[A-Z]{2}-\d+)）\s*$")
#: What a form that asks for a seal says (「許可者の印」, 「印を押す」, 「押印する」).
_SEAL = re.compile(r"(?:者|確認|許可)の印|印を押|押印(?!を求め)")
_PROHIBITION = ("てはならない", "認めない", "しない", "ならず")
_PASSWORD_ON_FILE = ("パスワードの設定", "パスワードを設定", "パスワード付")

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


def clause_text(sources: dict[str, str], label: str) -> str:
    """A clause as written: its heading and everything down to the next heading of its level or
    a higher one, so a clause that groups others includes them."""
    for docname, text in sources.items():
        if not is_sample(docname):
            continue
        lines = [line for _, line in _body_lines(text)]
        for index, line in enumerate(lines):
            if (match := _LABEL.match(line)) and match["label"] == label:
                heading = _HEADING.match(lines[index + 1])
                assert heading, f"{label} does not label a heading"
                depth, end = len(heading["marks"]), len(lines)
                for later in range(index + 2, len(lines)):
                    found = _HEADING.match(lines[later])
                    if found and len(found["marks"]) <= depth:
                        end = later
                        break
                return "\n".join(lines[index + 1 : end])
    raise KeyError(label)


def declarations(sources: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Each labelled clause of the sample with what it says it implements."""
    return {
        clause.label: clause.implements or ()
        for docname, text in sources.items()
        if is_sample(docname)
        for clause in clauses_of(docname, text)
        if clause.label
    }


def declared(sources: dict[str, str], label: str) -> tuple[str, ...]:
    """What the clause with ``label`` says it implements."""
    return declarations(sources)[label]


def sentences(text: str) -> list[str]:
    """Sentences and table rows: what a reader takes as one statement."""
    return [part for line in text.splitlines() for part in line.split("。") if part.strip()]


def contradictions(sources: dict[str, str]) -> list[str]:
    """Statements of the sample that the issue found contradicting each other or the guideline:
    機密性3A carried or e-mailed under conditions, files protected by a password sent by
    e-mail, a 3C criterion that swallows 機密性2, a standard that claims to bind contractors,
    and a front page that calls the three tiers the 情報セキュリティポリシー."""
    found = []
    for docname, text in sources.items():
        if not (is_sample(docname) or docname == RESTRICTED_INDEX):
            continue
        for sentence in sentences(text):
            where = f"{docname}: {sentence.strip()[:60]}"
            carried = any(word in sentence for word in ("持ち出", "持出し", "庁外で取り扱"))
            if carried and "3Aから" in sentence:
                found.append(f"{where}: 3A carried out like 3B and 3C")
            elif carried and "3A" in sentence and not any(p in sentence for p in _PROHIBITION):
                found.append(f"{where}: 3A carried out under conditions")
            if "3A" in sentence and "電子メール" in sentence and (
                "原則として" in sentence or not any(p in sentence for p in _PROHIBITION)
            ):
                found.append(f"{where}: 3A e-mailed under conditions")
            password = any(w in sentence for w in _PASSWORD_ON_FILE)
            sent = any(w in sentence for w in ("電子メール", "添付", "送信"))
            if password and sent:
                found.append(f"{where}: a password on a file sent by e-mail")
            if "委託事業者に適用する" in sentence:
                found.append(f"{where}: the standard claims to bind contractors")
            if "情報セキュリティポリシー" in sentence and "三つの階層からな" in sentence:
                found.append(f"{where}: 情報セキュリティポリシー called three tiers")
    standards = sources[STANDARDS]
    rows = [line for line in standards.splitlines() if line.startswith("| 自治体機密性3C |")]
    row = rows[0] if rows else ""
    if "重大な" not in row:
        found.append(f"{STANDARDS}: the 3C criterion has no 重大な and takes in 機密性2")
    if "契約" not in clause_text(sources, "std-gen-scope-contractors"):
        found.append(f"{STANDARDS}: contractors are not bound through the contract")
    return found


def form_problems(sources: dict[str, str]) -> list[str]:
    """Forms must be named once in the whole tree (様式 IR-1, not 様式第1号 in every procedure),
    each procedure with a prefix of its own, every named form must exist, and none asks for a
    seal."""
    problems, defined, prefixes = [], {}, {}
    for docname, text in sources.items():
        if not is_sample(docname):
            continue
        for number, line in _body_lines(text):
            if heading := _FORM_HEADING.match(line):
                form = heading["id"]
                if form in defined:
                    problems.append(f"{docname}:{number}: 様式 {form} also at {defined[form]}")
                defined[form] = f"{docname}:{number}"
                owner = prefixes.setdefault(form.split("-")[0], docname)
                if owner != docname:
                    problems.append(f"{docname}:{number}: prefix of 様式 {form} is {owner}'s")
            if "様式第" in line:
                problems.append(f"{docname}:{number}: a form numbered per document")
            if _SEAL.search(line):
                problems.append(f"{docname}:{number}: a form asks for a seal")
    for docname, text in sources.items():
        if is_sample(docname):
            for number, line in _body_lines(text):
                for match in _FORM.finditer(line):
                    if match["id"] not in defined:
                        problems.append(f"{docname}:{number}: 様式 {match['id']} is nowhere")
    return problems


@pytest.fixture(scope="module")
def sources() -> dict[str, str]:
    return read_sources(DOCS)


def _leaves(sources: dict[str, str]) -> list[Clause]:
    """The requirement clauses of the standard: clauses that group no other clause."""
    clauses = clauses_of(STANDARDS, sources[STANDARDS])
    return [
        c for i, c in enumerate(clauses) if i + 1 == len(clauses) or clauses[i + 1].depth <= c.depth
    ]


# --- the sources ---------------------------------------------------------------------------------


def test_every_clause_heading_is_labelled_and_traced(sources: dict[str, str]) -> None:
    assert sum(len(clauses_of(d, t)) for d, t in sources.items() if is_sample(d)) >= 480
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


def test_the_standard_is_the_size_of_a_real_one(sources: dict[str, str]) -> None:
    text = sources[STANDARDS]
    items = sum(1 for _, line in _body_lines(text) if _ORDERED_ITEM.match(line))
    assert len(clauses_of(STANDARDS, text)) >= 300
    assert len(_leaves(sources)) >= 250
    assert items >= 250
    front = text.split("---")[1]
    assert "numbering: kobun" in front and "short-name: 対策基準" in front


def test_most_standards_are_carried_out_by_a_procedure_and_the_gaps_are_listed(
    sources: dict[str, str],
) -> None:
    leaves = [c.label for c in _leaves(sources)]
    carried = implementers(sources)
    done = [label for label in leaves if any(p.startswith("proc-") for p in carried.get(label, ()))]
    # An auditor's gap list has something honest in it: not everything is carried out.
    assert len(leaves) // 2 < len(done) < len(leaves), (len(done), len(leaves))


def test_the_guideline_topics_are_clauses_that_implement_the_right_measures(
    sources: dict[str, str],
) -> None:
    for label, (measures, words) in TOPICS.items():
        assert label.startswith("std-") and set(declared(sources, label)) & measures, label
        text = clause_text(sources, label)
        assert [w for w in words if w not in text] == [], label
    for label, (standard, words) in PROCEDURE_TOPICS.items():
        text = clause_text(sources, label)
        within = {label} | {m["label"] for line in text.splitlines() if (m := _LABEL.match(line))}
        known = declarations(sources)
        assert any(standard in known.get(inner, ()) for inner in within), (label, standard)
        assert [w for w in words if w not in text] == [], label


def test_no_clause_contradicts_another(sources: dict[str, str]) -> None:
    assert contradictions(sources) == []
    standards, index = sources[STANDARDS], sources[RESTRICTED_INDEX]
    carry_3a = "1. 自治体機密性3Aの情報資産は、庁外に持ち出してはならない。\n"
    mail_3a = "1. 自治体機密性3Aの情報資産は、電子メールにより送信してはならない。"
    row_3c = next(line for line in standards.splitlines() if line.startswith("| 自治体機密性3C |"))
    old = {
        "3A carried": standards.replace(
            carry_3a, carry_3a + "1. 自治体機密性3Aから3Cまでの情報資産は暗号化して持ち出す。\n"
        ),
        "3A e-mailed": standards.replace(
            mail_3a, "1. 自治体機密性3Aの情報資産は、原則として電子メールで送信してはならない。"
        ),
        "password zip": standards
        + "\n情報資産を電子メールで送信するときは、暗号化又はパスワードの設定を行う。\n",
        "3C": standards.replace(row_3c, row_3c.replace("重大な", "")),
        "contractors": standards + "\nこの対策基準は、情報資産を取り扱う委託事業者に適用する。\n",
    }
    for name, text in old.items():
        assert text != standards, name
        assert contradictions({**sources, STANDARDS: text}), f"{name}: not reported"
    three = index + "\n情報セキュリティポリシーは、次の三つの階層からなります。\n"
    assert contradictions({**sources, RESTRICTED_INDEX: three}), "index: not reported"


def test_the_traces_the_issue_found_wrong_are_corrected(sources: dict[str, str]) -> None:
    # Reviewing the 緊急時対応計画 is operation, not a review of the policy (基本方針8).
    assert declared(sources, "std-ops-incident-review") == ("kihon-operation",)
    # Backups and patches are carried out by their own procedures, not by a restore step.
    carried = implementers(sources)
    for label, own in (("std-tech-backup", "proc-backup"), ("std-tech-dev-patch", "proc-patch")):
        standards = [s for s in carried if s.startswith(label)]
        assert standards, label
        for standard in standards:
            assert all(p.startswith(own) for p in carried[standard]), (standard, carried[standard])
    # Opening an SNS account is not the approval of a cloud service.
    social = "restricted/tejun/social-media"
    for clause in clauses_of(social, sources[social]):
        assert not any(t.startswith("std-ext-cloud") for t in clause.implements or ()), clause


def test_forms_are_named_once_in_the_tree_and_ask_for_no_seal(sources: dict[str, str]) -> None:
    assert form_problems(sources) == []
    kinkyu = "restricted/tejun/kinkyu"
    broken = {
        "per document": sources[kinkyu].replace("（様式 IR-1）", "（様式第1号）"),
        "twice": sources[kinkyu] + "\n### 別の報告書（様式 ID-1）\n",
        "nowhere": sources[kinkyu] + "\n様式 IR-9 により報告する。\n",
        "seal": sources[kinkyu] + "\n| 申請者 | 許可者の印 |\n",
    }
    for name, text in broken.items():
        assert text != sources[kinkyu], name
        assert form_problems({**sources, kinkyu: text}), f"{name}: not reported"


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
    for number, (rendered, title) in enumerate(zip(chapters, CHAPTERS, strict=True), 1):
        assert rendered.startswith(f"第{number}") and title in rendered, rendered
    assert len(article.xpath(".//h2 | .//h3 | .//h4")) >= 300


def test_every_procedure_has_steps_records_and_forms(editions: Path) -> None:
    index = (editions / "restricted" / "restricted" / "tejun" / "index.html").read_text("utf-8")
    for docname, (title, prefix) in PROCEDURES.items():
        page = editions / "restricted" / f"{docname}.html"
        assert f'href="{Path(docname).name}.html"' in index, docname
        article = _article(page)
        assert title in article.xpath(".//h1")[0].text_content(), docname
        text = article.text_content()
        assert f"様式 {prefix}-1" in text, docname
        if docname in FULL_PROCEDURES:
            assert len(article.xpath(".//li")) >= 10, docname
            assert len(article.xpath(".//table")) >= 2, docname
            assert "保存期間" in text, docname


def test_every_sample_page_says_so_before_its_first_clause(editions: Path) -> None:
    pages = sorted(
        p for folder in SAMPLE_FOLDERS for p in (editions / "restricted" / folder).glob("*.html")
    )
    assert len(pages) == 1 + 1 + len(PROCEDURES)
    for page in pages:
        article = _article(page)
        assert "（見本）" in article.xpath(".//h1")[0].text_content(), page.name
        first = article.xpath('(.//div[contains(@class, "admonition")] | .//h2)[1]')[0]
        assert first.tag == "div" and SAMPLE_MARK in first.text_content(), page.name


def test_none_of_the_sample_is_in_the_public_edition(editions: Path) -> None:
    assert set(find_canaries(editions / "restricted", CANARIES)) == set(CANARIES)
    assert find_canaries(editions / "public", [*CANARIES, SAMPLE_MARK]) == {}
    assert not (editions / "public" / "restricted").exists()
