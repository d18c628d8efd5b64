"""Finding defined terms, their variant spellings, and doubled characters in running text.

Pure text functions, no Sphinx: ``definition.py`` feeds them the text of the documents.
Japanese has no spaces between words, so everything here matches on characters:

* a term is found where its exact characters occur, the longest term first, so that
  「情報セキュリティポリシー」 is one use of that term and not a use of 「情報セキュリティ」;
* a variant spelling (表記ゆれ) is text that equals a term once both are normalised (NFKC, so
  full and half width agree; the long vowel mark, 中黒 and spaces dropped; small kana made
  large; Latin letters in one case) but that is not the term's own characters;
* a doubled character is one of a few pairs that are almost always typing errors (的的, のの,
  てて …), minus the ordinary words that contain them (ものの, 立てて …).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: The shortest end of a term (normalised) that counts as the term written on its own.
_MIN_TAIL = 5
#: Characters that spelling variants add or drop without changing the word.
_DROPPED = frozenset("ー－-・ \u3000\t\n\r")
_SMALL_KANA = str.maketrans("ァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎ",
                            "アイウエオツヤユヨワカケあいうえおつやゆよわ")
_VOICING_MARKS = "\u3099\u309a"


@dataclass(frozen=True)
class Match:
    """A found piece of text: where it starts and ends, and what it was taken for."""

    start: int
    end: int
    text: str
    key: str


def normalise(text: str) -> tuple[str, list[int]]:
    """The normalised form of ``text``, and for each of its characters the index in ``text``
    it came from (to report a variant with the characters the editor actually wrote)."""
    quick = _normalise_by_table(text)
    if quick is not None:
        return quick
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for part in unicodedata.normalize("NFKC", char):
            if part in _VOICING_MARKS and chars:
                # Half-width ｶﾞ arrives as two characters: compose them as NFKC would.
                chars[-1] = unicodedata.normalize("NFC", chars[-1] + part)
                continue
            if part in _DROPPED:
                continue
            chars.append(part.translate(_SMALL_KANA).lower())
            origin.append(index)
    return "".join(chars), origin


#: character -> what ``normalise`` makes of it ("" dropped), or None where it needs the
#: character-by-character way (voicing marks to compose, more than one character out)
_CHARACTERS: dict[str, str | None] = {}


def _character(char: str) -> str | None:
    if char not in _CHARACTERS:
        parts = unicodedata.normalize("NFKC", char)
        kept = [part.translate(_SMALL_KANA).lower() for part in parts if part not in _DROPPED]
        _CHARACTERS[char] = None if any(part in _VOICING_MARKS for part in parts) \
            or len(kept) > 1 or any(len(part) != 1 for part in kept) else "".join(kept)
    return _CHARACTERS[char]


def _normalise_by_table(text: str) -> tuple[str, list[int]] | None:
    """``normalise`` as one translation of the whole text, where each of its characters
    becomes at most one character on its own (nearly all text): every document's text is
    checked on every build, and going character by character was most of an incremental
    build's checking. None for other text."""
    table: dict[int, str | None] = {}
    dropped = []
    for char in set(text):
        found = _character(char)
        if found is None:
            return None
        if found != char:
            table[ord(char)] = found or None
        if not found:
            dropped.append(char)
    flat = text.translate(table)
    if not dropped:
        return flat, list(range(len(text)))
    origin: list[int] = []
    kept = re.compile("[^" + re.escape("".join(sorted(dropped))) + "]+")
    for run in kept.finditer(text):
        origin.extend(range(run.start(), run.end()))
    return flat, origin


def normalised(text: str) -> str:
    return normalise(text)[0]


