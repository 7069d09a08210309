"""common-4: imitation or derivation requests in the instruction."""

from __future__ import annotations

import pytest

from addin_server.policy import PolicyEngine, PolicyRequest
from addin_server.policy.detectors.imitation import find

BLOCK = [
    "キャッチコピー「ひとつになろう」に似たフレーズを生成してください",
    "著作物『吾輩は猫である』を参考に文章を生成してください",
    "村上春樹風に書き直して",
    "ジブリっぽく紹介文にして",
    "ドラえもんのように話して",
    "有名な歌の替え歌を作って",
    "このお知らせをパロディにして",
    "夏目漱石の文体を真似て",
    "人気キャラクターを使って説明して",
    "「となりのトトロ」をもとに物語を書いて",
    "あの映画のセリフみたいに",
    "Write it in the style of Shakespeare",
    "a parody of the famous slogan",
]
ALLOW = [
    "簡潔に",
    "箇条書きでまとめて",
    "です・ます調に統一して",
    "200字以内で要約",
    "誤字脱字だけ直して",
    "この文章を参考に要約して",
    "以下の資料をもとに要点を3つにまとめて",
    "新聞記事のような文体で",
    "やさしい日本語のように分かりやすく",
    "大阪市の広報紙風に",
    "議事録風にまとめて",
    "敬語を正しく直して",
    "コピーして貼り付けた文を整えて",
    "Summarize in plain Japanese",
]


@pytest.mark.parametrize("instruction", BLOCK)
def test_imitation_requests_are_found(instruction: str) -> None:
    assert find(instruction)


@pytest.mark.parametrize("instruction", ALLOW)
def test_plain_editing_instructions_pass(instruction: str) -> None:
    assert find(instruction) == []


def test_rule_blocks_with_japanese_message() -> None:
    engine = PolicyEngine(profile="oasis")
    d = engine.check_input(
        PolicyRequest(user="u1", operation="summarize", text="本文", instruction="村上春樹風にまとめて"),
        commit=False,
    )
    (f,) = [f for f in d.findings if f.rule == "common-4"]
    assert not d.allowed and f.severity == "block"
    assert "村上春樹" in f.message and "書き直して" in f.message


def test_rule_ignores_text_without_instruction() -> None:
    engine = PolicyEngine(profile="oasis")
    d = engine.check_input(PolicyRequest(user="u1", operation="summarize", text="パロディの歴史について"),
                           commit=False)
    assert d.allowed
