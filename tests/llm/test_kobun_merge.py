"""merge_edits: rule and model edits on one text, without overlap (rules win)."""

from __future__ import annotations

from addin_server.kobun import Note
from addin_server.llm.edits import Edit, apply_edits, merge_edits, notes_outside

TEXT = "事故の時は連絡して下さい。"


def rule(start: int, end: int, repl: str) -> Edit:
    return Edit(start, end, TEXT[start:end], repl, "r", "rules", "kobun.x", "c")


def model(start: int, end: int, repl: str) -> Edit:
    return Edit(start, end, TEXT[start:end], repl, "m")


def test_rule_wins_over_an_overlapping_model_edit_and_others_are_kept():
    at = TEXT.index("下さい")
    merged = merge_edits(TEXT, [model(0, 2, "事案"), model(at - 1, at + 3, "てください")],
                         [rule(at, at + 3, "ください")])
    assert [(e.source, e.original, e.replacement) for e in merged] == [
        ("model", "事故", "事案"), ("rules", "下さい", "ください")]
    assert apply_edits(TEXT, merged) == "事案の時は連絡してください。"


def test_an_identical_model_edit_is_the_rule_edit():
    at = TEXT.index("時")
    merged = merge_edits(TEXT, [model(at, at + 1, "とき")], [rule(at, at + 1, "とき")])
    assert [(e.source, e.rule) for e in merged] == [("rules", "kobun.x")]


def test_a_model_insertion_at_a_rule_edit_is_dropped():
    at = TEXT.index("時")
    insertion = Edit(at, at, "", "、", "m")
    merged = merge_edits(TEXT, [insertion], [rule(at, at + 1, "とき")])
    assert [e.source for e in merged] == ["rules"]


def test_misplaced_model_edits_never_reach_the_merge():
    merged = merge_edits(TEXT, [Edit(0, 2, "違う", "x", "m")], [])
    assert merged == []


def test_notes_on_rewritten_text_are_dropped():
    notes = [Note(0, 2, "事故", "n", "kobun.y", "c"), Note(5, 7, "連絡", "n", "kobun.y", "c")]
    kept = notes_outside(notes, [model(4, 8, "連絡をして")])
    assert [n.original for n in kept] == ["事故"]
