"""The benchmark's policy sets: made from the sample, the same from the same seed, sound at
every scale, and growing with the scale. Benchmarks are not tests: nothing here is timed."""

from __future__ import annotations

import sys

import pytest
from conftest import DOCS, PROJECT, tree_digest
from policy import runner

sys.path.insert(0, str(PROJECT))

from bench.generate import count, departments, generate


def test_scale_one_is_the_sample_set(tmp_path):
    stats = generate(tmp_path / "set", 1, seed=7)
    sample = {rel: digest for rel, digest in tree_digest(DOCS).items()
              if not any(part.startswith((".", "_build")) for part in rel.split("/"))}
    assert tree_digest(tmp_path / "set") == sample
    assert stats == count(DOCS, 1)


def test_the_same_seed_gives_the_same_set_and_another_seed_another(tmp_path):
    generate(tmp_path / "a", 4, seed=3)
    generate(tmp_path / "b", 4, seed=3)
    generate(tmp_path / "c", 4, seed=4)
    first = tree_digest(tmp_path / "a")
    assert first == tree_digest(tmp_path / "b")
    assert first != tree_digest(tmp_path / "c")
    assert set(first) == set(tree_digest(tmp_path / "c"))  # the same files, other text


def test_counts_grow_with_the_scale(tmp_path):
    one = generate(tmp_path / "one", 1)
    ten = generate(tmp_path / "ten", 10)
    public = one.documents - one.restricted_documents
    assert ten.documents - ten.restricted_documents == public  # one basic policy
    copied = one.restricted_documents - len(list((DOCS / "restricted").glob("*.md")))
    assert ten.restricted_documents == one.restricted_documents + 9 * copied
    for name in ("clauses", "references", "implements", "characters"):
        assert getattr(ten, name) > 5 * getattr(one, name), name
    assert ten.terms >= one.terms


def test_volumes_are_distinct_and_consistent(tmp_path):
    src = tmp_path / "set"
    generate(src, 3, seed=5)
    names = departments(2, seed=5)
    copy = (src / "restricted" / "taisaku" / "v3" / "index.md").read_text(encoding="utf-8")
    sample = (DOCS / "restricted" / "taisaku" / "index.md").read_text(encoding="utf-8")
    assert names[1] in copy and names[1] not in sample
    assert "(std-org-v3)=" in copy and "(std-org)=" not in copy
    assert "本市" not in copy.split("---", 2)[2].replace("(", "")  # the department instead
    front = (src / "restricted" / "index.md").read_text(encoding="utf-8")
    assert "taisaku/v2/index" in front and "tejun/v3/index" in front
    # Labels of the public basic policy are shared by every volume.
    kihon = {label for label in ("kihon-organization", "kihon-classification")
             if label in sample}
    assert kihon and all(label in copy for label in kihon)


@pytest.mark.parametrize("scale", [1, 10])
def test_generated_sets_pass_every_check(tmp_path, scale):
    src = tmp_path / "set"
    generate(src, scale)
    result = runner.check(src, cache=tmp_path / "cache")
    assert result.ok, "\n".join(result.lines[:20])
    assert result.errors == 0


def test_a_faulty_sample_gives_a_faulty_set(tmp_path):
    """The generator copies what it is given: a broken reference in the sample is broken in
    every volume, and the check says so (so a passing check above means something)."""
    sample = tmp_path / "sample"
    import shutil

    shutil.copytree(DOCS, sample)
    procedure = sorted((sample / "restricted" / "tejun").glob("*.md"))[-1]
    text = procedure.read_text(encoding="utf-8")
    label = next(line[1:-2] for line in text.splitlines() if line.startswith("(proc-"))
    procedure.write_text(text + f"\n{{clause}}`{label}-missing` を参照する。\n",
                         encoding="utf-8")
    src = tmp_path / "set"
    generate(src, 2, sample=sample)
    result = runner.check(src, cache=tmp_path / "cache")
    assert not result.ok
    assert sum(f"{label}-missing" in line for line in result.lines) >= 1
