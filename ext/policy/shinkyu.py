"""The 新旧対照表: the wording of two revisions set side by side, clause by clause.

The layout is the one municipalities use for a 改正: two columns, 改正後 on the left and 改正前 on
the right; every changed character underlined (傍線) on both sides; an unchanged clause shown
by its number and 「（略）」; a clause added marked 「（新設）」 on the old side, a clause removed
「（削除）」 on the new side.

Clauses are paired by what they are, not by where they stand: first by label, so that when a
section is inserted before 6, old 6 (4) and new 7 (4) stand on one row and the number change
is underlined; then, for clauses without a shared label, by content, among the clauses of the
same paired parent, in order (``difflib``: equal texts first, then the most similar pairs).
A reference whose number changed (「上記6」→「上記7」) is a change of wording for the reader,
and is underlined like any other.

Input is what the ``policy-wording`` builder wrote for each revision (``wording.py``); the
output is a plain model that the HTML and Word writers draw.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from . import revision, wareki

#: How similar two unlabelled clauses must be to count as one clause revised.
_SIMILAR = 0.5
#: Above this many pairs to weigh, unlabelled clauses are paired in order instead.
_MAX_WEIGHED = 3600

OMITTED = "（略）"
ADDED = "（新設）"
DELETED = "（削除）"


@dataclass
class Segment:
    """A run of text; ``changed`` is underlined."""

    text: str
    changed: bool = False


@dataclass
class Side:
    """One cell: the clause's number and its lines, or a mark standing for it."""

    number: list[Segment] = field(default_factory=list)
    lines: list[list[Segment]] = field(default_factory=list)
    heading: bool = False
    mark: str = ""

    def text(self) -> str:
        number = "".join(s.text for s in self.number)
        body = "\n".join("".join(s.text for s in line) for line in self.lines)
        return "\n".join(part for part in (number, body, self.mark) if part)


@dataclass
class Row:
    """One row of the table: ``kind`` is same, changed, added or deleted."""

    kind: str
    new: Side
    old: Side
    labels: list[str] = field(default_factory=list)


@dataclass
class DocumentTable:
    """The table of one document; ``status`` is changed, added or deleted."""

    docname: str
    title: str
    status: str
    new_date: str
    old_date: str
    rows: list[Row] = field(default_factory=list)
    withheld: bool = False

    @property
    def changed_rows(self) -> list[Row]:
        return [row for row in self.rows if row.kind != "same"]


@dataclass
class Comparison:
    """Every document that changed between two revisions, in one edition."""

    edition: str
    old_name: str
    new_name: str
    old_date: str
    new_date: str
    documents: list[DocumentTable] = field(default_factory=list)
    unchanged: int = 0


# --- pairing ----------------------------------------------------------------------------------


def _content(unit: dict[str, Any]) -> str:
    return "\n".join(unit["lines"])


