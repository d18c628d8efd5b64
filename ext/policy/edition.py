"""Editions inside Sphinx: what a build may read, and what a lower-level document may name.

This is the filter (the first two lines of defence); the audit in ``audit.py`` is the third and
shares no code with it.

1. Never read: at ``config-inited`` every file is classified (``classification.py``) and every
   document above the edition's level is added to ``exclude_patterns``, so Sphinx never opens
   it. ``build.py`` goes further and builds the public edition from a staged copy of the tree
   that holds only public files, so even a path this module forgot cannot be read.
2. Reject at parse time: in a document of a lower level, constructs that would carry hidden
   text (``only``, ``ifconfig``, ``restricted``, raw HTML and comments) fail in the directive,
   before their content is parsed; toctree entries, images, downloads and included files that
   name a higher-level file fail before Sphinx registers them; references to labels, documents
   and terms of a higher level fail with the same message in every build.

Everything here is decided by level rank, so a scheme with more levels works unchanged.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst.directives.tables import CSVTable
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.directives.code import LiteralInclude
from sphinx.directives.other import Include, Only, TocTree
from sphinx.domains import Domain
from sphinx.environment import BuildEnvironment
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.tags import Tags

from . import messages
from .classification import Classification, Problem, Scheme, classify_tree
from .messages import PolicyError, report

_logger = logging.getLogger(__name__)
_PACKAGE = Path(__file__).resolve().parent
TEMPLATES = _PACKAGE / "templates"

#: Resolvers that turn a reference of another domain into the docname it points at; the
#: clause and definition modules add theirs. ``(env, reftype, target, refdoc) -> docname``.
TargetResolver = Callable[[BuildEnvironment, str, str, str], "str | None"]
_RESOLVERS: dict[str, TargetResolver] = {}


#: What a domain shows on other pages of a document that its references lead to:
#: ``(env, docname) -> something comparable``; the clause module adds its numbering.
Exports = Callable[[BuildEnvironment, str], object]
_EXPORTS: dict[str, Exports] = {}


def register_target_resolver(domain: str, resolver: TargetResolver,
                             exports: Exports | None = None) -> None:
    """Let the edition check follow references of ``domain`` to the document they name, and
    know (``exports``) when what those references show of a document has changed."""
    _RESOLVERS[domain] = resolver
    if exports is not None:
        _EXPORTS[domain] = exports


# --- configuration ----------------------------------------------------------------------------


def _scheme(config: Config) -> Scheme:
    return Scheme.from_settings(config.policy_levels, config.policy_classification,
                                config.source_suffix)


def _on_config_inited(app: Sphinx, config: Config) -> None:
    """Classify the tree and exclude what the edition may not read; refuse doubtful settings."""
    scheme = _scheme(config)
    edition = config.policy_edition
    if not scheme.problems() and edition not in scheme.levels:
        raise PolicyError("unknown-edition", "conf.py", edition=edition, known=scheme.known())
    for name in config.suppress_warnings:
        if name == messages.WARNING_TYPE or name.startswith(messages.WARNING_TYPE + "."):
            raise PolicyError("bad-setting", "conf.py", name="suppress_warnings",
                              detail=f"{name} (the policy checks cannot be suppressed)")
    # A staged build classifies the editor's tree, where links and unstaged files still are.
    tree = Path(config.policy_classified_tree or app.srcdir)
    classification = classify_tree(tree, scheme)
    problems = classification.problems  # the settings' own problems come first
    if not problems:
        problems = _path_setting_problems(config, Path(app.srcdir), tree, classification,
                                          edition)
    if problems:
        for problem in problems:
            path = tree / problem.path
            location = f"{path}:{problem.line}" if problem.line else str(path)
            _logger.error(messages.render(problem.code, location, **problem.fields),
                          type=messages.WARNING_TYPE, subtype=problem.code)
        raise PolicyError("errors-stop-build", count=len(problems))

    roots: dict[str, str] = dict(config.policy_roots)
    if edition in roots:
        config.root_doc = roots[edition]
    if config.root_doc != "index":
        # The edition's folder still opens at index.html: a page that forwards to its root.
        config.templates_path = [*config.templates_path, str(TEMPLATES)]
        config.html_additional_pages = {**config.html_additional_pages,
                                        "index": "policy-redirect.html"}
    suffixes = list(config.source_suffix)
    include, exclude = classification.reading_patterns(edition)
    exclude += [root + suffix for root in _other_roots(config) for suffix in suffixes]
    config.include_patterns = include
    config.exclude_patterns = [*config.exclude_patterns, *exclude]
    # Copied sources are a leak path of stock Sphinx; no edition publishes them.
    config.html_copy_source = False
    config.html_show_sourcelink = False
    _CLASSIFICATIONS[str(app.srcdir)] = classification
    _CLASSIFICATIONS[str(Path(app.srcdir).resolve())] = classification
    _SCHEMES.clear()


#: Settings that name files or folders Sphinx copies or reads into the edition: a path here
#: that leads outside the tree is refused in any edition below the top.
_PATH_SETTINGS = frozenset({
    "html_static_path", "html_extra_path", "templates_path", "locale_dirs", "html_logo",
    "html_favicon", "html_search_scorer", "html_theme_path", "html_css_files",
    "html_js_files", "latex_additional_files", "latex_logo", "epub_cover", "texinfo_documents",
    "latex_documents", "man_pages", "epub_css_files", "imgmath_latex_preamble",
    "bibtex_bibfiles", "plantuml", "mathjax_path",
})
#: Settings whose strings name documents, folders or patterns for the classification and the
#: reading itself, or are plain text: they never make Sphinx copy a file into an edition.
_NOT_PATHS = frozenset({
    "exclude_patterns", "include_patterns", "root_doc", "master_doc", "project", "author",
    "copyright", "project_copyright", "version", "release", "language", "html_title",
    "html_short_title", "suppress_warnings", "extensions", "source_suffix", "html_theme",
    "pygments_style", "pygments_dark_style", "today", "today_fmt", "html_last_updated_fmt",
    "html_search_language", "html_permalinks_icon", "gettext_last_translator",
    "gettext_language_team", "html_baseurl", "primary_domain", "default_role",
})


def _path_setting_problems(config: Config, srcdir: Path, tree: Path,
                           classification: Classification, edition: str) -> list[Problem]:
    """Every setting of ``conf.py`` that names a file or folder is classified like a source
    path: one outside what the edition may hold is an error, so that ``html_static_path`` or
    any other path setting cannot copy restricted files into an edition. Strings of other
    settings are looked at too, and refused when they name an existing file above the
    edition; our own settings name documents for the classification and are left alone."""
    scheme = classification.scheme
    below_top = edition != scheme.highest
    roots = [Path(srcdir).resolve(), Path(tree).resolve()]
    found: list[Problem] = []
    for setting in sorted(config, key=lambda item: item.name):
        name = setting.name
        if name.startswith("policy_") or name in _NOT_PATHS:
            continue
        declared_path = name in _PATH_SETTINGS
        for value in _strings_in(setting.value):
            if not value or "://" in value or value.startswith(("data:", "mailto:")):
                continue
            candidate = Path(value) if os.path.isabs(value) else roots[0] / value
            if not os.path.lexists(candidate):
                if declared_path and os.path.isabs(value) and below_top:
                    found.append(_path_problem(name, value, edition))
                continue
            real = candidate.resolve()
            if real == _PACKAGE or _PACKAGE in real.parents:
                continue  # this extension's own templates and assets
            if real in roots and not declared_path:
                continue  # "." in a setting that names no file (math_numsep and the like)
            inside = next((root for root in roots if real == root or root in real.parents),
                          None)
            if inside is None:
                if declared_path and below_top:
                    found.append(_path_problem(name, value, edition))
                continue
            rel = real.relative_to(inside).as_posix() if real != inside else ""
            levels = [classification.level(rel)] if rel else []
            if real.is_dir():
                prefix = f"{rel}/" if rel else ""
                levels += [level for path, level in classification.levels.items()
                           if path.startswith(prefix)]
            if any(not scheme.within(level, edition) for level in levels):
                found.append(_path_problem(name, value, edition))
    return found


def _path_problem(name: str, value: str, edition: str) -> Problem:
    return Problem("path-setting-not-public", "conf.py", 0,
                   {"name": name, "path": value, "edition": edition})


def _strings_in(value: Any) -> Iterable[str]:
    """Every string in a setting's value, through lists, tuples, sets and mappings."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, os.PathLike):
        yield os.fspath(value)  # type: ignore[misc]
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _strings_in(item)


