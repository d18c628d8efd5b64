"""A revision of the docs tree, taken from git, as one edition may see it.

A 新旧対照表 sets two revisions side by side, and each must be what its own edition showed:
its own ``conf.py`` says what was public, its own front matter may raise a document, and its
clause numbers come from building it. So a revision is exported into a folder of its own and
built there with this extension (the ``policy-wording`` builder).

For the public edition the export holds only what that revision's classification makes
public: the rules of its ``conf.py`` are applied to the paths git lists, only files the rules
make public are written out (the classifier then reads their front matter, and any that
raises itself is removed again). A restricted file of either revision is never read, just as
the public build never reads one from the working tree. The working tree itself is not
exported: the runner's own staging does the same for it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.config import Config
from sphinx.errors import SphinxError
from sphinx.util.tags import Tags

from . import messages, runner, wareki, wording
from .classification import Scheme, classify_tree

#: How a side that is the working tree is named in headings.
WORKING_TREE = "作業中の原稿"


class SnapshotError(Exception):
    """A revision that cannot be read; ``lines`` are the messages for the user."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _git(cwd: Path, *args: str, binary: bool = False, stdin: bytes | None = None) -> Any:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, input=stdin,
                              check=False, timeout=300)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SnapshotError([messages.render("shinkyu-no-git", None, detail=str(exc))]) from None
    if done.returncode != 0:
        raise SnapshotError([messages.render(
            "shinkyu-no-git", None, detail=done.stderr.decode("utf-8", "replace").strip())])
    return done.stdout if binary else done.stdout.decode("utf-8")


@dataclass(frozen=True)
class Snapshot:
    """A revision: a commit of the repository holding ``src``, or the working tree itself
    (``commit`` empty). ``date`` is the commit's date in 和暦, empty for the working tree."""

    src: Path
    name: str
    commit: str
    date: str

    @property
    def shown(self) -> str:
        return f"{self.name}（{self.date}）" if self.date else self.name


def repository(src: Path) -> tuple[Path, str]:
    """The repository that holds ``src``, and ``src``'s path inside it (POSIX)."""
    top = Path(_git(src, "rev-parse", "--show-toplevel").strip()).resolve()
    return top, Path(src).resolve().relative_to(top).as_posix()