def pair_units(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[int, int]:
    """New unit index -> old unit index, for the units that are one clause in both."""
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    if old and new:
        pairs[0] = 0  # the text before the first clause
        taken.add(0)
    by_label: dict[str, int] = {}
    for index, unit in enumerate(old):
        for label in unit["labels"]:
            by_label.setdefault(label, index)
    for index, unit in enumerate(new):
        if index in pairs:
            continue
        for label in unit["labels"]:
            found = by_label.get(label)
            if found is not None and found not in taken:
                pairs[index] = found
                taken.add(found)
                break
    queue = sorted(pairs.items())
    while queue:
        new_parent, old_parent = queue.pop(0)
        new_children = [i for i, u in enumerate(new)
                        if u["parent"] == new_parent and i not in pairs]
        old_children = [i for i, u in enumerate(old)
                        if u["parent"] == old_parent and i not in taken]
        for n, o in _align(old, new, old_children, new_children):
            pairs[n] = o
            taken.add(o)
            queue.append((n, o))
    return pairs


def _align(old: list[dict[str, Any]], new: list[dict[str, Any]], old_ids: list[int],
           new_ids: list[int]) -> list[tuple[int, int]]:
    """Pairs among unlabelled siblings: equal texts in order, then similar ones."""
    if not old_ids or not new_ids:
        return []
    keys_old = [(old[i]["kind"], _content(old[i])) for i in old_ids]
    keys_new = [(new[i]["kind"], _content(new[i])) for i in new_ids]
    found: list[tuple[int, int]] = []
    matcher = difflib.SequenceMatcher(None, keys_old, keys_new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            found += [(new_ids[j1 + k], old_ids[i1 + k]) for k in range(i2 - i1)]
        elif tag == "replace":
            found += _similar(old, new, old_ids[i1:i2], new_ids[j1:j2])
    return found


def _ratio(a: dict[str, Any], b: dict[str, Any]) -> float:
    if a["kind"] != b["kind"]:
        return 0.0
    matcher = difflib.SequenceMatcher(None, _content(a), _content(b), autojunk=False)
    if matcher.real_quick_ratio() < _SIMILAR or matcher.quick_ratio() < _SIMILAR:
        return 0.0
    return matcher.ratio()


def _similar(old: list[dict[str, Any]], new: list[dict[str, Any]], old_ids: list[int],
             new_ids: list[int]) -> list[tuple[int, int]]:
    """The most similar pairs that keep both orders (a small dynamic programme); in order,
    pair by pair, when there are too many to weigh."""
    n, m = len(old_ids), len(new_ids)
    if n * m > _MAX_WEIGHED:
        return [(j, i) for i, j in zip(old_ids, new_ids, strict=False)
                if _ratio(old[i], new[j]) >= _SIMILAR]
    ratio = [[_ratio(old[i], new[j]) for j in new_ids] for i in old_ids]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = ratio[i][j] + best[i + 1][j + 1] if ratio[i][j] >= _SIMILAR else 0.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], take)
    found = []
    i = j = 0
    while i < n and j < m:
        if ratio[i][j] >= _SIMILAR and best[i][j] == ratio[i][j] + best[i + 1][j + 1]:
            found.append((new_ids[j], old_ids[i]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return found


# --- character differences --------------------------------------------------------------------


def char_diff(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    """Both texts cut into runs, changed runs marked. A run of one unchanged character
    between two changes is counted as changed: a reader sees one change, not two."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    codes = [list(code) for code in matcher.get_opcodes()]
    for index in range(1, len(codes) - 1):
        tag, i1, i2, _j1, _j2 = codes[index]
        if tag == "equal" and i2 - i1 == 1 and old[i1] != "\n" and \
                codes[index - 1][0] != "equal" and codes[index + 1][0] != "equal":
            codes[index][0] = "replace"
    old_runs: list[Segment] = []
    new_runs: list[Segment] = []
    for tag, i1, i2, j1, j2 in codes:
        changed = tag != "equal"
        _append(old_runs, old[i1:i2], changed)
        _append(new_runs, new[j1:j2], changed)
    return old_runs, new_runs


def _append(runs: list[Segment], text: str, changed: bool) -> None:
    if not text:
        return
    if runs and runs[-1].changed == changed:
        runs[-1].text += text
    else:
        runs.append(Segment(text, changed))


def _lines(runs: list[Segment]) -> list[list[Segment]]:
    """Runs of a text with line breaks, cut into lines (a line break is never underlined)."""
    lines: list[list[Segment]] = [[]]
    for run in runs:
        parts = run.text.split("\n")
        for index, part in enumerate(parts):
            if index:
                lines.append([])
            _append(lines[-1], part, run.changed)
    return lines


def _whole(unit: dict[str, Any], changed: bool) -> Side:
    return Side(number=[Segment(unit["number"], changed)] if unit["number"] else [],
                lines=[[Segment(line, changed)] for line in unit["lines"]],
                heading=unit["heading"])


def _row(old: dict[str, Any] | None, new: dict[str, Any] | None) -> Row | None:
    if old is None and new is not None:
        return Row("added", _whole(new, True), Side(mark=ADDED), list(new["labels"]))
    if new is None and old is not None:
        return Row("deleted", Side(mark=DELETED), _whole(old, True), list(old["labels"]))
    assert old is not None and new is not None
    if not old["lines"] and not new["lines"] and not old["number"] and not new["number"]:
        return None
    old_number, new_number = char_diff(old["number"], new["number"])
    if old["lines"] == new["lines"]:
        return Row("same", _omitted(new, new_number), _omitted(old, old_number),
                   list(new["labels"]))
    old_runs, new_runs = char_diff(_content(old), _content(new))
    return Row("changed",
               Side(new_number, _lines(new_runs), heading=new["heading"]),
               Side(old_number, _lines(old_runs), heading=old["heading"]),
               list(new["labels"]))


def _omitted(unit: dict[str, Any], number: list[Segment]) -> Side:
    """An unchanged clause: its number, its heading for context, and 「（略）」 for the rest."""
    lines = unit["lines"]
    shown = [[Segment(lines[0])]] if unit["heading"] and lines else []
    rest = lines[1:] if unit["heading"] else lines
    return Side(number, shown, heading=unit["heading"], mark=OMITTED if rest else "")


# --- documents --------------------------------------------------------------------------------


def compare_document(old: dict[str, Any] | None, new: dict[str, Any] | None,
                     old_date: str, new_date: str) -> DocumentTable:
    """The rows of one document, in the new document's order, with each removed clause
    after the clause that came before it."""
    old_units = old["units"] if old else []
    new_units = new["units"] if new else []
    pairs = pair_units(old_units, new_units)
    paired_old = set(pairs.values())
    rows: list[Row] = []
    if old and new and old["title"] != new["title"]:
        old_runs, new_runs = char_diff(old["title"], new["title"])
        rows.append(Row("changed", Side(lines=[new_runs], heading=True),
                        Side(lines=[old_runs], heading=True), ["(title)"]))
    emitted = -1

    def removed_until(limit: int) -> None:
        nonlocal emitted
        for index in range(emitted + 1, limit):
            if index not in paired_old:
                row = _row(old_units[index], None)
                if row is not None:
                    rows.append(row)
        emitted = max(emitted, limit - 1)

    for index, unit in enumerate(new_units):
        partner = pairs.get(index)
        if partner is not None:
            removed_until(partner)
            emitted = max(emitted, partner)
            row = _row(old_units[partner], unit)
        else:
            row = _row(None, unit) if unit["lines"] or unit["number"] else None
        if row is not None:
            rows.append(row)
    removed_until(len(old_units))
    status = "added" if old is None else "deleted" if new is None else "changed"
    source = new or old
    assert source is not None
    return DocumentTable(source["docname"], source["title"], status, new_date, old_date, rows)


def document_date(document: dict[str, Any] | None, fallback: str) -> str:
    """How a side of a document's heading is dated: its latest 改正 (or 制定) in its history,
    else the revision's own date."""
    history = document.get("history") if document else None
    if history:
        last = revision.last_change(history)
        if last:
            return wareki.from_iso(last).wareki()
    return fallback


def compare(old: dict[str, Any], new: dict[str, Any], *, edition: str, old_name: str,
            new_name: str, old_date: str, new_date: str,
            withhold_removed: bool) -> Comparison:
    """Every document of two ``wording.json`` of one edition, compared.

    ``withhold_removed``: a document that is no longer in the edition is shown as 削除 with
    neither its title nor its text (in the public edition it may have become restricted,
    and then its title and text are restricted now)."""
    result = Comparison(edition, old_name, new_name, old_date, new_date)
    old_documents = {doc["docname"]: doc for doc in old["documents"]}
    new_documents = {doc["docname"]: doc for doc in new["documents"]}
    for docname in [d["docname"] for d in new["documents"]] + [
            d["docname"] for d in old["documents"] if d["docname"] not in new_documents]:
        before, after = old_documents.get(docname), new_documents.get(docname)
        if after is None and withhold_removed:
            table = DocumentTable("", "", "deleted", new_date,
                                  document_date(None, old_date), withheld=True)
            table.rows.append(Row("deleted", Side(mark=DELETED), Side(mark="（文書の全部）")))
            result.documents.append(table)
            continue
        table = compare_document(before, after, document_date(before, old_date),
                                 document_date(after, new_date))
        if table.changed_rows:
            result.documents.append(table)
        else:
            result.unchanged += 1
    return result