def _other_roots(config: Config) -> set[str]:
    """The root documents of the other editions (each edition opens at its own)."""
    return {root for root in dict(config.policy_roots).values() if root != config.root_doc}


def _on_builder_inited(app: Sphinx) -> None:
    # Registered last, so that no extension loaded after this one can put the stock,
    # fail-open directives back.
    for name, directive in _GUARDED_DIRECTIVES.items():
        app.add_directive(name, directive, override=True)
    if app.builder.name == "dummy":
        # A check writes no edition: it reads every edition's root document too, so that
        # the public root gets checked like every other document.
        others = {root + suffix for root in _other_roots(app.config)
                  for suffix in app.config.source_suffix}
        app.config.exclude_patterns = [p for p in app.config.exclude_patterns
                                       if p not in others]


def _on_other_root_read(app: Sphinx, doctree: nodes.document) -> None:
    """Another edition's root document, read by a check, is in no toctree of this one."""
    if app.builder.name == "dummy" and app.env.docname in _other_roots(app.config):
        app.env.metadata[app.env.docname]["orphan"] = ""


# --- levels of documents and files ------------------------------------------------------------


_SCHEMES: dict[int, Scheme] = {}


def _scheme_of(env: BuildEnvironment) -> Scheme:
    """The scheme of this build's configuration (asked for thousands of times a build)."""
    scheme = _SCHEMES.get(id(env.config))
    if scheme is None:
        scheme = _SCHEMES[id(env.config)] = _scheme(env.config)
    return scheme


