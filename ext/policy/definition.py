"""Defined terms: one definition per term, recognised in running text and checked everywhere.

The 定義 clause of the basic policy defines the terms that govern the whole policy; the
standards and procedures may define terms of their own (restricted terms). This module

* gives the ``definition`` directive: a clause whose heading is the term and whose body is its
  definition, registered in Sphinx's standard domain like a glossary term (so ``{term}`` and the
  general index work) and recorded in the ``terms`` domain;
* links every use of a defined term in running text to its definition, without markup, once
  every document has been read (a post-transform at write time), longest name first; how often
  is ``policy_term_links``; ``{term}`` forces a link, ``{no-term}`` prevents one;
* fills the ``defined-terms`` directive, the 用語集 page of an edition, with the terms that page
  may name;
* checks, once everything has been read: terms defined twice or redefined below the basic
  policy, terms never used, variant spellings (表記ゆれ) and doubled characters; ``{sic}`` marks
  official wording that is kept as it is, with the reason.

A document sees only the terms defined in documents of its own level or lower: a public
document is never linked to, nor checked against, a restricted term, so a public document
behaves the same in the public build (where restricted documents are not read) and in the
restricted one.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.domains import Domain
from sphinx.environment import BuildEnvironment
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective, SphinxRole

from . import terminology
from .edition import doc_level, guarded, higher
from .messages import PolicyError, report

LINK_MODES = ("every", "first-per-clause")
_ALIAS = re.compile(r"^(?P<term>.+?)\s*（(?P<alias>[^（）]+)）$")
_REASON = re.compile(r"^(?P<text>.*?)\s*<(?P<reason>[^<>]*)>\s*$", re.S)
_SIC_CLASS = "policy-sic"
_NO_TERM_CLASS = "policy-no-term"


class term_list(nodes.General, nodes.Element):
    """Where the 用語集 goes; filled when the page is written, once every term is known."""


# --- writing terms down -------------------------------------------------------------------


def _names_of(heading: str) -> tuple[str, list[str]]:
    """The term and its other name: 「マイナンバー利用事務系（個人番号利用事務系）」 names one
    term twice, as the official text writes it."""
    match = _ALIAS.match(heading)
    if match:
        return match["term"], [match["alias"]]
    return heading, []


def _split_forms(value: str) -> list[str]:
    return [form.strip() for form in re.split(r"[,、，]", value) if form.strip()]


def _node_id(document: nodes.document, term: str) -> str:
    """A stable anchor: the same term keeps its address when clauses are added or moved."""
    base = "term-" + hashlib.sha256(term.encode("utf-8")).hexdigest()[:10]
    node_id, serial = base, 1
    while node_id in document.ids:  # the same term defined twice in one document
        node_id, serial = f"{base}-{serial}", serial + 1
    return node_id


class DefinitionDirective(SphinxDirective):
    """``definition``: a clause that defines a term; the heading is the term as written.

    It is a section, so the clause numbering numbers it like any other clause, with the
    definition as its body. Options: ``:forms:`` other written forms that are uses of the term
    (「通信経路を分割」 for 「通信経路の分割」), separated by 「、」.
    """

    has_content = True
    required_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar[dict[str, Any]] = {"forms": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        heading = self.arguments[0].strip()
        term, aliases = _names_of(heading)
        if not "".join(self.content).strip():
            report("definition-empty", self.get_location(), term=term)
        if not isinstance(self._container(), (nodes.section, nodes.document)):
            # A clause inside a list item or a note would be numbered and shown out of place.
            report("definition-misplaced", self.get_location(), term=term)
        node_id = _node_id(self.state.document, term)
        section = nodes.section(ids=[node_id], classes=["policy-definition"], policy_term=term)
        self.set_source_info(section)
        title = nodes.title(heading, heading)
        self.set_source_info(title)
        section += title
        index = addnodes.index(entries=[("single", name, node_id, "main", None)
                                        for name in [term, *aliases]])
        self.set_source_info(index)
        section += index
        self.state.nested_parse(self.content, self.content_offset, section)
        self.state.document.note_explicit_target(section)
        std = self.env.domains.standard_domain
        for name in [term, *aliases]:
            if ("term", name) not in std.objects:  # a second definition is reported later
                std._note_term(name, node_id, location=section)
        forms = _split_forms(self.options.get("forms", ""))
        # The heading and body shown in the 用語集 are taken once the document is read
        # (``_shown_as``): by then a translated edition has translated them.
        _data(self.env)["definitions"].setdefault(self.env.docname, []).append({
            "term": term, "heading": heading, "names": [term, *aliases], "forms": forms,
            "id": node_id, "line": self.lineno, "body": "",
        })
        return [section]


    def _container(self) -> nodes.Element:
        """The node the definition is written in."""
        try:
            return self.state.parent
        except Exception:  # MyST's mock state has none; its inliner holds the current node
            return self.state.inliner.parent


def _shown_as(section: nodes.section) -> tuple[str, str]:
    """A definition's heading and body as the reader sees them, without the clause number."""
    title = section[0].deepcopy()
    for number in list(title.findall(nodes.inline)):
        if "clause-number" in number["classes"]:
            number.parent.remove(number)
    body = "".join(child.astext() for child in section.children[1:]
                   if not isinstance(child, addnodes.index))
    return title.astext().strip(), body.strip()


