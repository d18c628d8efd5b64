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
    "locales": "public",
}

# 版ごとの表紙の文書 / the landing document of each edition
policy_roots = {"public": "index", "restricted": "restricted/index"}

# --- 階層と実施の関係 / tiers and traceability ---------------------------------------------
# 上位の階層から順に、階層の名前と、その階層に属するフォルダ（又は文書）。文書の先頭の
# tier: でも指定できる。下の階層の箇条は、一つ上の階層の箇条を {implements} で示す。
# Tiers, highest first, with their folders; a document may also say tier: in front matter.
policy_tiers = {
    "基本方針": ["kihon"],
    "対策基準": ["restricted/taisaku"],
    "実施手順": ["restricted/tejun"],
}
# 基本方針の「対策」として数える箇条: このラベルの箇条の下にあるすべての箇条（6(1)〜(9)、6(3)①〜③）
# The measures of the basic policy: every clause below these clauses.
policy_measures = ["kihon-measures"]
# 実施されていない箇条をエラーにする階層（ほかの階層は警告）
# Tiers whose unimplemented clauses are errors (the others are warnings).
policy_coverage_errors = ["基本方針"]

# --- 翻訳 / translations ------------------------------------------------------------------
# 公開版は日本語を最上位に、英語版を en/ に作る。庁内版は日本語だけ。
policy_translations = {"en": "en"}
policy_translated_titles = {"en": "Otaru City Information Security Policy"}
locale_dirs = ["locales/"]
gettext_compact = False
gettext_uuid = False
gettext_location = True
gettext_last_translator = "小樽市 情報政策担当"
gettext_language_team = "小樽市 情報政策担当"

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