#: The classification of each docs tree being built, by its resolved path. Kept out of the
#: environment on purpose: the environment is pickled, and the names of files outside the
#: edition are content too. Forked parallel workers inherit it.
_CLASSIFICATIONS: dict[str, Classification] = {}


def file_level(env: BuildEnvironment, relpath: str) -> str:
    """The level of a file, by its path relative to the docs tree (present or not)."""
    relpath = posixpath.normpath(relpath)
    classification = _classification_of(env)
    if classification is None:
        return _scheme_of(env).highest  # no classification: trust nothing
    return classification.level(relpath)


def _classification_of(env: BuildEnvironment) -> Classification | None:
    return _CLASSIFICATIONS.get(str(env.srcdir)) or _CLASSIFICATIONS.get(
        str(Path(env.srcdir).resolve()))


def doc_level(env: BuildEnvironment, docname: str) -> str:
    """The level of a document: that of the file which holds it (a document that is not in
    the tree takes the highest level any of its possible file names would have)."""
    classification = _classification_of(env)
    if classification is None:
        return _scheme_of(env).highest  # no classification: trust nothing
    return classification.document_level(posixpath.normpath(docname), env.config.source_suffix)


def higher(env: BuildEnvironment, level: str, than: str) -> bool:
    scheme = _scheme_of(env)
    return scheme.rank(level) > scheme.rank(than)


def guarded(env: BuildEnvironment, docname: str) -> bool:
    """Whether a document gets the public document's guards (nothing hidden, nothing of a
    higher level named). Every document of the lowest edition does, whatever made it public
    (a file rule, a folder rule, being the root document); in a higher edition, every
    document whose file is of the lowest level does, so that both builds say the same."""
    scheme = _scheme_of(env)
    return (env.config.policy_edition == scheme.lowest
            or doc_level(env, docname) == scheme.lowest)


def _outside(env: BuildEnvironment, path: Path) -> bool:
    srcdir = Path(env.srcdir).resolve()
    real = path.resolve()
    return not (real == srcdir or srcdir in real.parents)


