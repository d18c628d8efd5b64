"""The leak audit: the third line of defence, run on a finished public edition before it is
published.

It shares no code with the filter (``classification.py``, ``edition.py``): it decides on its
own, from the docs tree's ``conf.py`` and front matter, which sources are restricted, takes
fingerprints from those sources themselves, and looks for them in every output file. A mistake
in the filter therefore cannot hide itself here.

Fingerprints:

* text: character n-grams of the normalised restricted text (Japanese has no spaces, so
  words cannot be used), one at every ``STEP``-th position of each unit of text. They are
  looked up among every n-gram of the edition's text that no public source holds (a set
  the size of the edition, whatever the size of the restricted tree), so any run of at
  least ``NGRAM + STEP - 1`` normalised characters that a restricted source and the edition
  share is found, wherever it starts. The restricted n-grams are never gathered into one
  table: each source's are checked against the edition's set, and a source is named only
  when it shares one;
* names: restricted document names, folder and file names, labels, titles and defined terms
  that do not occur in the public sources;
* bytes: the SHA-256 of every restricted file, compared with every output file.

Structure: no ``_sources/``, ``.doctrees/``, ``.buildinfo``, pickles or doctrees may be in the
edition.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import posixpath
import re
import shutil
import unicodedata
import urllib.parse
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from lxml import html as lxml_html

NGRAM = 10
#: One restricted n-gram in STEP is kept: a shared run of NGRAM + STEP - 1 characters always
#: holds one of them.
STEP = 6
#: Shorter titles and terms are too likely to be everyday words to count as fingerprints.
MIN_NAME = 3
TEXT_SUFFIXES = {".md", ".rst", ".txt", ".csv", ".py", ".json", ".yaml", ".yml", ".html",
                 ".xml", ".svg", ".js", ".css", ".po", ".pot", ".tsv"}
FORBIDDEN_PARTS = {"_sources", ".doctrees", ".buildinfo"}
FORBIDDEN_SUFFIXES = {".doctree", ".pickle"}


@dataclass(frozen=True)
class Hit:
    """One finding: where in the edition, what was found, and where it came from."""

    output: str
    fragment: str
    source: str
    kind: str


@dataclass
class AuditReport:
    edition: str
    files_scanned: int = 0
    restricted_sources: int = 0
    fingerprints: int = 0
    hits: list[Hit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.hits


# --- which sources are restricted, decided independently -------------------------------------


@dataclass(frozen=True)
class _Rules:
    levels: tuple[str, ...]
    rules: Mapping[str, str]

    def covers_as_public(self, relpath: str) -> bool:
        """Whether every rule covering the path says the lowest level, and one covers it."""
        lowest = self.levels[0]
        covering = [
            level for key, level in self.rules.items()
            if key == "" or relpath == key or relpath.startswith(key.rstrip("/") + "/")
        ]
        return bool(covering) and all(level == lowest for level in covering)

    def declares_other_level(self, text: str | None) -> bool:
        """Whether a file's text declares a level other than the lowest for itself: a file
        the rules cover as public is public only if it does not."""
        if text is None:
            return False
        declared = re.search(r"^:?classification:?\s*:?\s*(\S+)\s*$", text[:4000], re.M)
        return bool(declared) and declared.group(1).strip("'\"") != self.levels[0]


def _read_rules(srcdir: Path) -> _Rules:
    from sphinx.config import Config
    from sphinx.util.tags import Tags

    config = Config.read(srcdir, overrides={}, tags=Tags())
    namespace = config._raw_config
    levels = tuple(namespace.get("policy_levels", ("public", "restricted")))
    raw_rules = namespace.get("policy_classification", {})
    rules = {str(k).replace("\\", "/").strip().strip("/").removeprefix("./"): str(v)
             for k, v in dict(raw_rules).items()}
    return _Rules(levels, rules)


def _read_text_file(path: Path) -> bytes | None:
    """The bytes of a source among the text files, read once for both its text and its
    digest; None for other files (their digest is taken later) and unreadable ones."""
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def _decoded(data: bytes) -> str | None:
    """A source's text, newlines as ``read_text`` gives them; None if it is not UTF-8."""
    try:
        return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError:
        return None


class _Source:
    """A restricted text file's bytes, decoded only when something must be worked out from
    its text: with the cache, most audits need only their digest."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    @functools.cached_property
    def text(self) -> str | None:
        return _decoded(self.data)


def _walk(root: Path) -> Iterator[tuple[Path, str]]:
    """Every file under ``root``, in a stable order, with its path relative to ``root``
    written with slashes (worked out once per folder: at five hundred sources, pathlib's
    ``relative_to`` for each file was a tenth of an audit with its cache)."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        folder = Path(dirpath)
        prefix = os.path.relpath(dirpath, root).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        for name in sorted(filenames):
            yield folder / name, prefix + name


# --- normalising and fingerprinting ----------------------------------------------------------


_NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """NFKC, then letters and digits only: markup, punctuation and spaces vary between a
    source and its rendering, the words do not."""
    return _NOT_WORD.sub("", _nfkc(text)).lower()


#: Full-width ASCII and the ideographic space: the characters of Japanese writing that NFKC
#: changes (「（」「：」「１」).
_WIDE = re.compile("[\u3000\uff01-\uff5e]")


