extensions = ["policy"]
language = "ja"
policy_classification = {"conf.py": "public", "index.md": "public", "kihon": "public"}
policy_roots = {"public": "index", "restricted": "restricted/index"}
myst_enable_extensions = ["colon_fence"]
html_theme = "furo"
