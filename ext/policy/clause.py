"""Clauses: numbers computed in the document's style, and references that follow renumbering.

Editors write meaning, the toolchain numbers. A document opts in with ``numbering: <style>`` in
its front matter; then every section below the document title is a clause numbered by its
depth, and every item of an ordered list is a clause one level below the clause that holds it.
The numbers are put into the heading and item text at parse time, so the table of contents,
the search index, translations and references all see the same number.

A label written before a heading or inside an item (``(label)=``) names the clause. The role
``{clause}`` renders the clause's current number, looked up when the page is written: so when
a document is renumbered, rewriting the documents that refer to it is enough. Clause data
lives in the ``clause`` domain (label → document, number path, title), merged from parallel
readers with duplicate labels reported.
"""

from __future__ import annotations

import re
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
from sphinx.util.docutils import SphinxRole
from sphinx.util.nodes import make_refnode

from . import edition, numbering
from .messages import PolicyError, report

DOMAIN = "clause"
#: The class of an ordered list whose items are numbered clauses: the number is in the text,
#: so the list shows no marker of its own (this file, published by itself: ``static/`` also
#: holds files that belong to one edition only).
LIST_CLASS = "policy-clause-list"
_STYLESHEET = Path(__file__).parent / "static" / "policy-clause.css"


def styles_of(config: Config) -> dict[str, numbering.NumberingStyle]:
    return numbering.styles(config.policy_numbering_styles)


# --- the domain: what is known about every numbered document ---------------------------------


class ClauseDomain(Domain):
    """Numbered documents and their clauses.

    ``documents``: docname -> {"style", "short_name"} for each numbered document;
    ``clauses``: docname -> [{"labels", "parts", "title", "anchor", "line"}] in document order,
    labelled or not (an unlabelled clause still shows its number in the navigation).
    """

    name = DOMAIN
    label = "条項 clause"
    data_version = 1
    initial_data: ClassVar[dict[str, Any]] = {"documents": {}, "clauses": {}}

    def __init__(self, env: BuildEnvironment) -> None:
        super().__init__(env)
        #: The numbering of documents as it was before they were read again in this build.
        self.before: dict[str, list] = {}
        self._index: dict[str, tuple[str, dict[str, Any]]] | None = None
        #: label -> the documents whose clauses carry it, kept up to date as documents are
        #: read: each document read is checked against all the others.
        self._owners: dict[str, set[str]] | None = None

    @property
    def documents(self) -> dict[str, dict[str, Any]]:
        return self.data["documents"]

    @property
    def clauses(self) -> dict[str, list[dict[str, Any]]]:
        return self.data["clauses"]

    def clear_doc(self, docname: str) -> None:
        self._index = None
        self._own(docname, add=False)
        if docname in self.clauses and docname not in self.before:
            self.before[docname] = self.signature(docname)
        self.documents.pop(docname, None)
        self.clauses.pop(docname, None)

    def merge_domaindata(self, docnames: set[str], otherdata: dict[str, Any]) -> None:
        # The other reader knew every document but those merged from other readers; a clash
        # with one it knew, it has reported itself.
        self._index = self._owners = None
        unseen = set(self.clauses) - set(otherdata["clauses"])
        index = self._labels(unseen)
        for docname in sorted(docnames):
            if docname not in otherdata["clauses"]:
                continue
            for clause in otherdata["clauses"][docname]:
                for label in clause["labels"]:
                    if label in index:
                        report("clause-duplicate-label", (docname, clause["line"]),
                               label=label, other=self.env.doc2path(index[label]))
            self.clauses[docname] = otherdata["clauses"][docname]
            self.documents[docname] = otherdata["documents"][docname]

    def _own(self, docname: str, add: bool) -> None:
        if self._owners is None:
            return
        for clause in self.clauses.get(docname, []):
            for label in clause["labels"]:
                owners = self._owners.setdefault(label, set())
                if add:
                    owners.add(docname)
                else:
                    owners.discard(docname)

    def other_owner(self, label: str, docname: str) -> str | None:
        """The first document (by name) other than ``docname`` whose clauses carry
        ``label``."""
        if self._owners is None:
            self._owners = {}
            for name in self.clauses:
                self._own(name, add=True)
        return min(self._owners.get(label, set()) - {docname}, default=None)

    def _labels(self, docnames: set[str] | None = None) -> dict[str, str]:
        """Label -> docname, for the given documents (all when None); the first one wins."""
        found: dict[str, str] = {}
        for docname in sorted(self.clauses if docnames is None else docnames):
            for clause in self.clauses.get(docname, []):
                for label in clause["labels"]:
                    found.setdefault(label, docname)
        return found

    def find(self, label: str) -> tuple[str, dict[str, Any]] | None:
        """The document and clause a label names, if it names a numbered clause."""
        if self._index is None:
            # Built once per change of the data, not per lookup: views and references look
            # labels up for every page they write.
            self._index = {}
            for docname in sorted(self.clauses):
                for clause in self.clauses[docname]:
                    for known in clause["labels"]:
                        self._index.setdefault(known, (docname, clause))
        return self._index.get(label.lower())

    def signature(self, docname: str) -> list:
        """What other pages show of a document's numbering: its name and every clause."""
        return [self.documents.get(docname),
                *((c["parts"], c["title"], c["labels"]) for c in self.clauses.get(docname, []))]

    def renumbered(self) -> set[str]:
        """Documents read again in this build whose numbering changed (or that are gone)."""
        return {name for name, old in self.before.items() if old != self.signature(name)}

    def note_document(self, docname: str, style: str, short_name: str | None,
                      clauses: list[dict[str, Any]]) -> None:
        self._index = None
        self._own(docname, add=False)
        self.documents[docname] = {"style": style, "short_name": short_name}
        self.clauses[docname] = clauses
        self._own(docname, add=True)

    def resolve_xref(self, env: BuildEnvironment, fromdocname: str, builder: Builder,
                     typ: str, target: str, node: addnodes.pending_xref,
                     contnode: nodes.Element) -> nodes.Element | None:
        found = self.find(target)
        if found is None:
            _report_unresolved(env, fromdocname, target, node)
            return nodes.inline(target, target, classes=["clause-unresolved"])
        docname, clause = found
        style = styles_of(env.config)[self.documents[docname]["style"]]
        if docname == fromdocname:
            text = style.path(clause["parts"])
        else:
            text = style.path(clause["parts"], cross=True)
            previous = self.find(node.get("clause_previous", "")) if node.get(
                "clause_previous") else None
            if previous is None or previous[0] != docname:
                text = self.short_name(docname) + text
        reference = make_refnode(builder, fromdocname, docname, clause["anchor"],
                                 nodes.Text(text), clause["title"])
        reference["classes"].append("clause-reference")
        return reference

    def short_name(self, docname: str) -> str:
        """How another document names this one: its ``short-name``, else its title."""
        short = self.documents.get(docname, {}).get("short_name")
        if short:
            return short
        title = self.env.titles.get(docname)
        return title.astext() if title is not None else docname

    def resolve_any_xref(self, *args: Any) -> list:
        # Clause labels are also standard labels; answering here too would make every
        # ``{any}`` and MyST ``#label`` link ambiguous.
        return []