def file_reachable(env: BuildEnvironment, docname: str, relpath: str) -> bool:
    """Whether ``docname`` may use the file at ``relpath`` (relative to the docs tree)."""
    path = Path(env.srcdir, relpath)
    if relpath.startswith("../") or _outside(env, path):
        return False
    source_level = doc_level(env, docname)
    if higher(env, file_level(env, relpath), source_level):
        return False
    if path.exists():
        real_rel = path.resolve().relative_to(Path(env.srcdir).resolve()).as_posix()
        if higher(env, file_level(env, real_rel), source_level):
            return False
    return True


# --- directives that could carry hidden text --------------------------------------------------


class _Guarded(SphinxDirective):
    """Mixin: refuse the directive in a public document before any of its content is parsed."""

    guarded_name = ""

    def refuse_in_public(self) -> list[nodes.Node] | None:
        if guarded(self.env, self.env.docname):
            report("restricted-inline", self.get_location(), what=self.guarded_name or self.name)
            return []
        return None


class GuardedOnly(_Guarded, Only):
    """``only``: refused in public documents; elsewhere evaluated now, and strict about syntax.

    Stock ``only`` is evaluated at write time, after its content has registered labels and
    terms, and a malformed expression renders the content. Here a false expression means the
    content is never parsed, and a malformed one is an error.
    """

    guarded_name = "only"

    def run(self) -> list[nodes.Node]:
        refused = self.refuse_in_public()
        if refused is not None:
            return refused
        expression = self.arguments[0]
        tags: Tags = self.env._tags
        try:
            keep = tags.eval_condition(expression)
        except Exception as exc:  # any failure to parse is a doubt: fail closed
            report("bad-only-expression", self.get_location(), expr=expression, detail=str(exc))
            return []
        if not keep:
            return []
        return super().run()


class GuardedIfconfig(_Guarded):
    """``ifconfig``: refused in public documents; elsewhere evaluated now against the config."""

    has_content = True
    required_arguments = 1
    final_argument_whitespace = True
    guarded_name = "ifconfig"

    def run(self) -> list[nodes.Node]:
        refused = self.refuse_in_public()
        if refused is not None:
            return refused
        namespace = {name: self.config[name] for name in self.config._options}
        try:
            keep = bool(eval(self.arguments[0], {"__builtins__": {}}, namespace))
        except Exception as exc:
            report("bad-only-expression", self.get_location(), expr=self.arguments[0],
                   detail=str(exc))
            return []
        if not keep:
            return []
        container = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, container,
                                match_titles=True)
        return container.children


class RestrictedBlock(_Guarded):
    """``restricted``: marks a passage as restricted; only allowed in restricted documents.

    It exists so that an editor who tries to hide a passage inside a public document is told
    where such text belongs, instead of having it published.
    """

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    guarded_name = "restricted"

    def run(self) -> list[nodes.Node]:
        refused = self.refuse_in_public()
        if refused is not None:
            return refused
        container = nodes.container(classes=["policy-restricted-block"])
        self.set_source_info(container)
        self.state.nested_parse(self.content, self.content_offset, container)
        return [container]


class GuardedTocTree(TocTree):
    """``toctree``: an entry that names a higher-level document is refused before Sphinx
    records it, with the same message whether or not that document is present."""

    def run(self) -> list[nodes.Node]:
        kept = []
        for entry in self.content:
            name = entry.strip()
            target = name.rsplit("<", 1)[-1].rstrip(">").strip() if name.endswith(">") else name
            if target and not _is_external(target) and "*" not in target:
                docname = _docname_for(self.env, target)
                if higher(self.env, doc_level(self.env, docname),
                          doc_level(self.env, self.env.docname)):
                    report("public-refers-restricted", (self.env.docname, self.lineno),
                           target=target)
                    continue
            kept.append(entry)
        self.content = type(self.content)(kept, self.content.parent)  # type: ignore[call-arg]
        result = super().run()
        source_level = doc_level(self.env, self.env.docname)
        for toctree in _find_toctrees(result):
            allowed = []
            for title, ref in toctree["entries"]:
                if ref and not _is_external(ref) and ref != "self" and higher(
                    self.env, doc_level(self.env, ref), source_level
                ):
                    report("public-refers-restricted", self.get_location(), target=ref)
                    continue
                allowed.append((title, ref))
            toctree["entries"] = allowed
            toctree["includefiles"] = [r for _t, r in allowed if r in toctree["includefiles"]]
        return result


