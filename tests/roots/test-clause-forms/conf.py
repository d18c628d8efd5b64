extensions = ["policy"]
language = "ja"
policy_classification = {"": "public"}
# A style of this tree's own: full-width numbers, an ideographic space before the heading.
policy_numbering_styles = {
    "zenkaku": {"levels": ["第{arabic-full}条", "（{arabic-full}）"], "separator": "",
                "gap": "\u3000"},
}