def resolve(src: Path, revision: str | None) -> Snapshot:
    """A named revision (tag, branch, commit), or the working tree when ``None``."""
    if revision is None:
        return Snapshot(Path(src), WORKING_TREE, "", "")
    try:
        commit = _git(src, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").strip()
    except SnapshotError:
        raise SnapshotError([messages.render("shinkyu-bad-revision", None,
                                             rev=revision)]) from None
    day = _git(src, "show", "-s", "--format=%cs", commit).strip()
    return Snapshot(Path(src), revision, commit, wareki.parse(day).wareki())


def default_old(src: Path) -> str:
    """The revision compared with when none is named: the latest tag; without tags, the last
    commit, or the one before it when the tree has no change since."""
    try:
        return _git(src, "describe", "--tags", "--abbrev=0").strip()
    except SnapshotError:
        pass
    _top, prefix = repository(src)
    changed = _git(src, "status", "--porcelain", "--", ".").strip()
    return "HEAD" if changed or not prefix else "HEAD~1"


def _scheme(conf_dir: Path) -> Scheme:
    try:
        raw = Config.read(conf_dir, overrides={}, tags=Tags())._raw_config
    except SphinxError as exc:
        raise SnapshotError([messages.render("syntax", f"{conf_dir}/conf.py",
                                             detail=str(exc))]) from None
    return Scheme.from_settings(raw.get("policy_levels", ("public", "restricted")),
                                raw.get("policy_classification", {}))


def levels_of(snapshot: Snapshot) -> tuple[str, ...]:
    """The classification levels of the revision, lowest first, from its own conf.py."""
    if not snapshot.commit:
        return _scheme(Path(snapshot.src)).levels
    prefix, entries = _entries(snapshot)
    conf = next((entry for entry in entries if entry[2] == "conf.py"), None)
    if conf is None:
        raise SnapshotError([messages.render("shinkyu-no-tree", None, rev=snapshot.name,
                                             path=prefix or ".")])
    with tempfile.TemporaryDirectory(prefix=".conf-") as folder:
        Path(folder, "conf.py").write_bytes(_blobs(snapshot.src, [conf[1]])[0])
        return _scheme(Path(folder)).levels


def _entries(snapshot: Snapshot) -> tuple[str, list[tuple[str, str, str]]]:
    """The files of the revision's tree: (mode, object, path relative to the tree)."""
    _top, prefix = repository(snapshot.src)
    listing = _git(snapshot.src, "ls-tree", "-r", "-z", "--full-tree", snapshot.commit,
                   "--", prefix or ".")
    found = []
    for record in listing.split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        mode, kind, obj = meta.split()
        if kind != "blob":
            continue
        rel = path[len(prefix) + 1:] if prefix else path
        found.append((mode, obj, rel))
    return prefix, found


def _blobs(src: Path, objects: list[str]) -> list[bytes]:
    """The content of git objects, read in one ``git cat-file --batch``."""
    if not objects:
        return []
    data = _git(src, "cat-file", "--batch", binary=True,
                stdin=("\n".join(objects) + "\n").encode())
    found = []
    position = 0
    for _obj in objects:
        end = data.index(b"\n", position)
        size = int(data[position:end].split()[2])
        found.append(data[end + 1:end + 1 + size])
        position = end + 1 + size + 1
    return found


def export(snapshot: Snapshot, dest: Path, edition: str | None) -> Scheme:
    """Write the revision's tree into ``dest``: what ``edition`` may hold by the revision's
    own classification (every file for its highest level, or when ``edition`` is None).
    Returns its scheme."""
    prefix, entries = _entries(snapshot)
    conf = [entry for entry in entries if entry[2] == "conf.py"]
    if not conf:
        raise SnapshotError([messages.render("shinkyu-no-tree", None, rev=snapshot.name,
                                             path=prefix or ".")])
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "conf.py").write_bytes(_blobs(snapshot.src, [conf[0][1]])[0])
    scheme = _scheme(dest)
    if scheme.problems():
        raise SnapshotError([messages.render(p.code, f"{snapshot.name}:{prefix}/conf.py",
                                             **p.fields) for p in scheme.problems()])
    if edition == scheme.highest:
        edition = None
    if edition is not None:
        # The rules alone first: a file they make restricted is not even fetched.
        entries = [e for e in entries if e[2] != "conf.py"
                   and scheme.within(scheme.level_of_path(e[2]), edition)]
    else:
        entries = [e for e in entries if e[2] != "conf.py"]
    for (mode, _obj, rel), blob in zip(entries, _blobs(snapshot.src, [e[1] for e in entries]),
                                       strict=True):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            os.symlink(blob.decode("utf-8"), target)
        else:
            target.write_bytes(blob)
    if edition is not None:
        classification = classify_tree(dest, scheme)
        if classification.problems:
            raise SnapshotError([
                messages.render(p.code, f"{snapshot.name}:{prefix}/{p.path}:{p.line}", **p.fields)
                for p in classification.problems])
        for rel in classification.excluded(edition):
            (dest / rel).unlink()
    return scheme


def wording_of(snapshot: Snapshot, edition: str, work: Path) -> tuple[dict[str, Any], Path]:
    """Build the revision for ``edition`` and read what each clause says; and the folder of
    the sources it was built from (for the working tree, the tree itself)."""
    if snapshot.commit:
        tree = work / "tree"
        export(snapshot, tree, edition)
        shown = Path(f"{snapshot.name}:{repository(snapshot.src)[1]}")
    else:
        tree = Path(snapshot.src).resolve()
        shown = tree
    prepared = runner.prepare(tree, edition, cache=work / "cache")
    if isinstance(prepared, runner.Result):
        raise SnapshotError(prepared.lines)
    result = runner.run_sphinx(prepared.srcdir, work / "wording", work / "doctrees",
                               wording.BUILDER, edition, shown_src=shown, classified_tree=tree)
    if not result.ok:
        raise SnapshotError([*result.lines, messages.render(
            "shinkyu-revision-failed", None, rev=snapshot.name, edition=edition)])
    data = json.loads((work / "wording" / wording.OUTPUT).read_text(encoding="utf-8"))
    return data, tree


def main(argv: list[str]) -> int:
    """``python -m policy.snapshot SRC REVISION EDITION OUT``: write the revision's wording
    for the edition to OUT (JSON). An edition that carries the table of its latest revision
    runs this in a process of its own: a Sphinx build cannot run another inside itself."""
    src, name, edition, out = argv
    with tempfile.TemporaryDirectory(prefix=".wording-") as work:
        try:
            data, _tree = wording_of(resolve(Path(src), name), edition, Path(work))
        except SnapshotError as exc:
            print("\n".join(exc.lines), file=sys.stderr)
            return 1
    Path(out).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
