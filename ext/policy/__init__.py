"""Sphinx extensions for a city's information security policy.

One module per capability; ``setup`` only wires them together. Load it as ``policy`` in
``extensions`` of a docs tree's ``conf.py``; ``build.py`` adds staging, the audit and atomic
publishing on top, but the extension alone already refuses to read or name restricted
material in a public build.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from .clause import setup_clause
from .definition import setup_definitions
from .edition import setup_edition
from .incremental import setup_incremental
from .language import setup_language
from .marking import setup_marking
from .navigation import setup_navigation
from .revision import setup_revision
from .search import setup_search
from .shinkyu_page import setup_shinkyu_page
from .traceability import setup_traceability
from .wording import setup_wording

__version__ = "0.1.0"


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("myst_parser")
    setup_edition(app)
    setup_incremental(app)
    setup_marking(app)
    setup_navigation(app)
    setup_search(app)
    setup_language(app)
    setup_clause(app)
    setup_definitions(app)
    setup_traceability(app)
    setup_revision(app)
    setup_wording(app)
    setup_shinkyu_page(app)
    return {
        "version": __version__,
        "env_version": 3,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
