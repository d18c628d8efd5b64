"""History in front matter: 和暦 dates, 附則, 未施行, the 改正履歴 page, the table as a page."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import lxml.html
import pytest
from conftest import ROOTS, build, find_canaries
from policy import runner, wareki
from test_shinkyu import BASIC_POLICY, CANARIES, RECLASSIFIED, make_history, rows

# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "iso", "shown"), [
    ("令和8年4月1日", "2026-04-01", "令和8年4月1日"),
    ("2026-04-01", "2026-04-01", "令和8年4月1日"),
    ("令和８年４月１日", "2026-04-01", "令和8年4月1日"),
    ("令和元年5月1日", "2019-05-01", "令和元年5月1日"),
    ("2019-04-30", "2019-04-30", "平成31年4月30日"),
    ("令和8年3月", "2026-03", "令和8年3月"),
    ("1989-01-08", "1989-01-08", "平成元年1月8日"),
])
def test_dates_read_and_shown(written: str, iso: str, shown: str) -> None:
    date = wareki.parse(written)
    assert date.iso() == iso
    assert date.wareki() == shown
    assert wareki.from_iso(iso) == date


@pytest.mark.parametrize("written", ["令和7年2月29日", "平成31年5月1日", "令和元年4月1日",
                                     "2026-02-30", "2026-13-01", "来年の春"])
def test_impossible_dates_are_refused(written: str) -> None:
    with pytest.raises(wareki.BadDate):
        wareki.parse(written)


# --- front matter -----------------------------------------------------------------------------


def _tree(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-shinkyu-v2", src)
    return src


def _with_history(src: Path, history: str) -> Path:
    page = src / "kihon" / "index.md"
    text = page.read_text(encoding="utf-8")
    head, _, rest = text.partition("history:\n")
    rest = rest[rest.index("---\n"):]
    page.write_text(f"{head}history:\n{history}{rest}", encoding="utf-8")
    return page


@pytest.mark.parametrize(("history", "code", "line"), [
    ("  enacted: 令和6年3月22日\n  amended: 令和7年3月24日\n", "history-unknown-key", 6),
    ("  enacted: 令和6年3月22日\n  revisions:\n    - date: 令和7年3月24日\n"
     "      summary: 見直した\n      reason: 監査の結果\n", "history-unknown-key", 9),
    ("  enacted: 令和7年2月29日\n", "history-bad-date", 5),
    ("  enacted: 令和6年3月22日\n  effective: \"2024-04-31\"\n", "history-bad-date", 6),
    # Unquoted, YAML itself cannot read it: the front matter is refused where it starts.
    ("  enacted: 令和6年3月22日\n  effective: 2024-04-31\n", "bad-front-matter", 2),
    ("  enacted: 令和6年3月22日\n  revisions:\n    - date: 令和7年3月24日\n",
     "history-missing", 7),
    ("  enacted: 令和6年3月22日\n  revisions: 令和7年\n", "history-bad-shape", 6),
    ("  enacted: 令和6年3月22日\n  revisions:\n    - date: 令和5年3月24日\n"
     "      summary: 見直した\n", "history-order", 7),
])
def test_bad_history_is_an_error_with_file_and_line(tmp_path: Path, history: str, code: str,
                                                    line: int) -> None:
    src = _tree(tmp_path)
    _with_history(src, history)
    result = runner.check(src, cache=tmp_path / "cache")
    joined = "\n".join(result.lines)
    assert not result.ok
    assert f"kihon/index.md:{line}: エラー" in joined and f"[policy.{code}]" in joined, joined


def test_month_precision_is_allowed_and_adds_no_provision(tmp_path: Path) -> None:
    src = _tree(tmp_path)
    _with_history(src, "  enacted: 令和8年3月\n")
    result = build(src, "public", tmp_path)
    assert result.ok, "\n".join(result.lines)
    page = (tmp_path / "public" / "kihon" / "index.html").read_text(encoding="utf-8")
    assert "附　則" not in page and "施行" not in page and "未施行" not in page


def _text(page: Path) -> str:
    tree = lxml.html.parse(str(page)).getroot()
    return re.sub(r"[ \t\r\n]+", " ", tree.xpath("string(//article)"))


def _history_page(src: Path) -> None:
    (src / "kihon" / "rireki.md").write_text(
        "---\norphan: true\n---\n# 改正履歴\n\n```{revision-history}\n```\n", encoding="utf-8")


def test_provisions_history_page_and_not_in_force(tmp_path: Path) -> None:
    src = _tree(tmp_path)
    _history_page(src)
    conf = src / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + 'policy_as_of = "令和7年3月31日"\n',
                    encoding="utf-8")
    for edition in ("public", "restricted"):
        result = build(src, edition, tmp_path)
        assert result.ok, "\n".join(result.lines)
    policy = _text(tmp_path / "restricted" / "kihon" / "index.html")
    assert policy.endswith("附　則 この基本方針は、令和6年4月1日から施行する。 "
                           "附　則（令和7年3月24日 情報セキュリティ委員会決定） "
                           "この基本方針は、令和7年4月1日から施行する。 ")
    assert "未施行 令和7年4月1日から施行されます。" in policy
    standard = _text(tmp_path / "restricted" / "restricted" / "kijun.html")
    assert "附　則（令和7年3月24日改正） この対策基準は、令和7年4月1日から施行する。" in standard
    public = _text(tmp_path / "public" / "kihon" / "rireki.html")
    assert "見本市情報セキュリティ基本方針 年月日 事項 施行日 令和6年3月22日 制定 令和6年4月1日 " \
        "令和7年3月24日 改正：事案への対応を定め、対策に委託先の管理を加えた（情報セキュリティ" \
        "委員会決定） 令和7年4月1日（未施行）" in public
    assert "対策基準" not in public  # the public edition lists public documents only
    restricted = _text(tmp_path / "restricted" / "kihon" / "rireki.html")
    assert "見本市情報セキュリティ対策基準 年月日 事項 施行日 令和6年3月22日 制定 令和6年4月1日 " \
        "令和7年3月24日 改正：鍵の管理を改めた 令和7年4月1日（未施行）" in restricted
    # The next day, the same sources are in force: written again although unchanged.
    conf.write_text(conf.read_text(encoding="utf-8").replace("令和7年3月31日", "2025-04-01"),
                    encoding="utf-8")
    assert build(src, "restricted", tmp_path).ok
    assert "未施行" not in _text(tmp_path / "restricted" / "kihon" / "index.html")
    assert "未施行" not in _text(tmp_path / "restricted" / "kihon" / "rireki.html")


def test_reference_date_comes_from_the_sources_not_the_clock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make_history(tmp_path)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert build(src, "public", tmp_path).ok  # the last commit is after 令和7年4月1日
    assert "未施行" not in _text(tmp_path / "public" / "kihon" / "index.html")
    # Built again, nothing changed but the reference date: the page is written again.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1740787200")  # 2025-03-01
    assert build(src, "public", tmp_path).ok
    assert "未施行" in _text(tmp_path / "public" / "kihon" / "index.html")


def test_real_basic_policy_gets_no_invented_date(real_docs: Path) -> None:
    policy = _text(real_docs / "public" / "kihon" / "index.html")
    assert "附　則" not in policy and "施行" not in policy
    public = _text(real_docs / "public" / "kihon" / "rireki.html")
    assert "小樽市情報セキュリティ基本方針 年月日 事項 施行日 令和8年3月 制定" in public
    assert "対策基準" not in public and "緊急時対応計画" not in public
    restricted = _text(real_docs / "restricted" / "kihon" / "rireki.html")
    assert "令和8年11月20日 改正：報告の期限と連絡先の一覧を改めた（情報セキュリティ委員会決定）" \
        " 令和9年4月1日" in restricted
    plan = _text(real_docs / "restricted" / "restricted" / "tejun" / "kinkyu.html")
    assert "附　則（令和8年11月20日 情報セキュリティ委員会決定） この緊急時対応計画は、" \
        "令和9年4月1日から施行する。" in plan


# --- the table as a page of each edition ------------------------------------------------------


def test_each_edition_carries_the_table_of_its_latest_revision(tmp_path: Path) -> None:
    src = make_history(tmp_path)
    conf = src / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + 'policy_shinkyu_base = "v1"\n',
                    encoding="utf-8")
    _history_page(src)
    for edition in ("public", "restricted"):
        result = build(src, edition, tmp_path)  # includes the audit and the marks check
        assert result.ok, "\n".join(result.lines)
        page = tmp_path / edition / "shinkyu.html"
        assert rows(page, "見本市情報セキュリティ基本方針") == BASIC_POLICY
        history = (tmp_path / edition / "kihon" / "rireki.html").read_text(encoding="utf-8")
        assert 'href="../shinkyu.html"' in history
    public = (tmp_path / "public" / "shinkyu.html").read_text(encoding="utf-8")
    assert "policy-banner" not in public and "（削除された文書）" in public
    restricted = (tmp_path / "restricted" / "shinkyu.html").read_text(encoding="utf-8")
    assert "policy-banner-top" in restricted and "policy-shinkyu-marking" in restricted
    assert "カナリア<del>旧甲一二三</del>号" in restricted
    stripped = tmp_path / "stripped"
    stripped.mkdir()
    (stripped / "shinkyu.txt").write_text(re.sub(r"<[^>]*>", "", public), encoding="utf-8")
    assert not find_canaries(stripped, CANARIES + RECLASSIFIED)
    assert not find_canaries(tmp_path / "public", CANARIES + RECLASSIFIED)
