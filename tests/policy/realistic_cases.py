"""A labelled set of realistic staff inputs (our own, written for this project) for the
detection rules: Individual Numbers (oasis-1 / rag-1), people counted (oasis-2), public vs
personal (rag-2) and imitation requests (common-4).

Each case has a category, the input and the expected outcome. `tests/policy/test_realistic_set.py`
runs every case through the engine; `python -m tests.policy.realistic_cases` prints per-category
accuracy (the figures in docs/policy.md). Individual Numbers are built with their check digit
(`number`), never written out, so no real number is in the repository.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from stdnum.jp import in_

from addin_server.policy import InMemoryPersonLedger, PolicyEngine, PolicyRequest
from addin_server.policy.types import Cell


def number(body: str) -> str:
    """`body` (11 digits) plus its check digit: a number that passes the check."""
    return body + in_.calc_check_digit(body)


N1 = number("12345678901")  # 123456789018
N2 = number("78801234567")
N3 = number("01234567890")  # leading zero
N4 = number("83539020611")
N5 = number("12064761830")
DATETIME = "202404010109"  # 2024-04-01 01:09, passes the check digit
RECEIPT = "2024-0401-0028"  # yyyy-mmdd-nnnn, passes the check digit
KANJI = str.maketrans("0123456789", "〇一二三四五六七八九")


def g(n: str, sep: str = "-") -> str:
    return sep.join([n[:4], n[4:8], n[8:]])


@dataclass(frozen=True)
class Case:
    category: str
    expect: Any  # "block" / "warn" / "pass" (numbers, rag-2, common-4) or a person count
    text: str | None = None
    cells: Sequence[Sequence[Cell]] | None = None
    instruction: str | None = None
    note: str = ""
    known_miss: str = ""  # a documented limit: the case is expected to fail (xfail, strict)
    extra: dict[str, Any] = field(default_factory=dict)


IN_TEXT = "oasis-1 個人番号（本文の表記）"
IN_LOOK = "oasis-1 似た番号（止めない）"
IN_CELLS = "oasis-1 個人番号（表）"
PEOPLE = "oasis-2 人数（文章）"
PEOPLE_TABLE = "oasis-2 人数（表）"
RAG2 = "rag-2 公開情報と個人情報"
IMITATE = "common-4 模倣の指示（止める）"
NOT_IMITATE = "common-4 通常の指示（止めない）"

CASES: list[Case] = [
    # --- Individual Numbers as staff type them (block) --------------------------------------
    Case(IN_TEXT, "block", f"申請者の個人番号は{g(N1)}です。"),
    Case(IN_TEXT, "block", f"マイナンバー：{g(N2, 'ー')}（IMEの長音で入力）"),
    Case(IN_TEXT, "block", f"番号 {g(N1, 'ｰ')}"),
    Case(IN_TEXT, "block", f"本人確認書類の番号：{g(N2, '・')}"),
    Case(IN_TEXT, "block", f"個人番号 {g(N1, '／')}"),
    Case(IN_TEXT, "block", f"{g(N2, '–')} を控えた"),
    Case(IN_TEXT, "block", f"{g(N1, '—')}"),
    Case(IN_TEXT, "block", f"受付時に{g(N2, chr(0x2212))}を確認"),
    Case(IN_TEXT, "block", f"{g(N1, chr(0x2009))}（薄いスペース）"),
    Case(IN_TEXT, "block", f"{g(N2, chr(0x2002))}"),
    Case(IN_TEXT, "block", f"{g(N1, chr(0x2003))}"),
    Case(IN_TEXT, "block", f"{g(N2, '　')}"),
    Case(IN_TEXT, "block", f"{g(N1, chr(0xFE63))}"),
    Case(IN_TEXT, "block", f"{g(N2, chr(0x200B))}"),
    Case(IN_TEXT, "block", f"マイナンバー {g(N1, ' - ')}"),
    Case(IN_TEXT, "block", f"申請書に記載の番号は{N2[:7]}\n{N2[7:]}でした（Wordの折り返し）"),
    Case(IN_TEXT, "block", f"個人番号：{g(N1, chr(10))}"),
    Case(IN_TEXT, "block", f"電話で聞き取った番号 {' '.join(N2)}"),
    Case(IN_TEXT, "block", f"マイナンバー {' '.join(N1)}"),
    Case(IN_TEXT, "block", f"個人番号：{g(N5, ' ').translate(KANJI)}"),
    Case(IN_TEXT, "block", f"マイナンバーは{N1.translate(KANJI)}です"),
    Case(IN_TEXT, "block", f"{g(N2, '－').translate(str.maketrans('0123456789', '０１２３４５６７８９'))}"),
    Case(IN_TEXT, "block", f"Excelから貼り付け：{N4[0]}.{N4[1:]}E+11"),
    Case(IN_TEXT, "block", f"値 {N2}.0"),
    Case(IN_TEXT, "block", f"世帯員2名：{N1}、{N2}"),
    Case(IN_TEXT, "block", f"{g(N1)} {g(N2)}"),
    Case(IN_TEXT, "block", f"https://example.jp/applicants/{N1}/detail を参照"),
    Case(IN_TEXT, "block", f"添付ファイル：マイナンバー_{N2}.pdf"),
    Case(IN_TEXT, "block", f"scan_{N1}.pdf を保存"),
    Case(IN_TEXT, "block", f"No. 3 {N2} 山田"),
    Case(IN_TEXT, "block", f"個人番号（{N3}）"),
    Case(IN_TEXT, "block", f"{N1}", instruction="要約して"),
    Case(IN_TEXT, "block", "本文に番号なし", instruction=f"{g(N2)}の人について"),
    Case(IN_TEXT, "block", f"個人番号 {g(DATETIME)}", note="a date-time shape labelled as an Individual Number"),
    Case(IN_TEXT, "block", f"受付番号 2024-0401-0001、マイナンバー {RECEIPT}",
         note="the nearest label names an Individual Number"),
    # --- look-alikes: warn or pass -----------------------------------------------------------
    Case(IN_LOOK, "pass", "法人番号 1" + N1),
    Case(IN_LOOK, "pass", "登録番号 T1" + N2 + "（適格請求書発行事業者）"),
    Case(IN_LOOK, "pass", "振込先 三菱UFJ銀行 梅田支店 普通 1234567"),
    Case(IN_LOOK, "pass", "ゆうちょ銀行 記号14160 番号12345671"),
    Case(IN_LOOK, "pass", "ゆうちょ 14160-12345671"),
    Case(IN_LOOK, "pass", "JANコード 4901234567894"),
    Case(IN_LOOK, "pass", "JAN 4 901234 567894"),
    Case(IN_LOOK, "pass", f"カード番号 {g(N1, ' ')} 3456"),
    Case(IN_LOOK, "pass", f"カード 4111 {g(N2, ' ')}"),
    Case(IN_LOOK, "pass", f"4111-{g(N1)}"),
    Case(IN_LOOK, "pass", f"シリアル 9{N2}77"),
    Case(IN_LOOK, "pass", f"ｶｰﾄﾞ番号 １２３４{N1}"),
    Case(IN_LOOK, "pass", "電話 06-6208-8181、携帯 090-1234-5678"),
    Case(IN_LOOK, "pass", "〒530-8201 大阪市北区中之島1-3-20"),
    Case(IN_LOOK, "pass", "金額 123,456,789,018 円"),
    Case(IN_LOOK, "pass", "予算額 1,234,567,890円"),
    Case(IN_LOOK, "pass", f"番号 {N1[:11]}{(int(N1[11]) + 3) % 10}", note="wrong check digit"),
    Case(IN_LOOK, "warn", f"更新日時 {DATETIME}"),
    Case(IN_LOOK, "warn", f"最終更新：{DATETIME}"),
    Case(IN_LOOK, "warn", f"backup_{DATETIME}.zip を復元"),
    Case(IN_LOOK, "warn", f"受付番号 {RECEIPT}"),
    Case(IN_LOOK, "warn", f"支払額 {N1}円"),
    Case(IN_LOOK, "warn", f"会員番号：{N2}"),
    Case(IN_LOOK, "warn", f"型番 AB{N1}"),
    # --- Individual Numbers in cells ---------------------------------------------------------
    Case(IN_CELLS, "block", cells=[["氏名", "個人番号"], ["山田 太郎", int(N3)]],
         note="leading zero lost in a 個人番号 column"),
    Case(IN_CELLS, "block", cells=[["氏名", "マイナンバー"], ["佐藤", int(number("00012345678"))]],
         note="two leading zeros lost in a labelled column"),
    Case(IN_CELLS, "block", cells=[["個人番号", *list(N1)]], note="12 boxed cells, one digit each"),
    Case(IN_CELLS, "block", cells=[["申請書（写し）"], ["番号", *list(N2)]], note="boxed digits as text"),
    Case(IN_CELLS, "block", cells=[["マイナンバー", N1[:4], N1[4:8], N1[8:]]], note="4+4+4 across three cells"),
    Case(IN_CELLS, "block", cells=[["", N2[:4], N2[4:8], N2[8:]]], note="4+4+4 as text cells"),
    Case(IN_CELLS, "block", cells=[["値"], [float(N1)]]),
    Case(IN_CELLS, "block", cells=[["値"], [f"{N4[0]}.{N4[1:]}E+11"]], note="scientific string"),
    Case(IN_CELLS, "block", cells=[["値"], [f"{N2}.0"]], note="float string"),
    Case(IN_CELLS, "block", cells=[["備考"], [f"番号は{g(N1, 'ー')}"]]),
    Case(IN_CELLS, "block", cells=[["備考"], [f"{N1[:6]}\n{N1[6:]}"]], note="Alt+Enter inside a cell"),
    Case(IN_CELLS, "block", cells=[["令和6年度 申請者一覧", None], ["氏名", "マイナンバー"], ["山田", N3[1:]]],
         note="title row above the header; text lost its leading zero"),
    Case(IN_CELLS, "warn", cells=[["ファイル名", "更新日時"], ["a.xlsx", int(DATETIME)]]),
    Case(IN_CELLS, "warn", cells=[["品名", "金額"], ["工事", int(N1)]]),
    Case(IN_CELLS, "warn", cells=[["受付番号", "件名"], [RECEIPT, "道路補修"]]),
    Case(IN_CELLS, "pass", cells=[["年度", 2022, 2023, 2024]], note="years across three cells"),
    Case(IN_CELLS, "pass", cells=[["法人番号"], [int("1" + N1)]]),
    Case(IN_CELLS, "pass", cells=[["月", *range(1, 13)], ["件数", 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 9]],
         note="monthly counts, wrong check digit"),
    # --- People in prose (minutes, letters, résumés, rotas) ------------------------------------
    Case(PEOPLE, 1, "やまだ たろう様からお電話がありました。"),
    Case(PEOPLE, 1, "ヤマダタロウ様よりご連絡。"),
    Case(PEOPLE, 1, "Taro Yamada様からメールを受信しました。"),
    Case(PEOPLE, 1, "氏名：さとう はなこ\n用件：転入手続き"),
    Case(PEOPLE, 1, "申立人 たなか ゆうこ さんから苦情の申出がありました。"),
    Case(PEOPLE, 1, "ご意見をお寄せいただきありがとうございます。\n\n以上\n\nKenji Suzuki"),
    Case(PEOPLE, 4, "出席者：金、堀、西田、市川\n議題：地域清掃について"),
    Case(PEOPLE, 3, "窓口当番表\n月 金\n火 堀\n水 林"),
    Case(PEOPLE, 2, "市川課長と宮崎係長が出席した。"),
    Case(PEOPLE, 1, "西田さんから連絡があった。"),
    Case(PEOPLE, 1, "山田太郎様から相談があった。山田様は来週再訪予定。"),
    Case(PEOPLE, 1, "山田太郎（やまだ たろう）様より申請。"),
    Case(PEOPLE, 1, "伊藤さん（いとう）に確認済み。"),
    Case(PEOPLE, 1, "ふりがな　すずき いちろう\n氏名　鈴木 一郎\n生年月日　昭和55年4月1日\n住所　大阪市北区梅田1-2-3\n電話　090-1234-5678",
         note="résumé: reading above, ID lines under the name"),
    Case(PEOPLE, 1, "氏名：高橋 健太\n連絡先：080-2222-3333\nメール：kenta@example.jp"),
    Case(PEOPLE, 0, "豊臣秀吉が築城した大阪城について説明した。"),
    Case(PEOPLE, 0, "織田信長と徳川家康の時代の資料を展示した。"),
    Case(PEOPLE, 0, "田中内科クリニックに紹介状を送付した。"),
    Case(PEOPLE, 0, "梅田ハイツ３０２号室の漏水の件。"),
    Case(PEOPLE, 0, "ヘルパーさんとケアマネさんが訪問した。"),
    Case(PEOPLE, 0, "ボランティアさんにお礼を伝えた。"),
    Case(PEOPLE, 0, "皆様、お客様各位へのお知らせです。"),
    Case(PEOPLE, 0, "山田工務店に見積を依頼した。"),
    Case(PEOPLE, 0, "令和6年度の予算は3億円です。市民課で受け付けます。"),
    Case(PEOPLE, 3, "鈴木様、佐藤様、高橋様の3名が来庁。"),
    Case(PEOPLE, 2, "佐藤さんと鈴木一郎氏が出席した。"),
    Case(PEOPLE, 1, "担当：中村\n連絡先：06-6208-1234"),
    Case(PEOPLE, 1, "以上\n大阪市北区役所 市民課\n山本 一郎"),
    Case(PEOPLE, 1, "陳情者 John Smith 氏より要望書を受理。"),
    Case(PEOPLE, 2, "本日、中島様（070-1111-2222）と小川様（070-3333-4444）が来所された。"),
    Case(PEOPLE, 1, "相談者（昭和50年1月2日生まれ、大阪市北区中之島1-3-20在住）から相談があった。"),
    Case(PEOPLE, 2, "a@example.jp と b@example.jp に送付。"),
    Case(PEOPLE, 1, "渡辺さんより電話。電話番号は090-5555-6666です。折り返し連絡済み。"),
    Case(PEOPLE, 2, "議事録\n出席者：松本委員長、井上委員\n議事：予算について審議した。"),
    Case(PEOPLE, 3, "【苦情】\n申出人：木村花子様\n内容：隣家の林様と森様の騒音について"),
    Case(PEOPLE, 1, "担当のやまださんに引き継ぎます。"),
    Case(PEOPLE, 2, "シフト表\n4/1（月） 金　堀\n4/2（火） 金"),
    Case(PEOPLE, 0, "大阪市長が記者会見を行った。"),
    Case(PEOPLE, 0, "北区役所の窓口は8時30分から開いています。"),
    Case(PEOPLE, 1, "小林由美さんから申請があり、小林さんには後日連絡します。"),
    Case(PEOPLE, 2, "申請者：加藤 誠\n同行者：加藤 恵（妻）"),
    Case(PEOPLE, 1, "運転手さんと清水さんが同乗した。"),
    # --- People in tables ----------------------------------------------------------------------
    Case(PEOPLE_TABLE, 2, cells=[["令和6年度 受給者一覧"], ["No", "受給者名", "フリガナ", "金額"],
                                 [1, "山田 太郎", "ヤマダ タロウ", 1000], [2, "佐藤 花子", "サトウ ハナコ", 2000]]),
    Case(PEOPLE_TABLE, 3, cells=[["日付", "担当"], ["4/1", "金　堀"], ["4/2", "林"], ["4/3", "金"]]),
    Case(PEOPLE_TABLE, 3, cells=[["申請者", "備考"], ["山田太郎", "佐藤様より電話"], ["鈴木一郎", ""]]),
    Case(PEOPLE_TABLE, 2, cells=[["メール"], ["a@example.jp"], ["b@example.jp"], ["a@example.jp"]]),
    Case(PEOPLE_TABLE, 2, cells=[["電話番号"], ["090-1111-2222"], ["090-1111-2223"]]),
    Case(PEOPLE_TABLE, 2, cells=[["山田太郎", "090-1111-2222"], ["佐藤花子", "090-1111-3333"]], note="no header"),
    Case(PEOPLE_TABLE, 3, cells=[["No", "氏名", "生年月日"], [1, "山田 太郎", "1980/1/2"], [2, "山田 太郎", "1990/3/4"],
                                 [3, "山田 太郎", "1980/1/2"], [4, "佐藤 花子", None]]),
    Case(PEOPLE_TABLE, 2, cells=[["姓", "名", "ふりがな"], ["田中", "一郎", "たなか いちろう"], ["田中", "次郎", "たなか じろう"]]),
    Case(PEOPLE_TABLE, 0, cells=[["会議室", "予約"], ["第1会議室", "済"], ["第2会議室", "未"]]),
    Case(PEOPLE_TABLE, 2, cells=[["利用者", "サービス"], ["中村 愛", "訪問介護"], ["小川 誠", "通所"]]),
    Case(PEOPLE_TABLE, 1, cells=[["出席者", "所属"], ["井上", "市民課"]]),
    # --- rag-2: public is not personal ---------------------------------------------------------
    Case(RAG2, "pass", "お問い合わせ：大阪市北区役所 市民課 電話 06-6313-9986"),
    Case(RAG2, "pass", "大阪市役所（〒530-8201 大阪市北区中之島1丁目3番20号、代表 06-6208-8181）"),
    Case(RAG2, "pass", "中央図書館（大阪市西区北堀江4-3-2）は月曜休館です。"),
    Case(RAG2, "pass", "豊臣秀吉が築城した大阪城の歴史を紹介します。"),
    Case(RAG2, "pass", "田中内科クリニック（06-1234-5678）が休日診療を担当します。"),
    Case(RAG2, "pass", "株式会社山田商事 大阪市中央区本町1-1-1 電話06-1111-2222"),
    Case(RAG2, "pass", "梅田ハイツの外壁改修工事のお知らせ"),
    Case(RAG2, "pass", "ヘルパーさんの訪問時間を延長する制度の説明"),
    Case(RAG2, "pass", "令和6年度の事業計画について説明します。"),
    Case(RAG2, "pass", "市民課の窓口受付時間は8時30分から17時までです。"),
    Case(RAG2, "pass", "詳しくは保健所（電話 06-6647-0641）へ。"),
    Case(RAG2, "pass", "大阪市長が記者会見を行った。"),
    Case(RAG2, "block", "山田太郎様から相談がありました。"),
    Case(RAG2, "block", "相談者の自宅 大阪市北区梅田1-2-3 を訪問した。"),
    Case(RAG2, "block", "連絡先 yamada@example.jp"),
    Case(RAG2, "block", "携帯 090-1234-5678 に折り返す。"),
    Case(RAG2, "block", "生年月日：昭和50年1月2日"),
    Case(RAG2, "block", "氏名：さとう はなこ"),
    Case(RAG2, "block", "申請者（大阪市北区中之島1-3-20在住）から電話があった。"),
    Case(RAG2, "block", cells=[["氏名", "住所"], ["佐藤 花子", "大阪市西区1-1-1"]]),
    Case(RAG2, "block", "市民課に、鈴木様から苦情の電話がありました。"),
    Case(RAG2, "block", "市川課長と面談した。"),
    # --- common-4: block -----------------------------------------------------------------------
    Case(IMITATE, "block", "本文", instruction="星新一の作風で書いて"),
    Case(IMITATE, "block", "本文", instruction="有名なJ-POPの歌詞を引用して"),
    Case(IMITATE, "block", "本文", instruction="『そうだ 京都、行こう。』をもじって『そうだ 大阪、行こう。』のようなコピーを作って"),
    Case(IMITATE, "block", "本文", instruction="サザエさんの雰囲気で紹介して"),
    Case(IMITATE, "block", "本文", instruction="鬼滅の刃の雰囲気で紹介文を"),
    Case(IMITATE, "block", "本文", instruction="ワンピースのセリフを使って"),
    Case(IMITATE, "block", "本文", instruction="米津玄師の曲みたいな感じにして"),
    Case(IMITATE, "block", "本文", instruction="あいみょんの歌っぽく"),
    Case(IMITATE, "block", "本文", instruction="ドラゴンボールの名台詞を入れて"),
    Case(IMITATE, "block", "本文", instruction="村上春樹のような文体で"),
    Case(IMITATE, "block", "本文", instruction="宮崎駿監督の映画のような世界観で"),
    Case(IMITATE, "block", "本文", instruction="YOASOBIの曲風にして"),
    Case(IMITATE, "block", "本文", instruction="『君の名は。』の雰囲気で"),
    Case(IMITATE, "block", "本文", instruction="ちびまる子ちゃんの口調で"),
    Case(IMITATE, "block", "本文", instruction="有名なCMソングの歌詞を使って"),
    Case(IMITATE, "block", "本文", instruction="スラムダンクの名言を引用して"),
    Case(IMITATE, "block", "本文", instruction="make it sound like a Taylor Swift song"),
    Case(IMITATE, "block", "本文", instruction="ジブリ作品の世界観で"),
    Case(IMITATE, "block", "本文", instruction="星野源の恋ダンスの歌詞で"),
    Case(IMITATE, "block", "本文", instruction="キャッチコピー「ひとつになろう」に似たフレーズを生成してください"),
    Case(IMITATE, "block", "本文", instruction="著作物『吾輩は猫である』を参考に文章を生成してください"),
    Case(IMITATE, "block", "本文", instruction="有名な歌の替え歌を作って"),
    Case(IMITATE, "block", "本文", instruction="夏目漱石の文体を真似て"),
    Case(IMITATE, "block", "本文", instruction="あの映画のセリフみたいに"),
    Case(IMITATE, "block", "本文", instruction="水曜どうでしょう風に", known_miss="a title MeCab reads as ordinary words, with no の-aspect"),
    # --- common-4: pass ------------------------------------------------------------------------
    Case(NOT_IMITATE, "pass", "本文", instruction="絵本のようにやさしく"),
    Case(NOT_IMITATE, "pass", "本文", instruction="ニュース原稿のように"),
    Case(NOT_IMITATE, "pass", "本文", instruction="ポスターの見出しのように"),
    Case(NOT_IMITATE, "pass", "本文", instruction="『公用文作成の考え方』を参考に"),
    Case(NOT_IMITATE, "pass", "本文", instruction="市政だよりの文体で"),
    Case(NOT_IMITATE, "pass", "本文", instruction="前回の議事録と同じ形式で"),
    Case(NOT_IMITATE, "pass", "本文", instruction="〇〇課の様式に合わせて"),
    Case(NOT_IMITATE, "pass", "本文", instruction="模倣品の注意喚起文を作って"),
    Case(NOT_IMITATE, "pass", "本文", instruction="他の作品に似た表現がないか確認して"),
    Case(NOT_IMITATE, "pass", "本文", instruction="新聞記事風に"),
    Case(NOT_IMITATE, "pass", "本文", instruction="子ども向けの絵本風に"),
    Case(NOT_IMITATE, "pass", "本文", instruction="報道発表資料の形式で"),
    Case(NOT_IMITATE, "pass", "本文", instruction="市のホームページの文体に合わせて"),
    Case(NOT_IMITATE, "pass", "本文", instruction="昔話のような語り口で"),
    Case(NOT_IMITATE, "pass", "本文", instruction="川柳の形式で"),
    Case(NOT_IMITATE, "pass", "本文", instruction="キャッチコピーを3案作って"),
    Case(NOT_IMITATE, "pass", "本文", instruction="広報紙のコラムのように"),
    Case(NOT_IMITATE, "pass", "本文", instruction="大阪市の例規集の書き方を参考に"),
    Case(NOT_IMITATE, "pass", "本文", instruction="著作権侵害にあたらないか確認して"),
    Case(NOT_IMITATE, "pass", "本文", instruction="過去の通知文をもとに作成して"),
    Case(NOT_IMITATE, "pass", "本文", instruction="会場の雰囲気が伝わるように"),
    Case(NOT_IMITATE, "pass", "本文", instruction="この文章を参考に要約して"),
    Case(NOT_IMITATE, "pass", "本文", instruction="やさしい日本語のように分かりやすく"),
    Case(NOT_IMITATE, "pass", "本文", instruction="ドラマのナレーションのような落ち着いた語り口で"),
    Case(NOT_IMITATE, "pass", "本文", instruction="パロディにならないよう注意して書いて"),
    # --- More notations (added with the fixes they needed) ---------------------------------
    Case(IN_TEXT, "block", f"対象者の番号一覧：{N1},{N2}"),
    Case(IN_TEXT, "block", f"番号 {N1}/{N2}"),
    Case(IN_TEXT, "block", f"保存先 \\\\fs01\\share\\scan{N4}.pdf"),
    Case(IN_LOOK, "warn", f"製品 SN{N1}"),
    Case(IN_LOOK, "warn", f"管理コード ABC-{N2}-X"),
    Case(IN_CELLS, "block", cells=[["個人番号", *list(N1[:4]), "-", *list(N1[4:8]), "-", *list(N1[8:])]],
         note="boxes with hyphen cells between the groups"),
    # --- Held out: written after the detector, run once before any change (34 of 35 right; the
    # miss, 12 numeric boxes under a label that is not 個人番号, now blocks) -------------------
    Case(IN_TEXT,"block",f"本人のマイナンバーカード番号 {g(N4,' ー ')} を控えました"),
    Case(IN_TEXT,"block",f"個人番号:{g(N5,'・')}"),
    Case(IN_TEXT,"block",g(N4,'\u3000')+'（全角スペース区切り）の方'),
    Case(IN_TEXT,"block",f"マイナンバー\n{N5[:4]}-{N5[4:8]}-\n{N5[8:]}"),
    Case(IN_TEXT,"block",f"番号は {' '.join(N4[:6])}　{' '.join(N4[6:])} です"),
    Case(IN_TEXT,"block",f"マイナンバー：{N5.translate(KANJI)[:6]}・{N5.translate(KANJI)[6:]}"),
    Case(IN_TEXT,"block",f"ファイル名：{N4}_申請書.pdf"),
    Case(IN_TEXT,"block",f"①{g(N1)} ②{g(N4)} ③{g(N5)}"),
    Case(IN_LOOK,"pass",f"注文番号 {N1}-01"),
    Case(IN_LOOK,"pass","口座番号 0001-123-1234567"),
    Case(IN_LOOK,"warn",f"作成日時：{DATETIME}"),
    Case(IN_LOOK,"warn",f"log_{DATETIME}.txt"),
    Case(IN_CELLS,"block",cells=[["No","氏名","個人番号"],[1,"山田",float(int(N3))]]),
    Case(IN_CELLS,"block",cells=[["マイナンバー"],[f"{g(N4,' ')}"]]),
    Case(IN_CELLS,"block",cells=[["番号欄",*[int(c) for c in N5]]]),
    Case(PEOPLE,1,"いとう まさこ さんから、転居の相談がありました。"),
    Case(PEOPLE,2,"参加者：岡、辻"),
    Case(PEOPLE,1,"苦情申出人 佐々木 恵子（ささき けいこ）様"),
    Case(PEOPLE,0,"聖徳太子ゆかりの四天王寺を見学しました。"),
    Case(PEOPLE,0,"森本歯科医院に問い合わせた。"),
    Case(PEOPLE,1,"ケアマネさんから、利用者の坂本様の状況報告がありました。"),
    Case(PEOPLE,2,"宮崎課長、西田主査が対応した。"),
    Case(PEOPLE,1,"履歴書\n氏名 前田 健\nふりがな まえだ けん\n電話 090-8888-7777\nメール ken@example.jp"),
    Case(PEOPLE_TABLE,2,cells=[["受付日","相談者","電話"],["4/1","岡田 実","090-1111-0000"],["4/2","森 直美","080-2222-0000"]]),
    Case(PEOPLE_TABLE,2,cells=[["当番","曜日"],["金","月"],["堀","火"]]),
    Case(RAG2,"pass","天王寺区役所（06-6774-9625）の窓口案内"),
    Case(RAG2,"pass","徳川家康と豊臣秀頼の関係について解説する。"),
    Case(RAG2,"block","訪問先：森様宅（西成区岸里1-2-3）"),
    Case(IMITATE,"block","本文",instruction="手塚治虫の漫画のような雰囲気で"),
    Case(IMITATE,"block","本文",instruction="『ドラえもん』のひみつ道具みたいに紹介して"),
    Case(IMITATE,"block","本文",instruction="秋元康さんの作詞風にして"),
    Case(IMITATE,"block","本文",instruction="あのヒット曲の歌詞をもじって"),
    Case(NOT_IMITATE,"pass","本文",instruction="チラシのキャッチコピーのように短く"),
    Case(NOT_IMITATE,"pass","本文",instruction="区の広報誌の記事と同じトーンで"),
    Case(NOT_IMITATE,"pass","本文",instruction="紙芝居のような語り口で子ども向けに"),
]


def run(case: Case) -> Any:
    """The engine's outcome for a case, in the form of `case.expect`."""
    if case.category in (PEOPLE, PEOPLE_TABLE):
        engine = PolicyEngine(profile="oasis", ledger=InMemoryPersonLedger(), hash_key=b"k")
        d = engine.check_input(_req(case), commit=False)
        return d.persons.request
    profile = "rag" if case.category == RAG2 else "oasis"
    rule = {RAG2: "rag-2", IMITATE: "common-4", NOT_IMITATE: "common-4"}.get(case.category, "oasis-1")
    d = PolicyEngine(profile=profile).check_input(_req(case), commit=False)
    severities = {f.severity for f in d.findings if f.rule == rule}
    return "block" if "block" in severities else "warn" if "warn" in severities else "pass"


def _req(case: Case) -> PolicyRequest:
    return PolicyRequest(user="tanaka", operation="summarize", text=case.text, cells=case.cells,
                         instruction=case.instruction)


def report(out: Any = sys.stdout) -> dict[str, tuple[int, int]]:
    """Per-category accuracy: {category: (right, total)}."""
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for case in CASES:
        total[case.category] += 1
        right[case.category] += run(case) == case.expect
    for cat in total:
        print(f"{cat}\t{right[cat]}/{total[cat]}", file=out)
    print(f"合計\t{sum(right.values())}/{sum(total.values())}", file=out)
    return {c: (right[c], total[c]) for c in total}


if __name__ == "__main__":
    report()