def _nfkc(text: str) -> str:
    """NFKC, quickly for Japanese text. NFKC goes character by character through a whole
    text that holds even one character it changes, and official Japanese holds full-width
    brackets on every line; NFKC of text that needs no change only checks it. Each
    full-width character is therefore first replaced by its compatibility decomposition,
    which leaves the text's full decomposition, and so its NFKC, as it was."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    for char in set(_WIDE.findall(text)):
        text = text.replace(char, unicodedata.normalize("NFKD", char))
    return unicodedata.normalize("NFKC", text)


#: ASCII characters that separate units of structure (lines, HTML tags, JSON strings, table
#: cells). Text is fingerprinted within such units only, so that two unrelated public strings
#: that happen to sit side by side in a search index cannot spell a restricted n-gram.
#: Spaces too: a computed clause number stands before its heading with a space
#: (「10 情報セキュリティ…」), and the number is in no source.
_SEPARATOR_CHARACTERS = '\n\r\t <>{}[]",|\u3000'
_SEPARATORS = re.compile(f"[{re.escape(_SEPARATOR_CHARACTERS)}]+")


#: Runs of letters, digits and NULs: what ``normalise_all`` keeps. Taking the runs is faster
#: than deleting what lies between them, in text that is mostly letters.
_WORD_OR_NUL = re.compile(r"[\w\x00]+")


def normalise_all(parts: list[str]) -> list[str]:
    """``normalise`` of each part, done in one pass over the parts joined by NUL: NFKC never
    combines a character with a NUL, so each part comes out as it would on its own."""
    if not parts:
        return []
    joined = "\x00".join(parts)
    if joined.count("\x00") != len(parts) - 1:  # a part holds a NUL itself
        return [normalise(part) for part in parts]
    return _normalised_keeping_nul(joined).split("\x00")


def _normalised_keeping_nul(text: str) -> str:
    return "".join(_WORD_OR_NUL.findall(_nfkc(text))).replace("_", "").lower()


def segments(text: str) -> list[str]:
    """The normalised units of a text that are long enough to fingerprint."""
    return [unit for unit in _joined_units(text).split("\x00") if len(unit) >= NGRAM]


def _joined_units(text: str) -> str:
    """The normalised units of a text, of any length, joined by NULs, which normalising
    keeps."""
    if "\x00" in text:
        return "\x00".join(normalise_all(_SEPARATORS.split(text)))
    return _normalised_keeping_nul(_nul_separated(text))


def _nul_separated(text: str) -> str:
    """A text without NULs with each separator replaced by one: at fifty departments,
    splitting the restricted text at separators with a pattern, then joining it again, cost
    as much as normalising it."""
    for separator in _SEPARATOR_CHARACTERS:
        text = text.replace(separator, "\x00")
    return text


def _parts(text: str) -> list[str]:
    """The units of a text as written (with empty ones where separators meet)."""
    if "\x00" in text:
        return _SEPARATORS.split(text)
    return _nul_separated(text).split("\x00")


def _grams(text: str) -> list[str]:
    """Every n-gram of a unit of text."""
    return [text[i:i + NGRAM] for i in range(len(text) - NGRAM + 1)]


#: In units joined by NUL: the n-gram at every STEP-th position of each unit (the search
#: starts again at the first character after each NUL) ...
_EVERY_STEP = re.compile(rf"(?=([^\x00]{{{NGRAM}}}))[^\x00]{{{STEP}}}")
#: ... and the last n-gram of each unit (the run of the unit's characters less its last
#: NGRAM, then those: the search tries each character once, not NGRAM times).
_LAST = re.compile(rf"[^\x00]*([^\x00]{{{NGRAM}}})")


def _sampled_grams(joined: str) -> list[str]:
    """The n-grams of restricted units (joined by NULs) at every STEP-th position of each,
    and the last one of each. Any run of NGRAM + STEP - 1 characters of a unit holds one of
    them whole. Found by two regular expressions over the joined units: at fifty
    departments, cutting them out one by one cost more than the public build's tenth."""
    return _EVERY_STEP.findall(joined) + _LAST.findall(joined)


@dataclass
class _Fingerprints:
    #: (restricted source, the SHA-256 of its bytes, its bytes to be read as text), in the
    #: order of the sources: the first to share an n-gram is named
    sources: list[tuple[str, str, _Source]] = field(default_factory=list)
    gram_count: int = 0
    names: dict[str, str] = field(default_factory=dict)  # raw token -> source
    #: folder and file names: everyday words ("child") may be names too, so these are looked
    #: for only where names are used: output file names and link, source and id attributes.
    path_parts: dict[str, str] = field(default_factory=dict)
    phrases: dict[str, str] = field(default_factory=dict)  # normalised title/term -> source
    hashes: dict[str, str] = field(default_factory=dict)  # sha256 -> source
    public_grams: set[str] = field(default_factory=set)  # every n-gram of the public sources
    public_digest: str = ""  # of the public sources' text

    def __len__(self) -> int:
        return (self.gram_count + len(self.names) + len(self.path_parts) + len(self.phrases)
                + len(self.hashes))


#: Labels and headings are looked for in the text after a newline put before it: a pattern
#: that begins with a newline is tried at line starts only, not at every character.
_LABEL = re.compile(r"\n\s*\((?P<a>[^)\s]+)\)=\s*$|\n\.\. _(?P<b>[^:]+):"
                    r"|\n\s*:(?:label|name):\s*(?P<c>\S+)", re.M)
