"""Known answers for the structure reader and the instruction reader."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies

from addin_server.llm.summary import FormSpec, check_answer, parse_instruction, read_structure, summarize


@pytest.mark.parametrize("instruction, spec", [
    (None, FormSpec()),
    ("簡潔に", FormSpec()),
    ("100字以内で", FormSpec(max_chars=100, instructed=True)),
    ("１００字以内でお願いします", FormSpec(max_chars=100, instructed=True)),
    ("百字以内", FormSpec(max_chars=100, instructed=True)),
    ("150文字以下", FormSpec(max_chars=150, instructed=True)),
    ("100字未満", FormSpec(max_chars=99, instructed=True)),
    ("二百字程度で", FormSpec(target_chars=200, instructed=True)),
    ("約300字", FormSpec(target_chars=300, instructed=True)),
    ("200字くらいで", FormSpec(target_chars=200, instructed=True)),
    ("三行で", FormSpec(count=3, form="lines", instructed=True)),
    ("3行の箇条書きで", FormSpec(count=3, form="bullets", instructed=True)),
    ("箇条書きにして", FormSpec(form="bullets", instructed=True)),
    ("要点を５点で", FormSpec(count=5, form="bullets", instructed=True)),
    ("箇条書きで4つ", FormSpec(count=4, form="bullets", instructed=True)),
    ("一文で", FormSpec(count=1, instructed=True)),
    ("2文で", FormSpec(count=2, instructed=True)),
    ("150字以内で箇条書き", FormSpec(max_chars=150, form="bullets", instructed=True)),
    ("実行計画の行政用語はそのままで", FormSpec()),  # 行 of 実行/行政 is no line count
    ("文字化けに注意", FormSpec()),
])
def test_instructions(instruction, spec):
    assert parse_instruction(instruction) == spec


def test_lines_wrapped_inside_a_sentence_are_joined_and_headings_kept_apart():
    text = ("第２章 事業の実施状況\n"
            "１ 相談窓口の運営\n"
            "令和6年度は、区役所の相談窓口に寄せられた相談が1,2\n"
            "\n"
            "04件となり、前年度より96件増えました。相談の内容は、\n"
            "- 3 -\n"
            "子育てに関するものが最も多く、全体の34％を占めま\n"
            "した。\n"
            "２ 今後の方針\n"
            "相談員を2名増やします。\n")
    st = read_structure(text)
    assert st.headings == ["第２章 事業の実施状況", "１ 相談窓口の運営", "２ 今後の方針"]
    assert [u.text for u in st.units] == [
        "令和6年度は、区役所の相談窓口に寄せられた相談が1,204件となり、前年度より96件増えました。",
        "相談の内容は、子育てに関するものが最も多く、全体の34％を占めました。",
        "相談員を2名増やします。",
    ]
    parts = [u.part for u in st.units]
    assert parts[0] == parts[1] != parts[2]  # the numbered headings make the parts


def test_a_word_cut_by_the_line_break_is_joined_and_word_paragraphs_are_not():
    pdf = ("※2 本市専用のネットワーク（組織の閉じた網）における「共通クラウド」に構\n"
           "\n"
           "築し、安全な利用環境として整備\n")
    assert [u.text for u in read_structure(pdf).units] == [
        "本市専用のネットワーク（組織の閉じた網）における「共通クラウド」に構築し、安全な利用環境として整備"]
    word = ("禁止事項の例\n"
            "チャットボットが、職員の確認を介さずに、生成した文章を市民に直接回答する\n"
            "大阪市が承認している環境以外で生成AIを利用することは禁止しています。\n")
    assert [u.text for u in read_structure(word).units] == [
        "チャットボットが、職員の確認を介さずに、生成した文章を市民に直接回答する",
        "大阪市が承認している環境以外で生成AIを利用することは禁止しています。"]


def test_titles_meta_lines_and_bracketed_labels():
    text = ("臨時窓口の開設について\n"
            "日時：令和6年8月3日（土）午前9時から正午まで\n"
            "場　所：北区役所 1階\n"
            "【概要】\n"
            "土曜日に、転入と転出の手続ができる臨時窓口を開設します。\n"
            "【回答】マイナンバーカードの手続もできます。\n")
    st = read_structure(text)
    assert st.title == "臨時窓口の開設について"
    assert st.headings == ["臨時窓口の開設について", "【概要】"]
    assert [(u.kind, u.text) for u in st.units] == [
        ("meta", "日時：令和6年8月3日（土）午前9時から正午まで"),
        ("meta", "場　所：北区役所 1階"),
        ("sentence", "土曜日に、転入と転出の手続ができる臨時窓口を開設します。"),
        ("item", "マイナンバーカードの手続もできます。"),
    ]


def test_a_list_of_phrases_is_neither_heading_nor_sentence():
    text = "研修の内容\n①講義\n②演習\n③実習\n受講者の91％が「役に立った」と回答した。"
    st = read_structure(text)
    assert [u.text for u in st.units] == ["受講者の91％が「役に立った」と回答した。"]
    assert "①講義" not in st.headings


def test_a_period_inside_quotes_or_parentheses_does_not_end_the_sentence():
    text = "説明会では「質問は受付で。」と案内した（資料は当日配布。なお郵送も可）。次回は9月です。"
    assert [u.text for u in read_structure(text).units] == [
        "説明会では「質問は受付で。」と案内した（資料は当日配布。なお郵送も可）。", "次回は9月です。"]


def test_a_repeated_sentence_is_output_once():
    rule = "個人情報を含む資料は、施錠できる書庫に保管してください。"
    text = "\n".join([f"１ 保管のルール\n{rule}", "２ 点検\n毎月、課長が保管の状況を点検します。",
                      f"３ まとめ\n{rule}", "点検の結果は、翌月の課内会議で報告します。"])
    result = summarize(text, "3行で")
    assert result.text.split("\n").count(rule) == 1


def test_meta_lines_appear_in_lists_but_not_in_prose():
    text = ("防災講演会のお知らせ\n地震への備えについての講演会を開催します。\n"
            "日時：令和6年9月7日（土）午後2時から\n場所：市民会館 大ホール\n参加費は無料です。")
    assert "日時：" not in summarize(text, "100字以内で").text
    assert "・日時：令和6年9月7日（土）午後2時から" in summarize(text, "箇条書きで3点").text.split("\n")


def test_a_sentence_without_a_period_gets_one_in_prose_only():
    text = "１ 申請の方法\n・申請書は、区役所の窓口で受け付ける\n・郵送による申請も受け付ける\n受付は平日のみです。"
    assert summarize(text, "一文で").text.endswith("。")
    assert "・申請書は、区役所の窓口で受け付ける" in summarize(text, "箇条書きで3点").text.split("\n")


def test_check_answer_counts_without_line_breaks():
    assert check_answer("・一つ目です。\n・二つ目です。", "14字以内で箇条書き") == []
    assert check_answer("・一つ目です。\n・二つ目です。", "13字以内で箇条書き") == [
        "要約が「13字以内」の指定を超えています（14字）。"]


_PIECES = strategies.sampled_from([
    "市は", "令和6年度から", "事業を", "実施します", "。", "、", "\n", "\n\n", "１ ", "（２）", "・", "第3章 ",
    "【概要】", "日時：", "「", "」", "（", "）", "1,204件", "です", "を", "る", "- 2 -", "\u3000", " ", "？",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=strategies.lists(_PIECES, max_size=60).map("".join),
       instruction=strategies.sampled_from([None, "3行で", "30字以内で", "一文で", "箇条書きで2点", "50字程度"]))
def test_any_text_gives_source_sentences_within_the_limit(text, instruction):
    """Whatever the input, no error; every output sentence is a piece of the source read without
    its line breaks; a hard limit holds."""
    result = summarize(text, instruction)
    # A sentence wrapped across a page goes on after the page number (「- 2 -」, or a line holding
    # only a number such as 「１ 」), by design.
    source = "".join(line.strip(" \t\u3000") for line in text.split("\n") if not _PAGE_LINE.fullmatch(line))
    lines = result.text.split("\n") if result.text else []
    for line in lines:
        piece = line.removeprefix("・") if instruction and "箇条書き" in instruction else line
        if instruction in (None, "30字以内で", "一文で", "50字程度"):
            assert all(part in source for part in _prose_parts(piece)), (text, result.text)
        else:
            assert piece in source, (text, result.text)
    if instruction == "30字以内で":
        assert len(result.text) <= 30
    if not result.text:
        assert result.notes


_PAGE_LINE = re.compile(r"[-\s\u3000]*[0-9０-９]{1,3}[-\s\u3000]*")


def _prose_parts(prose: str) -> list[str]:
    """Prose cut after each sentence end, without a 。 (an item written without one gets one)."""
    parts = re.findall(r"[^。！？!?]*[。！？!?]+[」』）)】〕］]*|[^。！？!?]+$", prose)
    return [p.removesuffix("。") for p in parts if p]


def test_a_number_alone_on_a_line_is_a_page_number_the_sentence_goes_on_after() -> None:
    # Found by the property above: 「１ 」 alone on a line is read as a page number.
    result = summarize("市は令和6年度から、\n１ \n事業を実施します。", None)
    assert result.text == "市は令和6年度から、事業を実施します。"
