"""Synthetic policy sets for the benchmarks, made by multiplying the sample set in ``docs/``.

A city's real set is larger than the sample: a 対策基準 of about a hundred pages and dozens of
procedures. Scale ``n`` keeps the public basic policy as it is (a city has one) and gives the
restricted part ``n`` volumes: volume 1 is the sample itself, and every further volume is a
copy of each folder under ``restricted/`` (the 対策基準 and the 実施手順) written for another
department (水道局総務課, 病院局業務課 …), inside that folder (``restricted/taisaku/v2/``), so
that the configuration that classifies a folder or assigns it a tier covers its copies too.
Scale 10 holds 10 対策基準 documents and 80 procedures.

Nothing here writes the authoring syntax itself: each copy is the sample's text transformed
token by token, so that a change of syntax in the sample (how a clause says what it
implements, for instance) reaches the generated sets without a change here. The transforms:

* every label defined in a copied folder gets the volume's suffix (``std-org`` →
  ``std-org-v2``) wherever the token occurs in that volume: its definition, references,
  implements declarations, whatever the markup; labels of the public basic policy are kept,
  so every volume implements the same basic policy;
* terms defined in a copied folder are qualified with the department's name, so that each is
  still defined once;
* headings, short names and 「本市」 name the department, and periods and counts
  (「年1回」「90日」) are drawn from the seed, so that titles and text differ between volumes
  as they would in a real set (the audit and the search index see distinct text);
* the restricted front page lists every volume in its table of contents.

The result depends on the sample, the scale and the seed only.
"""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "docs"
RESTRICTED = "restricted"

DEPARTMENTS = ("総務部", "財政部", "産業港湾部", "観光部", "生活環境部", "福祉保険部",
               "こども未来部", "医療保険部", "建設部", "消防本部", "水道局", "病院局",
               "教育部", "議会事務局", "選挙管理委員会事務局", "監査委員事務局")
SECTIONS = ("総務課", "企画課", "管理課", "業務課", "施設課", "調整課", "情報管理課",
            "窓口サービス課", "相談課", "保全課")

_LABEL = re.compile(r"^\s*\((?P<label>[^)\s]+)\)=\s*$|^\s*:(?:name|label):\s*(?P<option>\S+)",
                    re.M)
_DEFINITION = re.compile(r"\{definition\}\s+(?P<term>.+?)\s*$", re.M)
_ALIAS = re.compile(r"^(?P<term>.+?)\s*（(?P<alias>[^（）]+)）$")
_HEADING = re.compile(r"^(?P<marks>#{1,6}\s+)(?P<title>.*?)\s*$")
_SHORT_NAME = re.compile(r"^(?P<key>short-name:\s*)(?P<value>.+?)\s*$")
_PERIOD = re.compile(r"(?<![0-9A-Za-z０-９])(?P<n>[0-9]{1,3})(?=回|日|か月|時間|文字|年|営業日)")


@dataclass
class Stats:
    """What a generated set holds, counted in its sources."""

    scale: int
    documents: int
    restricted_documents: int
    clauses: int  # labelled clauses
    references: int  # uses of a label outside its definition (references, implements)
    implements: int  # lines that declare what a clause implements
    terms: int  # terms defined with the definition directive
    characters: int


def departments(count: int, seed: int) -> list[str]:
    """``count`` distinct department names, chosen by the seed."""
    names = [d + s for d in DEPARTMENTS for s in SECTIONS]
    random.Random(seed).shuffle(names)
    while len(names) < count:
        names.append(f"第{len(names) + 1}部局")
    return names[:count]


def _copied_folders(src: Path) -> list[str]:
    return sorted(p.name for p in (src / RESTRICTED).iterdir()
                  if p.is_dir() and not p.name.startswith((".", "_")))


def _labels_in(texts: list[str]) -> set[str]:
    return {m["label"] or m["option"] for text in texts for m in _LABEL.finditer(text)}


def _terms_in(texts: list[str]) -> list[str]:
    terms: set[str] = set()
    for text in texts:
        for match in _DEFINITION.finditer(text):
            heading = match["term"]
            alias = _ALIAS.match(heading)
            terms.update([alias["term"], alias["alias"]] if alias else [heading])
    return sorted(terms, key=len, reverse=True)


