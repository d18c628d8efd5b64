import os

extensions = ["policy"]
language = "ja"
project = "漏洩試験"
html_theme = "furo"
# A test may set a page title from outside the tree, to plant a leak the filter cannot see.
html_title = os.environ.get("POLICY_TEST_TITLE", "漏洩試験の公開版")
myst_enable_extensions = ["colon_fence", "substitution"]
policy_classification = {"conf.py": "public", "index.md": "public", "pub": "public",
                         "_static": "public"}
policy_roots = {"public": "index", "restricted": "secret/index"}
