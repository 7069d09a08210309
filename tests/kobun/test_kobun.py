"""The 公用文 rules (addin_server.kobun): known answers per rule, quiet on clean text."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin_server.kobun import RULES, check, lexicon
from addin_server.llm import offline
from addin_server.llm.edits import apply_edits
from tests.support import SHARED_DIR, require

HERE = Path(__file__).parent


def corrected(text: str) -> str:
    return offline.proofread(text).text


@pytest.mark.parametrize("rule, before, after", [
    ("kobun.keishiki-meishi", "許可しない事がある。", "許可しないことがある。"),
    ("kobun.keishiki-meishi", "事故が起きた時は連絡する。", "事故が起きたときは連絡する。"),
    ("kobun.keishiki-meishi", "結果は以下の通りです。", "結果は以下のとおりです。"),
    ("kobun.keishiki-meishi", "安全を確保する為に", "安全を確保するために"),
    ("kobun.keishiki-meishi", "この様な場合", "このような場合"),
    ("kobun.hojo-doushi", "話して下さい。", "話してください。"),
    ("kobun.hojo-doushi", "通知して置く。", "通知しておく。"),
    ("kobun.hojo-doushi", "寒くなって来る。", "寒くなってくる。"),
    ("kobun.hojo-doushi", "お願い致します。", "お願いいたします。"),
    ("kobun.fukushi", "殆ど全ての世帯", "ほとんど全ての世帯"),
    ("kobun.fukushi", "予め申し込む。", "あらかじめ申し込む。"),
    ("kobun.setsuzokushi", "但し、土曜日は休みます。", "ただし、土曜日は休みます。"),
    ("kobun.setsuzokushi", "申請書および添付書類", "申請書及び添付書類"),
    ("kobun.setsuzokushi", "郵送または電子申請", "郵送又は電子申請"),
    ("kobun.joshi-jodoushi", "1時間位かかる。", "1時間くらいかかる。"),
    ("kobun.joshi-jodoushi", "午後5時迄に", "午後5時までに"),
    ("kobun.hyougai", "誰でも利用が出来る。", "誰でも利用ができる。"),
    ("kobun.hyougai", "データの改竄", "データの改ざん"),
    ("kobun.kakikae", "車輛の通行", "車両の通行"),
    ("kobun.okurigana", "会議を行なう。", "会議を行う。"),
    ("kobun.okurigana", "工事が終る。", "工事が終わる。"),
    ("kobun.zenkaku-eisu", "定員は１００人", "定員は100人"),
    ("kobun.kuraidori", "参加費は1000円です。", "参加費は1,000円です。"),
    ("kobun.kansuuji", "説明会を三回開催する。", "説明会を3回開催する。"),
    ("kobun.kutouten", "本日は晴天です．", "本日は晴天です。"),
    ("kobun.kutouten", "これは,例文です。", "これは、例文です。"),
    ("kobun.kakko", "会場(市役所)に集合", "会場（市役所）に集合"),
    ("kobun.kigou-juufuku", "終わります。。", "終わります。"),
    ("kobun.gairaigo-chouon", "サーバの保守", "サーバーの保守"),
    ("kobun.gairaigo-chouon", "サ－ビス", "サービス"),
    ("kobun.hankaku-kana", "ｻｰﾋﾞｽ", "サービス"),
    ("kobun.nfd", unicodedata.normalize("NFD", "ガイド"), "ガイド"),
    ("kobun.fukashi-moji", "申請書を\u200b提出", "申請書を提出"),
    ("kobun.ranuki", "明日は来れますか。", "明日は来られますか。"),
    ("kobun.ranuki", "全部食べれる。", "全部食べられる。"),
    ("kobun.ranuki", "朝早く起きれる人", "朝早く起きられる人"),
    ("kobun.inuki", "内容を確認してます。", "内容を確認しています。"),
    ("kobun.inuki", "まだ届いてない。", "まだ届いていない。"),
    ("kobun.sa-ire", "休まさせていただきます。", "休ませていただきます。"),
    ("kobun.sa-ire", "書かさせていただきます。", "書かせていただきます。"),
    ("kobun.retasu", "ここなら書けれる。", "ここなら書ける。"),
    ("kobun.jouchou", "窓口で申請することができる。", "窓口で申請できる。"),
    ("kobun.jouchou", "従来から実施している。", "従来実施している。"),
    ("kobun.jouchou", "第1回目の会議", "第1回の会議"),
    ("kobun.renzoku-go", "書類をを提出", "書類を提出"),
    ("kobun.josuushi-ka", "3ヶ月後", "3か月後"),
    ("kobun.kana-goku", "その点に問題が有る。", "その点に問題がある。"),
    ("kobun.kana-goku", "合計すると1万円に成る。", "合計すると1万円になる。"),
    ("kobun.kuuhaku", "申請書 を提出する。", "申請書を提出する。"),
    ("kobun.kigou-zenkaku", "参加できますか?", "参加できますか？"),
    ("kobun.fukashi-moji", "申請書\x07を提出", "申請書を提出"),
])
def test_rule_corrects_with_its_id_and_source(rule, before, after):
    result = offline.proofread(before)
    assert result.text == after
    assert apply_edits(before, result.edits) == after
    assert rule in {e.rule for e in result.edits}
    for e in result.edits:
        assert e.source == "rules" and e.convention == RULES[e.rule].convention and e.reason
        assert before[e.start:e.end] == e.original


@pytest.mark.parametrize("text", [
    "取れる。入れる。離れる。忘れる。割れる。くれる。",  # 下一段 verbs of their own, not ら抜き
    "動かさせる。散らさせる。話させる。",  # causatives of -aす verbs and of 話す: no さ入れ
    "お持ちでない方",  # honorific お〜でない, not い抜き
    "山田様に連絡します。",  # 様 after a name is an honorific, not ようだ
    "書面で行ってください。",  # 行う after the particle で, not 〜ていく
    "事故の原因を調べる。物を大切にする。時の経過とともに変わる。",  # nouns in their own meaning
    "令和６年３月26日",  # one full-width digit: common official usage
    "「大阪市ＤＸの推進に関する規程」",  # a quoted title stays as written
    "2024年に開始しました。電話番号は06-1234-5678です。",  # years and codes are not quantities
    "サーバーとユーザーID",
    "第1章 総則",  # a heading: no 。, its space stays
    "「申請書（様式第1号）」を提出する。",  # brackets that pair up
    "令和7年4月1日から3か月間",
    "委員会は、委員10人で成る。料金は無料とする。居住地を記入する。",  # 成る (consist of), 無料, 居住
])
def test_quiet_where_the_text_is_right(text):
    report = check(text)
    assert report.corrections == [] and report.notes == []


@pytest.mark.parametrize("rule, text, span", [
    ("kobun.nijuu-hitei", "参加できないわけではない。", "ないわけではない"),
    ("kobun.nijuu-hitei", "中止せざるを得ない。", "ざるを得ない"),
    ("kobun.joshi-juufuku", "材料不足で代替素材で製品を作った。", "で"),
    ("kobun.setsuzoku-ga", "開催したが、参加者は少なかったが、意見は多かった。", "が"),
    ("kobun.setsuzokushi-renzoku", "予算を確保した。しかし、人員が不足している。しかし、継続する。", "しかし"),
    ("kobun.touten-kata", "申請書は、記入例を参考にして、必要事項を記入し、書類をそろえて、提出する。", "、"),
    ("kobun.jouchou", "約100人程度が参加した。", "約100人程度"),
    ("kobun.kakko-taiou", "「申請書の様式は、窓口で配布します。", "「"),
    ("kobun.kuten-nuke", "説明会を開催します。資料は後日送付します  ", "す"),
    ("kobun.kakko-taiou", "詳細は別紙）を御覧ください。", "）"),
])
def test_notes_have_a_span_and_no_replacement(rule, text, span):
    report = check(text)
    notes = [n for n in report.notes if n.rule == rule]
    assert len(notes) == 1
    n = notes[0]
    assert text[n.start:n.end] == n.original == span
    assert n.convention == RULES[rule].convention and n.reason
    assert not hasattr(n, "replacement")


def test_mixed_styles_note_the_minority_in_one_paragraph():
    text = "この制度は市民のためのものです。申請は窓口で受け付ける。その後、審査を行います。"
    notes = check(text).notes
    assert [(n.rule, text[n.start:n.end]) for n in notes] == [("kobun.buntai", "受け付ける")]
    # separate paragraphs (rules in である体, explanations in です・ます体) are not a mix
    assert check("第1条 この要綱は、令和7年4月1日から施行する。\n\n解説は次のとおりです。").notes == []


def test_offsets_stay_inside_each_line():
    text = "資料を確認して下さい\n会議を行なう\n誰でも利用が出来る"
    report = check(text)
    assert len(report.corrections) == 3
    for c in report.corrections:
        assert "\n" not in text[c.start:c.end]


def test_every_rule_has_an_id_a_convention_and_a_kind():
    assert all(r.id.startswith("kobun.") and r.convention and r.kind in ("edit", "note") for r in RULES.values())
    used = {e.rule for rows in lexicon.words().values() for e in rows}
    assert used <= set(RULES)


def test_data_files_name_their_sources():
    for path in sorted((Path(lexicon.DATA)).glob("*.tsv")):
        header = "".join(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#"))
        assert any(src in header for src in ("公用文", "送り仮名の付け方", "外来語の表記", "常用漢字表")), path.name


def _lines(name: str) -> list[str]:
    return [line for line in (HERE / name).read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]


def test_clean_corpus_is_left_alone():
    clean = _lines("clean.txt")
    assert len(clean) >= 150
    noisy = [(t, check(t)) for t in clean]
    assert [(t, r.corrections, r.notes) for t, r in noisy if r.corrections or r.notes] == []


def test_labelled_problems_are_found_by_their_rule():
    rows = [line.split("\t") for line in _lines("problems.tsv")]
    assert len(rows) >= 150
    missed = []
    for labels, text in rows:
        report = check(text)
        found = {c.rule for c in report.corrections} | {n.rule for n in report.notes}
        if not set(labels.split(",")) <= found:
            missed.append((labels, text, found))
    assert missed == []


@pytest.mark.shared
def test_the_city_guideline_gets_only_the_explained_findings():
    """The guideline is clean official text except five spots (docs/proofreading.md explains
    each: the 2010 訓令 writes 及び・又は in kanji, とともに and ない in kana; 〜できる is shorter)."""
    path = SHARED_DIR / "guideline" / "osaka-genai-guideline-v2.1.ja.txt"
    require("SHARED", path.exists(), f"guideline text not found at {path}")
    report = check(path.read_text(encoding="utf-8"))
    assert report.notes == []
    assert sorted((c.rule, c.original, c.replacement) for c in report.corrections) == [
        ("kobun.joshi-jodoushi", "と共に", "とともに"),
        ("kobun.jouchou", "することができる", "できる"),
        ("kobun.kana-goku", "無い", "ない"),
        ("kobun.setsuzokushi", "および", "及び"),
        ("kobun.setsuzokushi", "または", "又は"),
    ]


_PIECES = st.sampled_from([
    "事", "時", "下さい", "て", "で", "見れる", "書かさせ", "てる", "、", "。", "，", ",", ".", "(", ")", "「", "」",
    "１２", "ｶﾞ", "カ\u3099", "\u200b", "\r", "\t", " ", "　", "\n", "\n\n", "が", "を", "しかし", "です", "である",
    "1000円", "三回", "または", "サーバ", "行なう", "ないわけではない", "😀", "\x00", "A", "ー", "－",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=40).map("".join))
def test_any_text_gives_well_placed_results(text):
    report = check(text)
    last_end = -1
    for c in report.corrections:
        assert text[c.start:c.end] == c.original and c.start >= last_end and c.rule in RULES
        assert "\n" not in c.original
        last_end = c.end
    for n in report.notes:
        assert 0 <= n.start < n.end <= len(text) and text[n.start:n.end] == n.original and n.rule in RULES
    result = offline.proofread(text)
    assert apply_edits(text, result.edits) == result.text
