"""The wording of every clause of a document as an edition shows it: what a 新旧対照表 compares.

A 新旧対照表 sets the text of a revision beside the text of another, clause by clause, with the
numbers each edition showed. So the numbers and the rendered references (「上記6」) are not
worked out again here: each revision is built with this extension, and its resolved
doctrees are read. The ``policy-wording`` builder writes, for every document of the edition,
its title, its history and its units in document order: the text before the first clause,
and each clause (a section below the title, or in a numbered document an item of a numbered
list) with its labels, its number as a reference writes it (「6 (4)」, 「第7の3の(1)」), and its
own text, without the text of the clauses inside it.

What this extension adds to a page and what is not the wording of the 規程 is left out: the
附則 and the 未施行 mark (``revision.py``), the implements declarations and lists
(``traceability.py``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.environment import BuildEnvironment

from . import clause, marking, revision

BUILDER = "policy-wording"
OUTPUT = "wording.json"
#: Elements that are not the wording of the 規程.
_LEFT_OUT_CLASSES = {revision.SUPPLEMENTARY_CLASS, revision.NOT_IN_FORCE_CLASS,
                     "policy-trace-implemented-by", "policy-trace-declaration",
                     "clause-number", "toctree-wrapper"}
_LEFT_OUT_NODES = (nodes.system_message, nodes.comment, nodes.raw, nodes.target,
                   nodes.substitution_definition, addnodes.index, addnodes.toctree,
                   addnodes.only)
_CELL_SEPARATOR = "｜"
#: MyST's hard line break (a backslash at the end of a line), kept as a line of its own.
_LINE_BREAK = re.compile(r"^\s*<br\s*/?>\s*$")


def _left_out(node: nodes.Node) -> bool:
    if isinstance(node, _LEFT_OUT_NODES):
        return True
    if isinstance(node, nodes.Element):
        return bool(_LEFT_OUT_CLASSES & set(node.get("classes", []))) or (
            "policy_implements" in node)
    return False


class _Extractor:
    """Walks one resolved doctree and collects its units."""

    def __init__(self, env: BuildEnvironment, docname: str, document: nodes.document) -> None:
        self.env = env
        self.docname = docname
        domain = env.domains[clause.DOMAIN]
        info = domain.documents.get(docname)  # type: ignore[attr-defined]
        self.style = clause.styles_of(env.config)[info["style"]] if info else None
        self.entries = list(domain.clauses.get(docname, [])) if info else []  # type: ignore[attr-defined]
        self.document = document
        self.units: list[dict[str, Any]] = []

    def is_clause(self, node: nodes.Node) -> bool:
        if isinstance(node, nodes.section):
            return isinstance(node.parent, nodes.section)
        return self.style is not None and isinstance(node, nodes.list_item) and isinstance(
            node.parent, nodes.enumerated_list)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        top = next((child for child in self.document.children
                    if isinstance(child, nodes.section)), None)
        if top is None:
            return "", []
        title = self.lines(top[0])[0] if len(top) and isinstance(top[0], nodes.title) else ""
        preamble = self.own_lines(top, skip_first=True)
        self.units.append({"kind": "preamble", "labels": [], "number": "", "depth": 0,
                           "parent": -1, "heading": False, "lines": preamble})
        self.walk(top, 0, 0, [])
        return title, self.units

    def walk(self, node: nodes.Element, parent: int, depth: int, parts: list[str]) -> None:
        for child in node.children:
            if not isinstance(child, nodes.Element) or _left_out(child):
                continue
            if self.is_clause(child):
                self.add(child, parent, depth + 1, parts)
            else:
                self.walk(child, parent, depth, parts)

    def add(self, node: nodes.Element, parent: int, depth: int, parts: list[str]) -> None:
        number = self.number_of(node)
        own = [*parts, number] if number else parts
        entry = self.entries.pop(0) if self.style is not None and self.entries else None
        if entry is not None and entry["parts"] != own:
            entry = None  # not the clause the numbering recorded: trust no label of it
        is_section = isinstance(node, nodes.section)
        lines = self.own_lines(node, skip_first=False)
        self.units.append({
            "kind": "section" if is_section else "item",
            "labels": list(entry["labels"]) if entry else self.labels_of(node),
            "number": self.style.path(own) if self.style is not None and own else "",
            "depth": depth, "parent": parent, "heading": is_section, "lines": lines,
        })
        self.walk(node, len(self.units) - 1, depth, own)

    def labels_of(self, node: nodes.Element) -> list[str]:
        """The labels an editor wrote for a clause (not the names Sphinx makes of titles)."""
        explicit = self.document.nametypes
        return sorted(name for name in node.get("names", []) if explicit.get(name))

    def number_of(self, node: nodes.Element) -> str:
        """The number the clause numbering put at the start of a clause's title or first
        paragraph (empty for what is not a numbered clause)."""
        if not self.is_clause(node) or self.style is None:
            return ""
        holder = node[0] if isinstance(node, nodes.section) else next(
            (child for child in node.children if isinstance(child, nodes.paragraph)), None)
        first = holder[0] if holder is not None and len(holder) else None
        if isinstance(first, nodes.inline) and "clause-number" in first["classes"]:
            return first.astext()
        return ""

    def own_lines(self, node: nodes.Element, skip_first: bool) -> list[str]:
        """The lines of a unit's own text: its title and blocks, not its inner clauses."""
        found: list[str] = []
        for index, child in enumerate(node.children):
            if skip_first and index == 0:
                continue
            if not isinstance(child, nodes.Node) or _left_out(child) or self.is_clause(child):
                continue
            found.extend(self.lines(child))
        if found and self.style is not None and self.number_of(node):
            found[0] = found[0].removeprefix(self.style.gap).lstrip(" \u3000")
        return [line for line in found if line]

    def lines(self, node: nodes.Node) -> list[str]:
        if isinstance(node, nodes.Text):
            text = " ".join(str(node).split())
            return [text] if text else []
        if not isinstance(node, nodes.Element) or _left_out(node) or self.is_clause(node):
            return []
        if isinstance(node, nodes.row):
            cells = [" ".join(self.lines(entry)) for entry in node.children]
            return [_CELL_SEPARATOR.join(cells)]
        if isinstance(node, (nodes.TextElement, nodes.title)):
            return "".join(_inline_text(node)).split("\n")
        found: list[str] = []
        for child in node.children:
            found.extend(self.lines(child))
        return found


