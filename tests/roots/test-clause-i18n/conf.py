extensions = ["policy"]
language = "en"
locale_dirs = ["locale"]
gettext_compact = False
policy_classification = {"": "public"}
