"""Plain functions behind ``build.py``: check a tree, build an edition, audit it, publish it.

Each returns a result object instead of printing or exiting, so that tests call exactly what
the command line calls.

Why the public edition is built from a staged tree: excluding documents in ``conf.py`` keeps
Sphinx from reading them as documents, but every directive that opens a file by path (include,
literalinclude, csv-table, images with ``:scale:``, a template) could still reach one. The
staged copy holds only the files the classification allows, so a restricted file is not there
to be read, whatever path a directive or a future extension takes.
"""

from __future__ import annotations

import copy
import gc
import gettext
import hashlib
import io
import json
import logging as stdlib_logging
import os
import re
import shutil
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sphinx
import sphinx.locale
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import SphinxError
from sphinx.util import logging as sphinx_logging
from sphinx.util.console import nocolor
from sphinx.util.docutils import docutils_namespace, patch_docutils
from sphinx.util.logging import WarningLogRecordTranslator
from sphinx.util.tags import Tags

from . import catalogs, marking, messages, publish
from .classification import Classification, Scheme, classify_tree

if TYPE_CHECKING:
    from . import audit as audit_module

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    """What a command did: whether it succeeded and every message for the user."""

    ok: bool
    lines: list[str] = field(default_factory=list)
    out: Path | None = None
    audit: audit_module.AuditReport | None = None
    warnings: int = 0
    errors: int = 0


def _scheme_of(srcdir: Path) -> tuple[Scheme, Config]:
    config = Config.read(srcdir, overrides={}, tags=Tags())
    raw = config._raw_config
    scheme = Scheme.from_settings(raw.get("policy_levels", ("public", "restricted")),
                                  raw.get("policy_classification", {}))
    return scheme, config


def _cache_dir(src: Path, edition: str, cache: Path | None) -> Path:
    key = hashlib.sha256(str(src.resolve()).encode()).hexdigest()[:12]
    return (cache or PROJECT_ROOT / ".build") / key / edition


class _Capture(stdlib_logging.Handler):
    """Keeps every warning and error record of a Sphinx run, to judge the run by them."""

    def __init__(self) -> None:
        super().__init__(level=stdlib_logging.WARNING)
        self.records: list[stdlib_logging.LogRecord] = []
        self._seen: list[stdlib_logging.LogRecord] = []

    def emit(self, record: stdlib_logging.LogRecord) -> None:
        # Sphinx holds the warnings of the reading phase back and logs them again when it is
        # over: count each record once.
        if any(seen is record for seen in self._seen):
            return
        self._seen.append(record)
        # A copy, taken before Sphinx's own handlers decorate the message in place.
        self.records.append(copy.copy(record))


def run_sphinx(srcdir: Path, outdir: Path, doctreedir: Path, builder: str, edition: str,
               parallel: int = 0, shown_src: Path | None = None,
               classified_tree: Path | None = None, language: str | None = None,
               fresh: bool = False) -> Result:
    """Run one Sphinx build in this process; every warning fails it, except our advice.

    ``fresh``: build from nothing, with no environment, doctrees or output of an earlier
    build."""
    if fresh:
        for folder in (outdir, doctreedir):
            shutil.rmtree(folder, ignore_errors=True)
    nocolor()
    warning_stream = io.StringIO()
    capture = _Capture()
    exception: BaseException | None = None
    early = ""
    app: Sphinx | None = None
    # Sphinx reports a document's problems only when it reads the document. After a run that
    # failed, read everything again, so that an unchanged faulty document is not let through.
    clean_marker = Path(doctreedir) / "policy-clean-run"
    freshenv = not clean_marker.exists()
    clean_marker.unlink(missing_ok=True)
    _forget_catalogs()
    thresholds = gc.get_threshold()
    gc.set_threshold(*_BUILD_THRESHOLDS)
    try:
        with patch_docutils(srcdir), docutils_namespace():
            app = Sphinx(srcdir, srcdir, outdir, doctreedir, builder,
                         confoverrides=_overrides(edition, classified_tree, language),
                         freshenv=freshenv,
                         status=None, warning=warning_stream, parallel=parallel)
            # Warnings logged while Sphinx starts (config, extensions) reach only the stream.
            early = warning_stream.getvalue()
            stdlib_logging.getLogger(sphinx_logging.NAMESPACE).handlers.insert(0, capture)
            if parallel > 1:
                _freeze_before_forks(app)
            else:
                # The environment of the last build, just loaded, lives until this one ends:
                # set aside from collection, it is not gone through again and again (a
                # second of a rebuild after one change, at ten departments).
                gc.freeze()
            app.build()
    except (SphinxError, OSError, UnicodeDecodeError) as exc:
        exception = exc
        early = early if app is not None else warning_stream.getvalue()
    except Exception as exc:  # a fault of ours: keep the traceback out of the user's way
        exception = exc
        early = early if app is not None else warning_stream.getvalue()
        log = PROJECT_ROOT / ".build" / "last-error.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    finally:
        stdlib_logging.getLogger(sphinx_logging.NAMESPACE).removeHandler(capture)
        _forget_catalogs()
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    lines = [_early_line(line) for line in early.splitlines() if line.strip()]
    lines += [_format_record(record, app) for record in capture.records]
    lines = list(dict.fromkeys(lines))  # docutils and MyST may report one problem twice
    failing = [r for r in capture.records if messages.is_error(r)]
    result = Result(ok=not failing and not early.strip() and exception is None, lines=lines,
                    errors=len(failing) + (1 if early.strip() else 0),
                    warnings=len(capture.records) - len(failing))
    if exception is not None:
        result.lines.append(_describe(exception))
    if result.ok:
        clean_marker.parent.mkdir(parents=True, exist_ok=True)
        clean_marker.write_text("ok", encoding="utf-8")
    if shown_src is not None:
        result.lines = [_shown(line, srcdir, shown_src) for line in result.lines]
    return result


