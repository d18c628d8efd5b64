"""The one catalogue of what the toolchain tells its users.

The policy office reads these messages, so each says what is wrong and how to fix it, in
Japanese first and English after. Every message has a code; Sphinx warnings carry it as
``type="policy", subtype=<code>`` so that a build can be judged by codes, not by wording.
"""

from __future__ import annotations

import logging as _stdlib_logging
import re
from dataclasses import dataclass
from typing import Any, Literal

from sphinx.errors import SphinxError
from sphinx.util import logging

WARNING_TYPE = "policy"

#: ``note``: information such as a summary of counts; shown, never fails a build.
Severity = Literal["error", "warning", "note"]
_LABELS = {"error": "エラー", "warning": "警告", "note": "情報"}


@dataclass(frozen=True)
class Message:
    """One kind of problem: what is wrong and how to fix it, in both languages."""

    severity: Severity
    ja: str
    fix_ja: str
    en: str
    fix_en: str


CATALOGUE: dict[str, Message] = {
    # --- classification and editions -------------------------------------------------------
    "unknown-level": Message(
        "error",
        "機密区分「{level}」は定義されていません（定義済み: {known}）",
        "conf.py の policy_levels にある区分名を使ってください",
        "the classification level '{level}' is not defined (defined: {known})",
        "use a level named in policy_levels in conf.py",
    ),
    "lowered-level": Message(
        "error",
        "この文書は「{declared}」と宣言していますが、置かれたフォルダの区分は「{folder}」です。"
        "文書の宣言で区分を下げることはできません",
        "区分を下げるには conf.py の policy_classification を改めるか、文書を公開用のフォルダへ"
        "移してください",
        "the document declares '{declared}' but its folder is '{folder}'; a declaration cannot "
        "lower a classification",
        "change policy_classification in conf.py or move the document to a public folder",
    ),
    "unknown-edition": Message(
        "error",
        "版「{edition}」は定義されていません（定義済み: {known}）",
        "public または restricted など、policy_levels にある区分名を指定してください",
        "the edition '{edition}' is not defined (defined: {known})",
        "name a level from policy_levels, such as public or restricted",
    ),
    "bad-setting": Message(
        "error",
        "設定 {name} の値が正しくありません: {detail}",
        "conf.py の {name} を直してください",
        "the setting {name} is not valid: {detail}",
        "correct {name} in conf.py",
    ),
    "link-outside-tree": Message(
        "error",
        "ファイル「{path}」は原稿フォルダの外を指しています（シンボリックリンク）",
        "リンクをやめ、ファイルそのものを原稿フォルダに置いてください",
        "the file '{path}' points outside the docs tree (symbolic link)",
        "replace the link with the file itself inside the docs tree",
    ),
    "unreadable-file": Message(
        "error",
        "ファイル「{path}」を読めません: {detail}",
        "ファイルの権限と文字コード（UTF-8）を確かめてください",
        "the file '{path}' cannot be read: {detail}",
        "check the file's permissions and that it is UTF-8",
    ),
    "bad-classification-key": Message(
        "error",
        "policy_classification のキー {key} は、原稿フォルダの中のパスとして一通りに読めません",
        "原稿フォルダからの相対パスを、フォルダの区切りに / を使い、先頭の ./ や末尾の /、"
        "\\、..、前後の空白なしで書いてください（例: \"kihon\"、\"index.md\"）",
        "the policy_classification key {key} cannot be read one way as a path in the docs tree",
        "write the path relative to the docs tree with / between folders, without a leading ./, "
        "a trailing /, backslashes, .. or surrounding spaces (for example \"kihon\", \"index.md\")",
    ),
    "missing-classification-key": Message(
        "error",
        "policy_classification で公開とした「{key}」が原稿フォルダにありません",
        "名前の綴りを確かめ、ファイルやフォルダを移した場合は conf.py のキーも合わせて直して"
        "ください",
        "'{key}', made public in policy_classification, does not exist in the docs tree",
        "check the spelling; if the file or folder moved, change the key in conf.py to match",
    ),
    "bad-front-matter": Message(
        "error",
        "文書の先頭の設定（front matter）を読めません: {detail}",
        "--- で囲んだ先頭の部分を「キー: 値」の形に直してください（例: classification: "
        "restricted）",
        "the document's front matter cannot be read: {detail}",
        "write the part between the --- lines as 'key: value' lines (for example "
        "classification: restricted)",
    ),
    "misspelt-classification-key": Message(
        "error",
        "先頭の設定のキー「{key}」は classification の書き誤りのように見えます。"
        "このままでは区分の宣言として読まれません",
        "キーを小文字の classification に直してください",
        "the front matter key '{key}' looks like a misspelt classification and would not be "
        "read as a declaration of the level",
        "write the key as classification, in lower case",
    ),
    "stray-declaration": Message(
        "error",
        "区分の宣言（classification:）が、文書の先頭の設定（front matter）の外に書かれています。"
        "ここでは区分として読まれません",
        "区分は文書の 1 行目からの --- で囲んだ部分に書いてください。区分の宣言でなければ、"
        "「classification:」と読める書き方を避けてください",
        "a declaration of the level (classification:) is written outside the document's front "
        "matter, where it is not read as one",
        "declare the level in the front matter between --- lines at the very top; if this is "
        "not a declaration, reword it so that it does not read as 'classification:'",
    ),
    "path-setting-not-public": Message(
        "error",
        "conf.py の設定 {name} が、{edition} 版に含められない「{path}」を指しています",
        "設定が指すファイルやフォルダは、版に含められる区分のフォルダ（公開版なら公開用のフォルダ）"
        "に置き、原稿フォルダの中を指してください",
        "the conf.py setting {name} points at '{path}', which the {edition} edition may not "
        "hold",
        "keep files that settings point at inside the docs tree, in a folder the edition may "
        "hold (a public folder for the public edition)",
    ),
    "declared-level-differs": Message(
        "error",
        "この文書の区分の宣言「{declared}」が、作成前の区分の判定（{level}）と食い違っています",
        "区分の宣言を文書の先頭の設定（front matter）に一つだけ書いてください",
        "the document's declared level '{declared}' differs from the level decided before the "
        "build ({level})",
        "declare the level once, in the front matter at the very top of the document",
    ),
    "restricted-inline": Message(
        "error",
        "公開文書の中に「{what}」は書けません。公開文書に書いたものはすべて公開されます",
        "非公開の内容は docs/restricted/ の下の非公開文書に書いてください",
        "a public document cannot contain '{what}'; everything in a public document is published",
        "put restricted content in a document under docs/restricted/",
    ),
    "public-uses-restricted-file": Message(
        "error",
        "公開文書から非公開または原稿フォルダ外のファイル「{path}」を使っています（{what}）",
        "公開文書が使うファイルは公開用のフォルダに置いてください。非公開のファイルは非公開文書から"
        "だけ使えます",
        "a public document uses '{path}', which is restricted or outside the docs tree ({what})",
        "keep files used by public documents in a public folder; restricted files may only be "
        "used by restricted documents",
    ),
    "public-refers-restricted": Message(
        "error",
        "公開文書から参照している「{target}」は、公開文書の中に見つかりません"
        "（非公開の文書にあるか、存在しません）",
        "公開文書からは公開文書だけを参照できます。参照先の名前を確かめ、非公開の文書への参照は"
        "削ってください",
        "a public document refers to '{target}', which is not found among the public documents "
        "(it is restricted or does not exist)",
        "a public document may refer to public documents only; check the name and remove "
        "references to restricted documents",
    ),
    "bad-only-expression": Message(
        "error",
        "only の条件式「{expr}」を解釈できません: {detail}",
        "条件式を直してください（例: html and not latex）",
        "the only expression '{expr}' cannot be parsed: {detail}",
        "correct the expression (for example: html and not latex)",
    ),
    "errors-stop-build": Message(
        "error",
        "{count} 件のエラーがあるため、版を作りません",
        "上のエラーをすべて直してから、もう一度実行してください",
        "{count} error(s) found; no edition is written",
        "fix every error above and run again",
    ),
    "out-in-tree": Message(
        "error",
        "出力先「{out}」は原稿フォルダ「{src}」そのもの、その中、またはそれを含む上のフォルダです。"
        "版を書き込むと原稿が失われます",
        "--out には原稿フォルダの外の、空のフォルダか新しいフォルダを指定してください",
        "the output folder '{out}' is the docs tree '{src}', inside it, or a folder above it; "
        "writing an edition there would destroy the sources",
        "give --out an empty or new folder outside the docs tree",
    ),
    "out-reserved": Message(
        "error",
        "出力先「{out}」は、このツールが使うフォルダ「{folder}」そのもの、その中、またはそれを含む"
        "フォルダです",
        "--out には別の、空のフォルダか新しいフォルダを指定してください",
        "the output folder '{out}' is the tool's own folder '{folder}', inside it, or above it",
        "give --out another folder that is empty or new",
    ),
    "out-other-edition": Message(
        "error",
        "出力先「{out}」は、別の版のフォルダ「{folder}」そのもの、その中、またはそれを含む"
        "フォルダです",
        "版ごとに別のフォルダを指定してください（公開版は public/、庁内版は restricted/）",
        "the output folder '{out}' is another edition's folder '{folder}', inside it, or "
        "above it",
        "give each edition a folder of its own (public/ for the public edition, restricted/ for "
        "the restricted one)",
    ),
    "out-inside-edition": Message(
        "error",
        "出力先「{out}」は、{other} 版のフォルダ「{folder}」の中にあります",
        "版の中に別の版を作ることはできません。版の外のフォルダを指定してください",
        "the output folder '{out}' is inside the {other} edition in '{folder}'",
        "an edition cannot be written inside another; give a folder outside every edition",
    ),
    "out-around-edition": Message(
        "error",
        "出力先「{out}」の中に、版のフォルダ「{folder}」があります",
        "版を含むフォルダには書き込めません。空のフォルダか新しいフォルダを指定してください",
        "the output folder '{out}' holds an edition in '{folder}'",
        "a folder that holds an edition cannot be written to; give an empty or new folder",
    ),
    "out-not-edition": Message(
        "error",
        "出力先「{out}」は空ではなく、このツールが作った版でもありません。中のものを消してしまう"
        "ため、書き込みません",
        "空のフォルダか新しいフォルダを指定してください。前に作った版なら、その版の印"
        "（.policy-edition）があるはずです",
        "the output folder '{out}' is not empty and holds no edition made by this tool; "
        "writing there would remove what it holds",
        "give an empty or new folder; an edition made earlier carries its marker "
        "(.policy-edition)",
    ),
    "out-not-folder": Message(
        "error",
        "出力先「{out}」はフォルダではありません",
        "--out にはフォルダを指定してください",
        "the output folder '{out}' is not a folder",
        "give --out a folder",
    ),
    "not-published": Message(
        "error",
        "版を公開しませんでした。「{out}」は前回のまま変更していません",
        "上のエラーを直してから、もう一度実行してください",
        "the edition was not published; '{out}' is unchanged from the previous build",
        "fix the errors above and run again",
    ),
    "audit-hit": Message(
        "error",
        "公開版の検査で非公開の内容が見つかりました（{kind}）: 「{fragment}」、出どころは非公開の"
        "原稿「{source}」です",
        "公開文書がこの内容を参照・引用していないか確かめてください。直せない場合は情報政策担当へ"
        "連絡してください",
        "the public edition's audit found restricted content ({kind}): '{fragment}', from the "
        "restricted source '{source}'",
        "check whether a public document refers to or quotes it; if unsure, contact the policy "
        "office",
    ),
    "audit-no-restricted": Message(
        "warning",
        "非公開の原稿がこの原稿フォルダにないため、非公開の内容との照合は行わず、構造の検査だけを"
        "行いました",
        "非公開の原稿がある環境で作れば、照合も行われます",
        "no restricted sources are present, so only the structure of the edition was audited",
        "build where the restricted sources are present to audit the content too",
    ),
    "marks-missing": Message(
        "error",
        "庁内版のページ「{page}」に、庁内限定の表示（{what}）がありません",
        "テーマやテンプレートを変えた場合は元に戻し、開発担当へ連絡してください",
        "the restricted edition's page '{page}' lacks its restricted marking ({what})",
        "undo any theme or template change and tell the developers",
    ),
    "catalog-not-public": Message(
        "error",
        "翻訳カタログが、公開文書ではない「{docname}」のものです",
        "翻訳者に渡すフォルダには公開文書のカタログだけを置きます。このファイルを削除してください",
        "the translation catalog belongs to '{docname}', which is not a public document",
        "the translators' folder holds catalogs of public documents only; delete this file",
    ),
    "translation-missing": Message(
        "warning",
        "{language} の訳がありません（「{text}」）。公開版のこの部分は日本語のまま表示されます",
        "翻訳カタログ（docs/locales/{language}/LC_MESSAGES/）に訳を書いてください",
        "no {language} translation ('{text}'); the edition shows the Japanese text here",
        "write the translation in the catalog (docs/locales/{language}/LC_MESSAGES/)",
    ),
    "translation-fuzzy": Message(
        "warning",
        "{language} の訳が原文の変更に追いついていません（「{text}」）。"
        "確認されるまで日本語で表示されます",
        "訳を見直し、fuzzy の印を外してください",
        "the {language} translation is out of date ('{text}'); the Japanese text is shown until "
        "it is checked",
        "review the translation and remove its fuzzy flag",
    ),
    "translation-progress": Message(
        "note",
        "{language}: {total} 件のうち {translated} 件が翻訳済み（要確認 {fuzzy} 件、未翻訳 "
        "{untranslated} 件）",
        "未翻訳・要確認の部分は日本語のまま表示されます",
        "{language}: {translated} of {total} messages translated ({fuzzy} fuzzy, "
        "{untranslated} untranslated)",
        "untranslated and fuzzy messages are shown in Japanese",
    ),
    "internal": Message(
        "error",
        "ツールの内部で予期しない問題が起きました: {detail}",
        "詳細は .build/last-error.log にあります。開発担当へ連絡してください",
        "an unexpected internal problem occurred: {detail}",
        "details are in .build/last-error.log; please report it to the developers",
    ),
    # --- revisions: history, 附則, 新旧対照表 --------------------------------------------------
    "history-bad-shape": Message(
        "error",
        "改正履歴（history）の書き方が正しくありません: {detail}",
        "執筆ガイドの「改正の手順」（guide/revisions.md）の例のとおりに書いてください",
        "the history (history) is not written as expected: {detail}",
        "write it as the examples of guide/revisions.md show",
    ),
    "history-unknown-key": Message(
        "error",
        "改正履歴の項目「{key}」は使えません（使える項目: {known}）",
        "項目名の綴りを確かめてください",
        "the history key '{key}' is not known (known: {known})",
        "check the spelling of the key",
    ),
    "history-bad-date": Message(
        "error",
        "日付「{value}」を読めないか、存在しない日付です（{detail}）",
        "2026-04-01 又は 令和8年4月1日 の形で、実在する日付を書いてください。月までの日付"
        "（令和8年3月）も書けます",
        "the date '{value}' cannot be read or does not exist ({detail})",
        "write a real date as 2026-04-01 or 令和8年4月1日; a month (令和8年3月) is allowed",
    ),
    "history-missing": Message(
        "error",
        "改正履歴に「{key}」がありません",
        "{key} を書き加えてください",
        "the history has no '{key}'",
        "add {key}",
    ),
    "history-order": Message(
        "error",
        "改正履歴の日付「{date}」が、その前の「{previous}」より前になっています",
        "制定と改正を古い順に並べ、日付を確かめてください",
        "the history date '{date}' comes before the one above it, '{previous}'",
        "list the enactment and revisions oldest first and check the dates",
    ),
    "shinkyu-no-git": Message(
        "error",
        "git の履歴を読めません: {detail}",
        "git が入っていること、原稿フォルダが git で管理されていることを確かめてください",
        "the git history cannot be read: {detail}",
        "check that git is installed and that the docs tree is in a git repository",
    ),
    "shinkyu-bad-revision": Message(
        "error",
        "改正前・改正後として指定された「{rev}」が git の履歴にありません",
        "git tag 又は git log で、タグ名やコミットを確かめてください",
        "the revision '{rev}' is not in the git history",
        "check the tag or commit with git tag or git log",
    ),
    "shinkyu-no-tree": Message(
        "error",
        "「{rev}」の時点の「{path}」に conf.py がありません",
        "原稿フォルダ（--src）と、比べる時点を確かめてください",
        "'{path}' has no conf.py at '{rev}'",
        "check the docs tree (--src) and the revisions compared",
    ),
    "shinkyu-revision-failed": Message(
        "error",
        "「{rev}」の時点の原稿から{edition}の新旧対照表を作れませんでした（上の誤りを参照）",
        "その時点の原稿の誤りを確かめてください。改正前の原稿の誤りは、その時点の版でも"
        "誤りだったはずです",
        "the {edition} comparison could not be made from the sources at '{rev}' (see above)",
        "check the errors above in the sources of that revision",
    ),
    "shinkyu-not-written": Message(
        "error",
        "新旧対照表を書きませんでした。「{out}」は前回のまま変更していません",
        "上の誤りを直してから、もう一度実行してください",
        "the comparison was not written; '{out}' is unchanged",
        "fix the errors above and run again",
    ),
    "shinkyu-written": Message(
        "note",
        "{edition}の新旧対照表を「{out}」に書きました（{old} → {new}、変更のある文書"
        " {changed} 件）",
        "印刷は HTML を、例規審査には .docx をお使いください",
        "the {edition} comparison is in '{out}' ({old} → {new}, {changed} document(s) changed)",
        "print the HTML page; send the .docx for review",
    ),
    # --- clauses: numbering and references -------------------------------------------------
    "clause-unknown-style": Message(
        "error",
        "番号の付け方「{style}」は定義されていません（定義済み: {known}）",
        "文書の先頭の numbering: に定義済みの名前を書くか、conf.py の policy_numbering_styles に"
        "その名前の付け方を定めてください",
        "the numbering style '{style}' is not defined (defined: {known})",
        "name a defined style in the front matter's numbering:, or define it in "
        "policy_numbering_styles in conf.py",
    ),
    "clause-too-deep": Message(
        "error",
        "この見出し・項目は {depth} 段目ですが、番号の付け方「{style}」は {levels} 段目までしか"
        "定めていません",
        "見出しの # の数や番号付きリストの入れ子を減らして階層を浅くするか、より深い段まで"
        "定めた番号の付け方を使ってください",
        "this heading or item is at level {depth}, but the numbering style '{style}' defines "
        "only {levels} levels",
        "make the nesting shallower, or use a style that defines more levels",
    ),
    "clause-too-many": Message(
        "error",
        "この段の番号（{counter}）は {largest} 番目までしか表せません",
        "箇条を分けるか、この段の番号に数字を使う番号の付け方にしてください",
        "the numbers of this level ({counter}) go up to {largest} only",
        "split the clause, or use a style with arabic numbers at this level",
    ),
    "clause-unknown-label": Message(
        "error",
        "参照しているラベル「{label}」の箇条が見つかりません",
        "ラベル名の綴りを確かめてください。ラベルは見出しの直前、または番号付きの項目の先頭に"
        "（ラベル名）= と書いて付けます",
        "no clause has the label '{label}'",
        "check the label's spelling; a label is written as (label)= before a heading or at "
        "the start of a numbered item",
    ),
    "clause-not-numbered": Message(
        "error",
        "ラベル「{label}」の付いた箇所には番号がないため、番号で参照できません",
        "参照先の文書の先頭に numbering: を書いて番号を付けるか、{{ref}} で見出しの名前を使って"
        "参照してください",
        "the place labelled '{label}' has no number, so it cannot be referred to by number",
        "add numbering: to the front matter of its document, or refer to it with {{ref}}",
    ),
    "clause-duplicate-label": Message(
        "error",
        "ラベル「{label}」は「{other}」でも使われています",
        "ラベルは原稿全体で一つの箇条にだけ付けられます。どちらかの名前を変えてください",
        "the label '{label}' is also used in '{other}'",
        "a label may name one clause only in the whole tree; rename one of them",
    ),
    "clause-typed-number": Message(
        "warning",
        "見出し・項目の先頭に番号「{number}」が書かれています。番号は自動で付くため、二重に"
        "なります",
        "原稿から番号を削ってください",
        "the heading or item starts with a typed number '{number}'; numbers are added "
        "automatically, so it shows twice",
        "remove the number from the source",
    ),
    "clause-bad-reference": Message(
        "error",
        "箇条の参照「{text}」を読み取れません",
        "ラベルを「,」で区切って書いてください。「又は」でつなぐときは最後の二つの間に 又は と"
        "書きます（例: {{clause}}`kihon-audit 又は kihon-review`）",
        "the clause reference '{text}' cannot be read",
        "separate labels with commas; for 「又は」 write 又は between the last two labels",
    ),
    # --- documents ----------------------------------------------------------------------------
    "sphinx-warning": Message(
        "error",
        "原稿の書き方か参照に問題があります（{origin}）: {detail}",
        "示された行を確かめて直してください（説明の英文は Sphinx・MyST によるものです）",
        "Sphinx reported a problem ({origin}): {detail}",
        "check and correct the line shown",
    ),
    "unknown-directive": Message(
        "error",
        "「{name}」という指示（ディレクティブ）はありません",
        "綴りを確かめてください。使える指示は執筆ガイド（guide/）にあります",
        "there is no directive named '{name}'",
        "check the spelling; the authoring guide (guide/) lists the directives",
    ),
    "unknown-role": Message(
        "error",
        "「{name}」という役割（ロール）はありません",
        "綴りを確かめてください。使える役割は執筆ガイド（guide/）にあります",
        "there is no role named '{name}'",
        "check the spelling; the authoring guide (guide/) lists the roles",
    ),
    "syntax": Message(
        "error",
        "原稿の書き方に誤りがあります: {detail}",
        "示された行を直してください",
        "the document has a markup error: {detail}",
        "correct the line shown",
    ),
    # --- defined terms --------------------------------------------------------------------------
    "term-undefined": Message(
        "error",
        "用語「{term}」はどこにも定義されていません",
        "綴りを確かめてください。新しい用語なら {{definition}} で定義してから使ってください",
        "the term '{term}' is not defined anywhere",
        "check the spelling; define a new term with {{definition}} before using it",
    ),
    "term-unused": Message(
        "warning",
        "用語「{term}」は定義されていますが、どの文書でも使われていません",
        "使われない用語なら定義を削ってください。別の形で使っているなら、定義に :forms: で"
        "その形を書いてください",
        "the term '{term}' is defined but never used",
        "remove the definition, or list the forms it is used in with :forms:",
    ),
    "term-defined-twice": Message(
        "error",
        "用語「{term}」は {other} でも定義されています",
        "一つの用語の定義は一か所だけにしてください。どちらかの定義を削ってください",
        "the term '{term}' is also defined at {other}",
        "a term is defined once only; remove one of the definitions",
    ),
    "term-redefined": Message(
        "error",
        "用語「{term}」は上位の文書（{other}）で定義されており、その定義がこの文書にも及びます。"
        "下位の文書で定義し直すことはできません",
        "この定義を削り、上位の文書の定義に従ってください。意味が違うなら別の用語名にしてください",
        "the term '{term}' is defined by a governing document ({other}), whose definition "
        "applies here; a subordinate document cannot define it again",
        "remove this definition, or use another name if the meaning differs",
    ),
    "term-variant": Message(
        "error",
        "「{found}」は定義された用語「{term}」の表記ゆれです",
        "「{term}」と書いてください。用語ではない語として使うなら {{no-term}} で囲んでください",
        "'{found}' is a variant spelling of the defined term '{term}'",
        "write '{term}'; if it is not the term here, mark it with {{no-term}}",
    ),
    "doubled-character": Message(
        "error",
        "「{found}」と同じ文字が続いています（「{context}」）。誤記のおそれがあります",
        "誤記なら直してください。公式の文言どおりに残すなら {{sic}}`文言 <理由>` で囲み、"
        "理由を書いてください",
        "'{found}' repeats a character ('{context}'), which is almost always a typing error",
        "correct it; to keep official wording as it is, mark it with {{sic}}`text <reason>`",
    ),
    "sic-without-reason": Message(
        "error",
        "{{sic}}`{text}` に、原文どおりに残す理由が書かれていません",
        "{{sic}}`文言 <理由>` のように、山かっこの中に理由を書いてください",
        "{{sic}}`{text}` gives no reason for keeping the wording",
        "write the reason in angle brackets: {{sic}}`text <reason>`",
    ),
    "definition-empty": Message(
        "error",
        "用語「{term}」の定義の本文がありません",
        "{{definition}} の中に、用語の意味を書いてください",
        "the definition of '{term}' has no text",
        "write what the term means inside {{definition}}",
    ),
    "definition-misplaced": Message(
        "error",
        "用語「{term}」の定義が、箇条書きや注記などの中に置かれています",
        "{{definition}} は「定義」の見出しの直下に、ほかのものに入れずに書いてください",
        "the definition of '{term}' is inside a list, a note or another block",
        "write {{definition}} directly under the heading of the definitions clause",
    ),
    # --- traceability: which clause implements which ------------------------------------------
    "trace-bad-declaration": Message(
        "error",
        "実施の宣言「{text}」を読み取れません",
        "{{implements}}`kihon-organization, kihon-human` のように、ラベルを「,」で区切って"
        "書いてください",
        "the declaration '{text}' cannot be read",
        "separate the labels with commas, as in {{implements}}`kihon-organization, kihon-human`",
    ),
    "trace-outside-clause": Message(
        "error",
        "実施の宣言が、番号の付いた箇条（見出し又は番号付きの項目）の中にありません",
        "宣言は、実施する箇条の見出しのすぐ下に書いてください。文書の先頭に numbering: がある"
        "ことも確かめてください",
        "the declaration is not inside a numbered clause (a heading or a numbered item)",
        "write it directly under the heading of the clause that implements; check that the "
        "document has numbering: in its front matter",
    ),
    "trace-unlabelled": Message(
        "error",
        "実施の宣言をしている箇条「{title}」にラベルがありません",
        "見出しの直前に（ラベル名）= と書いてラベルを付けてください。ほかの文書や実施関係一覧は、"
        "このラベルで箇条を示します",
        "the clause '{title}' declares what it implements but has no label",
        "write (label)= before its heading; other documents and the matrix name it by its label",
    ),
    "trace-no-tier": Message(
        "error",
        "この文書はどの階層（{tiers}）にも属していないため、実施の宣言を書けません",
        "conf.py の policy_tiers に文書のフォルダを加えるか、文書の先頭に tier: 対策基準 の"
        "ように階層を書いてください",
        "the document belongs to no tier ({tiers}), so it cannot declare what it implements",
        "add its folder to policy_tiers in conf.py, or write tier: in its front matter",
    ),
    "trace-unknown-tier": Message(
        "error",
        "階層「{tier}」は定義されていません（定義済み: {known}）",
        "tier: には conf.py の policy_tiers にある階層名を書いてください",
        "the tier '{tier}' is not defined (defined: {known})",
        "write a tier named in policy_tiers in conf.py",
    ),
    "trace-top-tier": Message(
        "error",
        "{tier}は最上位の階層のため、実施の宣言は書けません",
        "宣言を削ってください。{tier}を実施する規定は、下の階層の文書の側で宣言します",
        "{tier} is the top tier, so it cannot declare what it implements",
        "remove the declaration; the tier below declares what implements {tier}",
    ),
    "trace-unknown-label": Message(
        "error",
        "実施の宣言にあるラベル「{label}」の箇条が見つかりません",
        "ラベル名の綴りを確かめてください。{upper}の箇条のラベル（見出しの直前の（ラベル名）=）を"
        "書きます",
        "the declaration names '{label}', but no numbered clause has that label",
        "check the spelling; name the label of a clause of the {upper}",
    ),
    "trace-wrong-tier": Message(
        "error",
        "{tier}の箇条が実施を宣言できるのは、一つ上の階層（{upper}）の箇条だけです。"
        "「{label}」は{found}の箇条です",
        "{upper}の箇条のラベルを書いてください。下の階層との関係は、下の階層の文書の側で"
        "宣言します",
        "a clause of the {tier} may only implement clauses of the tier above ({upper}); "
        "'{label}' is in {found}",
        "name a clause of the {upper}; the tier below declares its own links",
    ),
    "trace-coverage": Message(
        "note",
        "{scope} {count} 件のうち、{lower}が実施していないもの {gaps} 件",
        "実施していない箇条は、ファイルと行を示して一つずつ挙げます。エラーとするか警告とするかは "
        "conf.py の policy_coverage_errors で決めます",
        "{gaps} of {count} ({scope}) are not implemented by the {lower}",
        "each is listed with its file and line; policy_coverage_errors in conf.py decides "
        "whether they are errors or warnings",
    ),
    "trace-gap": Message(
        "warning",
        "{tier}の「{clause}」を実施する{lower}がありません",
        "{lower}の該当する箇条の見出しの下に {{implements}}`{label}` と書いて宣言してください",
        "nothing in the {lower} implements '{clause}' of the {tier}",
        "declare {{implements}}`{label}` under the clause of the {lower} that does",
    ),
}


