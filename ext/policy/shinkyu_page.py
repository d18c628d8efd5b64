"""The 新旧対照表 of the latest revision as a page of each edition.

``policy_shinkyu_base`` in ``conf.py`` names the revision the current text revises (a git tag
such as ``r7``); each edition then carries ``shinkyu.html``, the table between that revision
and the sources being built, in that edition: the public page compares the public documents
only, from the older revision's public export, and is audited with the rest of the edition.

The newer side is this very build: its resolved doctrees give the wording with the numbers
the edition shows. The older side is built in a process of its own (``python -m
policy.snapshot``), since one Sphinx build cannot run another inside itself, and kept beside
the doctrees by commit and edition: a commit does not change, so it is built once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.application import Sphinx
from sphinx.util import logging

from . import marking, messages, revision, shinkyu, shinkyu_html, wording
from .messages import PolicyError

if TYPE_CHECKING:
    from . import snapshot

PAGE = "shinkyu"
_logger = logging.getLogger(__name__)


def _older(app: Sphinx, tree: Path, base: snapshot.Snapshot, edition: str) -> dict[str, Any]:
    from . import runner

    cached = Path(app.doctreedir) / (
        f"policy-shinkyu-{base.commit}-{edition}-{runner.toolchain_fingerprint()[:16]}.json")
    if cached.exists():
        return json.loads(cached.read_text(encoding="utf-8"))
    done = subprocess.run([sys.executable, "-m", "policy.snapshot", str(tree), base.commit,
                           edition, str(cached)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        for line in done.stderr.strip().splitlines():
            if line.strip() and not line.startswith("    "):
                _logger.error(line, type=messages.WARNING_TYPE,
                              subtype="shinkyu-revision-failed")
        raise PolicyError("shinkyu-revision-failed", None, rev=base.name, edition=edition)
    return json.loads(cached.read_text(encoding="utf-8"))


def _collect_pages(app: Sphinx) -> list[tuple[str, dict[str, Any], str]]:
    name = app.config.policy_shinkyu_base
    if not name or app.builder.format != "html":
        return []
    from . import snapshot  # git and the runner: only for an edition that carries the table

    env = app.env
    tree = Path(app.config.policy_classified_tree or app.srcdir)
    edition = app.config.policy_edition
    try:
        base = snapshot.resolve(tree, name)
    except snapshot.SnapshotError as exc:
        raise PolicyError("shinkyu-bad-revision", "conf.py", rev=name) from exc
    older = _older(app, tree, base, edition)
    newer = {"documents": [
        wording.extract(env, docname, env.get_and_resolve_doctree(
            docname, app.builder, tags=app.builder.tags))
        for docname in revision.document_order(env)]}
    lowest = app.config.policy_levels[0]
    comparison = shinkyu.compare(older, newer, edition=edition, old_name=name,
                                 new_name="この版", old_date=base.date, new_date="",
                                 withhold_removed=edition == lowest)
    label = marking.level_label(app.config, edition) if edition != lowest else None
    body = shinkyu_html.fragment(comparison, label)
    return [(PAGE, {"title": "新旧対照表", "body": f"<h1>新旧対照表</h1>\n{body}"}, "page.html")]


def _on_builder_inited(app: Sphinx) -> None:
    stylesheet = str(shinkyu_html.STYLESHEET)
    if app.config.policy_shinkyu_base and stylesheet not in app.config.html_static_path:
        app.config.html_static_path.append(stylesheet)
        app.add_css_file(shinkyu_html.STYLESHEET.name)


def setup_shinkyu_page(app: Sphinx) -> None:
    app.add_config_value("policy_shinkyu_base", "", "html", types=[str])
    app.connect("builder-inited", _on_builder_inited)
    app.connect("html-collect-pages", _collect_pages)
