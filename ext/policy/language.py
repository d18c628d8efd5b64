"""The public edition's languages: a switch on every page, in both directions.

The source language (Japanese) is built at the edition's root and each translation of
``policy_translations`` into its own folder (``en/``); every page links to the same page in
the other languages, and declares them with ``<link rel="alternate" hreflang>``. The restricted
edition has no translations, so it has no switch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from .marking import use_page_template

_STATIC = Path(__file__).parent / "static"
NAMES = {"ja": "日本語", "en": "English"}


def _translated(config: Any) -> bool:
    return bool(config.policy_translations) and (
        config.policy_edition == config.policy_levels[0])


def _on_config_inited(app: Sphinx, config: Any) -> None:
    if _translated(config):
        use_page_template(config)
    title = dict(config.policy_translated_titles).get(config.language)
    if title:
        config.html_title = title
        config.project = title


def _on_builder_inited(app: Sphinx) -> None:
    if not _translated(app.config):
        return
    static = str(_STATIC)
    if static not in app.config.html_static_path:
        app.config.html_static_path.append(static)
    app.add_css_file("policy-language.css")


def links_for(config: Any, pagename: str) -> list[tuple[str, str, bool]]:
    """``(language, relative URL, is the current one)`` for every language of a page."""
    source = config.policy_source_language
    current = config.language or source
    folders = {source: "", **dict(config.policy_translations)}
    depth = pagename.count("/") + (1 if folders.get(current) else 0)
    to_root = "../" * depth
    links = []
    for language, folder in folders.items():
        prefix = f"{folder}/" if folder else ""
        links.append((language, f"{to_root}{prefix}{pagename}.html", language == current))
    return links


def _on_html_page_context(app: Sphinx, pagename: str, templatename: str,
                          context: dict[str, Any], doctree: nodes.document | None) -> None:
    if not _translated(app.config):
        return
    links = links_for(app.config, pagename)
    items = []
    alternates = []
    for language, url, current in links:
        name = NAMES.get(language, language)
        if current:
            items.append(f'<span class="policy-language-current" lang="{language}" '
                         f'aria-current="true">{name}</span>')
        else:
            items.append(f'<a href="{url}" hreflang="{language}" lang="{language}">{name}</a>')
            alternates.append(f'<link rel="alternate" hreflang="{language}" href="{url}">')
    context["policy_language_switch"] = (
        '<nav class="policy-language-switch" aria-label="言語 / Language">'
        + " | ".join(items) + "</nav>\n")
    context["metatags"] = (context.get("metatags") or "") + "\n".join(alternates) + "\n"


def setup_language(app: Sphinx) -> None:
    app.add_config_value("policy_translations", {}, "html", types=[dict])
    app.add_config_value("policy_source_language", "ja", "html", types=[str])
    app.add_config_value("policy_translated_titles", {}, "html", types=[dict])
    app.connect("config-inited", _on_config_inited)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("html-page-context", _on_html_page_context)
