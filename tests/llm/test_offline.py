"""The offline engine: extractive summaries and 公用文 proofreading rules."""

from __future__ import annotations

import pytest

from addin_server.llm import offline
from addin_server.llm.edits import apply_edits

DOC = (
    "大阪市では生成AIの利用に関するガイドラインを定めました。職員は業務で生成AIを利用する際、"
    "このガイドラインに従う必要があります。個人情報の入力には制限があります。"
    "マイナンバーを含む情報は入力できません。生成AIの出力は職員が確認し、必要に応じて修正してから利用します。"
)


def test_summary_is_extractive_and_shorter():
    summary = offline.summarize_text(DOC)
    assert 0 < len(summary) < len(DOC)
    for sentence in offline.sentences(summary):
        assert sentence in DOC


def test_summary_respects_a_character_limit():
    assert len(offline.summarize_text(DOC, "60字以内で")) <= 60
    assert len(offline.summarize_text(DOC, "６０字以内で")) <= 60  # full-width digits too


def test_summary_of_cells_reports_shape_and_totals():
    text = offline.summarize_cells([["区", "件数"], ["北区", 10], ["中央区", 30]])
    assert "2行2列" in text and "「件数」の合計は40" in text and "平均は20" in text


@pytest.mark.parametrize("before, after", [
    ("確認して下さい。", "確認してください。"),
    ("書類をを送る。", "書類を送る。"),
    ("ＡＢＣ１２３", "ABC123"),
    ("ﾃｽﾄ", "テスト"),
    ("ﾊﾞｽ", "バス"),
    ("お願い致します。", "お願いいたします。"),
    ("ご確認頂きます。", "ご確認頂きます。"),  # 頂く not after て: left alone
    ("見て頂きます。", "見ていただきます。"),
    ("参加出来ます。", "参加できます。"),
    ("終わりです。。", "終わりです。"),
    ("資料を下さい。", "資料を下さい。"),  # 下さる as a verb (give): left alone
    ("母は元気です。", "母は元気です。"),  # はは is not a doubled particle here
])
def test_proofread_rules(before, after):
    corrected, edits = offline.proofread(before)
    assert corrected == after
    assert apply_edits(before, edits) == after
    assert all(e.reason for e in edits)