class PolicyError(SphinxError):
    """A problem the user must fix; carries a catalogue message, never a traceback.

    A ``SphinxError``, so that Sphinx lets it through its event machinery unwrapped.
    """

    category = "policy"

    def __init__(self, code: str, location: str | None = None, **fields: Any) -> None:
        self.code = code
        self.location = location
        self.fields = fields
        super().__init__(render(code, location, **fields))


def text(code: str, **fields: Any) -> str:
    """The message body: Japanese (what, then fix), then English."""
    message = CATALOGUE[code]
    return (
        f"{message.ja.format(**fields)}。{message.fix_ja.format(**fields)}。\n"
        f"    [English] {message.en.format(**fields)}; {message.fix_en.format(**fields)}. "
        f"[{WARNING_TYPE}.{code}]"
    )


def render(code: str, location: str | None = None, **fields: Any) -> str:
    """A whole line as build.py prints it: location, severity, message."""
    label = _LABELS[CATALOGUE[code].severity]
    prefix = f"{location}: " if location else ""
    return f"{prefix}{label}: {text(code, **fields)}"


#: Sphinx's and MyST's own warnings that have a better explanation in this catalogue.
_FOREIGN = {
    "myst.directive_unknown": ("unknown-directive", re.compile(r"type: '([^']+)'")),
    "myst.role_unknown": ("unknown-role", re.compile(r"role: '?([^'\s]+)")),
}


