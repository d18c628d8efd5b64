"""Publishing an edition: which folder it may be written to, and how it replaces the last one.

An edition replaces what is in its output folder, so a wrong folder is the one way this tool
could destroy something: ``--out .`` once replaced a whole repository. The rules, checked
before anything is built, with symbolic links resolved first (the real folder is judged):

* an edition is written only to a folder that is absent, empty, or holds an edition of the
  same level made by this tool (each edition carries a small marker file saying so);
* never to the docs tree, into it, or to a folder above it; never into the tool's own work
  folders; never inside another edition, nor around one;
* nothing outside that folder is ever removed. The new edition is assembled and audited in the
  tree's work folder (``.build/``, which git ignores), moved beside the output folder only once
  it has passed, and put in place by exchanging the two folders in one atomic step where the
  operating system offers one (two renames otherwise). The leftovers of an interrupted
  publication carry the marker too and are recognised and cleared on the next run.

Several editions are published together (``python3 build.py``): all are assembled and audited
first, then all are put in place, and if one cannot be, those already exchanged are put back.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import messages

MARKER = ".policy-edition"
TOOL = "city-security-policy"
#: Names of this tool's temporary folders beside an output folder (``.public.policy-new-…``).
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.policy-(?P<kind>new|old)-[0-9a-f]{16}$")
#: Earlier versions of the tool made them with ``tempfile.mkdtemp`` (``.public.new-…``).
_EARLIER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>new|old)-[A-Za-z0-9_]{8}$")


def marker_text(edition: str) -> str:
    return json.dumps({"edition": edition, "tool": TOOL}, sort_keys=True) + "\n"


def write_marker(folder: Path, edition: str) -> None:
    (folder / MARKER).write_text(marker_text(edition), encoding="utf-8")


def edition_in(folder: Path) -> str | None:
    """The level of the edition ``folder`` holds by its marker, or None if it holds none."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("tool") == TOOL and isinstance(
            data.get("edition"), str):
        return data["edition"]
    return None


@dataclass(frozen=True)
class Target:
    """An output folder that has passed the rules: its real path and the edition it gets."""

    path: Path
    edition: str
    shown: Path


def check_target(out: Path, edition: str, src: Path, *, reserved: Iterable[Path] = (),
                 others: Iterable[Path] = (), earlier_edition_ok: bool = False
                 ) -> Target | str:
    """``out`` as a Target, or the message line that says why no edition may go there.

    ``reserved``: folders of the tool itself (work folders, the package, the repository's
    metadata) that no edition may be written into or around. ``others``: the output folders
    of the other editions, which may not be written into or around even before they hold a
    marker. ``earlier_edition_ok``: a folder without a marker is accepted if it holds an
    edition made by an earlier version of this tool (only for the default output folders)."""
    shown = Path(out)
    real = Path(os.path.realpath(out))
    src_real = Path(os.path.realpath(src))

    def refuse(code: str, **fields: object) -> str:
        return messages.render(code, None, out=shown, **fields)

    if real == src_real or src_real in real.parents or real in src_real.parents:
        return refuse("out-in-tree", src=src)
    for folder in reserved:
        folder = Path(os.path.realpath(folder))
        if real == folder or folder in real.parents or real in folder.parents:
            return refuse("out-reserved", folder=folder)
    for other in others:
        other = Path(os.path.realpath(other))
        if real == other or other in real.parents or real in other.parents:
            return refuse("out-other-edition", folder=other)
    for parent in real.parents:
        held = edition_in(parent)
        if held is not None:
            return refuse("out-inside-edition", folder=parent, other=held)
    if real.exists() or real.is_symlink():
        if not real.is_dir():
            return refuse("out-not-folder")
        held = edition_in(real)
        if held is not None and held != edition:
            return refuse("out-other-edition", folder=real)
        if held is None and any(real.iterdir()) and not (
                earlier_edition_ok and _earlier_edition(real)):
            return refuse("out-not-edition")
        for dirpath, _dirnames, filenames in os.walk(real):
            if MARKER in filenames and Path(dirpath) != real:
                return refuse("out-around-edition", folder=dirpath)
    return Target(real, edition, shown)


def _earlier_edition(folder: Path) -> bool:
    """A folder that an earlier version of this tool filled: Sphinx's search index and
    static folder at its top, and no marker (those versions wrote none)."""
    return (folder / "searchindex.js").is_file() and (folder / "_static").is_dir()


# --- clearing what an interrupted publication left -------------------------------------------


def clear_leftovers(target: Target) -> None:
    """Remove this tool's temporary folders beside ``target`` (and put a previous edition
    back in place if a publication was interrupted between its two renames)."""
    parent = target.path.parent
    if not parent.is_dir():
        return
    for entry in sorted(parent.iterdir()):
        match = _TEMPORARY.match(entry.name) or _EARLIER.match(entry.name)
        if match is None or match["name"] != target.path.name or not entry.is_dir():
            continue
        if entry.is_symlink():
            continue
        ours = _TEMPORARY.match(entry.name) is not None
        if ours and edition_in(entry) is None:
            continue  # not one of ours after all: leave it alone
        if match["kind"] == "old" and not target.path.exists():
            entry.rename(target.path)
            continue
        shutil.rmtree(entry)


# --- putting editions in place ----------------------------------------------------------------


@dataclass
class _Placed:
    target: Target
    beside: Path
    exchanged: bool = False


def publish(staged: list[tuple[Target, Path]]) -> None:
    """Put each assembled, audited folder in place of its target, all or none.

    Each folder is first moved beside its target (nothing a reader sees changes), then each is
    exchanged with its target; if one exchange fails, those already done are exchanged back
    and the error is raised. The previous editions are removed last."""
    placed: list[_Placed] = []
    try:
        for target, folder in staged:
            write_marker(folder, target.edition)
            target.path.parent.mkdir(parents=True, exist_ok=True)
            clear_leftovers(target)
            beside = target.path.parent / (
                f".{target.path.name}.policy-new-{secrets.token_hex(8)}")
            shutil.move(str(folder), str(beside))
            placed.append(_Placed(target, beside))
        for item in placed:
            _put_in_place(item)
    except BaseException:
        for item in reversed(placed):
            if item.exchanged:
                _take_back(item)
            shutil.rmtree(item.beside, ignore_errors=True)
        raise
    for item in placed:
        shutil.rmtree(item.beside, ignore_errors=True)


def _put_in_place(item: _Placed) -> None:
    target = item.target.path
    if target.exists():
        if not _exchange(item.beside, target):
            old = target.parent / f".{target.name}.policy-old-{secrets.token_hex(8)}"
            target.rename(old)
            try:
                item.beside.rename(target)
            except OSError:
                old.rename(target)
                raise
            item.beside = old
    else:
        item.beside.rename(target)
        item.beside = target.parent / f".{target.name}.policy-old-{secrets.token_hex(8)}"
    item.exchanged = True


def _take_back(item: _Placed) -> None:
    target = item.target.path
    if item.beside.exists():
        if not _exchange(item.beside, target):
            shutil.rmtree(target)
            item.beside.rename(target)
    else:
        shutil.rmtree(target, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one atomic step (Linux ``renameat2`` with ``RENAME_EXCHANGE``),
    so that a reader never finds the output folder missing; False where that is not
    available (another system, an old kernel, a file system without it)."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                       _RENAME_EXCHANGE)
    return result == 0


def _renameat2() -> Any:
    if os.name != "posix":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    function.restype = ctypes.c_int
    return function
