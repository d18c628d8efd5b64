extensions = ["policy"]
language = "ja"
policy_classification = {"conf.py": "public", "index.md": "public", "kihon": "public"}
policy_roots = {"public": "index", "restricted": "restricted/index"}
policy_tiers = {
    "基本方針": ["kihon"],
    "対策基準": ["restricted/taisaku"],
    "実施手順": ["restricted/tejun"],
}
policy_measures = ["k-measures"]
html_theme = "furo"