#: How often the garbage collector runs while Sphinx builds: young objects every 50,000
#: allocations rather than 700, so that a full collection, which goes through every object
#: (every page's doctree is kept until it is written), comes every ten million or so. With
#: CPython's thresholds a full collection came whenever the heap had grown by a quarter: at
#: five hundred documents, 25 of them took a quarter of the restricted build. Peak memory
#: rises by about two fifths (620 to about 850 MiB there).
_BUILD_THRESHOLDS = (50_000, 20, 10)


def _freeze_before_forks(app: Sphinx) -> None:
    """Keep the garbage collector of Sphinx's worker processes off what they inherit.

    With ``-j``, Sphinx forks a worker for every batch of pages, from a process that holds
    the whole environment. A worker's collector went through every inherited object, and so
    copied the memory pages it shares with this process: at five hundred documents, two
    processes were slower than one. What exists when reading starts, and again when writing
    starts, is set aside from collection until the build ends (``gc.freeze``)."""
    _freeze()
    app.connect("write-started", _freeze)


def _freeze(*_args: object) -> None:
    gc.collect()
    gc.freeze()


_REPEATED_CODE = re.compile(r"(\[[\w.-]+\]) \1$")


def _early_line(line: str) -> str:
    """A line Sphinx wrote while starting: without its level prefix and repeated code."""
    return _REPEATED_CODE.sub(r"\1", _DECORATION_HEAD.sub("", line, count=1))


def _forget_catalogs() -> None:
    """Forget every message catalog this process has loaded. Sphinx caches them by domain,
    not by language (after an English build a Japanese one would come out in English), and
    Python's gettext caches each compiled catalog by its path (a catalog changed between two
    builds would not be read again)."""
    sphinx.locale.translators.clear()
    gettext._translations.clear()  # type: ignore[attr-defined]


def _overrides(edition: str, classified_tree: Path | None,
               language: str | None) -> dict[str, str]:
    overrides = {"policy_edition": edition, "policy_classified_tree": str(classified_tree or "")}
    if language is not None:
        overrides.update(language=language, html_search_language=language)
    return overrides


def _shown(line: str, srcdir: Path, shown_src: Path) -> str:
    """Name the editor's own file, not its staged copy."""
    return line.replace(str(srcdir.resolve()), str(shown_src)).replace(str(srcdir), str(shown_src))


_DECORATION_HEAD = re.compile(r"^(?:\S.*?: )?(?:WARNING|ERROR|CRITICAL): ")