class TermListDirective(SphinxDirective):
    """``defined-terms``: the 用語集 of the page's edition, made when the page is written."""

    def run(self) -> list[nodes.Node]:
        node = term_list()
        self.set_source_info(node)
        return [node]


class SicRole(SphinxRole):
    """``{sic}`原文 <理由>```: official wording kept as it is; the reason stays in the source.

    The text is shown unchanged; the spelling checks skip it.
    """

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        match = _REASON.match(self.text)
        if not match or not match["reason"].strip():
            report("sic-without-reason", self.get_location(), text=self.text)
            text = match["text"] if match else self.text
        else:
            text = match["text"]
        return [nodes.inline(text, text, classes=[_SIC_CLASS])], []


class NoTermRole(SphinxRole):
    """``{no-term}`…```: these characters are not the defined term here; do not link them."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        return [nodes.inline(self.text, self.text, classes=[_NO_TERM_CLASS])], []


# --- reading running text -----------------------------------------------------------------

#: Nodes whose text is never running text: code, markup, targets, existing references.
_NOT_TEXT = (nodes.FixedTextElement, nodes.literal, nodes.raw, nodes.comment, nodes.reference,
             addnodes.pending_xref, nodes.target, nodes.math, nodes.system_message,
             addnodes.index, nodes.substitution_definition, nodes.image, addnodes.toctree,
             nodes.term, nodes.option_string, addnodes.desc_signature)
_HEADINGS = (nodes.title, nodes.subtitle, nodes.rubric, nodes.caption)


def running_text(node: nodes.Element, kind: str = "text", owner: str = "",
                 clause: str = "") -> Iterator[tuple[nodes.Text, str, str, str]]:
    """Every piece of text a reader reads, with its kind (``text``, ``heading`` or ``plain``),
    the term whose definition it is part of, and the clause (section) it is in."""
    for child in node.children:
        if isinstance(child, nodes.Text):
            yield child, kind, owner, clause
            continue
        if isinstance(child, _NOT_TEXT) or _SIC_CLASS in child.get("classes", ()):
            continue
        child_kind, child_owner, child_clause = kind, owner, clause
        if isinstance(child, nodes.section):
            child_owner = child.get("policy_term", "")
            child_clause = child["ids"][0] if child["ids"] else str(child.line)
        if isinstance(child, _HEADINGS):
            child_kind = "heading"
        elif _NO_TERM_CLASS in child.get("classes", ()) and kind == "text":
            child_kind = "plain"
        yield from running_text(child, child_kind, child_owner, child_clause)


def _line_of(text: nodes.Text) -> int:
    """The source line a piece of text starts on (docutils gives lines to elements only)."""
    block: nodes.Node | None = text.parent
    while block is not None and getattr(block, "line", None) is None:
        block = block.parent
    if block is None:
        return 0
    before = 0
    for piece in block.findall(nodes.Text):
        if piece is text:
            break
        before += piece.count("\n")
    return block.line + before


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    data = _data(app.env)
    docname = app.env.docname
    entries = {entry["id"]: entry for entry in data["definitions"].get(docname, [])}
    for section in doctree.findall(nodes.section):
        entry = entries.get(section["ids"][0] if section["ids"] else "")
        if entry is not None and section.get("policy_term") == entry["term"]:
            entry["heading"], entry["body"] = _shown_as(section)
    data["texts"][docname] = [
        (_line_of(text), str(text), kind, owner)
        for text, kind, owner, _clause in running_text(doctree)
        if str(text).strip()
    ]
    data["references"][docname] = [
        (node["reftarget"], node.line or _line_of(next(node.findall(nodes.Text), nodes.Text(""))))
        for node in doctree.findall(addnodes.pending_xref)
        if node.get("refdomain") == "std" and node.get("reftype") == "term"
    ]
    if any(True for _ in doctree.findall(term_list)):
        data["term_lists"][docname] = True


# --- the domain: what every document defines and says --------------------------------------


def _data(env: BuildEnvironment) -> dict[str, Any]:
    return env.domains["terms"].data


class Term:
    """A term as the checks and the links see it."""

    def __init__(self, docname: str, entry: dict[str, Any], rank: int) -> None:
        self.docname = docname
        self.rank = rank
        self.term: str = entry["term"]
        self.heading: str = entry["heading"]
        self.names: list[str] = entry["names"]
        self.forms: list[str] = entry["forms"]
        self.id: str = entry["id"]
        self.line: int = entry["line"]
        self.body: str = entry["body"]


class TermsDomain(Domain):
    """Definitions, and the running text of every document, as read.

    Everything that needs all documents (duplicates, uses, variants) is decided in
    ``check_consistency``, from this data, in every build and after every merge: so a
    duplicate that two parallel readers each saw alone is still found.
    """

    name = "terms"
    label = "defined terms"
    initial_data: ClassVar[dict[str, Any]] = {
        "definitions": {},  # docname -> [entry], in document order
        "texts": {},  # docname -> [(line, text, kind, owner)]
        "references": {},  # docname -> [(term, line)] of {term} roles
        "term_lists": {},  # docname -> True where the 用語集 is placed
        "signature": {},  # term -> what its links and 用語集 entries show, at the last build
        "checked": {},  # docname -> (terms it was checked against, terms used, findings)
    }
    _PER_DOC = ("definitions", "texts", "references", "term_lists", "checked")
    data_version = 2

    def clear_doc(self, docname: str) -> None:
        for key in self._PER_DOC:
            self.data[key].pop(docname, None)

    def merge_domaindata(self, docnames: set[str], otherdata: dict[str, Any]) -> None:
        for key in self._PER_DOC:
            for docname in docnames:
                if docname in otherdata[key]:
                    self.data[key][docname] = otherdata[key][docname]

    def resolve_any_xref(self, *args: Any) -> list:
        return []  # links go through the standard domain's term role

    def terms(self) -> list[Term]:
        """Every definition, the most public documents first, then in document order."""
        env = self.env
        scheme_levels = list(env.config.policy_levels)
        found = []
        for docname in sorted(self.data["definitions"]):
            rank = scheme_levels.index(doc_level(env, docname))
            found.extend(Term(docname, entry, rank) for entry in self.data["definitions"][docname])
        return sorted(found, key=lambda t: (t.rank, t.docname, t.line))

    def governing(self, terms: list[Term] | None = None) -> dict[str, Term]:
        """Each name's one definition: the first, by level and document order."""
        owners: dict[str, Term] = {}
        for term in self.terms() if terms is None else terms:
            for name in term.names:
                owners.setdefault(name, term)
        return owners

    def visible_from(self, docname: str, owners: dict[str, Term] | None = None) -> list[Term]:
        """The terms a document may use: those defined at its own level or lower."""
        env = self.env
        level = doc_level(env, docname)
        owners = self.governing() if owners is None else owners
        return [term for term in dict.fromkeys(owners.values())
                if not higher(env, doc_level(env, term.docname), level)]

    def matcher_for(self, docname: str, owners: dict[str, Term] | None = None,
                    ) -> tuple[terminology.TermMatcher, dict[str, Term]]:
        terms = self.visible_from(docname, owners)
        by_term = {term.term: term for term in terms}
        names = {name: term.term for term in terms for name in [*term.names, *term.forms]}
        return terminology.matcher(tuple(names.items())), by_term

    def check_consistency(self) -> None:
        self._check_definitions()
        self._check_texts()

    def _check_definitions(self) -> None:
        seen: dict[str, Term] = {}
        for term in self.terms():
            for name in term.names:
                first = seen.get(name)
                if first is None:
                    seen[name] = term
                    continue
                code = "term-redefined" if term.rank > first.rank else "term-defined-twice"
                report(code, (term.docname, term.line), term=name,
                       other=f"{self.env.doc2path(first.docname, False)}:{first.line}")

    def checked_documents(self, owners: dict[str, Term] | None = None,
                          ) -> Iterator[tuple[str, tuple[str, list[str], list]]]:
        """Every document with its text checked: (key, terms used, findings). Worked out for
        a document only when it was read again or its terms changed; ``env-updated`` works
        them out, so that they are kept with the environment Sphinx saves next."""
        env = self.env
        owners = self.governing() if owners is None else owners
        matchers: dict[str, tuple[terminology.TermMatcher, dict[str, Term]]] = {}
        for docname in sorted(self.data["texts"]):
            level = doc_level(env, docname)
            if level not in matchers:  # the same terms for every document of a level
                matchers[level] = self.matcher_for(docname, owners)
            matcher, by_term = matchers[level]
            key = _checked_key(matcher)
            checked = self.data["checked"].get(docname)
            if checked is None or checked[0] != key:
                checked = self.data["checked"][docname] = (
                    key, *_check_document(self.data["texts"][docname], matcher, by_term))
            yield docname, checked

    def _check_texts(self) -> None:
        env = self.env
        terms = self.terms()
        owners = self.governing(terms)
        used: set[str] = set()
        for docname, (_key, uses, findings) in self.checked_documents(owners):
            used.update(uses)
            for code, line, fields in findings:
                report(code, (docname, line), **fields)
            for target, _line in self.data["references"].get(docname, []):
                used.add(target)
        used |= {owners[name].term for name in list(used) if name in owners}
        if env.config.policy_edition != env.config.policy_levels[-1]:
            return  # documents of higher levels were not read: their uses are unknown here
        for term in terms:
            if owners.get(term.term) is term and term.term not in used:
                report("term-unused", (term.docname, term.line), term=term.term)

    def signature(self) -> dict[str, list]:
        """What links to each term and its 用語集 entry show: when it changes, pages that use
        the term are written again."""
        env = self.env
        return {
            name: [term.docname, term.id, term.heading, term.body, term.forms,
                   doc_level(env, term.docname)]
            for name, term in self.governing().items()
        }


