"""oasis-1 / rag-1 detector: Individual Numbers in text and cells."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin_server.policy import PolicyEngine, PolicyRequest
from addin_server.policy.detectors import individual_number as inum
from tests.policy.numbers import SEPARATORS, VALID, VALID2, notate, valid_number, wrong_number

# (text, expected number of matches)
TEXT_CASES = [
    (VALID, 1),
    (f"マイナンバー：{notate(VALID, ' ')}", 1),
    (f"個人番号は{notate(VALID, '-')}です", 1),
    (notate(VALID, "－", full_width=True), 1),
    (notate(VALID, "\u3000", full_width=True), 1),
    (notate(VALID, " - "), 1),
    (f"番号 {VALID} と {VALID2}", 2),
    (f"No. 1 {VALID}", 1),  # a lone 12-digit group set off by spaces
    # negatives
    (wrong_number("12345678901"), 0),
    ("1" + VALID, 0),  # 13-digit run (corporate number length)
    (VALID + "1", 0),
    ("法人番号 7" + VALID, 0),
    (notate(VALID, "-") + "-1234", 0),  # 16-digit card number
    ("4111 " + notate(VALID, " "), 0),
    ("カード 1234-5678-9018-3456", 0),
    ("電話 06-1234-5678、携帯 090-1234-5678", 0),
    ("〒530-8201 大阪市北区中之島1-3-20", 0),
    ("令和6年4月1日、2024/04/01、2024-04-01", 0),
    ("金額 123,456,789,018 円", 0),
    (f"1.{VALID}", 0),
    ("1234567890123456789", 0),  # longer digit run containing valid windows
    ("", 0),
]


@pytest.mark.parametrize(("text", "expected"), TEXT_CASES)
def test_find_in_text(text: str, expected: int) -> None:
    found = inum.find(text)
    assert len(found) == expected
    assert all(m.certain for m in found)


# A valid number whose context says it is something else: found (and masked) but only warns.
@pytest.mark.parametrize(
    ("text", "reason"),
    [(f"{VALID}円", "金額"), (f"¥{VALID}", "金額"), (f"+{VALID}", "国際電話番号の形式"),
     (f"ID A{VALID}", "英字と続いた番号（型番・コードなど）")],
)
def test_look_alikes_warn(text: str, reason: str) -> None:
    (m,) = inum.find(text)
    assert not m.certain and m.reason == reason
    assert VALID not in inum.redact(text)


def test_longer_runs_never_match_even_with_valid_windows() -> None:
    run = "1" + VALID + VALID2
    windows = [run[i : i + 12] for i in range(len(run) - 11)]
    assert any(inum.is_valid(w) for w in windows)
    assert inum.find(run) == []


def test_match_offsets_and_mask() -> None:
    text = f"申請者の個人番号：{notate(VALID, '-')}。"
    (m,) = inum.find(text)
    assert text[m.start : m.end] == notate(VALID, "-")
    assert m.masked == "**** **** " + VALID[-4:]
    assert m.near_keyword


def test_keyword_only_raises_confidence() -> None:
    (m,) = inum.find(f"参考 {VALID}")
    assert not m.near_keyword


CELL_CASES = [
    (VALID, 1),
    (int(VALID), 1),
    (float(VALID), 1),
    (1.23456789018e11, 1),
    (int(valid_number("01234567890")), 1),  # leading zero lost in a numeric cell
    (notate(VALID, " ", full_width=True), 1),
    (int(wrong_number("12345678901")), 0),
    (123456789018.5, 0),
    (float("nan"), 0),
    (True, 0),
    (None, 0),
    (12345, 0),
    (int("7" + VALID), 0),
]


@pytest.mark.parametrize(("value", "expected"), CELL_CASES)
def test_find_in_cell(value: object, expected: int) -> None:
    assert len(inum.find_in_cell(value)) == expected


def test_redact_masks_every_number() -> None:
    text = f"A:{notate(VALID, '-')} B:{notate(VALID2, ' ', full_width=True)} 電話06-1234-5678"
    out = inum.redact(text)
    assert VALID not in out and notate(VALID, "-") not in out
    assert "**** **** " + VALID[-4:] in out and "**** **** " + VALID2[-4:] in out
    assert "06-1234-5678" in out


def test_redact_cell() -> None:
    assert inum.redact_cell(int(VALID)) == "**** **** " + VALID[-4:]
    assert inum.redact_cell(12.5) == 12.5
    assert inum.redact_cell(f"x {VALID}") == "x **** **** " + VALID[-4:]


ENGINE = PolicyEngine(profile="oasis")
JAPANESE = st.text(
    alphabet=st.sampled_from(list("あいうえおかきくけこ漢字市民区役所申請番号、。「」 \u3000ー")), max_size=30
)
BODIES = st.text(alphabet="0123456789", min_size=11, max_size=11)


@settings(max_examples=300, deadline=None)
@given(prefix=JAPANESE, suffix=JAPANESE, body=BODIES, sep=st.sampled_from(SEPARATORS), full=st.booleans())
def test_property_valid_number_in_any_notation_is_found(
    prefix: str, suffix: str, body: str, sep: str, full: bool
) -> None:
    number = notate(valid_number(body), sep, full_width=full)
    text = prefix + number + suffix
    found = inum.find(text)
    assert any(text[m.start : m.end] == number and m.digits == valid_number(body) for m in found)


@settings(max_examples=300, deadline=None)
@given(prefix=JAPANESE, suffix=JAPANESE, body=BODIES, shift=st.integers(1, 9),
       sep=st.sampled_from(SEPARATORS), full=st.booleans())
def test_property_wrong_check_digit_never_matches(
    prefix: str, suffix: str, body: str, shift: int, sep: str, full: bool
) -> None:
    text = prefix + notate(wrong_number(body, shift), sep, full_width=full) + suffix
    assert inum.find(text) == []
    decision = ENGINE.check_input(PolicyRequest(user="u", operation="summarize", text=text), commit=False)
    assert decision.allowed and not decision.contains_individual_number


# --- One normalization: every separator the detector accepts is also masked (issue 10, point 4) ---

_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _digits_left(s: str) -> str:
    return "".join(c for c in s.translate(_DIGITS) if c.isdigit())


def test_separators_cover_the_issue_list() -> None:
    for sep in ("\u2009", "\u2002", "\u2003", "\u3000", "\ufe63", "ー", "ｰ", "・", "／", "–", "—", "\u2212",
                "\u200b", "\n", "\r\n", " - "):
        assert sep in inum.SEPARATORS


@settings(max_examples=400, deadline=None)
@given(prefix=JAPANESE, suffix=JAPANESE, body=BODIES, sep=st.sampled_from(inum.SEPARATORS), full=st.booleans())
def test_property_every_separator_is_found_and_fully_masked(
    prefix: str, suffix: str, body: str, sep: str, full: bool
) -> None:
    digits = valid_number(body)
    number = notate(digits, sep, full_width=full)
    text = prefix + number + suffix
    found = inum.find(text)
    assert any(m.digits == digits and text[m.start : m.end] == number for m in found)
    for out in (inum.redact(text), inum.redact_cell(text)):
        assert isinstance(out, str)
        # Only the last four digits stay; nothing of the 12 can be read back.
        assert _digits_left(out) == digits[-4:]
    (row,) = inum.redact_rows([[prefix, text, suffix]])
    assert _digits_left("".join(str(v) for v in row)) == digits[-4:]


@settings(max_examples=200, deadline=None)
@given(body=BODIES, sep=st.sampled_from([s for s in inum.SEPARATORS if not s.strip(" \u3000\u00a0\t\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\n\r\u2028\u2029\v\f\x85\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")]),
       label=st.sampled_from(["", "マイナンバー："]))
def test_property_digits_one_by_one(body: str, sep: str, label: str) -> None:
    """Digits spaced one by one (7 8 8 0 …) with any soft separator are one number."""
    digits = valid_number(body)
    text = label + sep.join(digits) + "です"
    assert any(m.digits == digits and m.certain for m in inum.find(text))
    assert _digits_left(inum.redact(text)) == digits[-4:]


def test_redact_engine_cells_spread_numbers() -> None:
    cells = [["氏名", "マイナンバー"], ["山田", int(valid_number("01234567890"))],
             ["箱", *list(VALID)], ["三つ", VALID[:4], VALID[4:8], VALID[8:]]]
    out = PolicyEngine.redact_cells(cells)
    assert out is not None
    assert out[1][1] == "**** **** " + valid_number("01234567890")[-4:]
    assert out[2][1] == "**** **** " + VALID[-4:] and set(out[2][2:]) == {"*"}
    assert out[3][1:] == ["**** **** " + VALID[-4:], "*", "*"]


def _decide(profile: str = "oasis", **kw: object) -> tuple[bool, list[tuple[str, str]]]:
    d = PolicyEngine(profile=profile).check_input(PolicyRequest(user="u", operation="summarize", **kw),  # type: ignore[arg-type]
                                                  commit=False)
    return d.allowed, [(f.rule, f.severity) for f in d.findings if f.rule in ("oasis-1", "rag-1")]


def test_series_id_is_checked_and_named_in_the_message() -> None:
    engine = PolicyEngine(profile="oasis")
    d = engine.check_input(PolicyRequest(user="u", operation="summarize", text="本文",
                                         series_id=f"申請{notate(VALID, '-')}"), commit=False)
    (f,) = [f for f in d.findings if f.rule == "oasis-1"]
    assert not d.allowed and f.severity == "block" and "系列ID" in f.message
    assert VALID not in f.message and f.data["fields"] == ["series_id"]


def test_look_alike_warns_without_blocking_and_never_shows_the_number() -> None:
    engine = PolicyEngine(profile="rag")
    d = engine.check_input(PolicyRequest(user="u", operation="summarize", text="更新日時 202404010109"),
                           commit=False)
    (f,) = [f for f in d.findings if f.rule == "rag-1"]
    assert d.allowed and f.severity == "warn" and "日時" in f.message
    assert "202404010109" not in f.message and d.contains_individual_number
    assert engine.redact("更新日時 202404010109") == "更新日時 **** **** 0109"


def test_block_and_warn_together() -> None:
    allowed, found = _decide(text=f"個人番号 {VALID}、受付番号 2024-0401-0028")
    assert not allowed and sorted(found) == [("oasis-1", "block"), ("oasis-1", "warn")]


def test_cells_path_finds_spread_and_labelled_numbers() -> None:
    lost_zero = valid_number("01234567890")
    cells = [["名簿"], ["氏名", "マイナンバー", "更新日時"], ["山田", int(lost_zero), 202404010109],
             ["番号", *list(VALID2)], ["", VALID[:4], VALID[4:8], VALID[8:]]]
    hits = list(inum.find_in_cells(cells))
    got = sorted((h.row, h.col, h.col_end, h.match.certain) for h in hits)
    assert got == [(2, 1, 1, True), (2, 2, 2, False), (3, 1, 12, True), (4, 1, 3, True)]
    allowed, found = _decide(cells=cells)
    assert not allowed and ("oasis-1", "block") in found and ("oasis-1", "warn") in found


@pytest.mark.parametrize(
    "text",
    ["JAN 4901234567894", f"カード 4111 {notate(VALID, ' ')}", f"{notate(VALID, ' ')} 3456", "ゆうちょ 14160-12345671",
     "T1" + VALID, "1" + VALID, f"4111-{notate(VALID, '-')}"],
)
def test_longer_numbers_never_match(text: str) -> None:
    assert inum.find(text) == []
