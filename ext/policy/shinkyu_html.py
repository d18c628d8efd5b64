"""The 新旧対照表 as HTML: a page to print, and the same tables inside an edition.

Printed on A4 landscape, the way the table is circulated. Changed characters are ``<ins>`` on
the new side and ``<del>`` on the old side (what they are, for a screen reader), both drawn
underlined (傍線), as the custom of the 新旧対照表 has it. In the restricted table the marking
stands in the page margin of every printed page (CSS ``@page`` margin boxes) and again in
the table's head, which browsers repeat at the top of every printed page even where margin
boxes are not supported.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from .shinkyu import Comparison, DocumentTable, Row, Segment, Side

#: Why the table exists and how it reads, shown above the tables.
_LEGEND = "傍線（下線）を付した部分は、改正の部分です。"
MARKING_CLASS = "policy-shinkyu-marking"

#: The table's own style, the same file an edition publishes for its page of the table.
STYLESHEET = Path(__file__).parent / "static" / "policy-shinkyu.css"

#: Only in the standalone page: the page itself and the marking in every page's margin.
_PAGE_STYLE = """
@page { size: A4 landscape; margin: 16mm 14mm; }
body { margin: 1.5em; }
@media print { body { margin: 0; } }
"""
_MARKED_PAGE_STYLE = """
@page {{ @top-center {{ content: "{label}"; font-weight: bold; }}
         @bottom-center {{ content: "{label}"; font-weight: bold; }} }}
.policy-shinkyu-banner {{ border: 2px solid #000; padding: 0.4em 1em; text-align: center;
  font-weight: bold; }}
@media print {{ .policy-shinkyu-banner {{ display: none; }} }}
"""


def _runs(segments: list[Segment], tag: str) -> str:
    return "".join(f"<{tag}>{escape(s.text)}</{tag}>" if s.changed and s.text.strip()
                   else escape(s.text) for s in segments)


def _cell(side: Side, tag: str) -> str:
    parts: list[str] = []
    number = _runs(side.number, tag)
    lines = [_runs(line, tag) for line in side.lines]
    first = f'<span class="policy-shinkyu-number">{number}</span>' if number else ""
    if lines:
        heading = ' class="policy-shinkyu-heading"' if side.heading else ""
        parts.append(f"<p{heading}>{first}{lines[0]}</p>")
        parts += [f"<p>{line}</p>" for line in lines[1:]]
        first = ""
    if side.mark:
        parts.append(f'<p>{first}<span class="policy-shinkyu-mark">{escape(side.mark)}</span></p>')
    elif first:
        parts.append(f"<p>{first}</p>")
    return "".join(parts)


def _row(row: Row) -> str:
    return (f'<tr class="policy-shinkyu-{row.kind}"><td>{_cell(row.new, "ins")}</td>'
            f'<td>{_cell(row.old, "del")}</td></tr>')


def _document(table: DocumentTable, marking: str | None) -> str:
    title = "（削除された文書）" if table.withheld else escape(table.title)
    status = "" if table.withheld else {"added": "（制定）", "deleted": "（廃止）"}.get(
        table.status, "")
    head = ""
    if marking:
        head += f'<tr><th colspan="2" class="{MARKING_CLASS}">{escape(marking)}</th></tr>'
    head += '<tr><th scope="col">改正後</th><th scope="col">改正前</th></tr>'
    return (
        '<section class="policy-shinkyu-document">'
        f"<h2>{title}{status} 新旧対照表</h2>"
        f'<p class="policy-shinkyu-dates">改正後：{escape(table.new_date or "—")}'
        f"　改正前：{escape(table.old_date or '—')}</p>"
        '<table class="policy-shinkyu-table"><colgroup><col style="width:50%">'
        '<col style="width:50%"></colgroup>'
        f"<thead>{head}</thead><tbody>{''.join(_row(row) for row in table.rows)}</tbody>"
        "</table></section>")


def fragment(comparison: Comparison, marking: str | None = None) -> str:
    """The tables of every changed document, with the revisions compared above them."""
    parts = [
        '<div class="policy-shinkyu">',
        f'<p class="policy-shinkyu-revisions">改正前：{escape(comparison.old_name)}'
        f"{_dated(comparison.old_date)}　改正後：{escape(comparison.new_name)}"
        f"{_dated(comparison.new_date)}</p>",
        f"<p>{_LEGEND}</p>",
    ]
    if not comparison.documents:
        parts.append("<p>改正のある文書はありません。</p>")
    parts += [_document(table, marking) for table in comparison.documents]
    if comparison.unchanged:
        parts.append(f"<p>改正のない文書 {comparison.unchanged} 件は掲げていません。</p>")
    parts.append("</div>")
    return "\n".join(parts)


def _dated(date: str) -> str:
    return f"（{escape(date)}）" if date else ""


def page(comparison: Comparison, title: str, marking: str | None = None) -> str:
    """A whole page, to open in a browser and print."""
    style = STYLESHEET.read_text(encoding="utf-8") + _PAGE_STYLE
    banner = ""
    if marking:
        style += _MARKED_PAGE_STYLE.format(label=marking.replace('"', ""))
        banner = f'<div class="policy-shinkyu-banner" role="note">{escape(marking)}</div>'
    robots = '<meta name="robots" content="noindex, nofollow, noarchive">' if marking else ""
    return (
        '<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8">'
        f"{robots}<title>{escape(title)} 新旧対照表</title><style>{style}</style></head>"
        f"<body>{banner}<h1>{escape(title)} 新旧対照表</h1>\n{fragment(comparison, marking)}\n"
        f"{banner}</body></html>\n")
