extensions = ["policy"]
language = "ja"
project = "見本市情報セキュリティポリシー"
policy_classification = {"conf.py": "public", "index.md": "public", "kihon": "public"}
policy_roots = {"public": "index", "restricted": "restricted/index"}
html_theme = "furo"
