"""Every example in the authoring guide, built as the guide says it behaves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import PROJECT, copy_root
from policy import runner

GUIDE = PROJECT / "guide"
_BLOCK = re.compile(r"^```(?P<info>myst[^\n]*)\n(?P<body>.*?)^```\s*$", re.M | re.S)


def _examples() -> list[tuple[str, str, str]]:
    found = []
    for page in sorted(GUIDE.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for match in _BLOCK.finditer(text):
            line = text[: match.start()].count("\n") + 1
            found.append((f"{page.name}:{line}", match["info"].strip(), match["body"]))
    return found


EXAMPLES = _examples()


def test_the_guide_has_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize(("where", "info", "body"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_guide_example(where: str, info: str, body: str, tmp_path: Path) -> None:
    kind, _, code = info.partition(" ")
    src = copy_root("docs", tmp_path)
    folder = src / ("restricted" if kind.startswith("myst-restricted") else "kihon")
    if body.startswith("---\n"):
        head, _, rest = body[4:].partition("---\n")
        body = f"---\norphan: true\n{head}---\n{rest}"
    else:
        body = f"---\norphan: true\n---\n{body}"
    (folder / "guide-example.md").write_text(body, encoding="utf-8")
    result = runner.check(src, cache=tmp_path / "cache")
    joined = "\n".join(result.lines)
    if kind.endswith("-error"):
        assert not result.ok, f"{where}: expected policy.{code}"
        assert f"[policy.{code}]" in joined, joined
        assert "guide-example.md:" in joined, joined
    else:
        assert result.ok, f"{where}:\n{joined}"