def _inline_text(node: nodes.Node) -> list[str]:
    if isinstance(node, nodes.Text):
        return [str(node).replace("\n", "")]
    if isinstance(node, nodes.raw) and _LINE_BREAK.match(node.astext()):
        return ["\n"]
    if _left_out(node):
        return []
    found: list[str] = []
    for child in node.children:  # type: ignore[attr-defined]
        found.extend(_inline_text(child))
    return found


def extract(env: BuildEnvironment, docname: str, document: nodes.document) -> dict[str, Any]:
    """A document's title, numbering style, history and units, from its resolved doctree."""
    title, units = _Extractor(env, docname, document).run()
    info = env.domains[clause.DOMAIN].documents.get(docname)  # type: ignore[attr-defined]
    history = env.domains[revision.DOMAIN].histories.get(docname)  # type: ignore[attr-defined]
    return {"docname": docname, "title": title, "style": info["style"] if info else "",
            "history": history, "units": units}


class WordingBuilder(Builder):
    """``policy-wording``: ``wording.json`` with every document of the edition, in the order
    of the tables of contents."""

    name = BUILDER
    epilog = ""
    allow_parallel = False

    def init(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}

    def get_outdated_docs(self) -> set[str]:
        return set(self.env.found_docs)

    def get_target_uri(self, docname: str, typ: str | None = None) -> str:
        return docname

    def prepare_writing(self, docnames: set[str]) -> None:
        pass

    def write_doc(self, docname: str, doctree: nodes.document) -> None:
        self.documents[docname] = extract(self.env, docname, doctree)

    def finish(self) -> None:
        order = revision.document_order(self.env)
        found = [self.documents[name] for name in order if name in self.documents]
        Path(self.outdir).mkdir(parents=True, exist_ok=True)
        config = self.env.config
        data = {"project": config.project, "edition": config.policy_edition,
                "label": marking.level_label(config, config.policy_edition), "documents": found}
        Path(self.outdir, OUTPUT).write_text(json.dumps(data, ensure_ascii=False, indent=1),
                                             encoding="utf-8")


def setup_wording(app: Sphinx) -> None:
    app.add_builder(WordingBuilder)
