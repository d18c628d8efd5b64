"""Which classification level every file of the docs tree has, decided before anything is read.

Fail-closed by construction: a file is public only where ``policy_classification`` names it (or
a folder above it) as public; everything else takes the highest level. A document may raise its
own level in front matter (``classification: restricted``) but never lower it. Levels are an
ordered list in ``conf.py`` (``policy_levels``), so an edition is "every file up to level X" and
more levels can be added without code.

This module only reads paths, front matter and symbolic links; it does not parse documents, so
the decision is made before Sphinx reads a single document.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_LEVELS = ("public", "restricted")

#: ``classification: <level>`` in MyST front matter, ``:classification: <level>`` in rST.
_MD_DECLARATION = re.compile(r"^classification\s*:\s*(?P<level>\S.*?)\s*$")
_RST_DECLARATION = re.compile(r"^:classification:\s*(?P<level>\S.*?)\s*$")


@dataclass(frozen=True)
class Problem:
    """A classification problem, located in a file (``line`` 0 when it concerns a setting)."""

    code: str
    path: str
    line: int
    fields: Mapping[str, str]


@dataclass(frozen=True)
class Scheme:
    """The levels (lowest first) and the folder/file rules from ``conf.py``."""

    levels: tuple[str, ...] = DEFAULT_LEVELS
    rules: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, levels: Iterable[str], rules: Mapping[str, str]) -> Scheme:
        normalised = {_normalise(key): value for key, value in dict(rules).items()}
        return cls(tuple(levels), normalised)

    @property
    def highest(self) -> str:
        return self.levels[-1]

    def rank(self, level: str) -> int:
        return self.levels.index(level)

    def known(self) -> str:
        return "、".join(self.levels)

    def problems(self) -> list[Problem]:
        """Settings that cannot be trusted: no levels, repeated levels, unknown rule levels."""
        found: list[Problem] = []
        if not self.levels or len(set(self.levels)) != len(self.levels):
            found.append(
                Problem("bad-setting", "conf.py", 0, {"name": "policy_levels",
                                                      "detail": repr(list(self.levels))})
            )
            return found
        for key, level in self.rules.items():
            if level not in self.levels:
                found.append(Problem("unknown-level", "conf.py", 0,
                                     {"level": str(level), "known": self.known()}))
            if key.startswith("../") or key.startswith("/") or key == "..":
                found.append(Problem("bad-setting", "conf.py", 0, {
                    "name": "policy_classification", "detail": repr(key)}))
        return found

    def level_of_path(self, relpath: str) -> str:
        """The level the rules give a path: the highest of every rule that covers it."""
        covering = [
            level for key, level in self.rules.items()
            if key in ("", relpath) or relpath.startswith(key + "/")
        ]
        if not covering:
            return self.highest
        known = [level for level in covering if level in self.levels]
        if len(known) != len(covering):
            return self.highest
        return max(known, key=self.rank)

    def within(self, level: str, edition: str) -> bool:
        """Whether a file of ``level`` belongs in ``edition`` (unknown levels never do)."""
        if level not in self.levels or edition not in self.levels:
            return False
        return self.rank(level) <= self.rank(edition)


@dataclass
class Classification:
    """The level of every file in a docs tree, keyed by POSIX path relative to the tree."""

    scheme: Scheme
    levels: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def level(self, relpath: str) -> str:
        """A known file's level, or what the rules say for a path that is not there."""
        relpath = _normalise(relpath)
        if relpath in self.levels:
            return self.levels[relpath]
        return self.scheme.level_of_path(relpath)

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


def declared_level(path: Path) -> tuple[str | None, int]:
    """The level a document declares for itself, and the line it is declared on."""
    suffix = path.suffix.lower()
    if suffix not in (".md", ".rst"):
        return None, 0
    with path.open(encoding="utf-8") as handle:
        lines = [handle.readline() for _ in range(60)]
    if suffix == ".md":
        if not lines or lines[0].strip() != "---":
            return None, 0
        for number, line in enumerate(lines[1:], start=2):
            if line.strip() == "---":
                break
            match = _MD_DECLARATION.match(line.rstrip("\n"))
            if match:
                return match["level"].strip("'\""), number
        return None, 0
    for number, line in enumerate(lines, start=1):
        stripped = line.rstrip("\n")
        if not stripped.strip():
            continue
        if not stripped.startswith(":"):
            break
        match = _RST_DECLARATION.match(stripped)
        if match:
            return match["level"], number
    return None, 0


def classify_tree(srcdir: str | os.PathLike[str], scheme: Scheme) -> Classification:
    """Give every file under ``srcdir`` its level; report what cannot be trusted."""
    root = Path(srcdir).resolve()
    result = Classification(scheme, problems=scheme.problems())
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
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in list(dirnames):
            if not _inside(root, (current / name).resolve()):
                rel = (current / name).relative_to(root).as_posix()
                result.problems.append(Problem("link-outside-tree", rel, 0, {"path": rel}))
                dirnames.remove(name)
        for name in sorted(filenames):
            if name.startswith("."):
                continue
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
    try:
        declared, line = declared_level(real)
    except (OSError, UnicodeDecodeError) as exc:
        result.problems.append(
            Problem("unreadable-file", rel, 0, {"path": rel, "detail": str(exc)}))
        result.levels[rel] = scheme.highest
        return
    if declared is not None:
        if declared not in scheme.levels:
            result.problems.append(Problem("unknown-level", rel, line,
                                           {"level": declared, "known": scheme.known()}))
            level = scheme.highest
        elif scheme.rank(declared) < scheme.rank(level):
            result.problems.append(Problem("lowered-level", rel, line,
                                           {"declared": declared, "folder": level}))
        else:
            level = declared
    result.levels[rel] = level


def _inside(root: Path, path: Path) -> bool:
    return path == root or root in path.parents