_HEADING = re.compile(r"\n#{1,6}\s+(?P<t>.+?)\s*#*\s*$", re.M)
#: The line under a reStructuredText title; the title is the line before it.
_UNDERLINE = re.compile(r"\n[=\-~^\"'`#*+]{3,}[^\S\n]*(?=\n|\Z)")
_GLOSSARY = re.compile(
    r"^[`:]{3,}\{(?:glossary|definition|term)\}(?P<arg>[^\n]*)\n(?P<body>.*?)^[`:]{3,}",
    re.M | re.S)


def _names_in(text: str) -> tuple[set[str], set[str]]:
    """Labels (raw tokens) and titles/terms (phrases) written in a restricted source."""
    lines = "\n" + text
    labels = {m.group("a") or m.group("b") or m.group("c") for m in _LABEL.finditer(lines)}
    phrases = {m.group("t") for m in _HEADING.finditer(lines)}
    for underline in _UNDERLINE.finditer(lines):
        title = lines[lines.rfind("\n", 0, underline.start()) + 1:underline.start()]
        if title:
            phrases.add(title)
    for block in _GLOSSARY.finditer(text):
        if block.group("arg").strip():
            phrases.add(block.group("arg").strip())
        for line in block.group("body").splitlines():
            if line and not line[0].isspace() and not line.startswith(":"):
                phrases.add(line.strip())
    return {label.strip() for label in labels if label}, phrases


#: What one restricted file contributes by name, worked out from its bytes alone: labels,
#: normalised titles and terms, and how many n-grams its text gives.
_Entry = tuple[list[str], list[str], int]


def _grams_of(text: str) -> str:
    """A restricted text's n-grams, one in STEP, joined by spaces (which normalised text
    cannot hold): each is NGRAM characters long."""
    return " ".join(_sampled_grams(_joined_units(text)))


def _entry_of(text: str, grams: _Grams) -> _Entry:
    labels, phrases = _names_in(text)
    return sorted(labels), sorted(set(normalise_all(sorted(phrases)))), _gram_count(grams)


@functools.cache
def _code_key() -> str:
    """This module's code, by which kept entries are keyed: read once per process."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


class _Kept:
    """Entries worked out from bytes alone, kept between audits in one JSON file that is keyed
    by this module's code, so a changed audit works everything out again. What cannot be
    read, or has the wrong shape, is worked out again; a file that cannot be written costs
    time, never a finding. Only the entries one audit used are written back."""

    #: Written as ASCII, with escapes: text decoded from escapes in an output file may hold
    #: lone surrogates, which UTF-8 cannot write.
    escaped = True

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.key = _code_key()
        self.entries: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        if path is None:
            return
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("key") == self.key:
                accepted = ((key, self._accepted(value)) for key, value in stored["files"].items())
                self.entries = {key: entry for key, entry in accepted if entry is not None}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self.entries = {}

    def _accepted(self, value: object) -> Any:
        """A stored entry in the shape this cache works entries out in, or None."""
        raise NotImplementedError

    def known(self, key: str) -> Any:
        """The entry kept for ``key`` (now used), or None."""
        entry = self.used.get(key)
        if entry is None:
            entry = self.entries.get(key)
        if entry is not None:
            self.used[key] = entry
        return entry

    def _kept(self, key: str, work_out: Callable[[], Any]) -> Any:
        entry = self.known(key)
        if entry is None:
            entry = self.used[key] = work_out()
        return entry

    def save(self) -> None:
        if self.path is not None and self.used != self.entries:
            _write_whole(self.path, {"key": self.key, "files": self.used}, self.escaped)


def _write_whole(path: Path, value: object, escaped: bool = True,
                 data: bytes | None = None) -> None:
    """A cache file (``value`` as JSON, or ``data``) written whole, then renamed, so that a
    reader never meets half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(json.dumps(value, ensure_ascii=escaped).encode()
                            if data is None else data)
        os.replace(partial, path)
    except (OSError, ValueError):
        pass  # a cache that cannot be written costs time, never a finding


class _EntryCache(_Kept):
    """What restricted files contribute by name, by the SHA-256 of their bytes: at fifty
    departments, reading and normalising every restricted source took longer than the
    public build. An entry depends on the file's bytes and on this module's code only, so a
    changed source is worked out again."""

    #: Sources are read as strict UTF-8, so their entries hold no lone surrogate; unescaped,
    #: Japanese is read back twice as fast.
    escaped = False

    def _accepted(self, value: object) -> _Entry | None:
        if not isinstance(value, list) or len(value) != 3:
            return None
        labels, phrases, count = value
        if (_all_text(labels) and _all_text(phrases) and isinstance(count, int)
                and not isinstance(count, bool) and count >= 0):
            return labels, phrases, count
        return None


#: A source's n-grams: worked out in this audit (text), or read back from a file (UTF-8
#: bytes, never decoded unless one is found in the edition).
_Grams = str | bytes


