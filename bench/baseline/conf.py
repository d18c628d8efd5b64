"""The baseline of the benchmarks: plain Sphinx on the same pages, with our extension off.

This is what a policy office would otherwise run: ``sphinx-build`` with MyST and the same
theme. It takes every setting of the docs tree's own ``conf.py`` (named by the environment
variable ``POLICY_BENCH_SRC``), then switches ``policy`` off. ``POLICY_BENCH_SET`` chooses the
pages: ``public`` (the public documents only, as the public edition holds) or ``restricted``
(every document, as the restricted edition holds).

Our directives and roles would be unknown without the extension, and MyST would drop their
content with a warning. So that the baseline still reads and renders the same text, every
directive and role the sources use that nothing else registers gets a trivial stand-in: a
directive renders its argument and content as plain paragraphs in a container, a role renders
its text as it is. The stand-ins are found by scanning the sources, so they follow whatever
syntax the sources use.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive, directives, roles

_SRC = Path(os.environ["POLICY_BENCH_SRC"]).resolve()
_SET = os.environ.get("POLICY_BENCH_SET", "restricted")

exec(compile((_SRC / "conf.py").read_text(encoding="utf-8"), str(_SRC / "conf.py"), "exec"))

extensions = ["myst_parser"]  # the point of the baseline: ours off
html_static_path = [str(_SRC / "_static")] if (_SRC / "_static").is_dir() else []
locale_dirs = [str(_SRC / "locales")]
if _SET == "public":
    root_doc = "index"
    exclude_patterns = ["restricted", "restricted/**"]
else:
    root_doc = policy_roots.get("restricted", "index")  # type: ignore[name-defined]  # noqa: F821
    exclude_patterns = []

for _name in [name for name in globals() if name.startswith("policy_")]:
    del globals()[_name]

_DIRECTIVE = re.compile(r"^\s*(?:`{3,}|:{3,})\{(?P<name>[\w:-]+)\}", re.M)
_ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}`")


class _AnyOption(dict):
    def __missing__(self, key: str):
        return directives.unchanged


class StandIn(Directive):
    """Renders what one of our directives holds, without its meaning."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = _AnyOption()

    def run(self) -> list[nodes.Node]:
        container = nodes.container()
        if self.arguments:
            container += nodes.paragraph(self.arguments[0], self.arguments[0])
        self.state.nested_parse(self.content, self.content_offset, container)
        return [container]


def stand_in_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.inline(rawtext, text)], []


def setup(app) -> None:
    from sphinx.domains.std import StandardDomain

    used_directives: set[str] = set()
    used_roles: set[str] = set()
    for path in _SRC.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        used_directives.update(m["name"] for m in _DIRECTIVE.finditer(text))
        used_roles.update(m["name"] for m in _ROLE.finditer(text))
    for name in sorted(used_directives):
        if name not in directives._directives and name not in directives._directive_registry \
                and name not in StandardDomain.directives:
            app.add_directive(name, StandIn)
    for name in sorted(used_roles):
        if name not in roles._roles and name not in roles._role_registry \
                and name not in StandardDomain.roles:
            app.add_role(name, stand_in_role)