def _undecorated(record: stdlib_logging.LogRecord) -> str:
    """The message as written, without the location, level and code Sphinx may have added."""
    message = _DECORATION_HEAD.sub("", record.getMessage(), count=1)
    kind, subtype = getattr(record, "type", None), getattr(record, "subtype", None)
    code = f"[{kind}.{subtype}]" if subtype else f"[{kind}]"
    decorated = message.endswith(" " + code) and (
        kind != messages.WARNING_TYPE or message[: -len(code) - 1].endswith(code))
    return message[: -len(code) - 1] if decorated else message


def _format_record(record: stdlib_logging.LogRecord, app: Sphinx | None) -> str:
    """One user-facing line for a log record: ours as they are, Sphinx's and MyST's wrapped
    in a Japanese explanation (their own wording follows, in English)."""
    if app is not None:
        WarningLogRecordTranslator(app).filter(record)
    location = getattr(record, "location", None) or None
    message = _undecorated(record)
    kind = getattr(record, "type", None)
    if kind == messages.WARNING_TYPE:
        label = messages.label_of(record)
        return f"{location}: {label}: {message}" if location else f"{label}: {message}"
    origin = ".".join(str(part) for part in (kind, getattr(record, "subtype", None)) if part)
    return messages.render_foreign(origin or "sphinx", location, message)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, messages.PolicyError):
        return str(exc)
    if isinstance(exc, SphinxError):
        return messages.render("syntax", None, detail=str(exc))
    if isinstance(exc, (OSError, UnicodeDecodeError)):
        return messages.render("unreadable-file", None, path=getattr(exc, "filename", "?"),
                               detail=str(exc))
    return messages.render("internal", None, detail=f"{type(exc).__name__}: {exc}")


def check(src: Path, cache: Path | None = None) -> Result:
    """Validate every document of every classification; write no edition."""
    src = Path(src).resolve()
    try:
        scheme, _config = _scheme_of(src)
    except SphinxError as exc:
        return Result(False, [messages.render("syntax", f"{src}/conf.py", detail=str(exc))])
    work = _cache_dir(src, "check", cache)
    return run_sphinx(src, work / "out", work / "doctrees", "dummy", scheme.highest)


def _sync_stage(src: Path, stage: Path, members: list[str]) -> None:
    """Make ``stage`` hold exactly conf.py and ``members``, keeping modification times so
    that Sphinx's incremental build sees unchanged files as unchanged."""
    wanted = {"conf.py", *members}
    stage.mkdir(parents=True, exist_ok=True)
    for path in sorted(stage.rglob("*"), reverse=True):
        rel = path.relative_to(stage).as_posix()
        if path.is_file() or path.is_symlink():
            if rel not in wanted:
                path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    for rel in sorted(wanted):
        source = src / rel
        target = stage / rel
        stat = source.stat()
        if target.exists():
            mine = target.stat()
            if mine.st_size == stat.st_size and mine.st_mtime_ns == stat.st_mtime_ns:
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)  # the content, never a link
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))


_TOOLCHAIN: list[str] = []


def toolchain_fingerprint() -> str:
    """A hash of this package's code, templates and assets and of Sphinx's version: cached
    builds made by other code are not to be trusted (Sphinx notices changed sources, not a
    changed extension)."""
    if not _TOOLCHAIN:
        digest = hashlib.sha256(sphinx.__version__.encode())
        package = Path(__file__).parent
        for path in sorted(package.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".html", ".css", ".js"):
                digest.update(path.relative_to(package).as_posix().encode())
                digest.update(path.read_bytes())
        _TOOLCHAIN.append(digest.hexdigest())
    return _TOOLCHAIN[0]


def _reset_if_changed(work: Path, classification: Classification) -> None:
    """Start an edition's cache from nothing when a file left the edition or changed level
    (its old pages may still be in the cached output) or when the toolchain changed."""
    record = work / "classification.json"
    current = {"toolchain": toolchain_fingerprint(), "levels": dict(classification.levels)}
    if record.exists():
        try:
            previous = json.loads(record.read_text(encoding="utf-8"))
        except ValueError:
            previous = {}
        levels = previous.get("levels", {}) if isinstance(previous, dict) else {}
        if previous.get("toolchain") != current["toolchain"] or any(
            current["levels"].get(rel) != level for rel, level in levels.items()
        ):
            for cached in work.iterdir():
                if cached.is_dir() and cached.name != "src":
                    shutil.rmtree(cached, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(current, ensure_ascii=False, sort_keys=True), encoding="utf-8")


