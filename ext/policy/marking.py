"""The marks of a restricted edition: what tells every reader, on screen and on paper, that a
page is not for the public.

Every page of an edition above the lowest level gets a classification banner at the top and
at the bottom of its content (inside the article, so it is printed with it), ``noindex``
robots meta, a stylesheet that gives the whole site a look of its own, and, in the
navigation, the level of each restricted document next to its title. ``verify_marks`` checks a
built edition page by page, so that a theme or template change that drops a mark stops the
build instead of going unnoticed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from .edition import doc_level

#: Assets of the restricted edition only; ``static/`` is for assets every edition may carry.
_STATIC = Path(__file__).parent / "static_restricted"
PAGE_TEMPLATES = Path(__file__).parent / "templates" / "layout"
ROBOTS = '<meta name="robots" content="noindex, nofollow, noarchive">'
BANNER_CLASS = "policy-banner"
DEFAULT_LABELS = {"public": "公開", "restricted": "庁内限定・取扱注意"}


def _marked(app: Sphinx) -> bool:
    """Whether this build is an edition above the lowest level."""
    return app.config.policy_edition != app.config.policy_levels[0]


def level_label(config: Any, level: str) -> str:
    labels = {**DEFAULT_LABELS, **config.policy_level_labels}
    return labels.get(level, level)


def _banner(label: str, where: str) -> str:
    return (
        f'<div class="{BANNER_CLASS} {BANNER_CLASS}-{where}" role="note" aria-label="取扱区分">'
        f'<strong class="{BANNER_CLASS}-level">{label}</strong>'
        '<span class="policy-banner-text">この文書は庁内限定です。庁外への持ち出し、転送、'
        "公開をしないでください。</span></div>\n"
    )


def use_page_template(config: Any) -> None:
    """Put the page layout that carries banners and the language switch first in line."""
    if str(PAGE_TEMPLATES) not in config.templates_path:
        config.templates_path = [str(PAGE_TEMPLATES), *config.templates_path]


def _on_config_inited(app: Sphinx, config: Any) -> None:
    if config.policy_edition != config.policy_levels[0]:
        use_page_template(config)


def _on_builder_inited(app: Sphinx) -> None:
    if not _marked(app):
        return
    static = str(_STATIC)
    if static not in app.config.html_static_path:
        app.config.html_static_path.append(static)
    app.add_css_file("policy-restricted.css")


def _on_env_updated(app: Sphinx, env: BuildEnvironment) -> None:
    """Show each restricted document's level next to its title in the navigation."""
    if not _marked(app):
        return
    lowest = app.config.policy_levels[0]
    for docname, toc in env.tocs.items():
        level = doc_level(env, docname)
        if level == lowest:
            continue
        # The document's entry in every toctree. ``env.titles`` is left alone: other
        # extensions name documents by it (a clause reference without a short name).
        entry = next(iter(toc.findall(nodes.reference)), None)
        if entry is not None and not entry.get("policy_level_badge"):
            entry["policy_level_badge"] = True
            entry += nodes.inline("", f"［{level_label(app.config, level)}］",
                                  classes=["policy-level-badge"])


def _on_html_page_context(app: Sphinx, pagename: str, templatename: str,
                          context: dict[str, Any], doctree: nodes.document | None) -> None:
    if not _marked(app):
        return
    context["metatags"] = (context.get("metatags") or "") + ROBOTS + "\n"
    if pagename in app.env.all_docs:
        level = doc_level(app.env, pagename)
    else:
        level = app.config.policy_edition
    label = level_label(app.config, level)
    context["policy_banner_top"] = _banner(label, "top")
    context["policy_banner_bottom"] = _banner(label, "bottom")


def verify_marks(outdir: Path) -> list[str]:
    """Pages of a built restricted edition that lack ``noindex`` or either banner."""
    missing = []
    for page in sorted(outdir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if 'name="robots" content="noindex' not in text:
            missing.append(f"{page.relative_to(outdir)}: noindex")
        if "http-equiv=\"refresh\"" in text:
            continue  # the forwarding page at the edition's root has no content to mark
        for where in ("top", "bottom"):
            if f"{BANNER_CLASS}-{where}" not in text:
                missing.append(f"{page.relative_to(outdir)}: banner ({where})")
    return missing


def setup_marking(app: Sphinx) -> None:
    app.add_config_value("policy_level_labels", {}, "html", types=[dict])
    app.connect("config-inited", _on_config_inited)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("env-updated", _on_env_updated)
    app.connect("html-page-context", _on_html_page_context)
