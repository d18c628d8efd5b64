"""Japanese words for the search index: the words Sphinx's own splitter finds, found faster.

Sphinx splits Japanese text into words with a small statistical model
(``sphinx.search.ja.DefaultSplitter``): before each character it adds up the weights of the
characters, character types and earlier decisions around it, and starts a new word where the
sum is positive. It looks up some forty weights per character one method call at a time, and
the search index of every page is fed in the main process after the page is resolved: in
the restricted edition of fifty departments that was a third of the build, and with two
processes the one that the other waited for.

``Splitter`` reads the same weights from Sphinx's class and takes the same decisions, in
another order: the weights that depend only on the text are added up for all positions at
once, and the weights of the character types with the earlier decisions are looked up once
per combination. The words are the same, so the index and the search results are the same;
a test compares both splitters on every text of the docs tree and a generated one.
"""

from __future__ import annotations

import itertools
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.search.ja import BaseSplitter, DefaultSplitter

#: Sphinx's splitter pads the text with three marks on each side; their type is "O".
_BEFORE = ("B3", "B2", "B1")
_AFTER = ("E1", "E2", "E3")
#: Texts up to this long are remembered with their words, up to this many of them.
_SHORT = 40
_SHORT_KEPT = 100_000


def _weights(name: str) -> dict[str, int]:
    return dict(getattr(DefaultSplitter, name + "__"))


