"""The fugashi (unidic-lite) wrapper: offsets, repeated sentences, use from many threads, word spans."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import pytest

from addin_server.policy.detectors import japanese

LONG = "".join(
    f"{s}{g}様から{i}件の相談がありました。担当の{s}さんが対応しました。"
    for i, (s, g) in enumerate(zip(["山田", "佐藤", "鈴木", "高橋", "田中"] * 60, ["太郎", "花子", "一郎"] * 100,
                                   strict=False))
)


def test_offsets_point_into_the_text() -> None:
    text = "本日、山田太郎様と\n佐藤さんが来庁。"
    toks = list(japanese.tokens(text))
    assert [text[t.start : t.end] for t in toks] == [t.surface for t in toks]
    assert [t.surface for t in toks] == ["山田", "太郎", "様", "佐藤", "さん"]
    assert [t.pos[2] for t in toks[:2]] == ["人名", "人名"]
    assert [t.pos[3] for t in toks[:2]] == ["姓", "名"]


def test_unknown_katakana_word_before_an_honorific_is_kept() -> None:
    text = "窓口でﾀﾅｶ様に説明した。"
    toks = list(japanese.tokens(text))
    assert [(t.surface, t.oov) for t in toks] == [("ﾀﾅｶ", True), ("様", False)]
    assert [text[t.start : t.end] for t in toks] == ["ﾀﾅｶ", "様"]


def test_long_text_gives_the_tokens_of_its_sentences() -> None:
    # Repeated sentences are analysed once per call; offsets must still be those of each copy.
    whole = list(japanese.tokens(LONG))
    expected = []
    for base, chunk in japanese._chunks(LONG):
        expected += [t._replace(start=base + t.start, end=base + t.end) for t in japanese.tokens(chunk)]
    assert whole == expected
    assert [LONG[t.start : t.end] for t in whole] == [t.surface for t in whole]
    assert sum(t.pos[2] == "人名" for t in whole) >= 600


def test_many_threads_at_once() -> None:
    expected = list(japanese.tokens(LONG))
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: list(japanese.tokens(LONG)), range(12)))
    assert all(r == expected for r in results)


def test_word_spans_cover_the_words_and_skip_spaces() -> None:
    text = "資料を 事前に確認して下さい。\n大阪市北区"
    spans = list(japanese.word_spans(text))
    words = [text[a:b] for a, b in spans]
    assert "".join(words) == text.replace(" ", "").replace("\n", "")
    assert "資料" in words and "下さい" in words
    assert all(a < b for a, b in spans) and all(x[1] <= y[0] for x, y in pairwise(spans))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("東京都千代田区で", ["東京都千代田区"]),
        ("東京都 千代田区で", ["東京都", "千代田区"]),  # a space: two names
        ("大阪市北区の山田太郎様", ["大阪市北区", "山田", "太郎", "様"]),
        ("京都府京都市", ["京都府京都市"]),
        ("山田 様と田中さん", ["山田", "様", "田中", "さん"]),
        ("氏名と様式", []),  # 氏 and 様 inside longer words are no honorifics
    ],
)
def test_place_names_and_honorifics(text: str, expected: list[str]) -> None:
    toks = list(japanese.tokens(text))
    assert [t.surface for t in toks] == expected
    assert [text[t.start : t.end] for t in toks] == expected
