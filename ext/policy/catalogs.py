"""Translation catalogs: extracted from the public edition only, checked, and reported.

Stock Sphinx's gettext builder ignores ``only`` and writes every string of every document
into the catalogs that go to an outside translator. Here extraction runs on the same staged
tree as the public build, so a restricted document is not there to be extracted; the catalogs
are then audited like an edition, and a catalog that belongs to no public document is refused.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx_intl import catalog as intl_catalog

from . import messages

if TYPE_CHECKING:
    from .runner import Prepared, Result

CATALOG_SUFFIXES = (".po", ".mo", ".pot")


@dataclass
class Progress:
    """How much of one language is translated."""

    language: str
    translated: int
    fuzzy: int
    untranslated: int

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated


def locale_dir(src: Path) -> Path:
    return src / "locales"


def _public_docnames(prepared: Prepared) -> set[str]:
    return {
        member.rsplit(".", 1)[0]
        for member in prepared.classification.members(prepared.edition)
        if member.endswith((".md", ".rst"))
    }


def foreign_catalogs(prepared: Prepared) -> list[str]:
    """Catalogs in the translators' folder that belong to no public document: refused."""
    public = _public_docnames(prepared) | {"sphinx"}
    problems = []
    for language in sorted(prepared.translations):
        folder = locale_dir(prepared.src) / language / "LC_MESSAGES"
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.suffix in CATALOG_SUFFIXES:
                docname = path.relative_to(folder).with_suffix("").as_posix()
                if docname not in public:
                    problems.append(messages.render("catalog-not-public", str(path),
                                                    docname=docname))
    return problems


_OCCURRENCE = re.compile(r"(?:\.\./)*(?:[^\s:]*/)?src/(?P<path>[^\s:]+):(?P<line>\d+)")


def _relocate(pot_dir: Path) -> None:
    """Name each message's source as a path in the docs tree (``kihon/index.md:12``), not as
    the staged copy the extraction read, so catalogs stay the same wherever they are built."""
    for pot in pot_dir.rglob("*.pot"):
        text = pot.read_text(encoding="utf-8")
        lines = [
            _OCCURRENCE.sub(lambda m: f"{m['path']}:{m['line']}", line) if line.startswith("#:")
            else line
            for line in text.splitlines()
        ]
        pot.write_text("\n".join(lines) + "\n", encoding="utf-8")


def update_catalogs(src: Path, cache: Path | None = None) -> Result:
    """Extract the public documents' messages and update every language's catalogs."""
    from sphinx_intl import basic as intl

    from . import audit, runner  # not needed by a build: imported here

    src = Path(src).resolve()
    # The catalogs' folder is made public in conf.py before the first catalog exists.
    locale_dir(src).mkdir(exist_ok=True)
    prepared_or_error = runner.prepare(src, "public", cache)
    if isinstance(prepared_or_error, runner.Result):
        return prepared_or_error
    prepared = prepared_or_error
    lowest = prepared.scheme.levels[0]
    if prepared.edition != lowest:  # pragma: no cover - a scheme whose lowest is not public
        prepared = runner.prepare(src, lowest, cache)  # type: ignore[assignment]
    pot_dir = prepared.work / "gettext"
    result = runner.run_sphinx(prepared.srcdir, pot_dir, prepared.work / "doctrees-gettext",
                               "gettext", lowest, shown_src=src, classified_tree=src)
    if not result.ok:
        return result
    _relocate(pot_dir)
    result.lines.extend(foreign_catalogs(prepared))
    report = audit.audit_edition(pot_dir, src, lowest, runner.audit_cache(prepared.work))
    for hit in report.hits:
        result.lines.append(messages.render("audit-hit", f"{pot_dir}/{hit.output}",
                                            fragment=hit.fragment, source=hit.source,
                                            kind=hit.kind))
    if not report.clean or any("catalog-not-public" in line for line in result.lines):
        result.ok = False
        return result
    languages = sorted(prepared.translations)
    # Obsolete entries are dropped: a passage moved from a public document into a restricted
    # one would otherwise stay in the catalog handed to the translator.
    with contextlib.redirect_stdout(io.StringIO()):
        intl.update(str(locale_dir(src)), str(pot_dir), languages, jobs=1,
                    ignore_obsolete=True)
    for language in languages:
        _drop_obsolete(locale_dir(src) / language / "LC_MESSAGES")
        report = audit.audit_edition(locale_dir(src) / language, src, lowest,
                                     runner.audit_cache(prepared.work))
        for hit in report.hits:
            result.lines.append(messages.render("audit-hit", f"{hit.output}",
                                                fragment=hit.fragment, source=hit.source,
                                                kind=hit.kind))
        result.ok = result.ok and report.clean
        progress, pending = _progress(src, language)
        result.lines.extend(pending)
        result.lines.append(messages.render(
            "translation-progress", None, language=language, translated=progress.translated,
            total=progress.total, fuzzy=progress.fuzzy, untranslated=progress.untranslated))
    return result


def _drop_obsolete(folder: Path) -> None:
    """Remove entries whose text no public document has any more (sphinx-intl keeps them
    when nothing else in the catalog changed)."""
    for po in sorted(folder.rglob("*.po")):
        catalog = intl_catalog.load_po(str(po))
        if catalog.obsolete:
            catalog.obsolete.clear()
            intl_catalog.dump_po(str(po), catalog, width=76)


def _progress(src: Path, language: str) -> tuple[Progress, list[str]]:
    folder = locale_dir(src) / language / "LC_MESSAGES"
    progress = Progress(language, 0, 0, 0)
    pending: list[str] = []
    for po in sorted(folder.rglob("*.po")):
        catalog = intl_catalog.load_po(str(po))
        progress.translated += len(intl_catalog.translated_entries(catalog))
        fuzzy = intl_catalog.fuzzy_entries(catalog)
        untranslated = intl_catalog.untranslated_entries(catalog)
        progress.fuzzy += len(fuzzy)
        progress.untranslated += len(untranslated)
        for code, entries in (("translation-fuzzy", fuzzy), ("translation-missing", untranslated)):
            for message in entries:
                where = message.locations[0] if message.locations else (po.name, 0)
                text = str(message.id if isinstance(message.id, str) else message.id[0])
                pending.append(messages.render(code, f"{src / where[0]}:{where[1]}",
                                               language=language, text=text[:40]))
    return progress, pending
