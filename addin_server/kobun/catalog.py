"""The rules of the 公用文 (official-style Japanese) checker: stable IDs, their sources, what they do.

Rule IDs are part of the API (`edit.rule`, `note.rule`) and never change meaning; a retired rule
keeps its ID unused. `kind` says whether the rule proposes a replacement ("edit") or only points
at a span where there is no single right fix ("note").
"""

from __future__ import annotations

from dataclasses import dataclass

KANGAEKATA = "公用文作成の考え方（2022）"
KANJI_SHIYOU = "公用文における漢字使用等について（2010）"
JOYO = "常用漢字表（2010）"
OKURIGANA = "送り仮名の付け方（1973）"
GAIRAIGO = "外来語の表記（1991）"
KAKIKAE = "同音の漢字による書きかえ（1956）"


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    convention: str
    kind: str  # "edit" or "note"


_RULES = [
    Rule("kobun.keishiki-meishi", "形式名詞は仮名で書く", KANJI_SHIYOU, "edit"),
    Rule("kobun.hojo-doushi", "補助動詞・補助形容詞は仮名で書く", KANJI_SHIYOU, "edit"),
    Rule("kobun.kana-goku", "ある・いる・ない・なる（…になる）は仮名で書く", KANJI_SHIYOU, "edit"),
    Rule("kobun.fukushi", "副詞・連体詞の仮名書き（例外・表外字・表外訓）", KANJI_SHIYOU, "edit"),
    Rule("kobun.setsuzokushi", "接続詞は仮名、及び・並びに・又は・若しくはは漢字", KANJI_SHIYOU, "edit"),
    Rule("kobun.joshi-jodoushi", "助詞・助動詞は仮名で書く", KANJI_SHIYOU, "edit"),
    Rule("kobun.hyougai", "常用漢字表にない漢字・音訓を避ける", JOYO, "edit"),
    Rule("kobun.kakikae", "表外字を同音の常用漢字に書き換える", KAKIKAE, "edit"),
    Rule("kobun.okurigana", "送り仮名は本則による", OKURIGANA, "edit"),
    Rule("kobun.zenkaku-eisu", "算用数字・ローマ字は半角で書く", KANGAEKATA, "edit"),
    Rule("kobun.kuraidori", "4桁以上の数は3桁ごとに「,」で区切る", KANGAEKATA, "edit"),
    Rule("kobun.kansuuji", "横書きの数量は算用数字で書く", KANGAEKATA, "edit"),
    Rule("kobun.kutouten", "句読点は「、」「。」を用い、混在させない", KANGAEKATA, "edit"),
    Rule("kobun.kakko", "和文の括弧は全角で書く", KANGAEKATA, "edit"),
    Rule("kobun.kigou-juufuku", "同じ句読点を重ねない", KANGAEKATA, "edit"),
    Rule("kobun.gairaigo-chouon", "外来語の長音は長音符号「ー」で書く", GAIRAIGO, "edit"),
    Rule("kobun.hankaku-kana", "半角カタカナは全角で書く", KANGAEKATA, "edit"),
    Rule("kobun.nfd", "濁点・半濁点を分解した文字（NFD）を合成済みの文字にする", KANGAEKATA, "edit"),
    Rule("kobun.fukashi-moji", "見えない文字（ゼロ幅スペース等）を除く", KANGAEKATA, "edit"),
    Rule("kobun.ranuki", "ら抜き言葉を避ける", KANGAEKATA, "edit"),
    Rule("kobun.inuki", "い抜き言葉を避ける", KANGAEKATA, "edit"),
    Rule("kobun.sa-ire", "さ入れ言葉を避ける", KANGAEKATA, "edit"),
    Rule("kobun.retasu", "れ足す言葉を避ける", KANGAEKATA, "edit"),
    Rule("kobun.nijuu-hitei", "二重否定を避ける", KANGAEKATA, "note"),
    Rule("kobun.jouchou", "冗長な表現・重複表現を避ける", KANGAEKATA, "edit"),
    Rule("kobun.joshi-juufuku", "一文に同じ助詞を重ねない", KANGAEKATA, "note"),
    Rule("kobun.setsuzoku-ga", "接続助詞「が」を一文で重ねない", KANGAEKATA, "note"),
    Rule("kobun.setsuzokushi-renzoku", "続く文を同じ接続詞で始めない", KANGAEKATA, "note"),
    Rule("kobun.buntai", "です・ます体とである体を混在させない", KANGAEKATA, "note"),
    Rule("kobun.touten-kata", "一文に読点を多く打たない", KANGAEKATA, "note"),
    Rule("kobun.renzoku-go", "同じ語を続けて書かない", KANGAEKATA, "edit"),
    Rule("kobun.bun-nagasa", "一文を長くしすぎない", KANGAEKATA, "note"),
    Rule("kobun.josuushi-ka", "「か月」「か所」の「か」は平仮名で書く（「ヶ」「ケ」は用いない）", KANGAEKATA, "edit"),
    Rule("kobun.kuuhaku", "和文の語と語の間に空白を入れない", KANGAEKATA, "edit"),
    Rule("kobun.kigou-zenkaku", "和文の感嘆符・疑問符は全角で書く", KANGAEKATA, "edit"),
    Rule("kobun.kuten-nuke", "文の終わりに句点「。」を打つ", KANGAEKATA, "note"),
    Rule("kobun.kakko-taiou", "括弧の開きと閉じを対応させる", KANGAEKATA, "note"),
]

RULES: dict[str, Rule] = {r.id: r for r in _RULES}