def _find_toctrees(result: Iterable[nodes.Node]) -> list[addnodes.toctree]:
    found: list[addnodes.toctree] = []
    for node in result:
        if isinstance(node, nodes.Element):
            found.extend(node.findall(addnodes.toctree))
    return found


def _is_external(target: str) -> bool:
    return "://" in target or target.startswith("mailto:")


def _docname_for(env: BuildEnvironment, target: str) -> str:
    target = target.removesuffix(".md").removesuffix(".rst")
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    from sphinx.util import docname_join

    return docname_join(env.docname, target)


class _FileGuard(SphinxDirective):
    """Mixin: refuse a directive whose argument names a file the document may not use,
    before the file is opened."""

    def refuse_file(self, what: str) -> list[nodes.Node] | None:
        return self.refuse_path(self.arguments[0], what)

    def refuse_path(self, argument: str, what: str) -> list[nodes.Node] | None:
        argument = argument.strip()
        if argument.startswith("<") and argument.endswith(">"):
            return None  # docutils' own standard include files
        relpath, _abs = self.env.relfn2path(argument, self.env.docname)
        if not file_reachable(self.env, self.env.docname, relpath):
            report("public-uses-restricted-file", self.get_location(), path=relpath, what=what)
            return []
        return None


class GuardedInclude(_FileGuard, Include):
    """rST ``include`` (MyST's ``{include}`` is checked by ``PublicContentCheck``)."""

    def run(self) -> list[nodes.Node]:
        refused = self.refuse_file("include")
        return refused if refused is not None else super().run()


class GuardedLiteralInclude(_FileGuard, LiteralInclude):
    """``literalinclude``: Sphinx reads the file itself and records no docutils dependency."""

    def run(self) -> list[nodes.Node]:
        refused = self.refuse_file("literalinclude")
        return refused if refused is not None else super().run()


class GuardedCSVTable(_FileGuard, CSVTable):
    """``csv-table`` with ``:file:``: docutils opens the file while running the directive."""

    def run(self) -> list[nodes.Node]:
        if "file" in self.options:
            refused = self.refuse_path(self.options["file"], "csv-table")
            if refused is not None:
                return refused
        return super().run()


_GUARDED_DIRECTIVES: dict[str, type] = {
    "csv-table": GuardedCSVTable,
    "include": GuardedInclude,
    "literalinclude": GuardedLiteralInclude,
    "only": GuardedOnly,
    "ifconfig": GuardedIfconfig,
    "restricted": RestrictedBlock,
    "toctree": GuardedTocTree,
}


# --- parse-time checks on finished doctrees (before SphinxDomains and the collectors) --------


_LINE_BREAK = re.compile(r"^\s*(?:<br\s*/?>|\\\\)\s*$")


