"""Which classification level every file of the docs tree has, decided before anything is read.

Fail-closed by construction: a file is public only where ``policy_classification`` names it (or
a folder above it) as public; everything else takes the highest level. A document may raise its
own level in front matter (``classification: restricted``) but never lower it. Levels are an
ordered list in ``conf.py`` (``policy_levels``), so an edition is "every file up to level X" and
more levels can be added without code.

A declared level is read the way the parser reads it, whole: a Markdown document's front matter
is found by the same markdown-it rule MyST uses and read by the same YAML parser (PyYAML's
``safe_load``), so indented or quoted keys, flow mappings, comments and a declaration far down a
long front matter mean here what they mean to MyST. Anything that looks like a declaration but
is not one the parser would read (a ``classification:`` line in the body, a misspelt key, a value
that is not a known level, front matter that does not parse) is a problem, never ignored: an
author who wrote it meant something, and the doubt is resolved by stopping.

Rules in ``policy_classification`` are plain relative paths, exactly as they appear in the tree
(``kihon``, ``index.md``; ``""`` for the whole tree). A key written any other way (a backslash,
``./``, ``..``, a trailing slash, spaces) could be read two ways by two readers, and a public key
that names nothing is a typo whose intent is unknown: both are errors. Keys of higher levels may
name what is absent, because the public edition must build where restricted sources were deleted.

This module only reads paths, front matter and symbolic links; it does not parse documents, so
the decision is made before Sphinx reads a single document.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_LEVELS = ("public", "restricted")
#: Source suffixes and their parsers when ``conf.py`` says nothing (Sphinx's ``.rst`` and
#: MyST's ``.md``).
DEFAULT_SUFFIXES: Mapping[str, str] = {".rst": "restructuredtext", ".md": "markdown"}
KEY = "classification"


@dataclass(frozen=True)
class Problem:
    """A classification problem, located in a file (``line`` 0 when it concerns a setting)."""

    code: str
    path: str
    line: int
    fields: Mapping[str, str]


@dataclass(frozen=True)
class Scheme:
    """The levels (lowest first), the folder/file rules and the source suffixes of a tree."""

    levels: tuple[str, ...] = DEFAULT_LEVELS
    rules: Mapping[str, str] = field(default_factory=dict)
    suffixes: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_SUFFIXES))

    @classmethod
    def from_settings(cls, levels: Iterable[str], rules: Mapping[str, str],
                      suffixes: Mapping[str, str] | Iterable[str] | str | None = None
                      ) -> Scheme:
        return cls(tuple(levels), dict(rules), _suffix_map(suffixes))

    @property
    def lowest(self) -> str:
        return self.levels[0]

    @property
    def highest(self) -> str:
        return self.levels[-1]

    def rank(self, level: str) -> int:
        return self.levels.index(level)

    def known(self) -> str:
        return "、".join(self.levels)

    def problems(self, tree: Path | None = None) -> list[Problem]:
        """Settings that cannot be trusted: no levels, repeated or non-text levels, rules with
        unknown levels, keys that are not plain relative paths, public keys naming nothing."""
        found: list[Problem] = []
        if (not self.levels or len(set(self.levels)) != len(self.levels)
                or not all(isinstance(level, str) and level for level in self.levels)):
            found.append(Problem("bad-setting", "conf.py", 0, {
                "name": "policy_levels", "detail": repr(list(self.levels))}))
            return found
        for key, level in self.rules.items():
            if level not in self.levels:
                found.append(Problem("unknown-level", "conf.py", 0,
                                     {"level": str(level), "known": self.known()}))
            if not is_plain_key(key):
                found.append(Problem("bad-classification-key", "conf.py", 0, {"key": repr(key)}))
            elif (tree is not None and key and level == self.lowest
                  and not os.path.lexists(tree / key)):
                found.append(Problem("missing-classification-key", "conf.py", 0,
                                     {"key": key}))
        return found

    def level_of_path(self, relpath: str) -> str:
        """The level the rules give a path: the highest of every rule that covers it."""
        covering = [
            level for key, level in self.rules.items()
            if key in ("", relpath) or relpath.startswith(key + "/")
        ]
        if not covering or any(level not in self.levels for level in covering):
            return self.highest
        return max(covering, key=self.rank)

    def within(self, level: str, edition: str) -> bool:
        """Whether a file of ``level`` belongs in ``edition`` (unknown levels never do)."""
        if level not in self.levels or edition not in self.levels:
            return False
        return self.rank(level) <= self.rank(edition)

    def parser_of(self, relpath: str) -> str | None:
        """The parser Sphinx would read a file with, or None when it is not a document."""
        for suffix, parser in self.suffixes.items():
            if relpath.endswith(suffix):
                return parser
        return None


def _suffix_map(suffixes: Mapping[str, str] | Iterable[str] | str | None) -> dict[str, str]:
    """``source_suffix`` as Sphinx accepts it (a string, a list or a mapping), completed
    with the defaults, since MyST adds ``.md`` whatever ``conf.py`` says."""
    result = dict(DEFAULT_SUFFIXES)
    if isinstance(suffixes, str):
        result.setdefault(suffixes, "restructuredtext")
    elif isinstance(suffixes, Mapping):
        result.update({str(k): str(v) for k, v in suffixes.items()})
    elif suffixes is not None:
        for suffix in suffixes:
            result.setdefault(str(suffix), "restructuredtext")
    return result


def is_plain_key(key: object) -> bool:
    """A rule key is a POSIX path relative to the tree, written the one way it appears there."""
    if not isinstance(key, str):
        return False
    if key == "":
        return True
    if key != key.strip() or "\\" in key or key.startswith("/") or "\x00" in key:
        return False
    if unicodedata.normalize("NFC", key) != key:
        return False
    return all(part not in ("", ".", "..") for part in key.split("/"))


@dataclass
class Classification:
    """The level of every file in a docs tree, keyed by POSIX path relative to the tree."""

    scheme: Scheme
    levels: dict[str, str] = field(default_factory=dict)
    #: the level each document declares for itself, as the parser reads it, and its line
    declared: dict[str, tuple[str, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def level(self, relpath: str) -> str:
        """A known file's level, or what the rules say for a path that is not there."""
        relpath = _normalise(relpath)
        if relpath in self.levels:
            return self.levels[relpath]
        return self.scheme.level_of_path(relpath)

    def document_level(self, docname: str, suffixes: Iterable[str]) -> str:
        """The level of a document: that of the file that holds it. A document that is not
        in the tree (or is there twice, under two suffixes) takes the highest level any of
        its possible file names would have."""
        names = [docname + suffix for suffix in suffixes]
        present = [name for name in names if _normalise(name) in self.levels]
        candidates = present if len(present) == 1 else names
        return max((self.level(name) for name in candidates), key=self.scheme.rank)

    def members(self, edition: str) -> list[str]:
        return sorted(p for p, lvl in self.levels.items() if self.scheme.within(lvl, edition))

    def excluded(self, edition: str) -> list[str]:
        return sorted(p for p, lvl in self.levels.items() if not self.scheme.within(lvl, edition))

    def reading_patterns(self, edition: str) -> tuple[list[str], list[str]]:
        """Sphinx ``include_patterns`` and ``exclude_patterns`` that let it find the edition's
        documents only, written from the rules rather than as a list of files, so that the
        names of files outside the edition are not kept in the build environment. Files raised
        by their own declaration inside an included folder are the only ones named."""
        scheme = self.scheme
        if edition == scheme.highest:
            return ["**"], []
        include: list[str] = []
        exclude: list[str] = []
        for key, level in sorted(self.scheme.rules.items()):
            target = include if scheme.within(level, edition) else exclude
            target.extend(["**"] if key == "" else [key, f"{key}/**"])
        included = [key for key, level in self.scheme.rules.items()
                    if scheme.within(level, edition)]
        for relpath in self.excluded(edition):
            if any(key in ("", relpath) or relpath.startswith(key + "/") for key in included):
                exclude.append(relpath)
        return include, exclude


