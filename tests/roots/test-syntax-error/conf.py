extensions = ["policy"]
language = "ja"
policy_classification = {"conf.py": "public", "index.md": "public", "bad.md": "public"}