class TermMatcher:
    """Finds the names of terms in text, longest first, and their variant spellings."""

    def __init__(self, names: Mapping[str, str]) -> None:
        """``names`` maps every written form that counts as a use to the term it is a use of."""
        self.names = dict(names)
        ordered = sorted(self.names, key=lambda name: (-len(name), name))
        self._literal = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self._by_normal: dict[str, str] = {}
        for name in ordered:
            self._by_normal.setdefault(normalised(name), self.names[name])
        normals = sorted((n for n in self._by_normal if n), key=lambda n: (-len(n), n))
        self._normal = re.compile("|".join(map(re.escape, normals))) if normals else None
        # The end of a term written on its own with a variant character (セキュリティーポリシー
        # for 情報セキュリティポリシー): a tail counts only where it is not written as the
        # term's own characters, so 「物理的セキュリティ」 is no variant of 情報セキュリティ.
        self._tails: dict[str, tuple[str, str]] = {}
        for name in ordered:
            for start in range(1, len(name)):
                tail = name[start:]
                key = normalised(tail)
                if len(key) >= _MIN_TAIL and key not in self._by_normal:
                    self._tails.setdefault(key, (tail, self.names[name]))
        tails = sorted(self._tails, key=lambda n: (-len(n), n))
        self._tail = re.compile("|".join(map(re.escape, tails))) if tails else None

    def uses(self, text: str) -> list[Match]:
        """Every use of a term in ``text``: leftmost first, and at one place the longest name."""
        if self._literal is None:
            return []
        return [Match(m.start(), m.end(), m.group(), self.names[m.group()])
                for m in self._literal.finditer(text)]

    def variants(self, text: str, uses: Iterable[Match] | None = None) -> list[Match]:
        """Text that is a term once normalised but is not written as any of its names."""
        if self._normal is None:
            return []
        taken = [(m.start, m.end) for m in (self.uses(text) if uses is None else uses)]
        flat, origin = normalise(text)
        found = []
        for m in self._normal.finditer(flat):
            start = origin[m.start()]
            end = origin[m.end() - 1] + 1
            while end < len(text) and text[end] in "ーｰ":
                end += 1  # a long vowel mark added at the end is part of the variant
            written = text[start:end]
            if written in self.names or any(s <= start and end <= e for s, e in taken):
                continue
            found.append(Match(start, end, written, self._by_normal[m.group()]))
        if self._tail is not None:
            covered = taken + [(m.start, m.end) for m in found]
            for m in self._tail.finditer(flat):
                start = origin[m.start()]
                end = origin[m.end() - 1] + 1
                while end < len(text) and text[end] in "ーｰ":
                    end += 1
                written = text[start:end]
                literal, term = self._tails[m.group()]
                if written == literal or written in self.names or any(
                    s < end and start < e for s, e in covered
                ):
                    continue
                found.append(Match(start, end, written, term))
                covered.append((start, end))
        return sorted(found, key=lambda match: match.start)


#: Pairs that are almost always typing errors, each with the words that legitimately
#: contain it (as patterns around the pair: text before, text after).
_DOUBLED: dict[str, tuple[str, str]] = {
    "的的": ("", ""),
    "性性": ("", ""),
    "化化": ("", ""),
    "等等": ("", ""),
    "及及": ("", ""),
    "又又": ("", ""),
    "のの": (r"(?<!も)", r"(?!し)"),  # ものの, ののしる
    "てて": (r"(?<![\u4e00-\u9fff])", ""),  # 立てて, 捨てて, 当てて …
    "をを": ("", ""),
    "がが": ("", ""),
    "にに": ("", ""),
    "でで": ("", ""),
    "、、": ("", ""),
    "。。": ("", ""),
}
_DOUBLED_PATTERN = re.compile("|".join(
    f"{before}{re.escape(pair)}{after}" for pair, (before, after) in _DOUBLED.items()
))


def doubled(text: str) -> list[Match]:
    """Doubled characters that are almost certainly typing errors."""
    return [Match(m.start(), m.end(), m.group(), m.group()) for m in
            _DOUBLED_PATTERN.finditer(text)]


def around(text: str, match: Match, width: int = 6) -> str:
    """The found text with a little context, as the editor will search for it."""
    return text[max(0, match.start - width):match.end + width].replace("\n", "")


@functools.lru_cache(maxsize=32)
def matcher(names: tuple[tuple[str, str], ...]) -> TermMatcher:
    """The matcher of these names, made once: every page of one level sees the same terms,
    and making one compiles three patterns."""
    return TermMatcher(dict(names))
