"""A document's history: 制定, each 改正, 施行日; the 附則 they give, 未施行, the 改正履歴 page.

An editor records the history in front matter, under one key, so that an unknown key is
certainly a mistake::

    history:
      enacted: 令和6年4月1日
      effective: 令和6年4月1日
      revisions:
        - date: 令和7年3月25日
          summary: 組織体制を見直した
          decision: 情報セキュリティ委員会決定
          effective: 令和7年4月1日

The document then ends with its 附則, written from the history in the customary wording
(「この対策基準は、令和7年4月1日から施行する。」, one 附則 per 改正 that has a 施行日); a date
that is not recorded is never made up, so a document with no 施行日 gets no 附則. Dates are
ISO or 和暦, to the day or to the month (``wareki.py``).

A document whose latest 施行日 is after the build's reference date is marked 「未施行」. The
reference date is not the clock: the same sources must give the same edition whenever they
are built (a published edition is compared byte for byte with a clean build). It is, in
order: ``policy_as_of`` in ``conf.py``; ``SOURCE_DATE_EPOCH`` (the reproducible-builds
convention); the date of the last commit that changed the tree. Without any of them nothing
is marked.

The history is read at parse time from the document's own front matter, with a YAML parser
that keeps line numbers, so a mistake is reported with file and line. It is kept in the
``revision`` domain; ``{revision-history}`` draws the 改正履歴 of every document the edition
holds when the page is written, so a public edition lists public documents only.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any, ClassVar

import yaml
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.domains import Domain
from sphinx.environment import BuildEnvironment
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_refnode

from . import wareki
from .messages import PolicyError, report

DOMAIN = "revision"
HISTORY_KEY = "history"
_DOCUMENT_KEYS = ("enacted", "effective", "decision", "revisions")
_REVISION_KEYS = ("date", "summary", "decision", "effective")
#: Classes of what this module adds to a page; the 新旧対照表 leaves them out of the text
#: it compares (they are not the wording of the 規程).
SUPPLEMENTARY_CLASS = "policy-supplementary"
NOT_IN_FORCE_CLASS = "policy-not-in-force"
_STYLESHEET = Path(__file__).parent / "static" / "policy-revision.css"


class not_in_force(nodes.General, nodes.Element):
    """Where 「未施行」 goes, if the document is not yet in force when the page is written."""


class revision_history(nodes.General, nodes.Element):
    """Where the 改正履歴 table goes; filled when the page is written."""


# --- reading the history ----------------------------------------------------------------------


def front_matter(path: str | os.PathLike[str]) -> tuple[yaml.Node | None, int]:
    """The front matter of a MyST file that records a history, as a YAML node tree, and the
    file line of its first line. ``(None, 0)`` when there is no history, or the front matter
    is not YAML (MyST reports that itself)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None, 0
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---" or f"{HISTORY_KEY}:" not in text:
        return None, 0  # no history: the YAML is not parsed a second time
    end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---"), None)
    if end is None:
        return None, 0
    try:
        return yaml.compose("\n".join(lines[1:end])), 2
    except yaml.YAMLError:
        return None, 0


class _Reader:
    """Turns the ``history`` node into builtins, noting each problem with its line."""

    def __init__(self, first_line: int) -> None:
        self.first_line = first_line
        self.problems: list[tuple[str, int, dict[str, str]]] = []

    def line(self, node: yaml.Node) -> int:
        return self.first_line + node.start_mark.line

    def problem(self, code: str, node: yaml.Node, **fields: str) -> None:
        self.problems.append((code, self.line(node), fields))

    def mapping(self, node: yaml.Node, known: tuple[str, ...],
                what: str) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem("history-bad-shape", node, detail=f"{what} は「項目: 値」の組で書きます")
            return None
        found: dict[str, yaml.Node] = {}
        for key_node, value in node.value:
            key = str(key_node.value)
            if key not in known:
                self.problem("history-unknown-key", key_node, key=key, known="、".join(known))
            else:
                found[key] = value
        return found

    def text(self, node: yaml.Node | None, key: str) -> str:
        if node is None:
            return ""
        if not isinstance(node, yaml.ScalarNode) or "\n" in str(node.value).strip():
            self.problem("history-bad-shape", node, detail=f"{key} は一行の文字列で書きます")
            return ""
        return str(node.value).strip()

    def date(self, node: yaml.Node | None, key: str) -> str | None:
        value = self.text(node, key)
        if node is None or not value:
            return None
        try:
            return wareki.parse(value).iso()
        except wareki.BadDate as exc:
            self.problem("history-bad-date", node, value=value, detail=str(exc))
            return None