def render_foreign(origin: str, location: str | None, detail: str) -> str:
    """A Sphinx or MyST warning, explained in Japanese first; their wording is kept after."""
    mapped = _FOREIGN.get(origin)
    if mapped:
        match = mapped[1].search(detail)
        if match:
            return render(mapped[0], location, name=match.group(1))
    return render("sphinx-warning", location, origin=origin, detail=detail)


_logger = logging.getLogger("policy")


def report(code: str, location: Any = None, *, severity: Severity | None = None,
           **fields: Any) -> None:
    """Log a catalogue message through Sphinx, with its location and code.

    Errors are logged at ERROR level so that anything counting failures (the extension's own
    error counter, ``build.py``) cannot mistake them for advice. ``severity`` overrides the
    catalogue's where a setting decides it (``policy_coverage_errors``).
    """
    message = CATALOGUE[code]
    log = _logger.error if (severity or message.severity) == "error" else _logger.warning
    log(text(code, **fields), location=location, type=WARNING_TYPE, subtype=code)


def is_error(record: _stdlib_logging.LogRecord) -> bool:
    """Whether a log record fails a build: every Sphinx warning does, except our advice."""
    if record.levelno < _stdlib_logging.WARNING:
        return False
    if getattr(record, "type", None) == WARNING_TYPE:
        code = getattr(record, "subtype", None)
        return (code not in CATALOGUE or CATALOGUE[code].severity == "error"
                or record.levelno >= _stdlib_logging.ERROR)
    return True


def label_of(record: _stdlib_logging.LogRecord) -> str:
    """How a line of ours is labelled: エラー, 警告 or 情報."""
    if is_error(record):
        return _LABELS["error"]
    code = getattr(record, "subtype", None)
    return _LABELS["note"] if code in CATALOGUE and CATALOGUE[code].severity == "note" else (
        _LABELS["warning"])
