"""``build.py shinkyu``: the 新旧対照表 of both editions, checked and written into place.

For each edition (the lowest level, public, and the highest, restricted) both revisions are
built as that edition (``snapshot.py``), compared (``shinkyu.py``) and written as an HTML page
and a Word file into ``DIR/<edition>/``. The public table is then audited like the public
edition: the audit scans the HTML and the text parts of the Word file against the
restricted sources of the newer revision, and also against those of the older one (a
restricted passage deleted since is still restricted; one that the newer revision publishes
is not). Both folders are put in place only when everything succeeded, by the same rules
and the same all-or-none exchange as the editions (``publish.py``).
"""

from __future__ import annotations

import shutil
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

from . import messages, publish, shinkyu, shinkyu_docx, shinkyu_html, snapshot
from .runner import PROJECT_ROOT, Result

HTML_NAME = "shinkyu.html"
DOCX_NAME = "shinkyu.docx"
#: What a folder of tables may hold; anything else there means it is some other folder.
_OURS = {HTML_NAME, DOCX_NAME}


def _usable(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and all(
        child.name in _OURS for child in folder.iterdir()))


def _write(folder: Path, data_old: dict[str, Any], data_new: dict[str, Any],
             comparison: shinkyu.Comparison, marked: bool) -> None:
    title = data_new.get("project") or data_old.get("project") or ""
    marking = data_new.get("label") if marked else None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / HTML_NAME).write_text(shinkyu_html.page(comparison, title, marking),
                                    encoding="utf-8")
    shinkyu_docx.write(folder / DOCX_NAME, comparison, title, marking)


def _audited_copy(folder: Path, dest: Path) -> Path:
    """The page and the text parts of the Word file, as files the audit reads."""
    dest.mkdir(parents=True)
    shutil.copy2(folder / HTML_NAME, dest / HTML_NAME)
    with zipfile.ZipFile(folder / DOCX_NAME) as package:
        for name in package.namelist():
            if name.endswith((".xml", ".rels")):
                target = dest / "docx" / (name + ".xml" if name.endswith(".rels") else name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(package.read(name))
    return dest


def _plain(text: str) -> str:
    """Letters and digits only, as the audit compares text (its fragments drop the rest)."""
    return "".join(c for c in unicodedata.normalize("NFKC", text)
                   if unicodedata.category(c)[0] in "LN")


def _public_text(data: dict[str, Any]) -> str:
    """Everything the newer revision's public documents say, to tell a passage that was
    restricted and is public now from one that is still secret."""
    parts = []
    for document in data["documents"]:
        parts.append(document["title"])
        for unit in document["units"]:
            parts += unit["lines"] + unit["labels"]
    return _plain("\n".join(parts))


def _audit(folder: Path, work: Path, trees: list[tuple[Path, bool]], lowest: str,
           public_now: str, out: Path) -> list[str]:
    from . import audit  # lxml's HTML module is loaded only when a table is audited

    copy = _audited_copy(folder, work / "audited")
    lines = []
    for tree, newer in trees:
        report = audit.audit_edition(copy, tree, lowest, None)
        for hit in report.hits:
            if not newer and _plain(hit.fragment) and _plain(hit.fragment) in public_now:
                continue
            lines.append(messages.render("audit-hit", f"{out}/{hit.output}",
                                         fragment=hit.fragment, source=hit.source,
                                         kind=hit.kind))
    return lines


def write_tables(src: Path, old: str | None, new: str | None, out: Path) -> Result:
    """Compare ``old`` (default: the latest tag, or the last commit) with ``new`` (default:
    the working tree) in both editions; write ``out/<edition>/shinkyu.html`` and ``.docx``."""
    src = Path(src).resolve()
    out = Path(out).resolve()
    try:
        old_snapshot = snapshot.resolve(src, old or snapshot.default_old(src))
        new_snapshot = snapshot.resolve(src, new)
        levels = snapshot.levels_of(new_snapshot)
    except snapshot.SnapshotError as exc:
        return Result(False, exc.lines)
    editions = (levels[-1], levels[0])
    targets: dict[str, publish.Target] = {}
    for edition in editions:
        checked = publish.check_target(
            out / edition, f"shinkyu-{edition}", src,
            reserved=[PROJECT_ROOT / ".build", PROJECT_ROOT / ".git", PROJECT_ROOT / ".venv",
                      PROJECT_ROOT / "ext"],
            others=[out / other for other in editions if other != edition],
            earlier_edition_ok=_usable(out / edition))
        if isinstance(checked, str):
            return Result(False, [checked])
        targets[edition] = checked
    result = Result(True)
    with tempfile.TemporaryDirectory(prefix=".shinkyu-") as tmp:
        try:
            made = _make(old_snapshot, new_snapshot, editions, Path(tmp), out, result)
        except snapshot.SnapshotError as exc:
            result.lines.extend(exc.lines)
            result.ok = False
        if not result.ok:
            result.lines.append(messages.render("shinkyu-not-written", None, out=out))
            return result
        staged = []
        for edition, folder in made.items():
            publish.write_marker(folder, targets[edition].edition)
            staged.append((targets[edition], folder))
        publish.publish(staged)
    result.out = out
    return result


def _make(old: snapshot.Snapshot, new: snapshot.Snapshot, editions: tuple[str, str],
          work: Path, out: Path, result: Result) -> dict[str, Path]:
    """Both editions' tables in ``work``, the highest level first (its builds give the full
    trees the public table is audited against); the public one audited. ``{}`` on failure."""
    highest, lowest = editions
    made: dict[str, Path] = {}
    full_trees: list[tuple[Path, bool]] = []
    public_now = ""
    for edition in (highest, lowest):
        data_old, tree_old = snapshot.wording_of(old, edition, work / f"old-{edition}")
        data_new, tree_new = snapshot.wording_of(new, edition, work / f"new-{edition}")
        if edition == highest:
            full_trees = [(tree_new, True), (tree_old, False)]
        else:
            public_now = _public_text(data_new)
        comparison = shinkyu.compare(
            data_old, data_new, edition=edition, old_name=old.name, new_name=new.name,
            old_date=old.date, new_date=new.date, withhold_removed=edition == lowest)
        folder = work / "tables" / edition
        _write(folder, data_old, data_new, comparison, marked=edition != lowest)
        made[edition] = folder
        shown = "公開版" if edition == lowest else "庁内版"
        result.lines.append(messages.render(
            "shinkyu-written", None, edition=shown, out=out / edition, old=old.shown,
            new=new.shown, changed=len(comparison.documents)))
    hits = _audit(made[lowest], work / "audit", full_trees, lowest, public_now, out / lowest)
    if hits:
        result.lines = [line for line in result.lines if "shinkyu-written" not in line] + hits
        result.ok = False
        return {}
    return made