def _report_unresolved(env: BuildEnvironment, fromdocname: str, label: str,
                       node: nodes.Element) -> None:
    if edition.guarded(env, fromdocname):
        # The public build has not read the restricted documents, so it cannot tell a
        # restricted label from a missing one: the same message in every build.
        report("public-refers-restricted", node, target=label)
        return
    std = env.domains.standard_domain
    if label.lower() in std.labels or label.lower() in std.anonlabels:
        report("clause-not-numbered", node, label=label)
    else:
        report("clause-unknown-label", node, label=label)


def _target_docname(env: BuildEnvironment, reftype: str, target: str,
                    refdoc: str) -> str | None:
    found = env.domains[DOMAIN].find(target)  # type: ignore[attr-defined]
    return found[0] if found else None


# --- numbering at parse time ------------------------------------------------------------------


def _front_matter(document: nodes.document) -> dict[str, tuple[str, int]]:
    """Front matter fields (MyST front matter, rST field list) as name -> (value, line)."""
    found: dict[str, tuple[str, int]] = {}
    for holder in document.children:
        if isinstance(holder, (nodes.docinfo, nodes.field_list)):
            for field in holder.findall(nodes.field):
                name = field[0].astext().strip()
                line = field.line or _line_of_field(document, name)
                found.setdefault(name, (field[1].astext().strip(), line))
    return found


def _line_of_field(document: nodes.document, name: str) -> int:
    """The line a front matter field is written on (MyST does not record it on the node)."""
    field = re.compile(rf"^(?::{re.escape(name)}:|{re.escape(name)}\s*:)")
    try:
        with open(document["source"], encoding="utf-8") as source:
            for number, line in enumerate(source, start=1):
                if field.match(line):
                    return number
                if number > 60:
                    break
    except (OSError, KeyError):
        pass
    return 1


def _is_clause(node: nodes.Node) -> bool:
    if isinstance(node, nodes.section):
        return isinstance(node.parent, nodes.Element) and bool(
            _ancestor_section(node.parent))
    return isinstance(node, nodes.list_item) and isinstance(node.parent, nodes.enumerated_list)