class _GramFiles:
    """The n-grams of restricted files, in a folder keyed by this module's code: one pack of
    every file's n-grams, and beside it one small file per file's SHA-256 for those worked
    out since the pack was written (after one source changed, only its n-grams are worked
    out and written). Matching every source again then reads two or three files, not
    hundreds. An audit that had every source's n-grams writes the pack again when there was
    none, or more than ``_LOOSE`` sources are outside it or gone from the tree. What cannot
    be read or has the wrong shape is worked out again; folders of other code are removed."""

    PACK = "pack"

    def __init__(self, path: Path | None) -> None:
        self.folder = None if path is None else path.with_name(
            f"{path.stem}-grams-{_code_key()[:16]}")
        self.new: dict[str, str] = {}
        self.read: dict[str, bytes] = {}
        self._index: dict[str, int] | None = None
        self._packed: dict[str, bytes] | None = None
        self._damaged = False

    def _pack_index(self) -> dict[str, int]:
        """The pack's first line: each file's SHA-256 with the length of its n-grams in
        bytes."""
        if self._index is None:
            self._index = {}
            if self.folder is not None:
                try:
                    with open(self.folder / self.PACK, "rb") as pack:
                        index = json.loads(pack.readline())
                    if isinstance(index, list) and all(
                            isinstance(item, list) and len(item) == 2
                            and isinstance(item[0], str) and type(item[1]) is int
                            and item[1] > 0 for item in index):
                        self._index = dict(index)
                except (OSError, ValueError):
                    pass
        return self._index

    def _pack(self) -> dict[str, bytes]:
        """The pack's n-grams by SHA-256, read once; nothing, and the pack written again
        when the audit saves, if it does not hold what its first line says."""
        if self._packed is None:
            self._packed = {}
            index = self._pack_index()
            try:
                with open(self.folder / self.PACK, "rb") as pack:  # type: ignore[operator]
                    pack.readline()
                    body = pack.read()
            except (OSError, TypeError):
                return self._packed
            if len(body) != sum(index.values()) + len(index) - 1:
                self._damaged = True
                return self._packed
            at = 0
            for digest, length in index.items():
                self._packed[digest] = body[at:at + length]
                at += length + 1
        return self._packed

    def _kept(self, digest: str, work_out: Callable[[], str]) -> _Grams:
        found: _Grams | None = self.new.get(digest)
        if found is None:
            found = self.read.get(digest)
        if found is not None:
            return found
        if self.folder is not None:
            stored: bytes | None
            if digest in self._pack_index():
                stored = self._pack().get(digest)
            else:
                try:
                    stored = (self.folder / digest).read_bytes()
                except OSError:
                    stored = None
            # An empty file is not trusted: it would say the source has nothing to match.
            if stored and _well_formed(stored):
                self.read[digest] = stored
                return stored
        found = self.new[digest] = work_out()
        return found

    def save(self, digests: Iterable[str]) -> None:
        """Write the n-grams worked out in this audit; keep only those of ``digests``."""
        if self.folder is None:
            return
        keep = list(dict.fromkeys(digests))
        have: dict[str, _Grams] = {**self.read, **self.new}
        index = self._pack_index()
        outside = [digest for digest in keep if digest not in index]
        gone = len(index) - (len(keep) - len(outside))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            singles = set(os.listdir(self.folder)) - {self.PACK}
            if keep and all(digest in have for digest in keep) and (
                    self._damaged or not index or len(outside) + gone > _LOOSE):
                body = [_as_bytes(have[digest]) for digest in keep]
                line = json.dumps([[digest, len(grams)]
                                   for digest, grams in zip(keep, body, strict=True)])
                _write_whole(self.folder / self.PACK, None,
                             data=line.encode() + b"\n" + b"\n".join(body))
                keep = []  # none is needed beside the pack
            else:
                for digest in outside:
                    if digest in self.new:
                        _write_whole(self.folder / digest, None,
                                     data=self.new[digest].encode())
            for name in singles - set(keep):
                (self.folder / name).unlink(missing_ok=True)
            prefix = self.folder.name.rsplit("-", 1)[0] + "-"
            for other in self.folder.parent.iterdir():
                if other.name.startswith(prefix) and other != self.folder and other.is_dir():
                    shutil.rmtree(other, ignore_errors=True)
        except (OSError, ValueError):
            pass  # a cache that cannot be written costs time, never a finding


#: How many sources may be outside the pack, or gone from the tree while the pack still
#: holds them, before the pack is written again (8.6 MB at fifty departments).
_LOOSE = 16


def _as_bytes(grams: _Grams) -> bytes:
    return grams if isinstance(grams, bytes) else grams.encode()


def _well_formed(grams: bytes) -> bool:
    """Whether these could be a source's n-grams: at least one, NGRAM characters each (one
    to four bytes in UTF-8), one space between two."""
    count = grams.count(b" ") + 1
    return (NGRAM + 1) * count - 1 <= len(grams) <= (4 * NGRAM + 1) * count - 1


def _gram_count(grams: _Grams) -> int:
    return grams.count(b" " if isinstance(grams, bytes) else " ") + 1 if grams else 0