@dataclass
class Prepared:
    """A docs tree made ready for one edition: classified and, below the top level, staged."""

    src: Path
    edition: str
    scheme: Scheme
    classification: Classification
    work: Path
    srcdir: Path
    translations: dict[str, str]


def prepare(src: Path, edition: str, cache: Path | None = None) -> Prepared | Result:
    """Classify ``src`` and stage what ``edition`` may read; a Result when that fails."""
    try:
        scheme, config = _scheme_of(src)
    except SphinxError as exc:
        return Result(False, [messages.render("syntax", f"{src}/conf.py", detail=str(exc))])
    if edition not in scheme.levels:
        return Result(False, [messages.render("unknown-edition", None, edition=edition,
                                              known=scheme.known())])
    classification = classify_tree(src, scheme)
    if classification.problems:
        return Result(False, [
            messages.render(p.code, f"{src / p.path}:{p.line}" if p.line else str(src / p.path),
                            **p.fields)
            for p in classification.problems
        ])
    work = _cache_dir(src, edition, cache)
    _reset_if_changed(work, classification)
    if edition == scheme.highest:
        srcdir = src
    else:
        srcdir = work / "src"
        _sync_stage(src, srcdir, classification.members(edition))
    translations = dict(config._raw_config.get("policy_translations", {}))
    return Prepared(src, edition, scheme, classification, work, srcdir, translations)


@dataclass
class Staged:
    """An edition built, checked and audited in the work folder, waiting to be published."""

    target: publish.Target
    folder: Path
    result: Result


def default_outputs() -> dict[str, Path]:
    """Where ``build.py`` writes each edition unless told otherwise."""
    return {"public": PROJECT_ROOT / "public", "restricted": PROJECT_ROOT / "restricted"}


def _reserved(cache: Path | None) -> list[Path]:
    """Folders of the tool itself, which no edition may be written into or around."""
    return [cache or PROJECT_ROOT / ".build", PROJECT_ROOT / ".git", PROJECT_ROOT / ".venv",
            PROJECT_ROOT / "ext", Path(__file__).resolve().parent]


def target_of(src: Path, out: Path, edition: str, cache: Path | None = None,
              others: list[Path] | None = None) -> publish.Target | Result:
    """The checked output folder of an edition, or a failed Result saying why not."""
    defaults = default_outputs()
    if others is None:
        others = [path for name, path in defaults.items()
                  if name != edition and Path(os.path.realpath(path))
                  != Path(os.path.realpath(out))]
    earlier_ok = Path(os.path.realpath(out)) == Path(os.path.realpath(
        defaults.get(edition, out)))
    checked = publish.check_target(out, edition, src, reserved=_reserved(cache),
                                   others=others, earlier_edition_ok=earlier_ok)
    if isinstance(checked, str):
        return Result(False, [checked])
    return checked


def stage_edition(src: Path, target: publish.Target, *, parallel: int = 0,
                  cache: Path | None = None) -> Staged | Result:
    """Build one edition into the work folder, check its marking and audit it; a failed
    Result (with nothing left behind to publish) when any of that fails.

    The lowest (public) edition is built from nothing every time: it is small, and what it
    publishes then depends on the sources alone, never on what an earlier build left in
    Sphinx's caches. It is also built in every language of ``policy_translations``, into a
    subfolder of the same edition, and audited with it."""
    src = Path(src).resolve()
    edition = target.edition
    prepared = prepare(src, edition, cache)
    if isinstance(prepared, Result):
        return prepared
    work = prepared.work
    lowest = edition == prepared.scheme.lowest
    result = run_sphinx(prepared.srcdir, work / "html", work / "doctrees", "html", edition,
                        parallel=parallel, shown_src=src, classified_tree=src, fresh=lowest)
    builds = {"": work / "html"}
    if result.ok and lowest:
        problems = catalogs.foreign_catalogs(prepared)
        if problems:
            result.lines.extend(problems)
            result.ok = False
        for language, folder in sorted(prepared.translations.items()):
            if not result.ok:
                break
            translated = run_sphinx(prepared.srcdir, work / f"html-{language}",
                                    work / f"doctrees-{language}", "html", edition,
                                    parallel=parallel, shown_src=src, classified_tree=src,
                                    language=language, fresh=True)
            result.lines.extend(translated.lines)
            result.ok = translated.ok
            builds[folder] = work / f"html-{language}"
    if not result.ok:
        return result
    folder = work / "publish"
    try:
        _assemble(builds, folder, edition)
        if not _passes(folder, src, target, prepared, result):
            shutil.rmtree(folder, ignore_errors=True)  # never left holding what was refused
            return result
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Staged(target, folder, result)