def read_history(path: str | os.PathLike[str]) -> tuple[dict[str, Any] | None, list]:
    """A document's history as builtins (dates as ISO text), and its problems as
    ``(code, line, fields)``. ``None`` when the document records no history."""
    root, first_line = front_matter(path)
    if not isinstance(root, yaml.MappingNode):
        return None, []
    history_node = next((value for key, value in root.value if key.value == HISTORY_KEY), None)
    if history_node is None:
        return None, []
    reader = _Reader(first_line)
    fields = reader.mapping(history_node, _DOCUMENT_KEYS, HISTORY_KEY)
    if fields is None:
        return None, reader.problems
    history: dict[str, Any] = {
        "enacted": reader.date(fields.get("enacted"), "enacted"),
        "effective": reader.date(fields.get("effective"), "effective"),
        "decision": reader.text(fields.get("decision"), "decision"),
        "revisions": [],
        "line": reader.line(history_node),
    }
    if "enacted" not in fields:
        reader.problem("history-missing", history_node, key="enacted")
    revisions = fields.get("revisions")
    if revisions is not None and not isinstance(revisions, yaml.SequenceNode):
        reader.problem("history-bad-shape", revisions,
                       detail="revisions は「- 」で始まる並びで書きます")
    elif revisions is not None:
        for item in revisions.value:
            entry = reader.mapping(item, _REVISION_KEYS, "revisions の各項目")
            if entry is None:
                continue
            for key in ("date", "summary"):
                if key not in entry:
                    reader.problem("history-missing", item, key=key)
            history["revisions"].append({
                "date": reader.date(entry.get("date"), "date"),
                "summary": reader.text(entry.get("summary"), "summary"),
                "decision": reader.text(entry.get("decision"), "decision"),
                "effective": reader.date(entry.get("effective"), "effective"),
                "line": reader.line(item),
            })
    if not reader.problems:
        _check_order(history, reader)
    return history, reader.problems


def _check_order(history: dict[str, Any], reader: _Reader) -> None:
    """制定 first, then each 改正 in date order: a slip in a date shows up here."""
    previous = history["enacted"]
    for revision in history["revisions"]:
        if previous and revision["date"] and wareki.from_iso(revision["date"]) < \
                wareki.from_iso(previous):
            reader.problems.append(("history-order", revision["line"], {
                "date": wareki.from_iso(revision["date"]).wareki(),
                "previous": wareki.from_iso(previous).wareki()}))
        previous = revision["date"] or previous


def latest_effective(history: dict[str, Any]) -> str | None:
    """The last 施行日 the history records (ISO), if any."""
    dates = [history.get("effective")] + [r.get("effective") for r in history["revisions"]]
    known = [wareki.from_iso(d) for d in dates if d]
    return max(known).iso() if known else None


def last_change(history: dict[str, Any]) -> str | None:
    """The date of the latest 改正, else of the 制定 (ISO), if any."""
    dates = [r["date"] for r in history["revisions"] if r.get("date")]
    return dates[-1] if dates else history.get("enacted")


# --- the domain -------------------------------------------------------------------------------


class RevisionDomain(Domain):
    """``histories``: docname -> history (builtins); ``pages``: documents that draw the
    改正履歴; ``shown``: a digest of what the last build drew from them (histories and the
    reference date), to know when those pages must be written again."""

    name = DOMAIN
    label = "改正履歴 revision history"
    data_version = 1
    initial_data: ClassVar[dict[str, Any]] = {"histories": {}, "pages": {}, "shown": "",
                                              "as_of": ""}

    @property
    def histories(self) -> dict[str, dict[str, Any]]:
        return self.data["histories"]

    def clear_doc(self, docname: str) -> None:
        self.data["histories"].pop(docname, None)
        self.data["pages"].pop(docname, None)

    def merge_domaindata(self, docnames: set[str], otherdata: dict[str, Any]) -> None:
        for docname in docnames:
            for key in ("histories", "pages"):
                if docname in otherdata[key]:
                    self.data[key][docname] = otherdata[key][docname]

    def resolve_any_xref(self, *args: Any) -> list:  # pragma: no cover - nothing to resolve
        return []


def _domain(env: BuildEnvironment) -> RevisionDomain:
    return env.domains[DOMAIN]  # type: ignore[return-value]


# --- at parse time: the history and the 附則 --------------------------------------------------


def _language(config: Config) -> str:
    return (config.language or "ja").split("_")[0]


def _noun(document: nodes.document, english: bool) -> str:
    if english:
        return "document"
    for holder in document.children:
        if isinstance(holder, (nodes.docinfo, nodes.field_list)):
            for field in holder.findall(nodes.field):
                if field[0].astext().strip() == "short-name":
                    return field[1].astext().strip()
    return "規程"