class Splitter(BaseSplitter):
    """Sphinx's default Japanese splitter, with the weights added up by position and by
    combination of character types rather than one by one."""

    def __init__(self, options: dict[str, str]) -> None:
        super().__init__(options)
        self._model = DefaultSplitter(options)
        self._bias: int = DefaultSplitter.BIAS__
        self._types: dict[str, str] = {}
        # weights of the text's own characters: one, two and three in a row
        self._single = [_weights(f"UW{k}") for k in range(1, 7)]
        self._pairs = [_weights(f"BW{k}") for k in range(1, 4)]
        self._triples = [_weights(f"TW{k}") for k in range(1, 5)]
        self._type_sums: dict[str, int] = {}  # six types around a position -> their weights
        self._decision_sums: dict[str, int] = {}  # 3 decisions + 4 types -> their weights
        self._short: dict[str, tuple[str, ...]] = {}  # short texts met before -> their words
        self._tables = {name: _weights(name) for name in (
            "UC1", "UC2", "UC3", "UC4", "UC5", "UC6", "BC1", "BC2", "BC3",
            "TC1", "TC2", "TC3", "TC4", "UP1", "UP2", "UP3", "BP1", "BP2",
            "UQ1", "UQ2", "BQ1", "BQ2", "BQ3", "BQ4", "TQ1", "TQ2", "TQ3", "TQ4")}

    def _type(self, char: str) -> str:
        found = self._types.get(char)
        if found is None:
            found = self._types[char] = self._model.ctype_(char)
        return found

    def _type_sum(self, window: str) -> int:
        """The weights of six character types around a position (c1 … c6)."""
        found = self._type_sums.get(window)
        if found is None:
            t = self._tables
            c1, c2, c3, c4, c5, c6 = window
            found = (t["UC1"].get(c1, 0) + t["UC2"].get(c2, 0) + t["UC3"].get(c3, 0)
                     + t["UC4"].get(c4, 0) + t["UC5"].get(c5, 0) + t["UC6"].get(c6, 0)
                     + t["BC1"].get(c2 + c3, 0) + t["BC2"].get(c3 + c4, 0)
                     + t["BC3"].get(c4 + c5, 0) + t["TC1"].get(c1 + c2 + c3, 0)
                     + t["TC2"].get(c2 + c3 + c4, 0) + t["TC3"].get(c3 + c4 + c5, 0)
                     + t["TC4"].get(c4 + c5 + c6, 0))
            self._type_sums[window] = found
        return found

    def _decision_sum(self, key: str) -> int:
        """The weights of the three earlier decisions (p1 p2 p3) with the four types c1 … c4.
        Sphinx's splitter looks up p3 + c3 among the UQ1 weights, not UQ3: so does this."""
        found = self._decision_sums.get(key)
        if found is None:
            t = self._tables
            p1, p2, p3, c1, c2, c3, c4 = key
            found = (t["UP1"].get(p1, 0) + t["UP2"].get(p2, 0) + t["UP3"].get(p3, 0)
                     + t["BP1"].get(p1 + p2, 0) + t["BP2"].get(p2 + p3, 0)
                     + t["UQ1"].get(p1 + c1, 0) + t["UQ2"].get(p2 + c2, 0)
                     + t["UQ1"].get(p3 + c3, 0) + t["BQ1"].get(p2 + c2 + c3, 0)
                     + t["BQ2"].get(p2 + c3 + c4, 0) + t["BQ3"].get(p3 + c2 + c3, 0)
                     + t["BQ4"].get(p3 + c3 + c4, 0) + t["TQ1"].get(p2 + c1 + c2 + c3, 0)
                     + t["TQ2"].get(p2 + c2 + c3 + c4, 0)
                     + t["TQ3"].get(p3 + c1 + c2 + c3, 0)
                     + t["TQ4"].get(p3 + c2 + c3 + c4, 0))
            self._decision_sums[key] = found
        return found

    def _text_sums(self, seg: list[str]) -> list[int]:
        """For each place between two characters, the weights of the six characters around
        it (w1 … w6), alone, two and three in a row; the bias included."""
        n = len(seg) - 6
        u1, u2, u3, u4, u5, u6 = (table.get for table in self._single)
        b1, b2, b3 = (table.get for table in self._pairs)
        t1, t2, t3, t4 = (table.get for table in self._triples)
        pairs = [a + b for a, b in itertools.pairwise(seg)]
        triples = [a + b for a, b in zip(pairs, seg[2:], strict=False)]
        # the place before character k of the text (k = 1 … n-1) has w1 = seg[k], …
        return [self._bias + u1(w1, 0) + u2(w2, 0) + u3(w3, 0) + u4(w4, 0) + u5(w5, 0)
                + u6(w6, 0) + b1(p23, 0) + b2(p34, 0) + b3(p45, 0) + t1(t123, 0)
                + t2(t234, 0) + t3(t345, 0) + t4(t456, 0)
                for w1, w2, w3, w4, w5, w6, p23, p34, p45, t123, t234, t345, t456 in zip(
                    seg[1:n], seg[2:n + 1], seg[3:n + 2], seg[4:n + 3], seg[5:n + 4],
                    seg[6:n + 5], pairs[2:n + 1], pairs[3:n + 2], pairs[4:n + 3],
                    triples[1:n], triples[2:n + 1], triples[3:n + 2], triples[4:n + 3],
                    strict=True)]

    def split(self, input: str) -> list[str]:  # Sphinx's name for it
        """The words of a text. A short text met before (a defined term, a clause number,
        a caption drawn on every clause) is not split again: in the sample set two texts in
        three that the search index is fed are such repeats."""
        if len(input) > _SHORT:
            return self._split(input)
        found = self._short.get(input)
        if found is None:
            found = tuple(self._split(input))
            if len(self._short) < _SHORT_KEPT:
                self._short[input] = found
        return list(found)

    def _split(self, input: str) -> list[str]:
        if not input:
            return []
        n = len(input)
        seg = [*_BEFORE, *input, *_AFTER]
        types = "OOO" + "".join(map(self._type, input)) + "OOO"
        text_sums = self._text_sums(seg)
        type_sums, decision_sums = self._type_sums, self._decision_sums
        words = []
        start = 0
        decisions = "UUU"
        for k in range(1, n):
            window = types[k:k + 6]  # c1 … c6: the types of w1 … w6
            by_type = type_sums.get(window)
            if by_type is None:
                by_type = self._type_sum(window)
            key = decisions + window[:4]
            by_decision = decision_sums.get(key)
            if by_decision is None:
                by_decision = self._decision_sum(key)
            if text_sums[k - 1] + by_type + by_decision > 0:
                words.append(input[start:k].strip())
                start = k
                decisions = decisions[1:] + "B"
            else:
                decisions = decisions[1:] + "O"
        words.append(input[start:].strip())
        return words


_DEFAULT = "policy.search.Splitter"


def use_quick_splitter(app: Sphinx, config: Config) -> None:
    """Japanese editions split words with ``Splitter`` unless ``conf.py`` chose a splitter
    (MeCab, Janome) itself."""
    language = config.html_search_language or config.language or ""
    if language.split("_")[0] != "ja":
        return
    options: dict[str, Any] = dict(config.html_search_options or {})
    if "type" not in options:
        options["type"] = _DEFAULT
        config.html_search_options = options


def setup_search(app: Sphinx) -> None:
    app.connect("config-inited", use_quick_splitter)