class PublicContentCheck(SphinxTransform):
    """Remove and report raw HTML, and uses of higher-level files, in lower-level documents.

    Runs at parse time, before ``SphinxDomains`` (priority 850) and before ``doctree-read``,
    where the image and download collectors would register the files.
    """

    default_priority = 200

    def apply(self, **kwargs: Any) -> None:
        env = self.env
        docname = env.docname
        if guarded(env, docname):
            for raw in list(self.document.findall(nodes.raw)):
                if _LINE_BREAK.match(raw.astext()):
                    continue  # MyST's own rendering of a hard line break
                what = "HTML コメント <!-- -->" if "<!--" in raw.astext() else "raw HTML"
                report("restricted-inline", raw, what=what)
                raw.parent.remove(raw)
        for image in list(self.document.findall(nodes.image)):
            uri = image.get("uri", "")
            if _is_external(uri) or uri.startswith("data:"):
                continue
            self._check_file(image, uri, "画像 image")
        for download in list(self.document.findall(addnodes.download_reference)):
            target = download.get("reftarget", "")
            if _is_external(target):
                continue
            self._check_file(download, target, "ダウンロード download")
        deps = self.document.settings.record_dependencies
        for dep in list(getattr(deps, "list", []) or []):
            relpath = _relative_to_srcdir(env, dep)
            if relpath is None or not file_reachable(env, docname, relpath):
                report("public-uses-restricted-file", (docname, _line_naming(self.document, dep)),
                       path=relpath or str(dep), what="include")

    def _check_file(self, node: nodes.Element, uri: str, what: str) -> None:
        env = self.env
        for candidate in _candidates(uri):
            relpath, _abs = env.relfn2path(candidate, env.docname)
            if not file_reachable(env, env.docname, relpath):
                report("public-uses-restricted-file", node, path=relpath, what=what)
                if isinstance(node, nodes.image):
                    node.parent.remove(node)
                else:
                    node.replace_self(nodes.inline(node.astext(), node.astext()))
                return


def _candidates(uri: str) -> list[str]:
    return [uri.replace("*", "")] if "*" in uri else [uri]


def _relative_to_srcdir(env: BuildEnvironment, dep: str | bytes) -> str | None:
    if isinstance(dep, bytes):
        dep = dep.decode()
    path = Path(dep)
    if not path.is_absolute():
        path = Path.cwd() / path
    srcdir = Path(env.srcdir).resolve()
    try:
        return Path(posixpath.normpath(path.as_posix())).relative_to(srcdir).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(srcdir).as_posix()
        except ValueError:
            return None


def _line_naming(document: nodes.document, dep: str) -> int:
    """The line of the source that names ``dep`` (docutils does not record it)."""
    return _line_naming_text(document.get("source", ""), Path(str(dep)).name)


def _on_include_read(app: Sphinx, relative_path: Path, parent_docname: str,
                     content: list[str]) -> None:
    """An included file of a higher level: report it and include nothing. The document
    being read is asked of the environment: MyST passes the file's stem as the parent
    (``index`` for ``secret/index.md``), which would judge the wrong document."""
    relpath = Path(relative_path).as_posix()
    if not file_reachable(app.env, app.env.docname, relpath):
        content[0] = ""


# --- references: the same message in every build --------------------------------------------


class EditionDomain(Domain):
    """Records, per document, the references it makes, so that a document of a lower level
    that names something of a higher level is refused once everything has been read."""

    name = "edition"
    label = "edition"
    #: references: docname -> [(domain, type, target, line)], as read;
    #: targets: docname -> docnames its references resolved to at the last consistency check
    #: (``"?"`` for one that did not resolve), to know what to rewrite after an edit.
    #: exports: docname -> digest of what references to it show, at the last build
    initial_data: ClassVar[dict[str, Any]] = {"references": {}, "targets": {}, "exports": {}}

    def clear_doc(self, docname: str) -> None:
        self.data["references"].pop(docname, None)

    def merge_domaindata(self, docnames: set[str], otherdata: dict[str, Any]) -> None:
        for docname in docnames:
            if docname in otherdata["references"]:
                self.data["references"][docname] = otherdata["references"][docname]

    def resolve_any_xref(self, *args: Any) -> list:  # pragma: no cover - nothing to resolve
        return []


def _check_declared_level(env: BuildEnvironment, doctree: nodes.document) -> None:
    """The parser's own reading of a document's ``classification:`` must be the one the
    classification made before the build: one reading of every level. A document that was not
    opened then (already at the top level) may only confirm its level."""
    declared = env.metadata.get(env.docname, {}).get("classification")
    classification = _classification_of(env)
    relpath = Path(env.doc2path(env.docname)).relative_to(Path(env.srcdir)).as_posix()
    before = classification.declared.get(relpath) if classification is not None else None
    scheme = _scheme_of(env)
    level = doc_level(env, env.docname)
    if declared is None:
        if before is not None:
            report("declared-level-differs", (env.docname, before[1]), declared="-",
                   level=before[0])
        return
    line = before[1] if before else _line_naming_text(doctree.get("source", ""), "classification")
    if declared not in scheme.levels:
        report("unknown-level", (env.docname, line), level=declared, known=scheme.known())
    elif scheme.rank(declared) < scheme.rank(level):
        report("lowered-level", (env.docname, line), declared=declared, folder=level)
    elif (before is None and declared != level) or (before is not None
                                                    and before[0] != declared):
        report("declared-level-differs", (env.docname, line), declared=declared, level=level)