def provisions(history: dict[str, Any], noun: str, language: str) -> list[tuple[str, str]]:
    """The 附則 a history gives: (heading, sentence) for the 制定 and each 改正 that record a
    施行日, in the customary wording; nothing for what is not recorded."""
    english = language != "ja"
    found = []
    entries = [(None, history.get("decision", ""), history.get("effective"))]
    entries += [(r["date"], r.get("decision", ""), r.get("effective"))
                for r in history["revisions"]]
    for date, decision, effective in entries:
        if not effective:
            continue
        shown = wareki.from_iso(effective).shown(language)
        if english:
            when = f" ({wareki.from_iso(date).english()})" if date else ""
            found.append((f"Supplementary provision{when}",
                          f"This {noun} takes effect on {shown}."))
            continue
        heading = "附　則"
        if date:
            made = wareki.from_iso(date).wareki()
            heading += f"（{made}{' ' + decision if decision else '改正'}）"
        found.append((heading, f"この{noun}は、{shown}から施行する。"))
    return found


class HistoryReader(SphinxTransform):
    """Read the history from front matter, record it, add the 附則 and the 未施行 mark's place.

    Priority 410: after the clause numbering (400), so that nothing added here is numbered
    or taken for a clause, and before the collectors and the search index (doctree-read), so
    that the 附則 is found by a search like any text.
    """

    default_priority = 410

    def apply(self, **kwargs: Any) -> None:
        env = self.env
        source = self.document.get("source", "")
        if not str(source).endswith(".md"):
            return
        history, problems = read_history(source)
        for code, line, fields in problems:
            report(code, (env.docname, line), **fields)
        if history is None or problems:
            return
        language = _language(self.config)
        english = language != "ja"
        _domain(env).histories[env.docname] = {
            **history, "noun": _noun(self.document, english=False)}
        top = next(iter(self.document.findall(nodes.section)), None)
        if top is None:
            return
        if latest_effective(history):
            mark = not_in_force()
            top.insert(1, mark)
        entries = provisions(history, _noun(self.document, english), language)
        if not entries:
            return
        box = nodes.container(classes=[SUPPLEMENTARY_CLASS])
        for heading, sentence in entries:
            box += nodes.paragraph(heading, heading, classes=["policy-supplementary-heading"])
            box += nodes.paragraph(sentence, sentence)
        top += box


class RevisionHistoryDirective(SphinxDirective):
    """``{revision-history}``: the 改正履歴 of every document of the edition."""

    def run(self) -> list[nodes.Node]:
        _domain(self.env).data["pages"][self.env.docname] = True
        node = revision_history()
        self.set_source_info(node)
        return [node]


# --- the reference date -----------------------------------------------------------------------


