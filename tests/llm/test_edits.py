"""Edits: validation drops misplaced ones; diffing gives word-sized hunks that round-trip."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from addin_server.llm.edits import Edit, apply_edits, diff_edits, validate_edits

TEXT = "資料を事前に確認して下さい。"


def test_validate_keeps_only_edits_at_their_stated_place():
    raw = [
        {"start": 10, "end": 13, "original": "下さい", "replacement": "ください"},
        {"start": 0, "end": 3, "original": "下さい", "replacement": "ください"},  # wrong place
        {"start": 20, "end": 25, "original": "x", "replacement": "y"},  # out of range
        {"start": 1, "end": "a", "original": "料", "replacement": "y"},  # garbage
        {"start": 0, "end": 2, "original": "資料", "replacement": "資料"},  # no-op
    ]
    assert validate_edits(TEXT, raw) == [Edit(10, 13, "下さい", "ください")]


def test_overlapping_edits_keep_the_first():
    raw = [Edit(0, 2, "資料", "書類"), Edit(1, 3, "料を", "x")]
    assert validate_edits(TEXT, raw) == [Edit(0, 2, "資料", "書類")]


def test_diff_is_word_sized():
    edits = diff_edits(TEXT, "資料を事前に確認してください。")
    assert [(e.original, e.replacement) for e in edits] == [("下さい", "ください")]


def test_diff_borrows_reasons():
    edits = diff_edits(TEXT, "資料を事前に確認してください。", {("下さい", "ください"): "補助動詞"})
    assert edits[0].reason == "補助動詞"


japanese = st.text(alphabet=st.sampled_from(list("あいうえおかきくけこ漢字資料確認申請書。、ＡＢ12 \n")), max_size=60)


@settings(max_examples=150, deadline=None)
@given(japanese, japanese)
def test_diff_round_trips(a, b):
    edits = diff_edits(a, b)
    assert apply_edits(a, edits) == b
    for e in edits:
        assert a[e.start:e.end] == e.original
    assert all(x.end <= y.start for x, y in pairwise(edits))