@functools.lru_cache(maxsize=32)
def _checked_key(matcher: terminology.TermMatcher) -> str:
    """What the check of a document's text depends on besides the text: the names of the
    terms and the code that checks. Findings kept under another key are worked out again."""
    return hashlib.sha256(repr(sorted(matcher.names.items())).encode() + _code()).hexdigest()


@functools.cache
def _code() -> bytes:
    return b"".join(Path(path).read_bytes() for path in (terminology.__file__, __file__))


def _check_document(texts: list, matcher: terminology.TermMatcher, by_term: dict[str, Term],
                    ) -> tuple[list[str], list[tuple[str, int, dict[str, str]]]]:
    """The terms one document uses and what its text is found to say wrong (doubled
    characters, variant spellings of terms). Kept with the document until it is read again
    or its terms change: a build after one clause changed does not go through every text of
    the tree again, yet reports the same findings."""
    used: set[str] = set()
    findings: list[tuple[str, int, dict[str, str]]] = []
    for line, text, kind, owner in texts:
        uses = matcher.uses(text)
        used.update(m.key for m in uses if m.key != owner)
        for match in terminology.doubled(text):
            findings.append(("doubled-character", line + text[:match.start].count("\n"),
                             {"found": match.text, "context": terminology.around(text, match)}))
        if kind == "plain":
            continue
        for match in matcher.variants(text, uses):
            findings.append(("term-variant", line + text[:match.start].count("\n"),
                             {"found": match.text, "term": by_term[match.key].term}))
    return sorted(used), findings