class _CleanSources:
    """Which restricted files were found to share no n-gram with the edition's suspect
    n-grams (those that no public source holds), by the SHA-256 of that set: from one build
    of an edition to the next, its text rarely changes, and then a source whose bytes did
    not change either cannot share one now. Its n-grams are then not read at all."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.mark = ""
        self.clean: set[str] = set()
        if path is None:
            return
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("key") == _code_key() and isinstance(stored.get("mark"), str) \
                    and _all_text(stored.get("clean")):
                self.mark, self.clean = stored["mark"], set(stored["clean"])
        except (OSError, ValueError, TypeError, AttributeError):
            pass

    def known(self, mark: str) -> set[str]:
        return self.clean if mark == self.mark else set()

    def save(self, mark: str, clean: set[str]) -> None:
        if self.path is not None and (mark, clean) != (self.mark, self.clean):
            _write_whole(self.path, {"key": _code_key(), "mark": mark, "clean": sorted(clean)})


@dataclass
class _Restricted:
    """The caches kept for the restricted sources, beside one another."""

    entries: _EntryCache
    path: Path | None
    _grams: _GramFiles | None = None

    @classmethod
    def at(cls, cache: Path | None) -> _Restricted:
        return cls(_EntryCache(cache), cache)

    def _beside(self, suffix: str) -> Path | None:
        return None if self.path is None else self.path.with_name(self.path.stem + suffix)

    @property
    def grams(self) -> _GramFiles:
        if self._grams is None:
            self._grams = _GramFiles(self.path)
        return self._grams

    def clean_sources(self) -> _CleanSources:
        return _CleanSources(self._beside("-clean.json"))

    def edition_grams(self) -> _EditionGrams:
        return _EditionGrams(self._beside("-edition.json"))

    def entry(self, digest: str, source: _Source) -> _Entry | None:
        """What a restricted file contributes; None if it is not UTF-8 text."""
        found = self.entries.known(digest)
        if found is not None or source.text is None:
            return found
        return self.entries._kept(
            digest, lambda: _entry_of(source.text, self.grams_of(digest, source)))

    def grams_of(self, digest: str, source: _Source) -> _Grams:
        return self.grams._kept(digest, lambda: _grams_of(source.text or ""))

    def save(self, digests: Iterable[str]) -> None:
        self.entries.save()
        if self._grams is not None:
            self._grams.save(digests)


#: Below this many strings to look for, each is simply searched for: making the set of the
#: text's MIN_NAME-character pieces costs about as much as searching a long text a thousand
#: times.
_MANY = 1000


def _found_in(needles: Iterable[str], text: str) -> set[str]:
    """The strings of ``needles`` that occur in ``text``. With many of them (restricted
    labels, titles, terms), each is searched for only if its first and its last MIN_NAME
    characters occur in the text: two set lookups that for most of them say no (Japanese
    titles often begin alike: 「情報セキュリティ…」)."""
    needles = set(needles)
    if len(needles) < _MANY:
        return {needle for needle in needles if needle in text}
    pieces = {text[i:i + MIN_NAME] for i in range(len(text) - MIN_NAME + 1)}
    return {needle for needle in needles
            if (len(needle) < MIN_NAME
                or (needle[:MIN_NAME] in pieces and needle[-MIN_NAME:] in pieces))
            and needle in text}


def _fingerprint(srcdir: Path, rules: _Rules,
                 cache: Path | None = None) -> tuple[_Fingerprints, _Restricted, int]:
    public_text: list[str] = []
    public_parts: set[str] = set()
    restricted: list[tuple[str, Path, bytes | None]] = []
    for path, rel in _walk(srcdir):
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        data = _read_text_file(path)
        if rules.covers_as_public(rel):
            text = None if data is None else _decoded(data)
            if not rules.declares_other_level(text):
                # Catalogs are derived from the documents: what they say proves nothing public.
                if text is not None and path.suffix.lower() not in (".po", ".pot"):
                    public_text.append(text)
                public_parts.update(posixpath.splitext(rel)[0].split("/"))
                continue
        restricted.append((rel, path, data))
    public_raw = "\n".join(public_text)
    public_norm = normalise(public_raw)
    public_grams = {gram for unit in segments(public_raw) for gram in _grams(unit)}
    prints = _Fingerprints(public_grams=public_grams,
                           public_digest=hashlib.sha256(public_raw.encode()).hexdigest())
    kept = _Restricted.at(cache)
    #: candidates: name -> the first source that holds it, kept if no public text holds it
    parts: dict[str, str] = {}
    labels: dict[str, str] = {}
    phrases: dict[str, str] = {}
    for rel, path, data in restricted:
        digest = hashlib.sha256(path.read_bytes() if data is None else data).hexdigest()
        prints.hashes.setdefault(digest, rel)
        docname = rel.rsplit(".", 1)[0]
        prints.names.setdefault(docname, rel)
        for part in docname.split("/"):
            if len(part) >= MIN_NAME and part not in public_parts:
                parts.setdefault(part, rel)
        source = None if data is None else _Source(data)
        entry = None if source is None else kept.entry(digest, source)
        if entry is None:
            continue
        found_labels, found_phrases, count = entry
        if count:
            prints.sources.append((rel, digest, source))
            prints.gram_count += count
        for label in found_labels:
            if len(label) >= MIN_NAME:
                labels.setdefault(label, rel)
        for norm in found_phrases:
            if len(norm) >= MIN_NAME:
                phrases.setdefault(norm, rel)
    public = _found_in(parts.keys() | labels.keys(), public_raw)
    prints.path_parts = {part: rel for part, rel in parts.items() if part not in public}
    for label, rel in labels.items():
        if label not in public:
            prints.names.setdefault(label, rel)
    public = _found_in(phrases, public_norm)
    prints.phrases = {norm: rel for norm, rel in phrases.items() if norm not in public}
    return prints, kept, len(restricted)


# --- reading the edition ---------------------------------------------------------------------


_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


@dataclass
class _Forms:
    """The readable forms of one output file. ``raw`` is the file as written, with its
    decoded forms (HTML entities, URL escapes, JSON escapes): no escape holds a separator,
    so the units of a decoded form are those of the raw units, decoded. ``parsed`` are the
    forms that need the whole file: an HTML page's text and attribute values, an
    inventory's decompressed body."""

    raw: str | None = None
    parsed: list[str] = field(default_factory=list)
    #: an HTML page as parsed, for its attributes
    tree: Any = None

    @functools.cached_property
    def texts(self) -> list[str]:
        """Every form whole."""
        if self.raw is None:
            return list(self.parsed)
        decoded = {html.unescape(self.raw), urllib.parse.unquote(self.raw), _unjson(self.raw)}
        return [self.raw, *sorted(decoded - {self.raw}), *self.parsed]


