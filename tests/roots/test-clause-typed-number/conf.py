extensions = ["policy"]
language = "ja"
policy_classification = {"": "public"}
