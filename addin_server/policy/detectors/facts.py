"""Facts in a model's answer that the source does not contain (rule common-5).

Numbers, amounts, dates and proper nouns are read from the output and looked up in the source
after normalization: full-width digits, thousands separators, 漢数字 (二〇二四, 三百万), the units
万/億/兆 (3万 = 30,000) and Japanese era years (令和6年 = 2024) are folded on both sides.
Small counts (1-9) without a date or amount unit are ignored: "3点", "2つ目" are the summary's own
structure, not facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from addin_server.policy.detectors import japanese
from addin_server.policy.textnorm import compare_key, fold, kanji_to_int

_ERAS = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018}
_KNUM = "〇一二三四五六七八九十百千万億兆"
_UNITS = "円|%|パーセント|人|名|件|年度|年|か月|ヶ月|カ月|月|日|歳|時|回|倍|か所|箇所|世帯|戸|台|km|kg|ha|m|t"
_NUMBER = re.compile(
    rf"(?P<era>明治|大正|昭和|平成|令和)?\s*"
    rf"(?:(?P<knum>[\d{_KNUM}]*[{_KNUM}][\d{_KNUM}]*)(?=\s*(?:{_UNITS}))|(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?))"
    rf"\s*(?P<mult>万|億|兆)?\s*(?P<unit>{_UNITS})?"
)
_MULT = {"万": 10**4, "億": 10**8, "兆": 10**12}
_CHECK_SMALL = {"円", "%", "パーセント", "年", "年度", "月", "日", "歳", "倍"}
_DATE_UNITS = {"年", "年度", "月", "日"}


@dataclass(frozen=True)
class FactMatch:
    start: int
    end: int
    text: str
    kind: str  # "number" | "amount" | "date" | "proper_noun"


def _values(m: re.Match[str]) -> tuple[set[str], Decimal | None]:
    raw: Decimal | None
    if m.group("num"):
        try:
            raw = Decimal(m.group("num").replace(",", ""))
        except InvalidOperation:
            return set(), None
    else:
        v = kanji_to_int(m.group("knum"))
        raw = Decimal(v) if v is not None else None
    if raw is None:
        return set(), None
    vals = {_fmt(raw)}
    if m.group("mult"):
        vals.add(_fmt(raw * _MULT[m.group("mult")]))
    if m.group("era"):
        vals.add(_fmt(raw + _ERAS[m.group("era")]))
    return vals, raw


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f")


def number_values(text: str) -> set[str]:
    out: set[str] = set()
    for m in _NUMBER.finditer(fold(text)):
        out |= _values(m)[0]
    return out


@dataclass
class Source:
    """A source text prepared once for many lookups."""

    numbers: set[str]
    key: str

    @classmethod
    def of(cls, parts: Iterable[str]) -> Source:
        joined = "\n".join(p for p in parts if p)
        return cls(number_values(joined), compare_key(joined))


def find_unsupported(output: str, source: Source) -> list[FactMatch]:
    """Numbers, amounts, dates and proper nouns in `output` that `source` does not contain."""
    out: list[FactMatch] = []
    folded = fold(output)
    for m in _NUMBER.finditer(folded):
        if m.group("knum") == "一":
            continue  # 一日も早く, 一人ひとり: idiom, not a fact
        vals, raw = _values(m)
        if raw is None:
            continue
        unit = m.group("unit") or ""
        if raw < 10 and not m.group("era") and not m.group("mult") and unit not in _CHECK_SMALL:
            continue
        if vals & source.numbers:
            continue
        kind = "amount" if unit == "円" else "date" if (m.group("era") or unit in _DATE_UNITS) else "number"
        start = m.start("era") if m.group("era") else m.start("num") if m.group("num") else m.start("knum")
        out.append(FactMatch(start, m.end(), output[start : m.end()].strip(), kind))
    out.extend(_proper_nouns(output, source))
    return out


def _proper_nouns(output: str, source: Source) -> list[FactMatch]:
    out: list[FactMatch] = []
    run: list[japanese.Token] = []

    def flush() -> None:
        if run:
            start, end = run[0].start, run[-1].end
            surface = output[start:end]
            if len(surface) >= 2 and compare_key(surface) not in source.key:
                out.append(FactMatch(start, end, surface, "proper_noun"))
            run.clear()

    for t in japanese.tokens(output):
        if t.pos[1] == "固有名詞":
            if run and t.start != run[-1].end:
                flush()
            run.append(t)
        else:
            flush()
    flush()
    return out