def _ancestor_section(node: nodes.Node | None) -> nodes.section | None:
    while node is not None:
        if isinstance(node, nodes.section):
            return node
        node = node.parent
    return None


def _clause_children(node: nodes.Element) -> list[nodes.Element]:
    """The clauses directly below ``node``: the nearest ones, whatever wraps them."""
    found: list[nodes.Element] = []
    for child in node.children:
        if not isinstance(child, nodes.Element):
            continue
        if _is_clause(child):
            found.append(child)
        else:
            found.extend(_clause_children(child))
    return found


def _text_holder(clause: nodes.Element) -> nodes.TextElement:
    """Where a clause's number goes: its title, or its item's first paragraph."""
    if isinstance(clause, nodes.section):
        return clause[0]  # type: ignore[return-value]
    for child in clause.children:
        if isinstance(child, nodes.paragraph):
            return child
        if not isinstance(child, (nodes.target, nodes.Invisible)):
            break
    paragraph = nodes.paragraph()
    clause.insert(0, paragraph)
    return paragraph


def _labels_by_node(document: nodes.document) -> dict[int, list[tuple[str, str]]]:
    """Explicit labels per clause node (by ``id``): (label, the id the label points at)."""
    found: dict[int, list[tuple[str, str]]] = {}
    for name, explicit in document.nametypes.items():
        if not explicit:
            continue
        node_id = document.nameids.get(name)
        node = document.ids.get(node_id) if node_id else None
        if isinstance(node, nodes.target) and "refid" in node:
            node = document.ids.get(node["refid"])
        if isinstance(node, nodes.paragraph) and isinstance(node.parent, nodes.list_item):
            node = node.parent  # ``(label)=`` at the start of an item names the item
        if node is not None and _is_clause(node):
            found.setdefault(id(node), []).append((name, node_id))  # type: ignore[arg-type]
    return found


class ClauseNumbering(SphinxTransform):
    """Number the clauses of a numbered document and record them in the domain.

    Priority 400: after targets are moved onto the headings they precede (``PropagateTargets``,
    260) and front matter is collected (``DocInfo``, 340); before ``SphinxDomains`` (850) and
    the collectors, so labels, the table of contents and the search index get numbered titles.
    Translations are applied earlier (``Locale``, 20), so a translated title is numbered too.
    """

    default_priority = 400

    def apply(self, **kwargs: Any) -> None:
        env = self.env
        docname = env.docname
        domain: ClauseDomain = env.domains[DOMAIN]  # type: ignore[assignment]
        fields = _front_matter(self.document)
        style_name, line = fields.get("numbering", (env.config.policy_numbering_default, 0))
        if not style_name:
            return
        known = styles_of(env.config)
        style = known.get(style_name)
        if style is None:
            report("clause-unknown-style", (docname, line), style=style_name,
                   known="、".join(sorted(known)))
            return
        short_name = fields.get("short-name", ("", 0))[0] or None
        self.labels = _labels_by_node(self.document)
        self.style = style
        self.clauses: list[dict[str, Any]] = []
        for top in self.document.findall(nodes.section):
            if _ancestor_section(top.parent) is None:
                self._number(top, [])
        for clause in self.clauses:
            for label in clause["labels"]:
                other = domain.other_owner(label, docname)
                if other is not None:
                    report("clause-duplicate-label", (docname, clause["line"]), label=label,
                           other=env.doc2path(other))
        domain.note_document(docname, style_name, short_name, self.clauses)

    def _number(self, parent: nodes.Element, parts: list[str]) -> None:
        depth = len(parts)
        for position, clause in enumerate(_clause_children(parent), start=1):
            holder = _text_holder(clause)
            line = clause.line or holder.line or 0
            if depth >= len(self.style.levels):
                report("clause-too-deep", (self.env.docname, line), depth=depth + 1,
                       style=self.style.name, levels=len(self.style.levels))
                return
            try:
                number = self.style.number(depth, position)
            except numbering.TooMany as exc:
                report("clause-too-many", (self.env.docname, line), counter=exc.counter,
                       largest=exc.largest)
                return
            title = holder.astext()
            typed = self.style.typed_number(depth, title)
            if typed:
                report("clause-typed-number", (self.env.docname, line), number=typed)
            holder.insert(0, nodes.inline(number, number, classes=["clause-number"]))
            holder.insert(1, nodes.Text(self.style.gap))
            if isinstance(clause, nodes.list_item) and LIST_CLASS not in clause.parent["classes"]:
                clause.parent["classes"].append(LIST_CLASS)
            labels = self.labels.get(id(clause), [])
            self.clauses.append({
                "labels": sorted(label for label, _id in labels),
                "parts": [*parts, number],
                "title": title,
                "anchor": min(anchor for _label, anchor in labels) if labels else "",
                "line": line,
            })
            self._number(clause, [*parts, number])