def _on_get_outdated(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str],
                     removed: set[str]) -> list[str]:
    """Documents that define a term also defined in a changed document are read again, so
    that the standard domain holds the term from whichever definition remains."""
    definitions: dict[str, list] = _data(env)["definitions"]
    touched = added | changed | removed
    names = {name for docname in touched for entry in definitions.get(docname, [])
             for name in entry["names"]}
    return sorted(
        docname for docname, entries in definitions.items()
        if docname not in touched and any(name in names for e in entries for name in e["names"])
    )


def _check_before_saving(app: Sphinx, env: BuildEnvironment) -> None:
    """Check the text of the documents just read now, not at ``check_consistency``: Sphinx
    saves the environment between the two, and what is worked out later is lost."""
    domain: TermsDomain = env.domains["terms"]  # type: ignore[assignment]
    list(domain.checked_documents())


def _on_get_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Pages to write again because a term they use (or list) changed elsewhere."""
    domain: TermsDomain = env.domains["terms"]  # type: ignore[assignment]
    data = domain.data
    current = domain.signature()
    previous: dict[str, list] = data["signature"]
    changed = {name for name in set(current) | set(previous)
               if current.get(name) != previous.get(name)}
    data["signature"] = current
    if not changed:
        return []
    forms = set(changed)
    for name in changed:
        for entry in (current.get(name), previous.get(name)):
            if entry:
                forms.update(entry[4])
    return sorted(
        docname for docname in env.all_docs
        if docname in data["term_lists"] or any(
            form in text for _line, text, _kind, _owner in data["texts"].get(docname, [])
            for form in forms)
    )


def _on_warn_missing_reference(app: Sphinx, domain: Domain | None,
                               node: nodes.Element) -> bool | None:
    """A ``{term}`` that names no definition, in a restricted document (a public document gets
    the edition's message, which cannot say whether the term is restricted)."""
    if node.get("reftype") != "term" or node.get("refdomain") != "std":
        return None
    if guarded(app.env, node.get("refdoc", app.env.docname)):
        return None
    report("term-undefined", node, term=node.get("reftarget", ""))
    return True


# --- writing: links and the 用語集 ---------------------------------------------------------


def _term_xref(term: Term, target: str, text: str, docname: str) -> addnodes.pending_xref:
    """A link to a definition, resolved by the standard domain like a written ``{term}``."""
    xref = addnodes.pending_xref("", refdomain="std", reftype="term", reftarget=target,
                                 refdoc=docname, refexplicit=True, refwarn=False,
                                 classes=["policy-term"])
    xref += nodes.inline(text, text, classes=["xref", "std", "std-term"])
    return xref


class TermLinker(SphinxPostTransform):
    """Fills the 用語集 and links uses of defined terms, before references are resolved."""

    default_priority = 5  # the standard domain resolves the links made here (priority 10)

    def run(self, **kwargs: Any) -> None:
        domain: TermsDomain = self.env.domains["terms"]  # type: ignore[assignment]
        docname = self.env.docname
        for placeholder in list(self.document.findall(term_list)):
            placeholder.replace_self(self._term_list(domain, docname))
        matcher, by_term = domain.matcher_for(docname)
        every = self.config.policy_term_links == "every"
        seen: set[tuple[str, str]] = set()
        for text, kind, owner, clause in list(running_text(self.document)):
            if kind != "text":
                continue
            new: list[nodes.Node] = []
            position = 0
            for match in matcher.uses(str(text)):
                if match.key == owner or (not every and (clause, match.key) in seen):
                    continue
                seen.add((clause, match.key))
                new.append(nodes.Text(str(text)[position:match.start]))
                new.append(_term_xref(by_term[match.key], _target(by_term[match.key], match.text),
                                      match.text, docname))
                position = match.end
            if new:
                new.append(nodes.Text(str(text)[position:]))
                text.parent.replace(text, [piece for piece in new if piece.astext() or
                                           not isinstance(piece, nodes.Text)])

    def _term_list(self, domain: TermsDomain, docname: str) -> nodes.Node:
        labels = _LABELS.get((self.config.language or "ja").split("_")[0], _LABELS["en"])
        if not domain.visible_from(docname):
            return nodes.paragraph("", labels["none"])
        listing = nodes.definition_list(classes=["policy-term-list"])
        for term in domain.visible_from(docname):
            item = nodes.definition_list_item()
            head = nodes.term()
            head += _term_xref(term, term.term, term.heading, docname)
            definition = nodes.definition()
            definition += nodes.paragraph(term.body, term.body)
            source = nodes.paragraph(classes=["policy-term-source"])
            source += nodes.Text(labels["source"])
            source += addnodes.pending_xref("", nodes.inline(text=_title(self.env, term.docname)),
                                            refdomain="std", reftype="doc",
                                            reftarget="/" + term.docname, refdoc=docname,
                                            refexplicit=True, refwarn=False)
            definition += source
            item += [head, definition]
            listing += item
        return listing


#: The few words the 用語集 adds, in the languages an edition is built in.
_LABELS = {
    "ja": {"source": "定義: ", "none": "定義された用語はありません。"},
    "en": {"source": "Defined in: ", "none": "No terms are defined."},
}


def _target(term: Term, written: str) -> str:
    return written if written in term.names else term.term


def _title(env: BuildEnvironment, docname: str) -> str:
    title = env.titles.get(docname)
    return title.astext() if title is not None else docname


# --- settings and wiring -------------------------------------------------------------------


def _on_config_inited(app: Sphinx, config: Config) -> None:
    if config.policy_term_links not in LINK_MODES:
        raise PolicyError("bad-setting", "conf.py", name="policy_term_links",
                          detail=f"{config.policy_term_links!r} ({' / '.join(LINK_MODES)})")


def _skip(translator: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


def setup_definitions(app: Sphinx) -> None:
    app.add_config_value("policy_term_links", "every", "env", types=[str])
    app.connect("config-inited", _on_config_inited)
    app.add_node(term_list, html=(_skip, None), latex=(_skip, None), text=(_skip, None),
                 man=(_skip, None), texinfo=(_skip, None))
    app.add_domain(TermsDomain)
    app.add_directive("definition", DefinitionDirective)
    app.add_directive("defined-terms", TermListDirective)
    app.add_role("sic", SicRole())
    app.add_role("no-term", NoTermRole())
    app.connect("doctree-read", _on_doctree_read)
    app.connect("env-get-outdated", _on_get_outdated)
    app.connect("env-get-updated", _on_get_updated)
    app.connect("env-updated", _check_before_saving)
    app.connect("warn-missing-reference", _on_warn_missing_reference, priority=400)
    app.add_post_transform(TermLinker)
