"""common-5 (facts, expressions) and common-6 (verbatim passages) on the model's answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import ClassVar

import pytest
from flask import Flask

from addin_server.llm import offline
from addin_server.policy import PolicyEngine, PolicyRequest
from addin_server.policy.detectors import expressions, verbatim
from addin_server.policy.detectors.facts import Source, find_unsupported
from addin_server.policy.rules import (
    ALL_RULES,
    DuplicateRuleError,
    OutputCheckRule,
    OutputRule,
    VerbatimPassageRule,
    registry,
)
from addin_server.policy.textnorm import compare_key, fold, kanji_to_int

SOURCE = (
    "令和6年4月1日から、市内の保育所の利用料を3万円に改定します。対象は約12,000世帯です。"
    "担当は大阪市こども青少年局です。二〇二三年度の実績は百二十件でした。"
)


@pytest.mark.parametrize(
    ("output", "flagged"),
    [
        ("2024年4月1日から利用料を30,000円に改定。", []),  # era year, 万 and separators folded
        ("対象は約1万2千世帯。2023年度は120件。", []),  # 漢数字 on both sides
        ("対象は約１２，０００世帯。", []),  # full-width digits and comma
        ("大阪市こども青少年局が担当します。", []),
        ("要点は3点です。十分に検討し、一人ひとりに配慮。", []),  # structure and idioms, not facts
        ("令和7年5月から実施。", ["令和7年5月"]),  # one date, not two numbers
        ("利用料は3.5万円です。", ["3.5万円"]),
        ("対象は15,000世帯です。", ["15,000世帯"]),
        ("東京都でも実施されています。", ["東京都"]),
    ],
)
def test_unsupported_facts(output: str, flagged: list[str]) -> None:
    found = find_unsupported(output, Source.of([SOURCE]))
    assert [f.text for f in found] == flagged
    for f in found:
        assert output[f.start : f.end].strip() == f.text


def test_fact_kinds() -> None:
    found = find_unsupported("令和7年に5万円、東京都で。", Source.of([SOURCE]))
    assert {f.kind for f in found} == {"date", "amount", "proper_noun"}


@pytest.mark.parametrize(
    ("kanji", "value"),
    [("二〇二四", 2024), ("三百五十", 350), ("1万2千", 12000), ("百二十", 120), ("十", 10), ("三億", 300000000),
     ("あ", None)],
)
def test_kanji_to_int(kanji: str, value: int | None) -> None:
    assert kanji_to_int(kanji) == value


def test_fold_keeps_length() -> None:
    s = "１２３４－５６７８　ＡＢ＠ｃ"
    assert len(fold(s)) == len(s) and fold(s) == "1234-5678 AB@c"


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("父兄の皆さんへ", ["父兄"]),
        ("スチュワーデスとして勤務", ["スチュワーデス"]),
        ("精神分裂病の治療", ["精神分裂病"]),
        ("看護婦さん", ["看護婦"]),
        ("ホモジニアスな材料", []),  # katakana term inside a longer word
        ("保護者の皆さんへ", []),
        ("客室乗務員として勤務", []),
    ],
)
def test_inappropriate_expressions(text: str, terms: list[str]) -> None:
    assert [m.term.term for m in expressions.find(text)] == terms


def test_term_list_records_source_and_licence() -> None:
    from importlib import resources

    head = resources.files("addin_server.policy").joinpath("data/inappropriate_terms.tsv").read_text("utf-8")
    assert "Source:" in head and "Licence:" in head
    assert len(expressions.terms()) >= 30
    assert all(t.suggestion for t in expressions.terms())


VERBATIM_SOURCE = "本市では、令和6年度から全職員による生成AIの本格的な利用を開始しました。業務の効率化と質の向上が期待されます。"


@pytest.mark.parametrize(
    ("output", "kinds"),
    [
        ("生成AIの本格利用を開始。「吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。」", ["quotation"]),
        ("> 祇園精舎の鐘の声、諸行無常の響きあり。沙羅双樹の花の色、盛者必衰の理をあらはす。", ["block_quote"]),
        ("出典：ある有名な小説の冒頭部分から抜粋した一節をここに掲載しています。", ["attributed"]),
        ("今日は天気が良く、近所の公園で子どもたちがサッカーやバドミントンを楽しんでいる姿を見かけたので、"
         "私もつい嬉しくなって一緒に走り回りました。", ["unrelated"]),
        # negatives: quoting the source itself, short quotes, a real summary
        ("「令和6年度から全職員による生成AIの本格的な利用を開始しました」とあります。", []),
        ("「効率化」が期待されます。", []),
        ("令和6年度から全職員が生成AIの本格的な利用を開始し、業務の効率化と質の向上が期待されている。", []),
    ],
)
def test_verbatim_passages(output: str, kinds: list[str]) -> None:
    found = verbatim.find(output, compare_key(VERBATIM_SOURCE))
    assert [v.kind for v in found] == kinds


def test_output_rules_through_engine_give_spans_into_output() -> None:
    engine = PolicyEngine(profile="oasis")
    req = PolicyRequest(user="u1", operation="summarize", text=SOURCE)
    output = "令和6年4月1日から利用料を5万円に改定。父兄への周知は東京都と連携。"
    findings = engine.check_output(req, output)
    assert {f.rule for f in findings} == {"common-5"}
    assert all(f.severity == "warn" for f in findings)
    spans = {output[s.start : s.end] for f in findings for s in f.spans}
    assert {"5万円", "父兄", "東京都"} <= spans


def test_clean_summary_has_no_findings() -> None:
    engine = PolicyEngine(profile="rag")
    req = PolicyRequest(user="u1", operation="summarize", text=SOURCE)
    assert engine.check_output(req, "令和6年4月1日から保育所の利用料を3万円に改定。対象は約12,000世帯。") == ()


# -- one rule per ID (issue 14) ------------------------------------------------------------------

def test_common_5_is_one_rule_running_both_detectors() -> None:
    assert [cls for cls in ALL_RULES if cls.id == "common-5"] == [OutputCheckRule]
    engine = PolicyEngine(profile="oasis")
    assert engine.rule_ids.count("common-5") == 1
    req = PolicyRequest(user="u1", operation="summarize", text=SOURCE)
    findings = engine.check_output(req, "利用料は5万円です。父兄の皆さまへ。")
    messages = [f.message for f in findings if f.rule == "common-5"]
    assert len(messages) == 2
    assert any("「5万円」" in m for m in messages) and any("「父兄」" in m for m in messages)


def test_registry_rejects_a_second_class_for_an_id() -> None:
    class Another(OutputRule):
        id: ClassVar[str] = "common-5"

        def check(self, req, output, ctx):  # type: ignore[no-untyped-def]
            return []

    with pytest.raises(DuplicateRuleError, match="common-5"):
        registry([OutputCheckRule, VerbatimPassageRule, Another])
    assert list(registry([OutputCheckRule, VerbatimPassageRule])) == ["common-5", "common-6"]


# -- source spans beside answer spans ------------------------------------------------------------

def test_findings_carry_the_source_span_they_were_compared_with() -> None:
    source = "入館料は大人600円、中学生以下200円です。"
    req = PolicyRequest(user="u1", operation="summarize", text=source)
    output = "入館料は大人200円です。"
    (finding,) = PolicyEngine().check_output(req, output)
    (item,) = finding.data["items"]
    assert output[item["start"] : item["end"]] == "200円" == item["text"]
    assert item["status"] == "contradicts"
    src = item["source"]
    assert source[src["start"] : src["end"]] == "600円" == src["text"]
    assert "「入館料の大人」は600円" in finding.message  # the subject with its topic (入館料は大人…)
    assert json.dumps(finding.to_dict(), ensure_ascii=False)  # plain JSON for the API


# -- values the offline table summary computed (issue 12, point 9) ---------------------------------

CELLS: list[list[object]] = [["区", "件数"], ["北区", 10], ["中央区", 30], ["西区", 25]]


def test_offline_table_summary_names_what_it_computed() -> None:
    text, computed = offline.summarize_cells_computed(CELLS)
    assert text == offline.summarize_cells(CELLS)
    assert "「件数」の合計は65、平均は21.67です。" in text
    by_value = {c["value"]: c["formula"] for c in computed}
    assert by_value["65"] == "「件数」の合計 = 10 + 30 + 25"
    assert by_value["21.67"] == "「件数」の平均 = 合計 65 ÷ 3件"


def test_computed_values_are_reported_as_such_not_as_missing() -> None:
    text, computed = offline.summarize_cells_computed(CELLS)
    req = PolicyRequest(user="u1", operation="summarize", cells=CELLS)
    engine = PolicyEngine()
    (before,) = engine.check_output(req, text)
    assert "見当たらない" in before.message  # what staff saw before: "not in the source"
    (f,) = engine.check_output(req, text, computed)
    assert f.severity == "warn" and f.data["computed"] is True
    assert "計算値" in f.message and "「件数」の合計 = 10 + 30 + 25" in f.message
    assert "見当たらない" not in f.message
    assert {text[s.start : s.end] for s in f.spans} >= {"65", "21.67"}


def test_computed_values_through_the_api(make_app: Callable[..., Flask]) -> None:
    c = make_app(PROFILE="oasis").test_client()
    c.environ_base.update({"REMOTE_ADDR": "127.0.0.1"})
    resp = c.post("/api/v1/summarize", data=json.dumps({"host": "excel", "cells": CELLS}),
                  content_type="application/json", headers={"X-Oasis-User": "tanaka"})
    assert resp.status_code == 200
    body = resp.get_json()
    common5 = [f for f in body["findings"] if f["rule"] == "common-5"]
    assert len(common5) == 1
    assert "計算値" in common5[0]["message"] and "「件数」の合計 = 10 + 30 + 25" in common5[0]["message"]


@pytest.mark.parametrize("text", [
    SOURCE, VERBATIM_SOURCE, "ｶﾞｲﾄﾞﾗｲﾝ　ＡＢＣ１２３（注）①㎡～！？", "か\u3099くせい　①②③ ㈱ ﾃﾞｰﾀ", "Ｒｅｉｗａ　令和７年",
])
def test_the_fast_comparison_key_is_the_comparison_key(text: str) -> None:
    from addin_server.policy.detectors.facts import fast_compare_key

    assert fast_compare_key(text) == compare_key(text)
    assert fast_compare_key(fold(text)) == compare_key(text)


def test_dates_close_together_are_read_whole() -> None:
    from addin_server.policy.detectors.quantities import find_dates

    text = "受付は令和8年4月1日(水)から2026年5月31日(日)まで、説明会は2026-04-15、相談は4/20から。"
    found = [(d.year, d.month, d.day, d.weekday) for d in find_dates(text)]
    assert found == [(2026, 4, 1, 2), (2026, 5, 31, 6), (2026, 4, 15, None), (None, 4, 20, None)]


def test_noon_is_twelve_o_clock() -> None:
    src = Source.of(["会議は午前10時から正午までです。"])
    assert [f.text for f in find_unsupported("会議は10時から12時までです。", src)] == []
    assert [f.text for f in find_unsupported("会議は10時から12:00までです。", src)] == []
    assert [f.text for f in find_unsupported("会議は10時から13時までです。", src)] == ["13時"]
    # 正午 in the answer is a time like any other.
    assert [f.text for f in find_unsupported("会議は正午に終わります。", Source.of(["会議は11時まで。"]))] == ["正午"]


def test_a_total_is_not_a_value_of_its_subject() -> None:
    src = Source.of(["北区の相談件数は120件、中央区の相談件数は80件でした。"])
    (found,) = find_unsupported("北区と中央区の相談件数は合計200件でした。", src)
    assert (found.text, found.status) == ("200件", "derived")  # never "contradicts" 120件
    assert find_unsupported("相談件数の合計は200件です。", Source.of([src.text + "合計は200件です。"])) == []


def test_an_answer_subject_may_be_the_source_values_topic() -> None:
    src = Source.of(["上限は100万円です（高齢者世帯は上限120万円）。"])
    (found,) = find_unsupported("上限は一般世帯120万円、高齢者世帯100万円です。", src)
    assert (found.text, found.status) == ("100万円", "contradicts")
    assert found.detail.startswith("元の文章では「高齢者世帯」は120万円です")
    (found,) = find_unsupported("高齢者世帯の上限は100万円です。", src)
    assert found.detail.startswith("元の文章では「高齢者世帯の上限」は120万円です")
    assert find_unsupported("高齢者世帯の上限は120万円、ほかは上限100万円です。", src) == []


# Conversions a faithful answer makes (none flagged) and the wrong values beside them (flagged),
# found by trying variations of the second held-out set's documents.
CONVERSIONS = [
    ("総事業費は3億5,000万円です。", "総事業費は3億5千万円です。", []),
    ("予算は5千万円です。", "予算は50,000千円です。", []),
    ("予算は3百万円です。", "予算は300万円です。", []),
    ("歳出総額は1兆9,000億円規模です。", "歳出総額は1兆9千億円規模です。", []),
    ("歳出総額は1兆9,000億円規模です。", "歳出総額は約1.9兆円規模です。", []),
    ("第1回は5月10日、第2回は6月14日です。", "講座は全2回です。", []),
    ("第1回は5月10日、第2回は6月14日です。", "3回目は7月12日です。", ["3回", "7月12日"]),
    ("予算は5千万円です。", "予算は500万円です。", ["500万円"]),
    ("補助額は工事費の2分の1です。", "補助額は工事費の50%です。", []),
    ("補助額は工事費の3分の1です。", "補助額は工事費の約33%です。", []),
    ("補助額は工事費の3分の1です。", "補助額は工事費の三分の一です。", []),
    ("補助額は工事費の3分の1です。", "補助額は工事費の3分の2です。", ["3分の2"]),
    ("補助額は工事費の3分の1です。", "補助額は工事費の50%です。", ["50%"]),
    ("第3回の会議です。", "3回目の会議です。", []),
    ("第2回の説明会", "3回目の説明会", ["3回"]),
    ("説明は1時間30分です。", "説明は90分です。", []),
    ("会議は1時間30分を予定", "会議は1時間半を予定", []),
    ("会議は1時間30分を予定", "会議は2時間30分を予定", ["2時間30分"]),
    ("期間は18か月です。", "期間は1年半です。", []),
    ("期間は1年半です。", "期間は2年半です。", ["2年半"]),
    ("2025年半ばに開始します。", "2025年半ばに開始します。", []),
    ("満足度は72.5%でした。", "満足度は7割超でした。", []),
    ("参加者は100人でした。", "参加者は100人程度でした。", []),
    ("参加者は100人でした。", "参加者は200人程度でした。", ["200人"]),
    ("電話 06-6208-8111", "電話06(6208)8111", []),
    ("電話 06-6208-8111", "電話06(6208)8112", ["06(6208)8112"]),
]


def test_a_span_between_two_times_is_a_derived_duration() -> None:
    (found,) = find_unsupported("受付時間は8時間です。", Source.of(["受付は午前9時から午後5時までです。"]))
    assert (found.text, found.status) == ("8時間", "derived")
    assert "午後5時 － 午前9時" in found.detail


# Names, years and totals beside them (same origin as CONVERSIONS).
BESIDE = [
    ("担当：こども青少年局子育て支援部", "こども青少年局子育て支援部が担当します。", []),
    ("担当：こども青少年局子育て支援部", "担当はこども青少年局子育て推進部です。", ["推進部"]),
    ("第1部は講演、第2部は討論です。", "第1部で講演、第2部で討論を行います。", []),
    ("本事業は個人情報の保護に関する法律に基づき実施します。", "本事業は個人情報保護法に基づき実施します。", []),
    ("本事業は個人情報の保護に関する法律に基づき実施します。", "本事業は情報公開法に基づき実施します。", ["情報公開法"]),
    ("詳しくはホームページをご覧ください。", "詳しくは大阪市のホームページをご覧ください。", []),
    ("令和6年度の予算額は5,000万円、令和7年度の予算額は6,000万円です。", "令和7年度の予算額は5,000万円です。",
     ["5,000万円"]),
    ("令和6年度の予算額は5,000万円、令和7年度の予算額は6,000万円です。", "2025年度の予算額は6,000万円です。", []),
    ("令和6年度の予算額は5,000万円、令和7年度の予算額は6,000万円です。", "予算額は6,000万円です。", []),
    ("令和元年の人口は約270万人です。", "2019年の人口は約270万人です。", []),
    ("前年度の相談件数は120件、令和7年度の相談件数は150件でした。", "令和7年度は120件でした。", ["120件"]),
    ("前年度の相談件数は120件、令和7年度の相談件数は150件でした。", "2025年度は150件、前年度は120件でした。", []),
    ("相談件数は120件でした。累計相談件数は900件です。", "相談件数は120件、累計では900件です。", []),
    ("定員は各回30名です。全4回実施します。", "延べ定員は120人です。", ["120人"]),  # derived: 30名 × 4回
]


@pytest.mark.parametrize(("source", "answer", "expected"), CONVERSIONS + BESIDE)
def test_faithful_rewrites_pass_and_wrong_facts_are_flagged(source: str, answer: str, expected: list[str]) -> None:
    assert [f.text for f in find_unsupported(answer, Source.of([source]))] == expected


def test_a_total_count_may_be_a_product_to_check() -> None:
    (found,) = find_unsupported("延べ定員は120人です。", Source.of(["定員は各回30名です。全4回実施します。"]))
    assert found.status == "derived" and "30名 × 4回" in found.detail


@pytest.mark.parametrize(("text", "terms"), [
    ("保健婦さんが家庭を訪問しました。", ["保健婦"]),
    ("特殊学級に在籍する児童", ["特殊学級"]),
    ("精神病院に入院した", ["精神病院"]),
    ("登校拒否の児童への支援", ["登校拒否"]),
    ("保父さんが見守ります。", ["保父"]),
    ("精神科病院に入院した", []),
    ("保健師と助産師が対応します。", []),
    ("こどもりょういくセンターで相談", []),  # どもり inside a word is not the term
])
def test_renamed_terms_are_found_as_words(text: str, terms: list[str]) -> None:
    assert [m.term.term for m in expressions.find(text)] == terms