def reference_date(config: Config, tree: Path) -> wareki.PolicyDate | None:
    """The date 施行日 are compared with: ``policy_as_of``, ``SOURCE_DATE_EPOCH``, or the date
    of the last commit that changed ``tree`` (in the committer's own time zone)."""
    if config.policy_as_of:
        try:
            return wareki.parse(config.policy_as_of)
        except wareki.BadDate as exc:
            raise PolicyError("bad-setting", "conf.py", name="policy_as_of",
                              detail=str(exc)) from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        day = datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).date()
        return wareki.PolicyDate(day.year, day.month, day.day)
    try:
        done = subprocess.run(["git", "log", "-1", "--format=%cs", "--", "."], cwd=tree,
                              capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    try:
        return wareki.parse(done.stdout.strip()) if done.returncode == 0 else None
    except wareki.BadDate:
        return None


def _on_builder_inited(app: Sphinx) -> None:
    tree = Path(app.config.policy_classified_tree or app.srcdir)
    as_of = reference_date(app.config, tree)
    _domain(app.env).data["as_of"] = as_of.iso() if as_of else ""
    stylesheet = str(_STYLESHEET)
    if stylesheet not in app.config.html_static_path:
        app.config.html_static_path.append(stylesheet)


def in_force(history: dict[str, Any], as_of: str) -> bool:
    """Whether the latest 施行日 has come by ``as_of``; a month-precision 施行日 has come once
    its month has begun. Without a reference date every document counts as in force."""
    effective = latest_effective(history)
    if not effective or not as_of:
        return True
    return wareki.from_iso(effective).first_day <= wareki.from_iso(as_of).last_day


def _on_get_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Write again the 改正履歴 pages and the documents with a 施行日 when a history or the
    reference date changed: not being read again, they would keep what they showed."""
    data = _domain(env).data
    shown = hashlib.sha256(json.dumps([data["histories"], data["as_of"]], sort_keys=True,
                                      ensure_ascii=False).encode()).hexdigest()
    if shown == data["shown"]:
        return []
    data["shown"] = shown
    dated = [name for name, history in data["histories"].items() if latest_effective(history)]
    return sorted((set(data["pages"]) | set(dated)) & env.found_docs)


# --- at write time: 未施行 and the 改正履歴 ---------------------------------------------------


class RevisionViews(SphinxPostTransform):
    """Fill the 未施行 mark and the 改正履歴 tables (priority 30: after references, 10)."""

    default_priority = 30

    def run(self, **kwargs: Any) -> None:
        env = self.env
        data = _domain(env).data
        language = _language(self.config)
        for mark in list(self.document.findall(not_in_force)):
            history = data["histories"].get(env.docname)
            if history is None or in_force(history, data["as_of"]):
                mark.parent.remove(mark)
                continue
            mark.replace_self(_not_in_force_note(history, language))
        for placeholder in list(self.document.findall(revision_history)):
            placeholder.replace_self(self._tables(language))

    def _tables(self, language: str) -> list[nodes.Node]:
        env = self.env
        data = _domain(env).data
        found: list[nodes.Node] = []
        names = [name for name in document_order(env) if name in data["histories"]]
        if not names:
            text = "改正履歴のある文書はありません。" if language == "ja" else \
                "No document records a history."
            return [nodes.paragraph(text, text)]
        if self.config.policy_shinkyu_base:
            text = "最新の改正の新旧対照表" if language == "ja" else "Old-new comparison table"
            link = nodes.paragraph()
            link += nodes.reference(text, text, internal=True, refuri=env._app.builder
                                    .get_relative_uri(env.docname, "shinkyu"))
            found.append(link)
        for docname in names:
            history = data["histories"][docname]
            title = env.titles[docname].astext() if docname in env.titles else docname
            heading = nodes.paragraph(classes=["policy-history-document"])
            heading += make_refnode(env._app.builder, env.docname, docname, "",
                                    nodes.Text(title), title)
            found.append(heading)
            found.append(_history_table(history, data["as_of"], language))
        return found


def _not_in_force_note(history: dict[str, Any], language: str) -> nodes.Element:
    effective = wareki.from_iso(latest_effective(history) or "").shown(language)
    if language == "ja":
        label, text = "未施行", f"{effective}から施行されます。"
    else:
        label, text = "Not yet in force", f"It takes effect on {effective}."
    box = nodes.container(classes=[NOT_IN_FORCE_CLASS])
    box += nodes.paragraph("", "", nodes.strong(label, label), nodes.Text(" " + text))
    return box


def _history_table(history: dict[str, Any], as_of: str, language: str) -> nodes.table:
    ja = language == "ja"
    headers = ("年月日", "事項", "施行日") if ja else ("Date", "Event", "In force from")
    rows = []
    if history.get("enacted"):
        event = "制定" if ja else "Enacted"
        rows.append((history["enacted"], event, history.get("decision", ""),
                     history.get("effective")))
    for revision in history["revisions"]:
        event = ("改正：" if ja else "Revised: ") + revision["summary"]
        rows.append((revision["date"], event, revision.get("decision", ""),
                     revision.get("effective")))
    table = nodes.table(classes=["policy-history"])
    group = nodes.tgroup(cols=3)
    table += group
    for width in (2, 6, 2):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    head += nodes.row("", *(nodes.entry("", nodes.paragraph(h, h)) for h in headers))
    group += head
    body = nodes.tbody()
    for date, event, decision, effective in rows:
        cells = [wareki.from_iso(date).shown(language) if date else "", event]
        if decision:
            cells[1] += f"（{decision}）" if ja else f" ({decision})"
        when = wareki.from_iso(effective).shown(language) if effective else ""
        if effective and wareki.from_iso(effective).first_day > (
                wareki.from_iso(as_of).last_day if as_of else datetime.date.max):
            when += "（未施行）" if ja else " (not yet in force)"
        cells.append(when)
        body += nodes.row("", *(nodes.entry("", nodes.paragraph(c, c)) for c in cells))
    group += body
    return table


def document_order(env: BuildEnvironment) -> list[str]:
    """Documents in the order of the tables of contents from the root, then the rest."""
    seen: list[str] = []
    stack = [env.config.root_doc]
    while stack:
        docname = stack.pop(0)
        if docname in seen or docname not in env.found_docs:
            continue
        seen.append(docname)
        stack[0:0] = env.toctree_includes.get(docname, [])
    return seen + sorted(set(env.found_docs) - set(seen))


def setup_revision(app: Sphinx) -> None:
    app.add_config_value("policy_as_of", "", "html", types=[str])
    app.add_domain(RevisionDomain)
    app.add_transform(HistoryReader)
    app.add_post_transform(RevisionViews)
    app.add_directive("revision-history", RevisionHistoryDirective)
    app.add_css_file("policy-revision.css")
    app.connect("builder-inited", _on_builder_inited)
    app.connect("env-get-updated", _on_get_updated)