def _assemble(builds: dict[str, Path], folder: Path, edition: str) -> None:
    """The edition as it will be published: every build's output and the edition's marker."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for sub, built in builds.items():
        shutil.copytree(built, folder / sub, dirs_exist_ok=True, ignore=_not_published)
    publish.write_marker(folder, edition)


def _passes(folder: Path, src: Path, target: publish.Target, prepared: Prepared,
            result: Result) -> bool:
    """The marking of an edition above the lowest, the audit of every edition below the
    top; the problems found are added to ``result``."""
    scheme = prepared.scheme
    if target.edition != scheme.lowest:
        missing = marking.verify_marks(folder)
        for problem in missing:
            page, _, what = problem.partition(": ")
            result.lines.append(messages.render("marks-missing", None, page=page, what=what))
        if missing:
            result.ok = False
            return False
    if target.edition != scheme.highest:
        # Imported here: the restricted edition has no audit, and lxml's HTML module
        # takes a twentieth of a second to load.
        from . import audit as audit_module

        report = audit_module.audit_edition(folder, src, target.edition,
                                            audit_cache(prepared.work))
        result.audit = report
        if "no-restricted-sources" in report.notes:
            result.lines.append(messages.render("audit-no-restricted", None))
        if not report.clean:
            for hit in report.hits:
                result.lines.append(messages.render(
                    "audit-hit", f"{target.shown}/{hit.output}", fragment=hit.fragment,
                    source=hit.source, kind=hit.kind))
            result.ok = False
            return False
    return True


def build_editions(src: Path, outs: dict[str, Path], *, parallel: int = 0,
                   cache: Path | None = None) -> dict[str, Result]:
    """Build, check and audit every edition of ``outs``, then publish all of them or none.

    Every edition is built even after one failed, so that one run reports every problem;
    nothing is published unless all passed."""
    src = Path(src).resolve()
    results: dict[str, Result] = {}
    targets: dict[str, publish.Target] = {}
    for edition, out in outs.items():
        others = [path for name, path in outs.items() if name != edition]
        checked = target_of(src, out, edition, cache, others + [
            path for name, path in default_outputs().items()
            if name not in outs and name != edition])
        if isinstance(checked, Result):
            results[edition] = checked
        else:
            targets[edition] = checked
    staged: list[Staged] = []
    if len(targets) == len(outs):
        for edition, target in targets.items():
            built = stage_edition(src, target, parallel=parallel, cache=cache)
            if isinstance(built, Staged):
                staged.append(built)
                results[edition] = built.result
            else:
                results[edition] = built
    if len(staged) == len(outs):
        publish.publish([(item.target, item.folder) for item in staged])
        for item in staged:
            item.result.out = item.target.path
        return results
    for item in staged:
        shutil.rmtree(item.folder, ignore_errors=True)
    for edition, out in outs.items():
        result = results.setdefault(edition, Result(False))
        result.ok = False
        result.lines.append(messages.render("not-published", None, out=out))
    return results


def build_edition(src: Path, out: Path, edition: str, *, parallel: int = 0,
                  cache: Path | None = None) -> Result:
    """Build, audit and atomically publish one edition; leave ``out`` untouched on failure."""
    return build_editions(src, {edition: Path(out)}, parallel=parallel, cache=cache)[edition]


def audit_cache(work: Path) -> Path:
    """Where the audit keeps what it worked out about each restricted source: beside the
    editions' work folders of the same tree, outside every edition."""
    return work.parent / "audit-fingerprints.json"


def _not_published(folder: str, names: list[str]) -> set[str]:
    """Sphinx's build bookkeeping, and the empty ``_sources`` folder it always creates; a
    ``_sources`` folder with anything in it is copied, so that the audit refuses it."""
    skipped = {".buildinfo", ".doctrees"} & set(names)
    if "_sources" in names and not any(Path(folder, "_sources").iterdir()):
        skipped.add("_sources")
    return skipped