# --- the role ---------------------------------------------------------------------------------

_CONJUNCTIONS = ("及び", "又は")
_SEPARATORS = re.compile(r"[\s,、]+")
#: How several numbers are joined, by language: (separator, {conjunction: word}). Japanese is
#: the default; a translated edition joins them in its own language (「6、7及び8」, "6, 7 and 8").
_JOINERS = {
    "ja": ("、", {"及び": "及び", "又は": "又は"}),
    "en": (", ", {"及び": " and ", "又は": " or "}),
}


class ClauseRole(SphinxRole):
    """``{clause}`label``, ``{clause}`a,b,c``` (「6、7及び8」), ``{clause}`a 又は b```.

    Each label becomes a ``pending_xref`` of its own, so that each number is a link and the
    edition check follows each one; the joining words are plain text between them.
    """

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        text = self.text.strip()
        used = [word for word in _CONJUNCTIONS if word in text]
        for word in _CONJUNCTIONS:
            text = text.replace(word, ",")
        labels = [label.lower() for label in _SEPARATORS.split(text) if label]
        if not labels or len(used) > 1:
            report("clause-bad-reference", self.get_location(), text=self.text)
            return [nodes.inline(self.text, self.text)], []
        language = (self.config.language or "ja").split("_")[0]
        separator, words = _JOINERS.get(language, _JOINERS["ja"])
        conjunction = words[used[0] if used else "及び"]
        wrapper = nodes.inline(classes=["clause-references"])
        previous = ""
        for index, label in enumerate(labels):
            if index:
                wrapper += nodes.Text(conjunction if index == len(labels) - 1 else separator)
            xref = addnodes.pending_xref(
                "", nodes.Text(label), refdomain=DOMAIN, reftype="clause", reftarget=label,
                refdoc=self.env.docname, refexplicit=False, refwarn=True,
                clause_previous=previous,
            )
            self.set_source_info(xref)
            wrapper += xref
            previous = label
        return [wrapper], []


# --- incremental builds and configuration -----------------------------------------------------


def _on_get_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """When a document read again was renumbered, write every page again: references to it
    and every page's navigation show its numbers."""
    domain: ClauseDomain = env.domains[DOMAIN]  # type: ignore[assignment]
    changed = domain.renumbered()
    domain.before = {}
    return sorted(env.found_docs) if changed else []


def _exports(env: BuildEnvironment, docname: str) -> list:
    """What references to a document's clauses show: its numbering and clause titles."""
    return env.domains[DOMAIN].signature(docname)  # type: ignore[attr-defined]


def _on_config_inited(app: Sphinx, config: Config) -> None:
    problems = numbering.style_problems(config.policy_numbering_styles)
    if problems:
        raise PolicyError("bad-setting", "conf.py", name="policy_numbering_styles",
                          detail="; ".join(problems))
    default = config.policy_numbering_default
    if default and default not in styles_of(config):
        raise PolicyError("bad-setting", "conf.py", name="policy_numbering_default",
                          detail=f"no style named {default!r}")


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    """Give each numbered entry of the document's table of contents its number as plain text.

    Sphinx copies the whole navigation into every page it writes, and an element inside an
    entry costs a walk up the entry's ancestors at every copy: with a hundred documents the
    number's element made the restricted build's navigation twice as slow as plain Sphinx's.
    Nothing styles the number in the navigation, so the entry reads the same as text. Runs
    after Sphinx's own collector (priority 500) has made the entries."""
    toc = app.env.tocs.get(app.env.docname)
    if toc is None:
        return
    for entry in toc.findall(nodes.reference):
        if any(isinstance(child, nodes.inline) and "clause-number" in child["classes"]
               for child in entry.children):
            text = entry.astext()
            entry.clear()
            entry += nodes.Text(text)


def _on_builder_inited(app: Sphinx) -> None:
    stylesheet = str(_STYLESHEET)
    if stylesheet not in app.config.html_static_path:
        app.config.html_static_path.append(stylesheet)


def setup_clause(app: Sphinx) -> None:
    app.add_config_value("policy_numbering_styles", {}, "env", types=[dict])
    app.add_config_value("policy_numbering_default", "", "env", types=[str])
    app.connect("config-inited", _on_config_inited)
    app.connect("builder-inited", _on_builder_inited)
    app.add_domain(ClauseDomain)
    app.add_transform(ClauseNumbering)
    app.add_role("clause", ClauseRole())
    app.add_css_file("policy-clause.css")
    app.connect("env-get-updated", _on_get_updated)
    app.connect("doctree-read", _on_doctree_read, priority=600)
    edition.register_target_resolver(DOMAIN, _target_docname, _exports)