def _normalise(relpath: str) -> str:
    path = relpath.replace(os.sep, "/").strip()
    while path.startswith("./"):
        path = path[2:]
    return path.rstrip("/") if path not in ("", "/") else ""


# --- reading a declaration as the parser reads it ---------------------------------------------


@dataclass(frozen=True)
class Declaration:
    """What a file says about its own level: the level (None when it says nothing), the line
    of the declaration, and the problems found while reading it."""

    level: str | None = None
    line: int = 0
    problems: tuple[tuple[str, int, Mapping[str, str]], ...] = ()


def _folded(text: str) -> str:
    """A key as a person might have meant it: width, case, quotes and separators ignored."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s'\"`:_\-・]", "", text)


#: A line that looks like a declaration of a level, whatever the markup around it.
_LOOKS_LIKE_DECLARATION = re.compile(r"^[\s>*+\-#|]*[:'\"`]?classification[:'\"`]?\s*:")


def _looks_like_declaration(line: str) -> bool:
    folded = unicodedata.normalize("NFKC", line).casefold()
    return bool(_LOOKS_LIKE_DECLARATION.match(folded))


@functools.cache
def _markdown_parser() -> Any:
    """MyST's own markdown-it parser: its front matter rule decides what front matter is."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    return create_md_parser(MdParserConfig(), RendererHTML)


