"""The text rules behind the term checks on their own: matching, normalising, doubled characters."""

from __future__ import annotations

import pytest
from policy import terminology

NAMES = {
    "情報セキュリティ": "情報セキュリティ",
    "情報セキュリティポリシー": "情報セキュリティポリシー",
    "LGWAN 接続系": "LGWAN 接続系",
    "ネットワーク": "ネットワーク",
}


def test_the_longest_name_wins_where_names_overlap() -> None:
    matcher = terminology.TermMatcher(NAMES)
    found = [m.text for m in matcher.uses("情報セキュリティポリシーと情報セキュリティ対策")]
    assert found == ["情報セキュリティポリシー", "情報セキュリティ"]


@pytest.mark.parametrize(("text", "found", "term"), [
    ("情報セキュリティーポリシーを守る", "情報セキュリティーポリシー", "情報セキュリティポリシー"),
    ("情報セキュリティー対策", "情報セキュリティー", "情報セキュリティ"),
    ("ＬＧＷＡＮ接続系の端末", "ＬＧＷＡＮ接続系", "LGWAN 接続系"),
    ("lgwan接続系", "lgwan接続系", "LGWAN 接続系"),
    ("ﾈｯﾄﾜｰｸ機器", "ﾈｯﾄﾜｰｸ", "ネットワーク"),
    ("ネット・ワーク", "ネット・ワーク", "ネットワーク"),
    ("情報　セキュリティ", "情報　セキュリティ", "情報セキュリティ"),
    # the end of a term written on its own, with a variant character (the example)
    ("セキュリティーポリシーを守る", "セキュリティーポリシー", "情報セキュリティポリシー"),
    ("人的セキュリティー対策", "セキュリティー", "情報セキュリティ"),
])
def test_variants_are_found_with_what_was_written(text: str, found: str, term: str) -> None:
    variants = terminology.TermMatcher(NAMES).variants(text)
    assert [(m.text, m.key) for m in variants] == [(found, term)]


@pytest.mark.parametrize("text", [
    "情報セキュリティポリシーと情報セキュリティ",
    "LGWAN 接続系とネットワーク",
    "セキュリティ",  # a part of a term is not a variant of it
    "情報とセキュリティ",
    "物理的セキュリティ",  # the end of a term in its own characters is no variant
    "セキュリティポリシー",
])
def test_defined_spellings_are_not_variants(text: str) -> None:
    assert terminology.TermMatcher(NAMES).variants(text) == []


def test_normalising_keeps_the_way_back_to_what_was_written() -> None:
    flat, origin = terminology.normalise("ｶﾞｲﾄﾞ・ライン")
    assert flat == "ガイドライン"
    assert [origin[0], origin[-1]] == [0, 8]


@pytest.mark.parametrize(("text", "found"), [
    ("非意図的的要因", ["的的"]),
    ("資産ののうち", ["のの"]),
    ("においてて", ["てて"]),
    ("定める。。", ["。。"]),
    ("規程はあるものの、計画を立てて、捨てて、ののしる", []),
])
def test_doubled_characters(text: str, found: list[str]) -> None:
    assert [m.text for m in terminology.doubled(text)] == found