class _Volume:
    """The transforms that turn a sample document into the same document of volume ``n``."""

    def __init__(self, number: int, department: str, labels: set[str], terms: list[str],
                 rng: random.Random) -> None:
        self.number = number
        self.department = department
        self.rng = rng
        self.terms = terms
        self.label = (re.compile(r"(?<![\w-])(" + "|".join(
            re.escape(label) for label in sorted(labels, key=len, reverse=True)) + r")(?![\w-])")
            if labels else None)

    def document(self, text: str) -> str:
        if self.label is not None:
            text = self.label.sub(lambda m: f"{m[1]}-v{self.number}", text)
        for term in self.terms:
            text = text.replace(term, self.department + term)
        lines = text.split("\n")
        in_front_matter = bool(lines) and lines[0].strip() == "---"
        for index, line in enumerate(lines):
            if in_front_matter:
                if index > 0 and line.strip() == "---":
                    in_front_matter = False
                    continue
                short = _SHORT_NAME.match(line)
                if short:
                    lines[index] = f"{short['key']}{short['value']}（{self.department}）"
                continue
            heading = _HEADING.match(line)
            if heading and heading["title"]:
                lines[index] = f"{heading['marks']}{heading['title']}（{self.department}）"
                continue
            if line.lstrip().startswith((":", "%", "(", "{", "<", "`")):
                continue  # markup: directive options, comments, labels, fences
            line = line.replace("本市", self.department)
            lines[index] = _PERIOD.sub(lambda m: str(self.rng.randint(1, 9 * len(m["n"]) + 3)),
                                       line)
        return "\n".join(lines)


def _add_to_tables_of_contents(text: str, folders: list[str], volumes: int) -> str:
    """Each entry of the front page that names a copied folder, followed by its copies."""
    out: list[str] = []
    for line in text.split("\n"):
        out.append(line)
        entry = line.strip()
        folder = entry.split("/", 1)[0]
        if folder in folders and "/" in entry and " " not in entry:
            indent = line[: len(line) - len(line.lstrip())]
            rest = entry.split("/", 1)[1]
            out.extend(f"{indent}{folder}/v{n}/{rest}" for n in range(2, volumes + 1))
    return "\n".join(out)


def generate(dest: Path, scale: int, seed: int = 1, sample: Path = SAMPLE) -> Stats:
    """Write the policy set of ``scale`` volumes to ``dest`` (replaced if it exists)."""
    if scale < 1:
        raise ValueError("scale must be 1 or more")
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(sample, dest, ignore=shutil.ignore_patterns(".*", "_build", "__pycache__"))
    folders = _copied_folders(dest)
    texts = [p.read_text(encoding="utf-8") for f in folders
             for p in sorted((dest / RESTRICTED / f).rglob("*.md"))]
    labels = _labels_in(texts)
    terms = _terms_in(texts)
    rng = random.Random(seed)
    originals = {f: sorted((dest / RESTRICTED / f).rglob("*")) for f in folders}
    for number, department in enumerate(departments(scale - 1, seed), start=2):
        volume = _Volume(number, department, labels, terms, random.Random(rng.random()))
        for folder in folders:
            base = dest / RESTRICTED / folder
            target = base / f"v{number}"
            for path in originals[folder]:
                copy = target / path.relative_to(base)
                if path.is_dir():
                    copy.mkdir(parents=True, exist_ok=True)
                    continue
                copy.parent.mkdir(parents=True, exist_ok=True)
                if path.suffix == ".md":
                    copy.write_text(volume.document(path.read_text(encoding="utf-8")),
                                    encoding="utf-8")
                else:
                    shutil.copyfile(path, copy)
    if scale > 1:
        for front in sorted((dest / RESTRICTED).glob("*.md")):
            text = front.read_text(encoding="utf-8")
            front.write_text(_add_to_tables_of_contents(text, folders, scale), encoding="utf-8")
    return count(dest, scale)


def count(root: Path, scale: int = 0) -> Stats:
    """The clauses, references, implements declarations and terms of a docs tree."""
    documents = sorted(root.rglob("*.md"))
    texts = {p: p.read_text(encoding="utf-8") for p in documents}
    labels = _labels_in(list(texts.values()))
    uses = 0
    if labels:
        token = re.compile(r"(?<![\w-])(" + "|".join(
            re.escape(label) for label in sorted(labels, key=len, reverse=True)) + r")(?![\w-])")
        for text in texts.values():
            without_definitions = _LABEL.sub("", text)
            uses += len(token.findall(without_definitions))
    implements = sum(len(re.findall(r"implements", text)) for text in texts.values())
    terms = sum(len(_DEFINITION.findall(text)) for text in texts.values())
    restricted = [p for p in documents if RESTRICTED in p.relative_to(root).parts]
    return Stats(scale=scale, documents=len(documents), restricted_documents=len(restricted),
                 clauses=len(labels), references=uses, implements=implements, terms=terms,
                 characters=sum(len(t) for t in texts.values()))


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="write a synthetic policy set")
    parser.add_argument("dest", type=Path)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(generate(args.dest, args.scale, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
