"""Shared fixtures: small docs trees copied to a temporary folder, built for real."""

from __future__ import annotations

import hashlib
import re
import shutil
import zlib
from collections.abc import Iterable
from pathlib import Path

import pytest
from policy import runner

TESTS = Path(__file__).parent
ROOTS = TESTS / "roots"
PROJECT = TESTS.parent
DOCS = PROJECT / "docs"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where ``@pytest.mark.sphinx(testroot=...)`` finds ``test-<name>`` folders."""
    return ROOTS


def copy_root(name: str, dest: Path) -> Path:
    """A writable copy of ``tests/roots/test-<name>`` (or of ``docs/`` for ``"docs"``)."""
    source = DOCS if name == "docs" else ROOTS / f"test-{name}"
    target = dest / "src"
    shutil.copytree(source, target, symlinks=True)
    return target


def build(src: Path, edition: str, work: Path, **kwargs) -> runner.Result:
    """Build one edition of ``src`` into ``work/<edition>`` with a cache of its own."""
    return runner.build_edition(src, work / edition, edition, cache=work / ".cache", **kwargs)


def build_both(name: str, work: Path) -> Path:
    """Both editions of a copy of ``name`` built into ``work``; fails the test if either fails."""
    src = copy_root(name, work)
    for edition in ("public", "restricted"):
        result = build(src, edition, work)
        assert result.ok, "\n".join(result.lines)
    return work


@pytest.fixture(scope="session")
def real_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both editions of a copy of the real ``docs/``, built once for every test that only
    reads them: ``src/``, ``public/`` (with ``en/``) and ``restricted/`` under the folder
    returned. Tests that change the tree build their own copy."""
    return build_both("docs", tmp_path_factory.mktemp("real-docs"))


_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def readable_forms(path: Path) -> list[str]:
    """A file as a leak would be seen in it: its name, its text, JSON escapes decoded,
    ``objects.inv`` decompressed. Written separately from the audit on purpose."""
    data = path.read_bytes()
    forms = [str(path)]
    if path.name == "objects.inv":
        head, _, body = data.partition(b"zlib.\n")
        forms.append(head.decode("utf-8", "replace"))
        forms.append(zlib.decompress(body).decode("utf-8", "replace"))
        return forms
    text = data.decode("utf-8", "replace")
    forms.append(text)
    forms.append(_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text))
    return forms


def find_canaries(out: Path, canaries: Iterable[str]) -> dict[str, list[str]]:
    """Every canary found anywhere in ``out``, with the files it was found in."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in out.rglob("*")):
        forms = [str(path)] if path.is_dir() else readable_forms(path)
        for canary in canaries:
            if any(canary in form for form in forms):
                found.setdefault(canary, []).append(str(path.relative_to(out)))
    return found


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the hash of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
