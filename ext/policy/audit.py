"""The leak audit: the third line of defence, run on a finished public edition before it is
published.

It shares no code with the filter (``classification.py``, ``edition.py``): it decides on its
own, from the docs tree's ``conf.py`` and front matter, which sources are restricted, takes
fingerprints from those sources themselves, and looks for them in every output file. A mistake
in the filter therefore cannot hide itself here.

Fingerprints:

* text: overlapping character n-grams of the normalised restricted text (Japanese has no
  spaces, so words cannot be used), minus every n-gram that also occurs in the public sources;
  winnowing keeps a small, position-independent selection of them, and guarantees that any
  shared run of at least ``NGRAM + WINDOW - 1`` normalised characters is found;
* names: restricted document names, folder and file names, labels, titles and defined terms
  that do not occur in the public sources;
* bytes: the SHA-256 of every restricted file, compared with every output file.

Structure: no ``_sources/``, ``.doctrees/``, ``.buildinfo``, pickles or doctrees may be in the
edition.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import unicodedata
import urllib.parse
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

NGRAM = 10
WINDOW = 6
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

    def is_public(self, relpath: str, text: str | None) -> bool:
        """Public only if every rule covering the path says the lowest level, at least one
        covers it, and the file does not declare anything else for itself."""
        lowest = self.levels[0]
        covering = [
            level for key, level in self.rules.items()
            if key == "" or relpath == key or relpath.startswith(key.rstrip("/") + "/")
        ]
        if not covering or any(level != lowest for level in covering):
            return False
        if text is not None:
            declared = re.search(r"^:?classification:?\s*:?\s*(\S+)\s*$", text[:4000], re.M)
            if declared and declared.group(1).strip("'\"") != lowest:
                return False
        return True


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


def _read_text(path: Path) -> str | None:
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            yield Path(dirpath, name)


# --- normalising and fingerprinting ----------------------------------------------------------


_NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """NFKC, then letters and digits only: markup, punctuation and spaces vary between a
    source and its rendering, the words do not."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text)).lower()


#: ASCII characters that separate units of structure (lines, HTML tags, JSON strings, table
#: cells). Text is fingerprinted within such units only, so that two unrelated public strings
#: that happen to sit side by side in a search index cannot spell a restricted n-gram.
#: Spaces too: a computed clause number stands before its heading with a space
#: (「10 情報セキュリティ…」), and the number is in no source.
_SEPARATORS = re.compile(r'[\n\r\t <>{}\[\]",|\u3000]+')


def segments(text: str) -> list[str]:
    """The normalised units of a text that are long enough to fingerprint."""
    units = (normalise(part) for part in _SEPARATORS.split(text))
    return [unit for unit in units if len(unit) >= NGRAM]


def _hash(gram: str) -> int:
    """A hash that is the same in every process (``hash(str)`` is salted per process), so
    that the audit selects the same fingerprints, and finds the same things, every time."""
    return hash(int.from_bytes(gram.encode("utf-32-le"), "little"))


def _grams(text: str) -> list[int]:
    return [_hash(text[i:i + NGRAM]) for i in range(len(text) - NGRAM + 1)]


def _telling_grams(text: str) -> list[int]:
    """The n-grams of a restricted text that can tell it apart: those of plain English letters
    only ("description", "important") are the vocabulary of markup and of every theme's
    scripts, not of the policy, so they are left out; Japanese, digits and mixed runs stay."""
    return [
        _hash(gram) for gram in (text[i:i + NGRAM] for i in range(len(text) - NGRAM + 1))
        if not (gram.isascii() and gram.isalpha())
    ]


def _winnow(hashes: list[int]) -> set[int]:
    """The minimum hash of every window of WINDOW consecutive n-grams (Schleimer et al.)."""
    if len(hashes) <= WINDOW:
        return set(hashes)
    return {min(hashes[i:i + WINDOW]) for i in range(len(hashes) - WINDOW + 1)}


@dataclass
class _Fingerprints:
    grams: dict[int, str] = field(default_factory=dict)  # hash -> restricted source
    names: dict[str, str] = field(default_factory=dict)  # raw token -> source
    #: folder and file names: everyday words ("child") may be names too, so these are looked
    #: for only where names are used: output file names and link, source and id attributes.
    path_parts: dict[str, str] = field(default_factory=dict)
    phrases: dict[str, str] = field(default_factory=dict)  # normalised title/term -> source
    hashes: dict[str, str] = field(default_factory=dict)  # sha256 -> source

    def __len__(self) -> int:
        return (len(self.grams) + len(self.names) + len(self.path_parts) + len(self.phrases)
                + len(self.hashes))


_LABEL = re.compile(
    r"^\s*\((?P<a>[^)\s]+)\)=\s*$|^\.\. _(?P<b>[^:]+):|^\s*:(?:label|name):\s*(?P<c>\S+)", re.M)
