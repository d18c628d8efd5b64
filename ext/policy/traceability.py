"""Traceability: which 対策基準 clause implements which 基本方針 clause, and so on down.

The policy is kept in tiers, highest first (``policy_tiers`` in ``conf.py``: 基本方針 → 対策基準 →
実施手順); a document belongs to a tier by its folder there, or by ``tier:`` in its front matter.
Under a clause heading an editor declares what the clause implements, one tier up::

    {implements}`kihon-organization, kihon-human`

The declaration is recorded in the ``traceability`` domain (per document, merged from parallel
readers) and checked once everything has been read: a label that names no clause, or a clause
of any tier but the one directly above, is an error with file and line. The same pass counts
coverage: every measure of the top tier (the clauses below ``policy_measures``) that nothing
implements, and every clause of a middle tier that nothing carries out, with a summary of the
counts; ``policy_coverage_errors`` names the tiers whose gaps are errors (the top tier by default).

The views are drawn when a page is written, from the domain, and only in an edition above the
lowest level: the declaration reads 「実施する基本方針：基本方針6(1)」, every clause that
something implements lists what implements it, and ``{traceability-matrix}`` draws the table of
all three tiers with the gaps. The public basic policy is read in the restricted build too, so
its clauses get their lists there; in the public build no declaration has been read, and the
views are not drawn at all. Both the role and the directive are refused in a public document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.config import Config
from sphinx.domains import Domain
from sphinx.environment import BuildEnvironment
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective, SphinxRole
from sphinx.util.nodes import make_refnode

from . import clause, edition
from .messages import PolicyError, report

DOMAIN = "traceability"
#: Where a declaration is in the doctree: an ``inline`` with this attribute, holding one
#: reference per declared label.
_DECLARATION = "policy_implements"
_SEPARATORS = re.compile(r"[\s,、]+")
_STYLESHEET = Path(__file__).parent / "static_restricted" / "policy-trace.css"
#: How much of an item clause's text stands for its title in a list.
_TITLE_LENGTH = 40
#: Shown for a clause that nothing implements as a whole, but whose every counted clause is.
INNER = "下位の各条項で実施"
#: Sphinx's search index skips elements with this class. The views and the matrix repeat the
#: titles of clauses written elsewhere: indexed, every search for a clause would also list the
#: pages that merely point at it (the matrix page for all of them), and at a hundred documents
#: they were two thirds of the text the Japanese word splitter had to read.
NO_SEARCH = "no-search"


class trace_matrix(nodes.General, nodes.Element):
    """Where the traceability matrix goes; filled when the page is written."""


# --- tiers ------------------------------------------------------------------------------------


def tiers_of(config: Config) -> list[str]:
    return list(config.policy_tiers)


def tier_of(env: BuildEnvironment, docname: str) -> str | None:
    """A document's tier: its front matter ``tier:``, else the longest folder of
    ``policy_tiers`` that holds it, else none."""
    declared = env.metadata.get(docname, {}).get("tier")
    if declared:
        return str(declared).strip()
    best: tuple[int, str] | None = None
    for tier, paths in env.config.policy_tiers.items():
        for path in paths:
            path = path.strip("/")
            if (docname == path or docname.startswith(path + "/")) and (
                    best is None or len(path) > best[0]):
                best = (len(path), tier)
    return best[1] if best else None


def _neighbour(config: Config, tier: str | None, step: int) -> str | None:
    tiers = tiers_of(config)
    if tier not in tiers:
        return None
    index = tiers.index(tier) + step
    return tiers[index] if 0 <= index < len(tiers) else None


# --- the domain -------------------------------------------------------------------------------


class TraceabilityDomain(Domain):
    """Declarations, as read.

    ``declarations``: docname -> [{"labels", "line", "targets"}], one per declaring clause, in
    document order (``labels``: the clause's own labels; ``targets``: the labels it names);
    ``matrices``: docname -> line of each page that holds a matrix;
    ``shown``: what the views were last drawn from (kept across builds, to know when the
    pages that show them must be written again).
    """

    name = DOMAIN
    label = "実施関係 traceability"
    data_version = 1
    initial_data: ClassVar[dict[str, Any]] = {"declarations": {}, "matrices": {}, "shown": {}}

    @property
    def declarations(self) -> dict[str, list[dict[str, Any]]]:
        return self.data["declarations"]

    @property
    def matrices(self) -> dict[str, int]:
        return self.data["matrices"]

    def clear_doc(self, docname: str) -> None:
        self.declarations.pop(docname, None)
        self.matrices.pop(docname, None)

    def merge_domaindata(self, docnames: set[str], otherdata: dict[str, Any]) -> None:
        # A clause's labels are unique across the tree (the clause domain reports clashes), so
        # two readers cannot both declare for one clause: nothing here can be a duplicate.
        for docname in docnames:
            if docname in otherdata["declarations"]:
                self.declarations[docname] = otherdata["declarations"][docname]
            if docname in otherdata["matrices"]:
                self.matrices[docname] = otherdata["matrices"][docname]

    def note_declaration(self, docname: str, labels: list[str], line: int,
                         targets: list[str]) -> None:
        entries = self.declarations.setdefault(docname, [])
        for entry in entries:
            if entry["labels"] == labels:  # a second declaration in the same clause
                entry["targets"] += [t for t in targets if t not in entry["targets"]]
                return
        entries.append({"labels": labels, "line": line, "targets": targets})

    def resolve_xref(self, env: BuildEnvironment, fromdocname: str, builder: Builder,
                     typ: str, target: str, node: addnodes.pending_xref,
                     contnode: nodes.Element) -> nodes.Element | None:
        clauses: clause.ClauseDomain = env.domains[clause.DOMAIN]  # type: ignore[assignment]
        if clauses.find(target) is None:
            # Reported, with its line, when everything had been read.
            return nodes.inline(target, target, classes=["policy-trace-unresolved"])
        return clauses.resolve_xref(env, fromdocname, builder, "clause", target, node, contnode)

    def resolve_any_xref(self, *args: Any) -> list:
        return []


def _target_docname(env: BuildEnvironment, reftype: str, target: str,
                    refdoc: str) -> str | None:
    found = env.domains[clause.DOMAIN].find(target)  # type: ignore[attr-defined]
    return found[0] if found else None


# --- writing a declaration --------------------------------------------------------------------


class ImplementsRole(SphinxRole):
    """``{implements}`label, label```: the clause it stands in implements these clauses."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        if edition.guarded(self.env, self.env.docname):
            report("restricted-inline", self.get_location(), what="{implements}")
            return [], []
        labels = [label.lower() for label in _SEPARATORS.split(self.text.strip()) if label]
        if not labels or any("`" in label for label in labels):
            report("trace-bad-declaration", self.get_location(), text=self.text)
            return [], []
        declaration = nodes.inline(classes=["policy-trace-targets"])
        declaration[_DECLARATION] = labels
        self.set_source_info(declaration)
        previous = ""
        for index, label in enumerate(labels):
            if index:
                declaration += nodes.Text("及び" if index == len(labels) - 1 else "、")
            xref = addnodes.pending_xref(
                "", nodes.Text(label), refdomain=DOMAIN, reftype="implements",
                reftarget=label, refdoc=self.env.docname, refexplicit=False, refwarn=True,
                clause_previous=previous,
            )
            self.set_source_info(xref)
            declaration += xref
            previous = label
        return [declaration], []


class MatrixDirective(SphinxDirective):
    """``{traceability-matrix}``: the table of every tier, drawn when the page is written."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        if edition.guarded(self.env, self.env.docname):
            report("restricted-inline", self.get_location(), what="{traceability-matrix}")
            return []
        placeholder = trace_matrix()
        self.set_source_info(placeholder)
        self.env.domains[DOMAIN].matrices[self.env.docname] = self.lineno  # type: ignore
        return [placeholder]


def _is_clause_node(node: nodes.Node) -> bool:
    if isinstance(node, nodes.list_item):
        return isinstance(node.parent, nodes.enumerated_list) and (
            clause.LIST_CLASS in node.parent["classes"])
    if isinstance(node, nodes.section):
        parent = node.parent
        while parent is not None:
            if isinstance(parent, nodes.section):
                return True
            parent = parent.parent
    return False


def _enclosing_clause(node: nodes.Node) -> nodes.Element | None:
    parent = node.parent
    while parent is not None and not _is_clause_node(parent):
        parent = parent.parent
    return parent


def _names_of(clause_node: nodes.Element) -> set[str]:
    """The names on a clause node: a section's, or an item's and its first paragraph's (where
    a label written at the start of the item ends up)."""
    names = set(clause_node["names"])
    for child in clause_node.children:
        if isinstance(child, nodes.paragraph):
            names.update(child["names"])
            break
    return names


class DeclarationCollector(SphinxTransform):
    """Record each declaration with the clause it stands in.

    Priority 410: right after ``ClauseNumbering`` (400) has recorded this document's clauses,
    so that the declaring clause is looked up by its labels in the clause domain.
    """

    default_priority = 410

    def apply(self, **kwargs: Any) -> None:
        env = self.env
        docname = env.docname
        domain: TraceabilityDomain = env.domains[DOMAIN]  # type: ignore[assignment]
        known = env.domains[clause.DOMAIN].clauses.get(docname, [])  # type: ignore[attr-defined]
        for node in list(self.document.findall(nodes.inline)):
            if _DECLARATION not in node:
                continue
            holder = _enclosing_clause(node)
            if holder is None or not known:
                report("trace-outside-clause", node)
                continue
            names = _names_of(holder)
            entry = next((c for c in known if names & set(c["labels"])), None)
            if entry is None:
                title = holder[0].astext() if isinstance(holder, nodes.section) else (
                    holder.astext())
                report("trace-unlabelled", node, title=_short(title))
                continue
            node["trace_clause"] = entry["labels"][0]
            domain.note_declaration(docname, entry["labels"], node.line or entry["line"],
                                    list(node[_DECLARATION]))
            _own_paragraph(node)


def _own_paragraph(declaration: nodes.inline) -> None:
    """Give a declaration written on its own line a paragraph of its own, even when the text
    below it follows without a blank line (as Markdown would join them)."""
    paragraph = declaration.parent
    if not isinstance(paragraph, nodes.paragraph) or paragraph.index(declaration) != 0:
        return
    if paragraph.astext() != declaration.astext():
        rest = paragraph[1] if len(paragraph.children) > 1 else None
        if not (isinstance(rest, nodes.Text) and str(rest).startswith("\n")):
            return  # written inside a sentence: leave it there
        paragraph.replace(rest, nodes.Text(str(rest)[1:]))
        paragraph.remove(declaration)
        own = nodes.paragraph()
        own.source, own.line = paragraph.source, paragraph.line
        own += declaration
        paragraph.parent.insert(paragraph.parent.index(paragraph), own)
        paragraph = own
    paragraph["classes"].append("policy-trace-declaration")


def _short(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= _TITLE_LENGTH else title[:_TITLE_LENGTH] + "…"


# --- what the declarations add up to ----------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    """A numbered clause as the views name it."""

    docname: str
    parts: tuple[str, ...]
    labels: tuple[str, ...]
    title: str
    anchor: str
    line: int


@dataclass
class Trace:
    """Every valid declaration of the tree, both ways, with the coverage of each tier."""

    tiers: list[str]
    #: clause -> the clauses one tier down that implement it, in tree order
    implemented_by: dict[Clause, list[Clause]] = field(default_factory=dict)
    #: clause -> what it declares it implements (valid ones only)
    implements: dict[Clause, list[Clause]] = field(default_factory=dict)
    #: tier -> the clauses whose coverage is counted, in tree order
    counted: dict[str, list[Clause]] = field(default_factory=dict)
    #: what the top tier's count is called (「基本方針6の対策」)
    measures_name: str = ""

    #: (clause, tier) -> answers already worked out: every view asks, and the trace does not
    #: change while a build writes its pages
    _covered: dict[tuple[Clause, str], bool] = field(default_factory=dict, repr=False)
    _inner: dict[tuple[Clause, str], list[Clause]] = field(default_factory=dict, repr=False)
    _by_document: dict[tuple[str, str], list[Clause]] = field(default_factory=dict, repr=False)
    _implemented_in: dict[str, list[Clause]] | None = field(default=None, repr=False)
    _link_texts: dict[Clause, str] = field(default_factory=dict, repr=False)

    def implemented_in(self, docname: str) -> list[Clause]:
        """The clauses of one document that something implements: each page asks, and
        going through every clause of the tree for each page was pages × clauses."""
        if self._implemented_in is None:
            self._implemented_in = {}
            for item in self.implemented_by:
                self._implemented_in.setdefault(item.docname, []).append(item)
        return self._implemented_in.get(docname, [])

    def link_text(self, env: BuildEnvironment, item: Clause) -> str:
        """How a view names a clause: its number as other documents write it, and its
        title, shortened. The matrix and the lists name one clause many times."""
        found = self._link_texts.get(item)
        if found is None:
            found = self._link_texts[item] = f"{_number(env, item)} {_short(item.title)}".strip()
        return found

    def covered(self, item: Clause, tier: str) -> bool:
        """Implemented directly, or (for a clause holding counted clauses) through all of
        them: a chapter is carried out when each standard in it is."""
        known = self._covered.get((item, tier))
        if known is None:
            inner = self.inner(item, tier)
            known = bool(self.implemented_by.get(item)) or (
                bool(inner) and all(self.covered(c, tier) for c in inner))
            self._covered[(item, tier)] = known
        return known

    def inner(self, item: Clause, tier: str) -> list[Clause]:
        """The counted clauses inside ``item``."""
        known = self._inner.get((item, tier))
        if known is None:
            if not self._by_document:
                for counted_tier, clauses in self.counted.items():
                    for c in clauses:
                        self._by_document.setdefault((counted_tier, c.docname), []).append(c)
            depth = len(item.parts)
            known = [c for c in self._by_document.get((tier, item.docname), [])
                     if len(c.parts) > depth and c.parts[:depth] == item.parts]
            self._inner[(item, tier)] = known
        return known

    def gaps(self, tier: str) -> list[Clause]:
        return [c for c in self.counted.get(tier, []) if not self.covered(c, tier)]

    def checked_tiers(self) -> list[str]:
        """Every tier that has a tier below it."""
        return self.tiers[:-1]


def _clause(env: BuildEnvironment, label: str) -> Clause | None:
    found = env.domains[clause.DOMAIN].find(label)  # type: ignore[attr-defined]
    if found is None:
        return None
    docname, entry = found
    return _from_entry(docname, entry)


def _from_entry(docname: str, entry: dict[str, Any]) -> Clause:
    return Clause(docname, tuple(entry["parts"]), tuple(entry["labels"]), entry["title"],
                  entry["anchor"], entry["line"])


def _order(env: BuildEnvironment) -> dict[Clause, int]:
    """Tree order of every numbered clause: by tier, then document, then position."""
    tiers = tiers_of(env.config)
    clauses: dict[str, list] = env.domains[clause.DOMAIN].clauses  # type: ignore[attr-defined]
    docnames = sorted(clauses, key=lambda d: (
        tiers.index(tier_of(env, d)) if tier_of(env, d) in tiers else len(tiers), d))
    order: dict[Clause, int] = {}
    for docname in docnames:
        for entry in clauses[docname]:
            order[_from_entry(docname, entry)] = len(order)
    return order


#: The trace of the build being written, by environment: worked out once when everything has
#: been read (``env-updated``), not once per page written (pages × declarations × clauses).
#: Forked writers inherit it; a new read starts it again.
_TRACES: dict[int, Trace] = {}


def _forget_trace(app: Sphinx, env: BuildEnvironment, *args: Any) -> None:
    _TRACES.pop(id(env), None)


def build_trace(env: BuildEnvironment, *, report_problems: bool = False) -> Trace:
    """Follow every declaration; with ``report_problems``, report each one that is wrong."""
    config = env.config
    trace = Trace(tiers_of(config))
    domain: TraceabilityDomain = env.domains[DOMAIN]  # type: ignore[assignment]
    order = _order(env)
    for docname in sorted(domain.declarations):
        tier = tier_of(env, docname)
        upper = _neighbour(config, tier, -1)
        for declaration in domain.declarations[docname]:
            location = (docname, declaration["line"])
            if tier not in trace.tiers:
                if report_problems and tier is None:  # an unknown one is reported as such
                    report("trace-no-tier", location, tiers="・".join(trace.tiers) or "なし")
                continue
            if upper is None:
                if report_problems:
                    report("trace-top-tier", location, tier=tier)
                continue
            source = _clause(env, declaration["labels"][0])
            if source is None:
                continue
            for label in declaration["targets"]:
                target = _clause(env, label)
                if target is None:
                    if report_problems:
                        report("trace-unknown-label", location, label=label, upper=upper)
                    continue
                found = tier_of(env, target.docname)
                if found != upper:
                    if report_problems:
                        report("trace-wrong-tier", location, label=label, tier=tier,
                               upper=upper, found=found or "どの階層にも属さない文書")
                    continue
                trace.implemented_by.setdefault(target, []).append(source)
                trace.implements.setdefault(source, []).append(target)
    for listing in (*trace.implemented_by.values(), *trace.implements.values()):
        listing.sort(key=lambda c: order.get(c, 0))
        listing[:] = list(dict.fromkeys(listing))
    if trace.tiers:
        trace.counted[trace.tiers[0]] = _measures(env, trace, order,
                                                  report_problems=report_problems)
        for tier in trace.tiers[1:-1]:
            trace.counted[tier] = sorted(
                (c for c in trace.implements if tier_of(env, c.docname) == tier),
                key=lambda c: order.get(c, 0))
    return trace


def _measures(env: BuildEnvironment, trace: Trace, order: dict[Clause, int], *,
              report_problems: bool) -> list[Clause]:
    """Every clause below each clause named in ``policy_measures``."""
    found: list[Clause] = []
    names = []
    clauses: clause.ClauseDomain = env.domains[clause.DOMAIN]  # type: ignore[assignment]
    for label in env.config.policy_measures:
        root = _clause(env, label)
        if root is None:
            # Only a build that read every document can tell a missing label from an unread one.
            if report_problems and env.config.policy_edition == env.config.policy_levels[-1]:
                report("bad-setting", "conf.py", name="policy_measures",
                       detail=f"no numbered clause has the label {label!r}")
            continue
        names.append(_number(env, root, named=False))
        found.extend(c for c in order if c.docname == root.docname
                     and len(c.parts) > len(root.parts) and c.parts[:len(root.parts)] == root.parts)
        trace.measures_name = clauses.short_name(root.docname)
    trace.measures_name += "、".join(names) + "の対策"
    return sorted(dict.fromkeys(found), key=lambda c: order.get(c, 0))


def _number(env: BuildEnvironment, item: Clause, *, named: bool = True) -> str:
    """A clause's number as another document names it (「対策基準第2の1」, 「基本方針6(3)」);
    without ``named``, the number alone, written the same way (「6(3)」)."""
    clauses: clause.ClauseDomain = env.domains[clause.DOMAIN]  # type: ignore[assignment]
    style_name = clauses.documents.get(item.docname, {}).get("style")
    style = clause.styles_of(env.config).get(style_name) if style_name else None
    if style is None:
        return ""
    number = style.path(list(item.parts), cross=True)
    return clauses.short_name(item.docname) + number if named else number


# --- checking once everything has been read ---------------------------------------------------


def _on_env_updated(app: Sphinx, env: BuildEnvironment) -> None:
    """Check every declaration and, in an edition that holds every document, report the
    coverage. Runs after every read, even one that read nothing, so ``check`` always prints
    the summary."""
    _check_front_matter(env)
    trace = build_trace(env, report_problems=True)
    _TRACES[id(env)] = trace  # everything is read: the pages written next share it
    config = env.config
    if not trace.tiers or config.policy_edition != config.policy_levels[-1]:
        return
    errors = _error_tiers(config)
    # An edition build names only the gaps that fail it; ``check`` (the dummy builder) lists
    # every gap, for the policy office and the auditors.
    listing_all = app.builder.name == "dummy"
    for tier in trace.checked_tiers():
        lower = _neighbour(config, tier, 1)
        gaps = trace.gaps(tier)
        report("trace-coverage", None, scope=_scope(trace, tier),
               count=len(trace.counted.get(tier, [])), lower=lower, gaps=len(gaps))
        for gap in gaps:
            if tier not in errors and not listing_all:
                continue
            report("trace-gap", (gap.docname, gap.line),
                   severity="error" if tier in errors else "warning",
                   tier=tier, lower=lower, clause=f"{_number(env, gap, named=False)} "
                   f"{_short(gap.title)}", label=gap.labels[0] if gap.labels else "ラベル")


def _scope(trace: Trace, tier: str) -> str:
    return trace.measures_name if tier == trace.tiers[0] else f"{tier}の条項"


def _error_tiers(config: Config) -> list[str]:
    chosen = config.policy_coverage_errors
    return list(chosen) if chosen is not None else tiers_of(config)[:1]


def _check_front_matter(env: BuildEnvironment) -> None:
    tiers = tiers_of(env.config)
    for docname in sorted(env.all_docs):
        declared = env.metadata.get(docname, {}).get("tier")
        if declared and str(declared).strip() not in tiers:
            report("trace-unknown-tier", (docname, _line_of_field(env, docname, "tier")),
                   tier=declared, known="・".join(tiers) or "なし")


def _line_of_field(env: BuildEnvironment, docname: str, name: str) -> int:
    try:
        lines = env.doc2path(docname).read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0
    pattern = re.compile(rf"^(?::{re.escape(name)}:|{re.escape(name)}\s*:)")
    return next((n for n, line in enumerate(lines, start=1) if pattern.match(line)), 0)


# --- incremental builds -----------------------------------------------------------------------


def _on_get_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """When any declaration changed (added, edited, removed, or its document gone), write
    every page that shows a view again: the clauses it names are on other pages."""
    domain: TraceabilityDomain = env.domains[DOMAIN]  # type: ignore[assignment]
    current = {docname: [[entry["labels"], entry["targets"]] for entry in entries]
               for docname, entries in sorted(domain.declarations.items())}
    if current == domain.data["shown"]:
        return []
    domain.data["shown"] = current
    showing = {docname for docname in env.found_docs if tier_of(env, docname) is not None}
    return sorted((showing | set(domain.matrices)) & env.found_docs)


# --- drawing the views ------------------------------------------------------------------------


class TraceViews(SphinxPostTransform):
    """Draw the declarations, the lists of what implements each clause and the matrix.

    Priority 20: after references are resolved (10), so the declared labels are already links
    with their numbers; everything drawn here links by itself. Nothing is drawn in an edition
    of the lowest level: there the restricted documents were never read, and the public pages
    must look the same whatever was.
    """

    default_priority = 20

    def run(self, **kwargs: Any) -> None:
        config = self.config
        placeholders = list(self.document.findall(trace_matrix))
        if config.policy_edition == config.policy_levels[0] or not tiers_of(config):
            for placeholder in placeholders:
                placeholder.parent.remove(placeholder)
            return
        env = self.env
        self.docname = env.docname
        self.builder = env._app.builder
        trace = _TRACES.get(id(env))
        if trace is None:
            trace = _TRACES[id(env)] = build_trace(env)
        self.trace = trace
        tier = tier_of(env, self.docname)
        upper = _neighbour(config, tier, -1)
        lower = _neighbour(config, tier, 1)
        drawn: set[Clause] = set()
        for node in list(self.document.findall(nodes.inline)):
            if _DECLARATION not in node or "trace_clause" not in node:
                continue
            node.insert(0, nodes.Text(f"実施する{upper or '上位の規定'}："))
            node["classes"].append("policy-trace-implements")
            item = _clause(env, node["trace_clause"])
            if item is None or lower is None or item in drawn:
                continue
            drawn.add(item)
            anchor = node.parent if isinstance(node.parent, nodes.paragraph) else node
            anchor.parent.insert(anchor.parent.index(anchor) + 1,
                                 self._implemented_by(item, lower))
        if lower is not None:
            for item in trace.implemented_in(self.docname):
                if item not in drawn:
                    self._place(item, self._implemented_by(item, lower))
        for placeholder in placeholders:
            placeholder.replace_self(self._matrix())

    # the list under a clause

    def _implemented_by(self, item: Clause, lower: str) -> nodes.Element:
        box = nodes.container(classes=["policy-trace-implemented-by", NO_SEARCH])
        caption = nodes.paragraph(classes=["policy-trace-caption"])
        caption += nodes.Text(f"この条項を実施する{lower}：")
        box += caption
        implementers = self.trace.implemented_by.get(item, [])
        if not implementers:
            caption += self._nothing(item)
            return box
        listing = nodes.bullet_list()
        for implementer in implementers:
            listing += nodes.list_item("", nodes.paragraph("", "", self._link(implementer)))
        box += listing
        return box

    def _nothing(self, item: Clause) -> nodes.Element:
        """What stands for an empty list: a gap, unless every clause inside is implemented."""
        tier = tier_of(self.env, item.docname) or ""
        if self.trace.inner(item, tier) and self.trace.covered(item, tier):
            return nodes.inline("", INNER, classes=["policy-trace-inner"])
        return nodes.inline("", "なし", classes=["policy-trace-gap"])

    def _link(self, item: Clause) -> nodes.Element:
        return make_refnode(self.builder, self.docname, item.docname, item.anchor,
                            nodes.Text(self.trace.link_text(self.env, item)), item.title)

    def _place(self, item: Clause, view: nodes.Element) -> None:
        """At the end of a clause's own text: before the first clause inside it (a section
        or numbered item), so that no inner clause's list comes before its own."""
        node = _node_of(self.document, item)
        if node is None:
            return
        position = next((i for i, child in enumerate(node.children) if isinstance(
            child, nodes.section) or (isinstance(child, nodes.enumerated_list)
                                     and clause.LIST_CLASS in child["classes"])),
            len(node.children))
        node.insert(position, view)

    # the matrix

    def _matrix(self) -> list[nodes.Node]:
        trace = self.trace
        found: list[nodes.Node] = []
        summary = nodes.bullet_list(classes=["policy-trace-summary", NO_SEARCH])
        for tier in trace.checked_tiers():
            lower = _neighbour(self.config, tier, 1)
            text = (f"{_scope(trace, tier)} {len(trace.counted.get(tier, []))} 件のうち、"
                    f"{lower}が実施していないもの {len(trace.gaps(tier))} 件")
            summary += nodes.list_item("", nodes.paragraph(text, text))
        found.append(summary)
        found.append(self._table())
        for tier in trace.checked_tiers():
            lower = _neighbour(self.config, tier, 1)
            gaps = trace.gaps(tier)
            heading = f"{lower}が実施していない{_scope(trace, tier)}（{len(gaps)} 件）"
            found.append(nodes.rubric(heading, heading, classes=["policy-trace-gaps"]))
            if not gaps:
                found.append(nodes.paragraph("ありません。", "ありません。"))
                continue
            listing = nodes.bullet_list(classes=["policy-trace-gap-list", NO_SEARCH])
            for gap in gaps:
                listing += nodes.list_item("", nodes.paragraph("", "", self._link(gap)))
            found.append(listing)
        return found

    def _table(self) -> nodes.table:
        trace = self.trace
        columns = len(trace.tiers)
        table = nodes.table(classes=["policy-trace-matrix", NO_SEARCH])
        group = nodes.tgroup(cols=columns)
        table += group
        for _ in range(columns):
            group += nodes.colspec(colwidth=1)
        head = nodes.thead()
        header = nodes.row()
        for tier in trace.tiers:
            header += nodes.entry("", nodes.paragraph(tier, tier))
        head += header
        group += head
        body = nodes.tbody()
        top = trace.tiers[0]
        shown = [*trace.counted.get(top, [])]
        shown += [c for c in trace.implemented_by if tier_of(self.env, c.docname) == top
                  and c not in shown]
        order = _order(self.env)
        for item in sorted(shown, key=lambda c: order.get(c, 0)):
            for cells in self._rows(item, 0):
                row = nodes.row()
                for cell in cells:
                    row += cell
                body += row
        group += body
        return table

    def _rows(self, item: Clause, level: int) -> list[list[nodes.entry]]:
        """The rows of ``item`` and what implements it: its own cell spans all of them."""
        last = len(self.trace.tiers) - 1
        if level < last and self.trace.implemented_by.get(item):
            rows: list[list[nodes.entry]] = []
            for implementer in self.trace.implemented_by[item]:
                rows.extend(self._rows(implementer, level + 1))
        else:
            rows = [[]]
            if level < last:
                rows[0].append(_entry(self._nothing(item)))
                rows[0].extend(_entry(nodes.Text("")) for _ in range(last - level - 1))
        cell = _entry(self._link(item))
        if len(rows) > 1:
            cell["morerows"] = len(rows) - 1
        rows[0].insert(0, cell)
        return rows