def _unjson(text: str) -> str:
    if "\\u" not in text:
        return text
    return _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _is_page(name: str) -> bool:
    """Whether an output file is read as an HTML page, whatever the case of its suffix: an
    extra file copied as it is may be named ``.HTML``."""
    return name.lower().endswith((".html", ".htm", ".xhtml"))


def _forms_of(path: Path, data: bytes) -> _Forms:
    """Every readable form of an output file: as written, decoded, and, for HTML, its text
    and attribute values."""
    if path.name == "objects.inv":
        head, _, body = data.partition(b"zlib.\n")
        forms = _Forms(parsed=[head.decode("utf-8", "replace")])
        try:
            forms.parsed.append(zlib.decompress(body).decode("utf-8", "replace"))
        except zlib.error:
            forms.parsed.append(body.decode("latin-1"))
        return forms
    try:
        forms = _Forms(raw=data.decode("utf-8"))
    except UnicodeDecodeError:
        return _Forms()
    if _is_page(path.name):
        try:
            tree = lxml_html.fromstring(data)
        except (etree.ParserError, ValueError):
            return forms
        forms.tree = tree
        forms.parsed.append("\n".join(tree.itertext()))
        attributes = [value for element in tree.iter() if isinstance(element.tag, str)
                      for value in element.attrib.values()]
        forms.parsed.append(" ".join(attributes))
        forms.parsed.append(" ".join(urllib.parse.unquote(value) for value in attributes))
    return forms


#: What the audit takes from one output file, from its path and bytes alone: where names are
#: used, its links, and the normalised units of text of all its readable forms.
_Output = tuple[list[str], list[str], list[str]]


def _read_output(path: Path, rel: str, data: bytes, normalised: dict[str, str]) -> _Output:
    """The names, links and units of text of one output file. ``normalised`` remembers the
    normalised form of every unit met in this audit: pages repeat most of their units."""
    forms = _forms_of(path, data)
    names, links = _names_of(rel, data, forms)
    parts = {part for text in forms.texts for part in _parts(text)}
    new = [part for part in parts if part not in normalised]
    normalised.update(zip(new, normalise_all(new), strict=True))
    units = {normalised[part] for part in parts} - {""}
    return sorted(set(names)), sorted(set(links)), sorted(units)


class _OutputCache(_Kept):
    """What each output file holds, by the SHA-256 of its path and bytes, kept beside the
    fingerprints: from one build to the next most files of an edition (the theme's scripts
    and styles, the pages whose sources did not change) come out byte for byte the same,
    and reading them again was most of the audit of a small tree."""

    def __init__(self, path: Path | None) -> None:
        super().__init__(path)
        self.normalised: dict[str, str] = {}

    def _accepted(self, value: object) -> _Output | None:
        if not isinstance(value, list) or len(value) != 3 or not all(map(_all_text, value)):
            return None
        names, links, units = value
        return names, links, units

    def get(self, path: Path, rel: str, data: bytes, digest: str) -> _Output:
        key = hashlib.sha256(f"{rel}\x00{digest}".encode()).hexdigest()
        return self._kept(key, lambda: _read_output(path, rel, data, self.normalised))


class _EditionGrams(_Kept):
    """Every n-gram of an edition's text, and those of them that could be findings, by the
    edition's files (paths and bytes) and the public sources' text: from one build to the
    next the edition rarely changes, and working them out again took a sixth of an audit
    with its cache at fifty departments."""

    def _accepted(self, value: object) -> list[list[str]] | None:
        if isinstance(value, list) and len(value) == 2 and all(map(_all_text, value)):
            return value
        return None


def _all_text(value: object) -> bool:
    return isinstance(value, list) and all(map(str.__instancecheck__, value))


def _outputs_cache(cache: Path | None) -> Path | None:
    """Where what the output files hold is kept: beside the fingerprints."""
    return None if cache is None else cache.with_name(cache.stem + "-outputs.json")


