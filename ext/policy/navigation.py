"""The sidebar navigation: drawn once per build, not once per page.

The sidebar lists every document on every page. Sphinx draws it for each page by copying
every document's table of contents (every clause heading) and cutting it back to the title,
then renders it to HTML, and the theme (furo) reads that HTML back with BeautifulSoup to add
its fold-out switches. Each step is proportional to the number of documents, on every page,
so a tree of five hundred documents spent most of its build drawing the same list five
hundred times.

The list differs between two pages in only two ways: links are written relative to the
page's folder, and the page's own entry and the entries above it are marked *current* (the
page's own link becomes ``#``, the switches above it start open, its entry is the *current
page*). So the navigation is drawn once, for a page name no document has, exactly as Sphinx
and the theme draw it; its links are written out once per folder; and each page gets that
text with its own entry marked. Anything in the drawing this does not recognise (an address
that needs escaping, a link to no document, markup written differently) makes every page
drawn in full, as before.

Where the whole tree is drawn per page anyway (another theme, other arguments), each
document's table of contents is still cut back to its title once per build rather than once
per page.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, ClassVar

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.adapters import toctree as sphinx_toctree

#: What furo asks for in its own page handler: every document title, all unfolded.
FURO_SIDEBAR = {"collapse": False, "titles_only": True, "maxdepth": -1, "includehidden": True}
#: The page name the navigation is drawn for once per build; no document may have it.
UNNAMED_PAGE = "_policy-navigation-unnamed-page"

_ATTRIBUTE = re.compile(r' ([a-z][a-z-]*)="')
_NEEDS_ESCAPING = re.compile(r'[&<>"]')
#: Where a page's context holds what this module worked out for it, from before the theme's
#: handler to after it.
_STATE = "policy_navigation_state"
#: id(env) -> docname -> the document's table of contents cut back to its title
_TITLES: dict[int, dict[str, nodes.bullet_list]] = {}
#: id(env) -> the theme's navigation drawn for an unnamed page at the top of the tree
_DRAWN: dict[int, _Drawing | None] = {}


def _titles_only(env: BuildEnvironment, tags: Any) -> dict[str, nodes.bullet_list]:
    """Every document's table of contents as a title-only tree keeps it: copied the way
    Sphinx copies it (``only`` blocks decided by the build's tags), then each top-level
    entry reduced to its title and the tables of contents under it, as Sphinx does."""
    found = _TITLES.get(id(env))
    if found is None:
        found = {}
        for docname, toc in env.tocs.items():
            cut = sphinx_toctree._toctree_copy(toc, 2, 0, False, tags)
            for top_level in cut.children:
                if len(top_level) > 1:
                    subtrees = list(top_level.findall(addnodes.toctree))
                    if subtrees:
                        top_level[1][:] = subtrees
                    else:
                        top_level.pop(1)
            found[docname] = cut
        _TITLES.clear()
        _TITLES[id(env)] = found
    return found


def _forget(*_args: Any) -> None:
    _TITLES.clear()
    _DRAWN.clear()


def _draw_titles_only(app: Sphinx, draw: Callable[..., str], **kwargs: Any) -> str:
    """``draw(**kwargs)`` with every document's table of contents cut back to its title."""
    env = app.env
    full = env.tocs
    env.tocs = _titles_only(env, app.builder.tags)  # type: ignore[assignment]
    try:
        return draw(**kwargs)
    finally:
        env.tocs = full


@dataclass
class _Tag:
    """One start tag of the drawn navigation: where it is in the text and what holds it."""

    name: str
    start: int
    end: int
    classes: list[str]
    parent: int | None
    href: str | None = None
    checkbox: int | None = None  #: for an entry with fold-out switch: its ``input`` tag


@dataclass
class _Link:
    """Where a link's address is written in the drawing, and the document it leads to."""

    start: int
    end: int
    docname: str
    fragment: str


@dataclass
class _Drawing:
    """The theme's navigation drawn once for an unnamed page at the top of the tree."""

    text: str
    tags: list[_Tag]
    links: dict[int, _Link]  #: ``a`` tag -> its address
    pages: dict[str, list[int]] = field(default_factory=dict)  #: docname -> its ``a`` tags
    #: folder -> every link's address as written from a page in that folder
    folders: dict[str, list[tuple[int, int, int, str]]] = field(default_factory=dict)


class _Reader(HTMLParser):
    """Finds the start tags of a drawn navigation and which element holds each."""

    VOID: ClassVar[set[str]] = {"input", "img", "br", "hr", "meta", "link", "wbr", "source",
                                "area", "col"}

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = text
        self.lines = [0]
        for number, char in enumerate(text):
            if char == "\n":
                self.lines.append(number + 1)
        self.tags: list[_Tag] = []
        self.open: list[int] = []
        self.odd = False

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def _tag(self, name: str, attrs: list[tuple[str, str | None]]) -> int:
        start = self._offset()
        raw = self.get_starttag_text() or ""
        if self.text[start:start + len(raw)] != raw:
            self.odd = True
        values = dict(attrs)
        tag = _Tag(name, start, start + len(raw), (values.get("class") or "").split(),
                   self.open[-1] if self.open else None, values.get("href"))
        self.tags.append(tag)
        if name == "input" and tag.parent is not None and "toctree-checkbox" in tag.classes:
            holder = self.tags[tag.parent]
            if holder.name == "li" and holder.checkbox is None:
                holder.checkbox = len(self.tags) - 1
        return len(self.tags) - 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        index = self._tag(tag, attrs)
        if tag not in self.VOID:
            self.open.append(index)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.open or self.tags[self.open[-1]].name != tag:
            self.odd = True
            return
        self.open.pop()


def _read(text: str, documents: dict[str, str]) -> _Drawing | None:
    """The drawing's tags, and for every internal link the document it leads to
    (``documents``: address from the unnamed page -> docname). None if any of it is written
    in a way this does not know, or a link leads to no document."""
    reader = _Reader(text)
    reader.feed(text)
    reader.close()
    if reader.odd or reader.open:
        return None
    drawing = _Drawing(text, reader.tags, {})
    for index, tag in enumerate(reader.tags):
        if tag.name != "a" or "internal" not in tag.classes:
            continue
        raw = text[tag.start:tag.end]
        written = f'href="{tag.href}"'
        if tag.href is None or raw.count(written) != 1 or raw.count("href=") != 1:
            return None
        address, hash_, fragment = tag.href.partition("#")
        docname = documents.get(address)
        if docname is None:
            return None
        start = tag.start + raw.index(written) + len('href="')
        drawing.links[index] = _Link(start, start + len(tag.href), docname, hash_ + fragment)
        drawing.pages.setdefault(docname, []).append(index)
    return drawing


def _addresses(drawing: _Drawing, folder: str, relative: Callable[[str], str]
               ) -> list[tuple[int, int, int, str]] | None:
    """Every link's address as a page in ``folder`` writes it (``relative(docname)``), as
    edits of the drawing; None if an address would need escaping in HTML."""
    if folder not in drawing.folders:
        edits = []
        for anchor, link in drawing.links.items():
            address = relative(link.docname) + link.fragment
            if _NEEDS_ESCAPING.search(address):
                return None
            edits.append((anchor, link.start, link.end, address))
        drawing.folders[folder] = edits
    return drawing.folders[folder]


def _class_attribute(classes: list[str]) -> str:
    return f' class="{" ".join(classes)}"'


def _retag(text: str, tag: _Tag, classes: list[str]) -> tuple[int, int, str] | None:
    """The start tag ``tag`` with ``classes`` for its class attribute; None if its class
    attribute is not written the way Sphinx and furo write it."""
    raw = text[tag.start:tag.end]
    if tag.classes:
        old = _class_attribute(tag.classes)
        if raw.count(old) != 1:
            return None
        return tag.start, tag.end, raw.replace(old, _class_attribute(classes))
    if "class=" in raw or not raw.startswith(f"<{tag.name}"):
        return None
    head = len(tag.name) + 1
    return tag.start, tag.end, raw[:head] + _class_attribute(classes) + raw[head:]


def _marked(drawing: _Drawing, pagename: str, addresses: list[tuple[int, int, int, str]]
            ) -> str | None:
    """The drawing as the theme draws it on page ``pagename``, whose folder writes the links
    as ``addresses``: the page's links and every entry and list above them *current*, as
    Sphinx marks them (once per link below), the page's links ``#``, their fold-out switches
    open and the last current entry the *current page*, as furo marks them. None where the
    drawing has a shape this does not know."""
    text = drawing.text
    tags = drawing.tags
    anchors = drawing.pages.get(pagename, [])
    current: dict[int, int] = {}
    for anchor in anchors:
        holder = tags[anchor].parent
        while holder is not None:
            if tags[holder].name not in ("li", "ul"):
                return None
            current[holder] = current.get(holder, 0) + 1
            holder = tags[holder].parent
    edits = [(start, end, address) for anchor, start, end, address in addresses
             if anchor not in anchors]
    last_entry = max((i for i in current if tags[i].name == "li"), default=None)
    for index, count in current.items():
        tag = tags[index]
        furo_added = tag.classes[-1:] == ["has-children"]
        classes = [*(tag.classes[:-1] if furo_added else tag.classes), *["current"] * count]
        if furo_added:
            classes.append("has-children")
        if index == last_entry:
            classes.append("current-page")
        edit = _retag(text, tag, classes)
        if edit is None:
            return None
        edits.append(edit)
        if tag.checkbox is not None:
            box = tags[tag.checkbox]
            raw = text[box.start:box.end]
            if not raw.endswith("/>") or "checked" in raw:
                return None
            # the theme writes attributes in alphabetical order
            later = [m.start() for m in _ATTRIBUTE.finditer(raw) if m.group(1) > "checked"]
            at = box.start + (later[0] if later else len(raw) - 2)
            edits.append((at, at, ' checked=""'))
    for anchor in anchors:
        tag = tags[anchor]
        link = drawing.links[anchor]
        if tag.classes[-2:] != ["reference", "internal"] or link.fragment:
            return None
        edit = _retag(text, tag, [*tag.classes[:-2], "current", *tag.classes[-2:]])
        if edit is None:
            return None
        start, end, raw = edit
        written = f'href="{tag.href}"'
        if raw.count(written) != 1:
            return None
        edits.append((start, end, raw.replace(written, 'href="#"')))
    pieces = []
    at = 0
    for start, end, replacement in sorted(edits):
        if start < at:
            return None
        pieces.append(text[at:start])
        pieces.append(replacement)
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def _drawing(app: Sphinx, furo: Callable[[str], str]) -> _Drawing | None:
    """The theme's navigation for an unnamed page at the top of the tree, drawn once per
    build as Sphinx and furo draw it for any page."""
    key = id(app.env)
    if key not in _DRAWN:
        _DRAWN.clear()
        drawing = None
        builder = app.builder
        if UNNAMED_PAGE not in app.env.all_docs:
            def draw(**kwargs: Any) -> str:
                return builder._get_local_toctree(UNNAMED_PAGE, **kwargs)  # type: ignore[attr-defined]

            documents = {builder.get_relative_uri(UNNAMED_PAGE, docname): docname
                         for docname in app.env.all_docs}
            drawing = _read(furo(_draw_titles_only(app, draw, **FURO_SIDEBAR)), documents)
        _DRAWN[key] = drawing
    return _DRAWN[key]


def _navigation(app: Sphinx, pagename: str, furo: Callable[[str], str]) -> str | None:
    """Page ``pagename``'s navigation from the build's drawing; None where it cannot be."""
    drawing = _drawing(app, furo)
    if drawing is None:
        return None
    folder = posixpath.dirname(pagename)
    unnamed = posixpath.join(folder, UNNAMED_PAGE)
    builder = app.builder
    addresses = _addresses(drawing, folder,
                           lambda docname: builder.get_relative_uri(unnamed, docname))
    if addresses is None:
        return None
    return _marked(drawing, pagename, addresses)


def _drawn_once(app: Sphinx) -> Callable[[str], str] | None:
    """furo's own pass over the drawn tree (it adds the fold-out switches), when furo draws
    this build's pages and the navigation can be drawn once for all of them."""
    if app.builder.name != "html" or getattr(app.config, "html_theme", None) != "furo":
        return None
    try:
        from furo.navigation import get_navigation_tree
    except ImportError:
        return None
    return get_navigation_tree


def _on_html_page_context(app: Sphinx, pagename: str, templatename: str,
                          context: dict[str, Any], doctree: nodes.document | None) -> None:
    """Before the theme's handler (priority 500): answer title-only trees from the cut tables
    of contents, and, with furo, work out this page's navigation from the build's drawing
    and give furo's handler an empty tree to pass over instead of drawing the whole one."""
    draw: Callable[..., str] | None = context.get("toctree")
    if draw is None:
        return
    furo = _drawn_once(app)
    navigation = None if furo is None else _navigation(app, pagename, furo)
    state = {"navigation": navigation, "asked": False}

    def toctree(**kwargs: Any) -> str:
        if state["navigation"] is not None and kwargs == FURO_SIDEBAR and not state["asked"]:
            state["asked"] = True
            return ""
        if not kwargs.get("titles_only") or kwargs.get("collapse", True):
            return draw(**kwargs)
        if int(kwargs.get("maxdepth") or 0) > 0:
            return draw(**kwargs)
        return _draw_titles_only(app, draw, **kwargs)

    context["toctree"] = toctree
    context[_STATE] = state


def _after_theme(app: Sphinx, pagename: str, templatename: str,
                 context: dict[str, Any], doctree: nodes.document | None) -> None:
    """After furo's handler: the navigation it would have drawn, from the build's drawing."""
    state = context.pop(_STATE, None)
    if state is None:
        return
    if state["asked"]:
        context["furo_navigation_tree"] = state["navigation"]
    state["navigation"] = None


def setup_navigation(app: Sphinx) -> None:
    app.connect("builder-inited", _forget)
    app.connect("env-updated", _forget)
    app.connect("html-page-context", _on_html_page_context, priority=400)
    app.connect("html-page-context", _after_theme, priority=600)