def _entry(content: nodes.Node) -> nodes.entry:
    return nodes.entry("", nodes.paragraph("", "", content))


def _node_of(document: nodes.document, item: Clause) -> nodes.Element | None:
    """The section or item a clause's label names in a doctree."""
    for label in item.labels:
        node_id = document.nameids.get(label)
        node = document.ids.get(node_id) if node_id else None
        if isinstance(node, nodes.target) and "refid" in node:
            node = document.ids.get(node["refid"])
        if isinstance(node, nodes.paragraph) and isinstance(node.parent, nodes.list_item):
            node = node.parent
        if node is not None and _is_clause_node(node):
            return node  # type: ignore[return-value]
    return None


# --- settings and wiring ----------------------------------------------------------------------


def _on_config_inited(app: Sphinx, config: Config) -> None:
    tiers = config.policy_tiers
    problems = []
    if not isinstance(tiers, dict) or not all(
            isinstance(name, str) and isinstance(paths, (list, tuple))
            and all(isinstance(p, str) for p in paths) for name, paths in tiers.items()):
        problems.append(("policy_tiers", "a dict from tier name to a list of folders"))
    chosen = config.policy_coverage_errors
    if chosen is not None and (not isinstance(chosen, (list, tuple)) or any(
            name not in tiers for name in chosen)):
        problems.append(("policy_coverage_errors", f"{chosen!r}: names of policy_tiers"))
    measures = config.policy_measures
    if not isinstance(measures, (list, tuple)) or not all(isinstance(m, str) for m in measures):
        problems.append(("policy_measures", "a list of clause labels"))
    if problems:
        name, detail = problems[0]
        raise PolicyError("bad-setting", "conf.py", name=name, detail=detail)