def read_declaration(text: str, parser: str | None, levels: tuple[str, ...]) -> Declaration:
    """The level ``text`` declares for itself, read as ``parser`` would read it.

    ``parser`` is ``"markdown"``, ``"restructuredtext"``, or None for a file that is not a
    document (only front matter at its very top counts there, as an included fragment)."""
    if text.startswith("\ufeff"):
        text = text[1:]  # Sphinx reads sources as utf-8-sig
    if parser == "restructuredtext":
        return _rst_declaration(text, levels)
    return _markdown_declaration(text, levels, strict=parser is not None)


def _markdown_declaration(text: str, levels: tuple[str, ...], strict: bool) -> Declaration:
    import yaml

    problems: list[tuple[str, int, Mapping[str, str]]] = []
    level: str | None = None
    line = 0
    body_start = 0
    tokens = _markdown_parser().parse(text) if text.startswith("-") else []
    if tokens and tokens[0].type == "front_matter":
        first, end = tokens[0].map
        body_start = end
        content = tokens[0].content
        try:
            data = yaml.safe_load(content)
            node = yaml.compose(content)
        except (yaml.YAMLError, ValueError, RecursionError) as exc:
            # What MyST catches too: PyYAML lets ValueError escape for an impossible
            # timestamp (``effective: 2024-04-31``), and it stopped the build unexplained.
            mark = getattr(exc, "problem_mark", None)
            where = first + 2 + (mark.line if mark is not None else 0)
            problems.append(("bad-front-matter", where, {"detail": _yaml_problem(exc)}))
            return Declaration(None, where, tuple(problems))
        if isinstance(data, dict):
            level, line = _level_in_mapping(data, node, first + 2, levels, problems)
        elif any(_looks_like_declaration(row) for row in content.splitlines()):
            problems.append(("bad-front-matter", first + 1,
                             {"detail": "front matter is not a mapping of keys to values"}))
    if strict:
        for number, row in enumerate(text.splitlines()[body_start:], start=body_start + 1):
            if _looks_like_declaration(row):
                problems.append(("stray-declaration", number, {}))
    return Declaration(level, line, tuple(problems))


def _yaml_problem(exc: Exception) -> str:
    return str(getattr(exc, "problem", None) or exc).splitlines()[0]


def _level_in_mapping(data: dict, node: Any, first_line: int, levels: tuple[str, ...],
                      problems: list) -> tuple[str | None, int]:
    """The declared level in a front matter mapping, with the line of its key."""
    lines = {}
    keys_seen: list[str] = []
    for key_node, _value in getattr(node, "value", []) or []:
        key_text = getattr(key_node, "value", None)
        if isinstance(key_text, str):
            lines.setdefault(key_text, first_line + key_node.start_mark.line)
            keys_seen.append(key_text)
    for key in data:
        if isinstance(key, str) and key != KEY and _folded(key) == KEY:
            problems.append(("misspelt-classification-key", lines.get(key, first_line),
                             {"key": key}))
    if keys_seen.count(KEY) > 1:
        problems.append(("bad-front-matter", lines.get(KEY, first_line),
                         {"detail": "classification is declared more than once"}))
    if KEY not in data:
        return None, 0
    line = lines.get(KEY, first_line)
    value = data[KEY]
    if not isinstance(value, str) or value not in levels:
        problems.append(("unknown-level", line, {"level": str(value), "known": "、".join(levels)}))
        return None, line
    return value, line


_RST_FIELD = re.compile(r"^:(?P<name>[^:]+):(?:\s+(?P<value>.*?))?\s*$")