_HEADING = re.compile(r"^#{1,6}\s+(?P<t>.+?)\s*#*\s*$", re.M)
_RST_TITLE = re.compile(r"^(?P<t>[^\n]+)\n[=\-~^\"'`#*+]{3,}\s*$", re.M)
_GLOSSARY = re.compile(
    r"^[`:]{3,}\{(?:glossary|definition|term)\}(?P<arg>[^\n]*)\n(?P<body>.*?)^[`:]{3,}",
    re.M | re.S)


def _names_in(text: str) -> tuple[set[str], set[str]]:
    """Labels (raw tokens) and titles/terms (phrases) written in a restricted source."""
    labels = {m.group("a") or m.group("b") or m.group("c") for m in _LABEL.finditer(text)}
    phrases = {m.group("t") for m in _HEADING.finditer(text)}
    phrases |= {m.group("t") for m in _RST_TITLE.finditer(text)}
    for block in _GLOSSARY.finditer(text):
        if block.group("arg").strip():
            phrases.add(block.group("arg").strip())
        for line in block.group("body").splitlines():
            if line and not line[0].isspace() and not line.startswith(":"):
                phrases.add(line.strip())
    return {label.strip() for label in labels if label}, phrases


def _fingerprint(srcdir: Path, rules: _Rules) -> tuple[_Fingerprints, int, str]:
    public_text: list[str] = []
    public_parts: set[str] = set()
    restricted: list[tuple[str, Path, str | None]] = []
    for path in _walk(srcdir):
        rel = path.relative_to(srcdir).as_posix()
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        text = _read_text(path)
        if rules.is_public(rel, text):
            # Catalogs are derived from the documents: what they say proves nothing public.
            if text is not None and path.suffix not in (".po", ".pot"):
                public_text.append(text)
            public_parts.update(Path(rel).with_suffix("").parts)
        else:
            restricted.append((rel, path, text))
    public_raw = "\n".join(public_text)
    public_norm = normalise(public_raw)
    public_grams = {h for unit in segments(public_raw) for h in _grams(unit)}
    prints = _Fingerprints()
    for rel, path, text in restricted:
        prints.hashes.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), rel)
        docname = rel.rsplit(".", 1)[0]
        prints.names.setdefault(docname, rel)
        for part in Path(docname).parts:
            if len(part) >= MIN_NAME and part not in public_parts and part not in public_raw:
                prints.path_parts.setdefault(part, rel)
        if text is None:
            continue
        for unit in segments(text):
            hashes = [h for h in _telling_grams(unit) if h not in public_grams]
            for h in _winnow(hashes):
                prints.grams.setdefault(h, rel)
        labels, phrases = _names_in(text)
        for label in labels:
            if len(label) >= MIN_NAME and label not in public_raw:
                prints.names.setdefault(label, rel)
        for phrase in phrases:
            norm = normalise(phrase)
            if len(norm) >= MIN_NAME and norm not in public_norm:
                prints.phrases.setdefault(norm, rel)
    return prints, len(restricted), public_norm


# --- reading the edition ---------------------------------------------------------------------


_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _texts_of(path: Path, data: bytes) -> list[str]:
    """Every readable form of an output file: as written, decoded, and, for HTML, its text
    and attribute values."""
    if path.name == "objects.inv":
        head, _, body = data.partition(b"zlib.\n")
        texts = [head.decode("utf-8", "replace")]
        try:
            texts.append(zlib.decompress(body).decode("utf-8", "replace"))
        except zlib.error:
            texts.append(body.decode("latin-1"))
        return texts
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    texts = [raw, html.unescape(raw), urllib.parse.unquote(raw)]
    if _JSON_ESCAPE.search(raw):
        texts.append(_JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), raw))
    if path.suffix.lower() in (".html", ".htm", ".xhtml"):
        try:
            tree = lxml_html.fromstring(data)
        except (etree.ParserError, ValueError):
            return texts
        texts.append("\n".join(tree.itertext()))
        attributes = [value for element in tree.iter() if isinstance(element.tag, str)
                      for value in element.attrib.values()]
        texts.append(" ".join(attributes))
        texts.append(" ".join(urllib.parse.unquote(value) for value in attributes))
    return texts


def audit_edition(outdir: str | os.PathLike[str], srcdir: str | os.PathLike[str],
                  edition: str = "public") -> AuditReport:
    """Scan every file of a built edition for restricted fingerprints and forbidden files."""
    out = Path(outdir).resolve()
    src = Path(srcdir).resolve()
    report = AuditReport(edition)
    rules = _read_rules(src)
    prints, restricted_count, _public_norm = _fingerprint(src, rules)
    report.restricted_sources = restricted_count
    report.fingerprints = len(prints)
    if restricted_count == 0:
        report.notes.append("no-restricted-sources")
    seen = _seen_for(prints)
    for dirpath, _dirnames, _filenames in os.walk(out):
        if Path(dirpath) != out:
            _check_structure(Path(dirpath).relative_to(out).as_posix(), report)
    for path in _walk(out):
        rel = path.relative_to(out).as_posix()
        report.files_scanned += 1
        _check_structure(rel, report)
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest in prints.hashes:
            report.hits.append(Hit(rel, f"sha256:{digest[:16]}…", prints.hashes[digest], "bytes"))
        texts = _texts_of(path, data)
        names, links = _names_of(rel, data, texts)
        _scan(rel, texts, names, links, prints, report, seen)
    return report


