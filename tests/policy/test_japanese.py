"""The SudachiPy wrapper: offsets, two-thread analysis of long texts, use from many threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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


def test_two_thread_analysis_gives_the_same_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(LONG) >= japanese.PARALLEL_CHARS
    parallel = list(japanese.tokens(LONG))
    monkeypatch.setattr(japanese, "PARALLEL_CHARS", 10**9)
    assert list(japanese.tokens(LONG)) == parallel


def test_many_threads_at_once() -> None:
    expected = list(japanese.tokens(LONG))
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: list(japanese.tokens(LONG)), range(12)))
    assert all(r == expected for r in results)