def _rst_declaration(text: str, levels: tuple[str, ...]) -> Declaration:
    """A reStructuredText document declares its level in the field list at its very top
    (docinfo, as Sphinx reads metadata); a ``:classification:`` anywhere else is a problem."""
    problems: list[tuple[str, int, Mapping[str, str]]] = []
    level: str | None = None
    line = 0
    rows = text.splitlines()
    top = 0
    while top < len(rows) and not rows[top].strip():
        top += 1
    field_rows = top
    while field_rows < len(rows) and rows[field_rows].startswith(":"):
        match = _RST_FIELD.match(rows[field_rows])
        if match is None:
            break
        field_rows += 1
    for number in range(top, field_rows):
        match = _RST_FIELD.match(rows[number])
        assert match is not None
        name, value = match["name"], (match["value"] or "")
        if name == KEY:
            if level is not None or line:
                problems.append(("bad-front-matter", number + 1,
                                 {"detail": "classification is declared more than once"}))
            line = number + 1
            if value in levels:
                level = value
            else:
                problems.append(("unknown-level", number + 1,
                                 {"level": value, "known": "、".join(levels)}))
        elif _folded(name) == KEY:
            problems.append(("misspelt-classification-key", number + 1, {"key": name}))
    for number in range(field_rows, len(rows)):
        if _looks_like_declaration(rows[number]):
            problems.append(("stray-declaration", number + 1, {}))
    return Declaration(level, line, tuple(problems))


# --- the whole tree ---------------------------------------------------------------------------


def classify_tree(srcdir: str | os.PathLike[str], scheme: Scheme) -> Classification:
    """Give every file under ``srcdir`` its level; report what cannot be trusted."""
    root = Path(srcdir).resolve()
    result = Classification(scheme, problems=scheme.problems(root))
    if result.problems:
        return result
    seen_dirs: set[Path] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        current = Path(dirpath)
        real_dir = current.resolve()
        if real_dir in seen_dirs:
            dirnames[:] = []
            continue
        seen_dirs.add(real_dir)
        dirnames.sort()
        for name in list(dirnames):
            if not _inside(root, (current / name).resolve()):
                rel = (current / name).relative_to(root).as_posix()
                result.problems.append(Problem("link-outside-tree", rel, 0, {"path": rel}))
                dirnames.remove(name)
        for name in sorted(filenames):
            _classify_file(root, current / name, result)
    return result


def _classify_file(root: Path, path: Path, result: Classification) -> None:
    scheme = result.scheme
    rel = path.relative_to(root).as_posix()
    level = scheme.level_of_path(rel)
    real = path.resolve()
    if not _inside(root, real):
        result.problems.append(Problem("link-outside-tree", rel, 0, {"path": rel}))
        result.levels[rel] = scheme.highest
        return
    # A file reached through a link is as secret as the most secret of its two names.
    real_rel = real.relative_to(root).as_posix()
    if real_rel != rel:
        level = max(level, scheme.level_of_path(real_rel), key=scheme.rank)
    if level == scheme.highest:
        # A declaration can only raise a level: a file already at the top is never opened.
        result.levels[rel] = level
        return
    parser = scheme.parser_of(rel)
    try:
        data = real.read_bytes()
    except OSError as exc:
        result.problems.append(
            Problem("unreadable-file", rel, 0, {"path": rel, "detail": str(exc)}))
        result.levels[rel] = scheme.highest
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if parser is not None:  # a document Sphinx could not read either
            result.problems.append(
                Problem("unreadable-file", rel, 0, {"path": rel, "detail": str(exc)}))
            result.levels[rel] = scheme.highest
            return
        text = ""  # an image or other binary asset declares nothing
    declaration = read_declaration(text, parser, scheme.levels)
    for code, line, fields in declaration.problems:
        result.problems.append(Problem(code, rel, line, fields))
    if declaration.problems:
        level = scheme.highest
    elif declaration.level is not None:
        result.declared[rel] = (declaration.level, declaration.line)
        if scheme.rank(declaration.level) < scheme.rank(level):
            result.problems.append(Problem("lowered-level", rel, declaration.line,
                                           {"declared": declaration.level, "folder": level}))
        else:
            level = declaration.level
    result.levels[rel] = level


def _inside(root: Path, path: Path) -> bool:
    return path == root or root in path.parents