def _on_builder_inited(app: Sphinx) -> None:
    config = app.config
    if config.policy_edition == config.policy_levels[0]:
        return
    stylesheet = str(_STYLESHEET)
    if stylesheet not in config.html_static_path:
        config.html_static_path.append(stylesheet)
    app.add_css_file(_STYLESHEET.name)


def _skip(translator: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


def setup_traceability(app: Sphinx) -> None:
    app.add_config_value("policy_tiers", {}, "env", types=[dict])
    app.add_config_value("policy_measures", ["kihon-measures"], "env", types=[list, tuple])
    app.add_config_value("policy_coverage_errors", None, "env",
                         types=[list, tuple, type(None)])
    app.connect("config-inited", _on_config_inited)
    app.connect("builder-inited", _on_builder_inited)
    app.add_node(trace_matrix, html=(_skip, None), latex=(_skip, None), text=(_skip, None),
                 man=(_skip, None), texinfo=(_skip, None))
    app.add_domain(TraceabilityDomain)
    app.add_role("implements", ImplementsRole())
    app.add_directive("traceability-matrix", MatrixDirective)
    app.add_transform(DeclarationCollector)
    app.add_post_transform(TraceViews)
    app.connect("env-before-read-docs", _forget_trace)
    app.connect("env-updated", _on_env_updated)
    app.connect("env-get-updated", _on_get_updated)
    edition.register_target_resolver(DOMAIN, _target_docname)
