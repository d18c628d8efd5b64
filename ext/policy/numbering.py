"""Numbering styles: how a clause at a given depth and position is numbered.

A style is a list of level formats, outermost first, each with one counter in braces
(``第{arabic}``, ``({arabic})``, ``{circled}``, ``{katakana}`` …). The two built-in styles are the
basic policy's (1 → (1) → ①) and the 公用文 order used by standards and procedures
(第1 → 1 → (1) → ア → (ア) → a → (a)). ``conf.py`` may add styles with ``policy_numbering_styles``
and name one for documents that do not choose in front matter with ``policy_numbering_default``.

Half-width or full-width is part of the format: ``{arabic}`` writes 1, ``{arabic-full}`` writes
１, and the brackets are whatever the format says, so a style decides it once for every heading,
table of contents entry and reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_CIRCLED = (
    [chr(0x2460 + i) for i in range(20)]  # ①-⑳
    + [chr(0x3251 + i) for i in range(15)]  # ㉑-㉟
    + [chr(0x32B1 + i) for i in range(15)]  # ㊱-㊿
)
#: 公用文 order of katakana item numbers (ヰ and ヱ are not used).
_KATAKANA = list("アイウエオカキクケコサシスセソタチツテトナニヌネノ"
                 "ハヒフヘホマミムメモヤユヨラリルレロワヲン")
_LATIN = [chr(ord("a") + i) for i in range(26)]
_KANJI_DIGITS = "〇一二三四五六七八九"


def _kanji(number: int) -> str:
    if number >= 100:
        raise OverflowError
    tens, ones = divmod(number, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _KANJI_DIGITS[tens] + "十")
    return head + (_KANJI_DIGITS[ones] if ones else "")


def _from(sequence: list[str]) -> Callable[[int], str]:
    def counter(number: int) -> str:
        if number > len(sequence):
            raise OverflowError
        return sequence[number - 1]

    return counter


#: Counters by name: a function from 1, 2, 3 … to the number's text, and the largest number.
COUNTERS: dict[str, tuple[Callable[[int], str], int | None]] = {
    "arabic": (str, None),
    "arabic-full": (lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
                    None),
    "circled": (_from(_CIRCLED), len(_CIRCLED)),
    "katakana": (_from(_KATAKANA), len(_KATAKANA)),
    "latin": (_from(_LATIN), len(_LATIN)),
    "latin-upper": (_from([c.upper() for c in _LATIN]), len(_LATIN)),
    "kanji": (_kanji, 99),
}

_PLACEHOLDER = re.compile(r"\{([a-z-]+)\}")

#: What a typed number of each counter looks like, to warn about numbers left in the text.
_TYPED = {
    "arabic": r"[0-9]+",
    "arabic-full": r"[０-９]+",
    "circled": "[" + "".join(_CIRCLED) + "]",
    "katakana": "[" + "".join(_KATAKANA) + "]",
    "latin": "[a-z]",
    "latin-upper": "[A-Z]",
    "kanji": "[一二三四五六七八九十]+",
}


class TooMany(Exception):
    """A level's counter has no symbol for this many clauses (there is no ㊿ + 1)."""

    def __init__(self, counter: str, largest: int) -> None:
        super().__init__(counter)
        self.counter = counter
        self.largest = largest


@dataclass(frozen=True)
class NumberingStyle:
    """How the clauses of a document are numbered and how their numbers are written.

    ``separator`` joins the numbers of a path in a reference within the document (「4 (1)」),
    ``cross_separator`` after another document's short name (「基本方針6(4)」), and ``gap``
    stands between a number and its heading or item text.
    """

    name: str
    levels: tuple[str, ...]
    separator: str = " "
    cross_separator: str = ""
    gap: str = " "

    def number(self, depth: int, position: int) -> str:
        """The number of the ``position``-th clause (from 1) at ``depth`` (from 0)."""
        level = self.levels[depth]
        counter_name = _PLACEHOLDER.search(level).group(1)  # type: ignore[union-attr]
        counter, largest = COUNTERS[counter_name]
        try:
            text = counter(position)
        except OverflowError:
            raise TooMany(counter_name, largest or 0) from None
        return _PLACEHOLDER.sub(lambda _m: text, level, count=1)

    def typed_number(self, depth: int, text: str) -> str | None:
        """A number of this level's form written at the start of ``text``, if any."""
        level = self.levels[depth]
        placeholder = _PLACEHOLDER.search(level)
        assert placeholder is not None
        pattern = (re.escape(level[: placeholder.start()]) + _TYPED[placeholder.group(1)]
                   + re.escape(level[placeholder.end():]))
        match = re.match(rf"(?:{pattern})(?=[ \u3000])", text)
        return match.group(0) if match else None

    def path(self, parts: list[str], *, cross: bool = False) -> str:
        """A clause's full number as a reference writes it."""
        return (self.cross_separator if cross else self.separator).join(parts)


BUILTIN: dict[str, NumberingStyle] = {
    "kihon": NumberingStyle("kihon", ("{arabic}", "({arabic})", "{circled}")),
    "kobun": NumberingStyle(
        "kobun",
        ("第{arabic}", "{arabic}", "({arabic})", "{katakana}", "({katakana})", "{latin}",
         "({latin})"),
        separator="の",
        cross_separator="の",
    ),
}


def style_problems(settings: Mapping[str, Any]) -> list[str]:
    """What is wrong with ``policy_numbering_styles``, one description per problem."""
    problems = []
    for name, spec in settings.items():
        if not isinstance(spec, Mapping):
            problems.append(f"{name}: a style is a dict with 'levels'")
            continue
        unknown = set(spec) - {"levels", "separator", "cross_separator", "gap"}
        if unknown:
            problems.append(f"{name}: unknown keys {sorted(unknown)}")
        levels = spec.get("levels")
        if not isinstance(levels, (list, tuple)) or not levels:
            problems.append(f"{name}: 'levels' must be a non-empty list of formats")
            continue
        for level in levels:
            found = _PLACEHOLDER.findall(level) if isinstance(level, str) else []
            if len(found) != 1 or found[0] not in COUNTERS:
                problems.append(f"{name}: the format {level!r} needs exactly one counter of "
                                f"{{{', '.join(sorted(COUNTERS))}}} in braces")
        for key in ("separator", "cross_separator", "gap"):
            if key in spec and not isinstance(spec[key], str):
                problems.append(f"{name}: '{key}' must be a string")
    return problems


def styles(settings: Mapping[str, Any]) -> dict[str, NumberingStyle]:
    """The built-in styles, with those of ``policy_numbering_styles`` added or replacing them.

    Call ``style_problems`` first: this assumes the settings are valid.
    """
    found = dict(BUILTIN)
    for name, spec in settings.items():
        found[name] = NumberingStyle(
            name, tuple(spec["levels"]),
            **{key: spec[key] for key in ("separator", "cross_separator", "gap") if key in spec},
        )
    return found