def _line_naming_text(source: str, text: str) -> int:
    try:
        lines = Path(source).read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0
    return next((number for number, line in enumerate(lines, start=1) if text in line), 0)


def _on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    _check_declared_level(env, doctree)
    found = [
        (node.get("refdomain", ""), node.get("reftype", ""), node.get("reftarget", ""),
         node.line or 0)
        for node in doctree.findall(addnodes.pending_xref)
    ]
    env.domains["edition"].data["references"][env.docname] = found


def _target_docname(env: BuildEnvironment, domain: str, reftype: str, target: str,
                    refdoc: str) -> str | None:
    if domain in ("std", ""):
        std = env.domains.standard_domain
        if reftype in ("ref", "numref", "keyword"):
            entry = std.labels.get(target.lower()) or std.anonlabels.get(target.lower())
            return entry[0] if entry else None
        if reftype == "doc":
            return _docname_for_ref(refdoc, target)
        if reftype == "term":
            entry = std._terms.get(target.lower())
            return entry[0] if entry else None
        return None
    resolver = _RESOLVERS.get(domain)
    return resolver(env, reftype, target, refdoc) if resolver else None


def _docname_for_ref(refdoc: str, target: str) -> str:
    from sphinx.util import docname_join

    target = target.removesuffix(".md").removesuffix(".rst")
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return docname_join(refdoc, target)


def _on_env_updated(app: Sphinx, env: BuildEnvironment) -> None:
    """Once everything is read: refuse references to higher levels, and record what each
    document's references resolve to. This runs at ``env-updated`` rather than at the
    consistency check because Sphinx saves the environment between the two, and the
    record is needed by the next, incremental, build."""
    data = env.domains["edition"].data
    references: dict[str, list] = data["references"]
    data["targets"] = {}
    for docname in sorted(references):
        source_level = doc_level(env, docname)
        targets: set[str] = set()
        for domain, reftype, target, line in references[docname]:
            docname_of_target = _target_docname(env, domain, reftype, target, docname)
            targets.add(docname_of_target or "?")
            if docname_of_target is None:
                continue  # unresolved: reported when references are resolved
            if higher(env, doc_level(env, docname_of_target), source_level):
                report("public-refers-restricted", (docname, line), target=target)
        data["targets"][docname] = sorted(targets)
    exports = _exports(env)
    previous: dict[str, str] = data.get("exports", {})
    reread: set[str] = app.policy_reread  # type: ignore[attr-defined]
    app.policy_changed = {  # type: ignore[attr-defined]
        docname for docname in reread | (set(previous) - set(exports))
        if exports.get(docname) is None or exports.get(docname) != previous.get(docname)}
    data["exports"] = exports
    _stop_on_errors(app)


def _exports(env: BuildEnvironment) -> dict[str, str]:
    """For each document, a digest of everything a reference to it can show or resolve to:
    its title, the labels, anchors and section titles of its targets, its objects (terms
    among them) and what the registered domains show of it (clause numbers and titles). A
    document read again with the same digest changes nothing on the pages that refer to it."""
    std = env.domains.standard_domain
    shown: dict[str, list[str]] = {
        docname: [repr(env.titles[docname].astext()) if docname in env.titles else "-"]
        for docname in env.all_docs}
    for kind, table in (("label", std.labels), ("anonymous", std.anonlabels),
                        ("object", std.objects), ("term", std._terms)):
        for name, entry in table.items():
            if entry[0] in shown:
                shown[entry[0]].append(repr((kind, name, tuple(entry))))
    for domain, exports in sorted(_EXPORTS.items()):
        for docname, parts in shown.items():
            parts.append(repr((domain, exports(env, docname))))
    return {docname: hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()
            for docname, parts in shown.items()}


