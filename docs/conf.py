"""小樽市情報セキュリティポリシーの原稿の設定 / settings of the policy's docs tree."""

project = "小樽市情報セキュリティポリシー"
author = "小樽市"
copyright = "令和8年 小樽市"
language = "ja"

extensions = ["policy"]

# --- 機密区分 / classification ----------------------------------------------------------
# 区分は低い順に並べる。公開版は最も低い区分まで、庁内版はすべてを含む。
# Levels, lowest first. The public edition holds the lowest level only.
policy_levels = ["public", "restricted"]

# ここに public と書いたファイルとフォルダだけが公開される。書いていないものはすべて非公開。
# Only what is named public here is public; everything else is restricted (fail-closed).
policy_classification = {
    "conf.py": "public",
    "index.md": "public",
    "kihon": "public",
    "_static": "public",
}

# 版ごとの表紙の文書 / the landing document of each edition
policy_roots = {"public": "index", "restricted": "restricted/index"}

# --- MyST ------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "fieldlist"]
myst_heading_anchors = 0

# --- HTML ------------------------------------------------------------------------------
html_theme = "furo"
html_title = "小樽市情報セキュリティポリシー"
html_static_path = ["_static"]
html_search_language = "ja"
html_last_updated_fmt = None
html_permalinks_icon = "#"