#: Files whose content is a table of names (documents, labels, terms) rather than prose.
_NAME_TABLES = ("objects.inv", "searchindex.js")


_LINK_ATTRIBUTES = ("href", "src", "action", "srcset", "poster", "data")


def _names_of(rel: str, data: bytes, texts: list[str]) -> tuple[list[str], list[str]]:
    """Where names are used, and where file names are: the file's own path, every attribute
    of an HTML page (its links for file names), and the inventories and search index. Names
    are looked for only there: a short label or folder name ("css", "sns") is an everyday
    word in a theme's scripts and styles."""
    names = [rel, urllib.parse.unquote(rel)]
    links = [rel]
    if Path(rel).name in _NAME_TABLES:
        names.extend(texts)
    elif rel.endswith((".html", ".htm", ".xhtml")):
        try:
            tree = lxml_html.fromstring(data)
        except (etree.ParserError, ValueError):
            return names + texts, links  # unreadable as HTML: names anywhere
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
    """What one audit already worked out about the units of text and the runs of name
    characters it met: the pages of an edition repeat most of them (navigation, footer,
    theme), and each form of a page (raw, unescaped, text, attributes) repeats them again.
    Looking each one up once keeps the audit in step with the edition's distinct text rather
    than with its size times the number of restricted names."""

    units: dict[str, str] = field(default_factory=dict)  # raw unit -> normalised
    grams: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # unit -> hits
    runs: dict[str, list[str]] = field(default_factory=dict)  # run -> names in it
    token_lengths: list[int] = field(default_factory=list)
    plain_tokens: list[str] = field(default_factory=list)  # with characters a run cannot hold


#: A run of the characters that labels, document names and paths are made of.
_NAME_RUN = re.compile(r"[\w./-]+")


def _seen_for(prints: _Fingerprints) -> _Seen:
    seen = _Seen()
    runnable = [token for token in prints.names if _NAME_RUN.fullmatch(token)]
    seen.token_lengths = sorted({len(token) for token in runnable})
    seen.plain_tokens = [token for token in prints.names if not _NAME_RUN.fullmatch(token)]
    return seen


def _names_in_runs(text: str, prints: _Fingerprints, seen: _Seen) -> set[str]:
    """The restricted names that occur in ``text``: a name made of run characters occurs
    only inside one maximal run, so each distinct run is cut into pieces of the names'
    lengths once, and the pieces are looked up."""
    found: set[str] = set()
    for run in set(_NAME_RUN.findall(text)):
        names = seen.runs.get(run)
        if names is None:
            names = [run[i:i + length] for length in seen.token_lengths
                     for i in range(len(run) - length + 1)
                     if run[i:i + length] in prints.names]
            seen.runs[run] = names
        found.update(names)
    found.update(token for token in seen.plain_tokens if token in text)
    return found


def _scan(rel: str, texts: list[str], names: list[str], links: list[str],
          prints: _Fingerprints, report: AuditReport, seen: _Seen | None = None) -> None:
    seen = seen if seen is not None else _seen_for(prints)
    found: dict[tuple[str, str], Hit] = {}
    segments = {segment for link in links for segment in _path_segments(link)}
    for part, source in prints.path_parts.items():
        if part in segments:
            found[(part, source)] = Hit(rel, part, source, "file name")
    for token in sorted(_names_in_runs("\x00".join(names), prints, seen)):
        source = prints.names[token]
        if (token, source) not in found:
            found[(token, source)] = Hit(rel, token, source, "name")
    for text in texts:
        units = []
        for part in _SEPARATORS.split(text):
            unit = seen.units.get(part)
            if unit is None:
                unit = seen.units[part] = normalise(part)
            units.append(unit)
        joined = "\x00".join(units)  # one substring search instead of one per unit
        for phrase, source in prints.phrases.items():
            if phrase in joined and (phrase, source) not in found:
                found[(phrase, source)] = Hit(rel, phrase, source, "title or term")
        for unit in dict.fromkeys(units):
            hits = seen.grams.get(unit)
            if hits is None:
                hits = seen.grams[unit] = [
                    (unit[max(0, index - 5):index + NGRAM + 5], prints.grams[h])
                    for index, h in enumerate(_grams(unit)) if h in prints.grams]
            for fragment, source in hits:
                if (fragment, source) not in found:
                    found[(fragment, source)] = Hit(rel, fragment, source, "text")
    report.hits.extend(found.values())


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