def _on_purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    app.policy_reread.add(docname)  # type: ignore[attr-defined]


def _on_get_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Documents that were not read again but refer to one whose targets changed (or to
    nothing): write them again, so that their references are resolved afresh and still fail
    if broken. A document read again whose titles, labels and numbers stayed the same (a
    sentence edited) changes nothing on the pages that refer to it."""
    reread: set[str] = app.policy_reread  # type: ignore[attr-defined]
    changed: set[str] = getattr(app, "policy_changed", reread)
    targets: dict[str, list[str]] = env.domains["edition"].data["targets"]
    return sorted(
        docname for docname, names in targets.items()
        if docname not in reread and docname in env.all_docs
        and ("?" in names or changed.intersection(names))
    )


def _on_warn_missing_reference(app: Sphinx, domain: Domain | None, node: nodes.Element) -> bool:
    """In a public document an unresolved reference gets the edition's message, which says the
    target may be restricted: the public build cannot (and must not) know which."""
    refdoc = node.get("refdoc", app.env.docname)
    if refdoc and guarded(app.env, refdoc):
        report("public-refers-restricted", node, target=node.get("reftarget", ""))
        return True
    return False


# --- failing closed under plain sphinx-build --------------------------------------------------


class _ErrorCounter(logging.logging.Handler):
    """Counts the policy errors logged during a build (in parallel builds, the main process
    re-logs what its workers logged, so the count is complete)."""

    def __init__(self) -> None:
        super().__init__(level=logging.logging.ERROR)
        self.counted: list[Any] = []

    @property
    def count(self) -> int:
        return len(self.counted)

    def emit(self, record: Any) -> None:
        # Records held back during reading are logged a second time afterwards.
        if any(seen is record for seen in self.counted):
            return
        if getattr(record, "type", None) == messages.WARNING_TYPE and messages.is_error(record):
            self.counted.append(record)


def _stop_on_errors(app: Sphinx) -> None:
    """Writing an edition after an error would publish what the error was about: stop here.
    The ``dummy`` builder (``build.py check``) goes on, to report everything in one run."""
    counter: _ErrorCounter = app.policy_error_counter  # type: ignore[attr-defined]
    if counter.count and app.builder.name != "dummy":
        raise PolicyError("errors-stop-build", count=counter.count)


def _on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    counter = getattr(app, "policy_error_counter", None)
    if counter is not None:
        logging.logging.getLogger(logging.NAMESPACE).removeHandler(counter)


def setup_edition(app: Sphinx) -> None:
    app.add_config_value("policy_levels", list(Scheme().levels), "env", types=[list, tuple])
    app.add_config_value("policy_classification", {}, "env", types=[dict])
    app.add_config_value("policy_edition", "public", "env", types=[str])
    app.add_config_value("policy_roots", {}, "env", types=[dict])
    app.add_config_value("policy_classified_tree", "", "", types=[str])
    # After Sphinx has merged the source suffixes of every extension (priority 800).
    app.connect("config-inited", _on_config_inited, priority=850)
    app.connect("builder-inited", _on_builder_inited, priority=900)
    app.add_domain(EditionDomain)
    app.add_transform(PublicContentCheck)
    app.connect("include-read", _on_include_read)
    app.connect("doctree-read", _on_doctree_read)
    app.connect("doctree-read", _on_other_root_read, priority=900)
    app.connect("env-updated", _on_env_updated, priority=900)
    app.connect("env-purge-doc", _on_purge_doc)
    app.connect("env-get-updated", _on_get_updated)
    app.policy_reread = set()  # type: ignore[attr-defined]
    app.connect("warn-missing-reference", _on_warn_missing_reference)
    app.connect("build-finished", _on_build_finished)
    counter = _ErrorCounter()
    logging.logging.getLogger(logging.NAMESPACE).addHandler(counter)
    app.policy_error_counter = counter  # type: ignore[attr-defined]
    for name, directive in _GUARDED_DIRECTIVES.items():
        app.add_directive(name, directive, override=True)
