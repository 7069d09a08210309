"""The model path: the prompt states the requested form, and the answer is held to it.

Real HTTP to the local OpenAI-compatible server (tests/fakes); a scripted answer that does not
keep to the form brings a common-7 warning finding (staff must edit it), never a block. The
offline path reports a sentence that cannot fit in the same way.
"""

from __future__ import annotations

import json

import pytest

from addin_server.services import services
from tests.api.test_endpoints import parse_sse
from tests.conftest import DEV_USER
from tests.fakes.openai_server import Step

SOURCE = """令和6年度 地域見守り推進事業 報告
１ 事業の概要
本事業は、ひとり暮らしの高齢者を地域で見守り、孤立を防ぐことを目的としています。
２ 令和6年度の実績
令和6年度は、見守りの対象者が2,415人となり、前年度より183人増えました。
訪問活動は延べ18,640回で、うち電話による安否確認は6,210回でした。
３ 課題
ボランティアの高齢化が進み、活動を担う人が不足しています。"""


def post(c, path, body):
    return c.post(path, data=json.dumps(body), content_type="application/json", headers=DEV_USER)


def form_warnings(body: dict) -> list[dict]:
    return [f for f in body["findings"] if f["rule"] == "common-7"]


@pytest.mark.parametrize("instruction, expected", [
    ("箇条書きで3点にまとめて", "箇条書きで3点（各行を「・」で始める）"),
    ("100字以内で", "100字以内"),
    ("200字程度で", "200字程度（140〜260字）"),
    ("3行で", "3行（1行に1文）"),
    ("一文で", "一文"),
])
def test_the_prompt_states_the_requested_form(llm_client, fake_llm, instruction, expected):
    post(llm_client, "/api/v1/summarize", {"text": SOURCE, "host": "word", "instruction": instruction})
    system = fake_llm.requests[0].body["messages"][0]["content"]
    assert f"職員が求める形式と長さ: {expected}。" in system
    assert "見出し" in system and "文の途中で改行" in system


def test_without_an_instruction_the_prompt_asks_for_a_third_and_at_most_400(llm_client, fake_llm):
    post(llm_client, "/api/v1/summarize", {"text": SOURCE, "host": "word"})
    system = fake_llm.requests[0].body["messages"][0]["content"]
    assert "およそ3分の1" in system and "400字以内" in system


@pytest.mark.parametrize("instruction, answer, problem", [
    ("箇条書きで3点にまとめて", "・見守りの対象者は2,415人でした。\n・担い手が不足しています。", "箇条書き3点の指定に対し、2行あります。"),
    ("箇条書きで3点にまとめて", "見守りの対象者は2,415人でした。\n担い手が不足しています。\n訪問は延べ18,640回でした。",
     "「・」で始まらない行があります。"),
    ("3行で", "見守りの対象者は2,415人となり、前年度より183人増えました。", "3行の指定に対し、1行あります。"),
    ("50字以内で", "本事業は、ひとり暮らしの高齢者を地域で見守り、孤立を防ぐことを目的としています。令和6年度は、見守りの対象者が2,415人となりました。",
     "「50字以内」の指定を超えています（68字）。"),
    ("一文で", "対象者は2,415人です。担い手が不足しています。", "一文の指定に対し、2文あります。"),
    ("100字程度で", "対象者は2,415人です。", "「100字程度」（70〜130字）から外れています（13字）。"),
    (None, "２ 令和6年度の実績\n対象者は2,415人です。", "原文の見出しがそのまま要約の文として出力されています。"),
])
def test_an_answer_out_of_form_gets_a_common_7_warning(llm_client, fake_llm, instruction, answer, problem):
    fake_llm.push(Step(content=answer))
    resp = post(llm_client, "/api/v1/summarize", {"text": SOURCE, "host": "word", "instruction": instruction})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["result"]["text"] == answer  # the answer is shown as it is, for staff to edit
    warnings = form_warnings(body)
    assert len(warnings) == 1 and warnings[0]["severity"] == "warn"
    assert problem in warnings[0]["message"]


@pytest.mark.parametrize("instruction, answer", [
    ("箇条書きで3点にまとめて", "・事業は高齢者の孤立を防ぐことが目的です。\n・対象者は2,415人でした。\n・担い手が不足しています。"),
    ("3行で", "事業は高齢者の孤立を防ぐことが目的です。\n対象者は2,415人でした。\n担い手が不足しています。"),
    ("50字以内で", "見守りの対象者は2,415人で、担い手が不足しています。"),
    ("一文で", "見守りの対象者は2,415人に増え、担い手が不足しています。"),
    (None, "見守りの対象者は2,415人に増え、担い手が不足しています。"),
])
def test_an_answer_in_form_gets_no_warning(llm_client, fake_llm, instruction, answer):
    fake_llm.push(Step(content=answer))
    body = post(llm_client, "/api/v1/summarize",
                {"text": SOURCE, "host": "word", "instruction": instruction}).get_json()
    assert form_warnings(body) == []


def test_the_streamed_answer_is_checked_too(llm_client, fake_llm, llm_app):
    fake_llm.push(Step(content="・対象者は2,415人でした。"))
    resp = post(llm_client, "/api/v1/summarize/stream",
                {"text": SOURCE, "host": "word", "instruction": "箇条書きで3点"})
    events = parse_sse(resp.get_data(as_text=True))
    kind, result = events[-1]
    assert kind == "result"
    warnings = form_warnings(result)
    assert len(warnings) == 1 and "1行あります" in warnings[0]["message"]
    record = services(llm_app).service.store.get(result["request_id"])
    assert "common-7" in record["rules"]  # the warning is in the audit record too


def test_offline_a_limit_no_sentence_fits_gives_a_note_not_a_cut_sentence(client):
    body = post(client, "/api/v1/summarize", {"text": SOURCE, "host": "word", "instruction": "20字以内で"}).get_json()
    assert body["result"]["text"] == ""
    (warning,) = form_warnings(body)
    assert "収まる文が原文にありません" in warning["message"] and "最も短い文でも" in warning["message"]


def test_offline_summary_in_the_requested_form_over_http(client):
    body = post(client, "/api/v1/summarize",
                {"text": SOURCE, "host": "word", "instruction": "箇条書きで3点にまとめて"}).get_json()
    lines = body["result"]["text"].split("\n")
    assert len(lines) == 3 and all(line.startswith("・") for line in lines)
    assert all(line[1:] in SOURCE.split("\n") for line in lines)
    assert form_warnings(body) == []


def test_offline_fewer_sentences_than_asked_says_so(client):
    body = post(client, "/api/v1/summarize",
                {"text": SOURCE, "host": "word", "instruction": "10行で"}).get_json()
    assert len(body["result"]["text"].split("\n")) == 4  # every sentence of the source, headings excluded
    (warning,) = form_warnings(body)
    assert "10行の指定に対し" in warning["message"] and "4行です" in warning["message"]