def audit_edition(outdir: str | os.PathLike[str], srcdir: str | os.PathLike[str],
                  edition: str = "public", cache: Path | None = None) -> AuditReport:
    """Scan every file of a built edition for restricted fingerprints and forbidden files.

    File by file: the structure, the bytes, and names where names are used. The text of the
    whole edition is then looked at once, unit by distinct unit: the pages of an edition
    repeat most of their text (navigation, footer, theme), and each form of a page (raw,
    unescaped, text, attributes) repeats it again."""
    out = Path(outdir).resolve()
    src = Path(srcdir).resolve()
    report = AuditReport(edition)
    rules = _read_rules(src)
    prints, kept, restricted_count = _fingerprint(src, rules, cache)
    report.restricted_sources = restricted_count
    report.fingerprints = len(prints)
    if restricted_count == 0:
        report.notes.append("no-restricted-sources")
    seen = _seen_for(prints)
    found: dict[str, dict[tuple[str, str], Hit]] = {}
    outputs = _OutputCache(_outputs_cache(cache))
    #: output file -> the normalised units of text it holds, in every readable form
    file_units: dict[str, list[str]] = {}
    for dirpath, _dirnames, _filenames in os.walk(out):
        if Path(dirpath) != out:
            _check_structure(Path(dirpath).relative_to(out).as_posix(), report)
    for path, rel in _walk(out):
        report.files_scanned += 1
        found[rel] = {}
        _check_structure(rel, report)
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest in prints.hashes:
            report.hits.append(Hit(rel, f"sha256:{digest[:16]}…", prints.hashes[digest], "bytes"))
        names, links, units = outputs.get(path, rel, data, digest)
        _scan_names(rel, names, links, prints, found[rel], seen)
        file_units[rel] = units
    outputs.save()
    edition = hashlib.sha256("\n".join([*sorted(outputs.used), prints.public_digest])
                             .encode()).hexdigest()
    _scan_text(prints, kept, file_units, found, edition)
    kept.save(digest for _rel, digest, _source in prints.sources)
    for hits in found.values():
        report.hits.extend(hits.values())
    return report


#: Files whose content is a table of names (documents, labels, terms) rather than prose.
_NAME_TABLES = ("objects.inv", "searchindex.js")


_LINK_ATTRIBUTES = ("href", "src", "action", "srcset", "poster", "data")


def _names_of(rel: str, data: bytes, forms: _Forms) -> tuple[list[str], list[str]]:
    """Where names are used, and where file names are: the file's own path, every attribute
    of an HTML page (its links for file names), and the inventories and search index. Names
    are looked for only there: a short label or folder name ("css", "sns") is an everyday
    word in a theme's scripts and styles."""
    names = [rel, urllib.parse.unquote(rel)]
    links = [rel]
    if Path(rel).name in _NAME_TABLES:
        names.extend(forms.texts)
    elif _is_page(rel):
        tree = forms.tree
        if tree is None:
            try:
                tree = lxml_html.fromstring(data)
            except (etree.ParserError, ValueError):
                return names + forms.texts, links  # unreadable as HTML: names anywhere
        for element in tree.iter():
            if isinstance(element.tag, str):
                for attribute, value in element.attrib.items():
                    names.extend((value, urllib.parse.unquote(value)))
                    if attribute in _LINK_ATTRIBUTES:
                        links.append(value)
    return names, links


def _path_segments(value: str) -> list[str]:
    """The folder and file names (without suffixes) of a path or URL."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(value).path)
    return [segment.split(".", 1)[0] for segment in path.split("/") if segment]


def _check_structure(rel: str, report: AuditReport) -> None:
    parts = rel.split("/")
    for part in parts:
        if part in FORBIDDEN_PARTS:
            report.hits.append(Hit(rel, part, "(build structure)", "structure"))
            return
    if Path(rel).suffix in FORBIDDEN_SUFFIXES:
        report.hits.append(Hit(rel, Path(rel).suffix, "(build structure)", "structure"))


@dataclass
class _Seen:
    """What one audit already worked out about the runs of name characters it met: the pages
    of an edition repeat most of them (navigation, footer, theme). Looking each one up once
    keeps the audit in step with the edition's distinct names rather than with its size times
    the number of restricted names."""

    runs: dict[str, list[str]] = field(default_factory=dict)  # run -> names in it
    token_lengths: list[int] = field(default_factory=list)
    #: how every name made of run characters begins: its first ``start`` characters
    starts: set[str] = field(default_factory=set)
    start: int = MIN_NAME
    plain_tokens: list[str] = field(default_factory=list)  # with characters a run cannot hold


#: A run of the characters that labels, document names and paths are made of.
_NAME_RUN = re.compile(r"[\w./-]+")


def _seen_for(prints: _Fingerprints) -> _Seen:
    seen = _Seen()
    runnable = [token for token in prints.names if _NAME_RUN.fullmatch(token)]
    seen.token_lengths = sorted({len(token) for token in runnable})
    seen.start = min([MIN_NAME, *seen.token_lengths])
    seen.starts = {token[:seen.start] for token in runnable}
    seen.plain_tokens = [token for token in prints.names if not _NAME_RUN.fullmatch(token)]
    return seen


def _names_in_runs(text: str, prints: _Fingerprints, seen: _Seen) -> set[str]:
    """The restricted names that occur in ``text``: a name made of run characters occurs
    only inside one maximal run, so each distinct run is cut into pieces of the names'
    lengths once, where a name can begin, and the pieces are looked up."""
    found: set[str] = set()
    step = seen.start
    for run in set(_NAME_RUN.findall(text)):
        names = seen.runs.get(run)
        if names is None:
            names = [run[i:i + length] for i in range(len(run) - step + 1)
                     if run[i:i + step] in seen.starts
                     for length in seen.token_lengths
                     if i + length <= len(run) and run[i:i + length] in prints.names]
            seen.runs[run] = names
        found.update(names)
    found.update(token for token in seen.plain_tokens if token in text)
    return found


def _scan_names(rel: str, names: list[str], links: list[str], prints: _Fingerprints,
                found: dict[tuple[str, str], Hit], seen: _Seen) -> None:
    """Restricted file names in the links and paths of one output file, restricted names
    where it uses names."""
    segments = {segment for link in links for segment in _path_segments(link)}
    for part, source in prints.path_parts.items():
        if part in segments:
            found[(part, source)] = Hit(rel, part, source, "file name")
    for token in sorted(_names_in_runs("\x00".join(names), prints, seen)):
        source = prints.names[token]
        if (token, source) not in found:
            found[(token, source)] = Hit(rel, token, source, "name")


def _edition_grams(units: set[str], public_grams: set[str]) -> list[list[str]]:
    """Every n-gram of the edition's units of text, and the suspect ones: those that no
    public source holds and that tell something."""
    edition_grams = {unit[i:i + NGRAM] for unit in units for i in range(len(unit) - NGRAM + 1)}
    # An n-gram of plain English letters only ("description", "important") is the vocabulary
    # of markup and of every theme's scripts, not of the policy: it tells nothing. Japanese,
    # digits and mixed runs do.
    suspect = {gram for gram in edition_grams - public_grams
               if not (gram.isascii() and gram.isalpha())}
    return [sorted(edition_grams), sorted(suspect)]


def _leaked_grams(prints: _Fingerprints, suspect: set[str],
                  kept: _Restricted) -> dict[str, str]:
    """The restricted n-grams among the edition's suspect ones, each with the first source
    that holds it. Each source's n-grams are checked against that set at once, unless the
    same source was found clean against the same set before."""
    leaked: dict[str, str] = {}
    if not suspect:
        return leaked
    mark = hashlib.sha256("\n".join(sorted(suspect)).encode()).hexdigest()
    memo = kept.clean_sources()
    known = memo.known(mark)
    clean: set[str] = set()
    # A lone surrogate (decoded from an escape) could never be in a source read as UTF-8.
    suspect_bytes = {gram.encode("utf-8", "surrogatepass") for gram in suspect}
    for rel, digest, source in prints.sources:
        if digest in known:
            clean.add(digest)
            continue
        grams = kept.grams_of(digest, source)
        if isinstance(grams, bytes):
            shared = {gram.decode() for gram in suspect_bytes.intersection(grams.split(b" "))}
        else:
            shared = suspect.intersection(grams.split(" "))
        if not shared:
            clean.add(digest)
        for gram in sorted(shared):
            leaked.setdefault(gram, rel)
    memo.save(mark, clean)
    return leaked


def _phrases_held(phrases: Iterable[str], units: set[str], edition_grams: set[str]) -> set[str]:
    """The restricted titles and terms that some unit of the edition's text holds. A phrase
    of at least NGRAM characters in the text puts its first and last n-grams among the
    edition's: only those that pass are searched for."""
    joined = "\x00".join(units)
    long = [phrase for phrase in phrases if len(phrase) >= NGRAM]
    held = {phrase for phrase in long
            if phrase[:NGRAM] in edition_grams and phrase[-NGRAM:] in edition_grams
            and phrase in joined}
    return held | _found_in((phrase for phrase in phrases if len(phrase) < NGRAM), joined)


def _scan_text(prints: _Fingerprints, kept: _Restricted, file_units: dict[str, list[str]],
               found: dict[str, dict[tuple[str, str], Hit]], edition: str) -> None:
    """Restricted titles and terms, and restricted n-grams, in the edition's distinct units
    of text; each finding is reported in every file that holds the unit.

    First the whole edition at once, with set operations: every n-gram of its text against
    the restricted n-grams, and every title against all its text. Only when something is
    found are the files gone through one by one, to say where."""
    units: set[str] = set().union(*file_units.values())
    cache = kept.edition_grams()
    stored = cache._kept(edition, lambda: _edition_grams(units, prints.public_grams))
    cache.save()
    edition_grams, suspect = set(stored[0]), set(stored[1])
    leaked = _leaked_grams(prints, suspect, kept)
    held = _phrases_held(prints.phrases, units, edition_grams)
    if not (leaked or held):
        return
    in_unit: dict[str, list[tuple[str, str, str]]] = {}
    for rel, kept in file_units.items():
        for unit in kept:
            hits = in_unit.get(unit)
            if hits is None:
                hits = in_unit[unit] = _hits_in(unit, prints, leaked, held)
            for fragment, source, kind in hits:
                found[rel].setdefault((fragment, source), Hit(rel, fragment, source, kind))


def _hits_in(unit: str, prints: _Fingerprints, leaked: dict[str, str],
             held: set[str]) -> list[tuple[str, str, str]]:
    """What one unit of text holds of what the edition was found to hold."""
    hits = [(phrase, prints.phrases[phrase], "title or term") for phrase in sorted(held)
            if phrase in unit]
    if leaked:
        for i, gram in enumerate(_grams(unit)):
            if gram in leaked:
                hits.append((unit[max(0, i - 5):i + NGRAM + 5], leaked[gram], "text"))
    return hits


def report_as_json(report: AuditReport) -> str:
    """The audit report as the web publisher can keep it beside the edition's build log."""
    return json.dumps(
        {
            "edition": report.edition,
            "files_scanned": report.files_scanned,
            "restricted_sources": report.restricted_sources,
            "fingerprints": report.fingerprints,
            "hits": [hit.__dict__ for hit in report.hits],
            "notes": report.notes,
        },
        ensure_ascii=False,
        indent=2,
    )
