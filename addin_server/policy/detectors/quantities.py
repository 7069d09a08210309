"""Quantities, times and dates read as values with their units and subjects (rule common-5).

Works on text folded by `textnorm.fold` (one character for one, so offsets are offsets into the
original). A quantity is a normalized value in a dimension: amounts in yen (12,000千円 =
1,200万円 = 12,000,000), lengths in metres, areas in square metres, weights in grams, durations
in seconds or months, ratios (3割 = 30 % = 0.3), times of day in minutes (午後5時 = 17時 = 17:00,
正午 = 12時),
counts per counter (人 and 名 are one counter), dates as (year, month, day) with the weekday
written beside them, years and fiscal years (令和7年度 = 2025年度).

The subject of a quantity is the noun or label it belongs to in its clause: the run of kanji,
katakana or Latin letters right before it (大人500円 → 大人, 予算額は12,000千円 → 予算額), after
dropping particles and words such as 約 or 合計; for a count followed by の and a noun
(三つの取組) it is that noun.
"""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from addin_server.policy.textnorm import kanji_to_int

ERAS = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018}
WEEKDAYS = "月火水木金土日"  # date.weekday(): Monday is 0

_KDIGITS = "〇一二三四五六七八九十百千"
_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
# A number: Arabic or 漢数字 parts, each with an optional multiplier (3億5,000万, 12,000千, 1万2千).
# Multipliers, compound ones first (3億5千万円: 5千万 is one part; 1兆9千億円).
_MULT = "[十百千]?[兆億万]|千"
_PART = rf"(?:{_ARABIC}|[{_KDIGITS}]+)(?:{_MULT})?"
_NUMBER = rf"(?:{_PART})+"

# unit -> (dimension, factor to the dimension's base). Longest first in the pattern.
UNITS: dict[str, tuple[str, Decimal]] = {
    "円": ("yen", Decimal(1)),
    "km2": ("m2", Decimal(10**6)), "km²": ("m2", Decimal(10**6)), "平方キロメートル": ("m2", Decimal(10**6)),
    "㎢": ("m2", Decimal(10**6)),
    "m2": ("m2", Decimal(1)), "m²": ("m2", Decimal(1)), "㎡": ("m2", Decimal(1)), "平方メートル": ("m2", Decimal(1)),
    "ha": ("m2", Decimal(10**4)), "ヘクタール": ("m2", Decimal(10**4)), "アール": ("m2", Decimal(100)),
    "km": ("m", Decimal(1000)), "キロメートル": ("m", Decimal(1000)), "キロ": ("m", Decimal(1000)),
    "cm": ("m", Decimal("0.01")), "センチメートル": ("m", Decimal("0.01")), "センチ": ("m", Decimal("0.01")),
    "mm": ("m", Decimal("0.001")), "ミリメートル": ("m", Decimal("0.001")),
    "m": ("m", Decimal(1)), "メートル": ("m", Decimal(1)),
    "kg": ("g", Decimal(1000)), "キログラム": ("g", Decimal(1000)), "t": ("g", Decimal(10**6)),
    "トン": ("g", Decimal(10**6)), "g": ("g", Decimal(1)), "グラム": ("g", Decimal(1)),
    "L": ("L", Decimal(1)), "リットル": ("L", Decimal(1)), "mL": ("L", Decimal("0.001")),
    "%": ("ratio", Decimal("0.01")), "％": ("ratio", Decimal("0.01")), "パーセント": ("ratio", Decimal("0.01")),
    "割": ("ratio", Decimal("0.1")), "ポイント": ("pt", Decimal(1)), "倍": ("times", Decimal(1)),
    "年間": ("dur_mo", Decimal(12)), "か年": ("dur_mo", Decimal(12)),
    "か月": ("dur_mo", Decimal(1)), "ヶ月": ("dur_mo", Decimal(1)), "カ月": ("dur_mo", Decimal(1)),
    "ケ月": ("dur_mo", Decimal(1)), "箇月": ("dur_mo", Decimal(1)), "ヵ月": ("dur_mo", Decimal(1)),
    "週間": ("dur_s", Decimal(7 * 86400)), "日間": ("dur_s", Decimal(86400)), "時間": ("dur_s", Decimal(3600)),
    "分間": ("dur_s", Decimal(60)), "秒": ("dur_s", Decimal(1)),
    "営業日": ("count:営業日", Decimal(1)),
    "人": ("count:人", Decimal(1)), "名": ("count:人", Decimal(1)),
    "か所": ("count:か所", Decimal(1)), "ヶ所": ("count:か所", Decimal(1)), "カ所": ("count:か所", Decimal(1)),
    "箇所": ("count:か所", Decimal(1)), "ケ所": ("count:か所", Decimal(1)), "ヵ所": ("count:か所", Decimal(1)),
    "つ": ("count:つ", Decimal(1)), "個": ("count:つ", Decimal(1)), "項目": ("count:項目", Decimal(1)),
    "件": ("count:件", Decimal(1)), "校": ("count:校", Decimal(1)), "園": ("count:園", Decimal(1)),
    "施設": ("count:施設", Decimal(1)), "世帯": ("count:世帯", Decimal(1)), "戸": ("count:戸", Decimal(1)),
    "台": ("count:台", Decimal(1)), "回": ("count:回", Decimal(1)), "本": ("count:本", Decimal(1)),
    "冊": ("count:冊", Decimal(1)), "枚": ("count:枚", Decimal(1)), "点": ("count:点", Decimal(1)),
    "団体": ("count:団体", Decimal(1)), "社": ("count:社", Decimal(1)), "区": ("count:区", Decimal(1)),
    "歳": ("count:歳", Decimal(1)), "行": ("count:行", Decimal(1)), "列": ("count:列", Decimal(1)),
    "年": ("dur_mo", Decimal(12)), "期": ("count:期", Decimal(1)), "日": ("day", Decimal(1)), "段階": ("count:段階", Decimal(1)), "分": ("dur_s", Decimal(60)),
}
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))

_WEEKDAY = r"\s*(?:\(\s*(?P<{0}>[月火水木金土日])(?:曜日?)?\s*(?:・?祝(?:日)?)?\s*\)|(?P<{0}2>[月火水木金土日])曜日?)"
_ERA_YEAR = r"(?P<era>明治|大正|昭和|平成|令和)\s*(?P<ey>元|\d{1,2}|[一二三四五六七八九十]+)"
_DATE = re.compile(
    # One lookahead before the whole alternation (every branch starts with one of these) lets
    # the regex engine skip to those characters instead of trying each branch everywhere.
    r"(?=[明大昭平令\d〇一二三四五六七八九])(?:"
    # 令和7年(度)4月1日, 2025年4月1日, 令和7年度, 2025年, 4月1日, 6月
    rf"(?:(?:{_ERA_YEAR}|(?P<y>\d{{4}}|[〇一二三四五六七八九]{{4}}))\s*年\s*(?P<fy>度)?\s*"
    rf"(?:(?P<m>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*月(?!\s*\d+\s*日間)\s*(?:(?P<d>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*日(?![間]))?)?"
    rf"|(?P<m0>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*月(?!\s*\d+\s*日間)\s*(?:(?P<d0>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*日(?![間]))?)"
    rf"(?:{_WEEKDAY.format('w')})?"
    # 2025/4/1, 2025-04-01, 2025.4.1, 4/1
    rf"|(?<![\d/.\-])(?:(?P<sy>\d{{4}})(?P<sep>[/.\-]))?(?P<sm>\d{{1,2}})/(?P<sd>\d{{1,2}})(?![\d/])"
    rf"(?:{_WEEKDAY.format('sw')})?"
    rf"|(?<![\d/.\-])(?P<iy>\d{{4}})(?P<isep>[.\-])(?P<im>\d{{1,2}})(?P=isep)(?P<id>\d{{1,2}})(?![\d.\-])"
    rf"(?:{_WEEKDAY.format('iw')})?"
    r")"
)
_TIME = re.compile(
    r"(?=[午\d正])(?:(?P<ampm>午前|午後)?\s*(?P<h>\d{1,2})\s*時(?!間|点|代|期|限)(?:\s*(?P<mi>\d{1,2})\s*分(?!間)|(?P<half>半))?"
    r"|(?<![\d:.])(?P<h2>\d{1,2}):(?P<m2>\d{2})(?![\d:])"
    r"|(?P<noon>正午))"
)
# What a sentence with a time holds (the time pattern runs only on those sentences).
TIME_ANCHORS = ("時", ":", "正午")
_QUANTITY = re.compile(
    # Arabic-led numbers (1万2千 too); 漢数字-led ones only right before a unit (三つ, 百二十件).
    rf"(?=[第\d{_KDIGITS}])(?P<ord>第)?(?P<num>{_ARABIC}(?:{_MULT})?(?:{_PART})*|(?:[{_KDIGITS}]+(?:{_MULT})?)+(?=\s*(?:{_UNIT_ALT})))"
    rf"\s*(?P<unit>{_UNIT_ALT})?"
)
# 1年6か月, 1年半, 1時間30分, 1時間半 and 4割5分 as one value. The shared leading digit run lets
# the regex engine skip straight to digits.
_COMPOUND = re.compile(
    r"(?P<n>\d+)\s*(?:年\s*(?P<mo>\d+)\s*(?:か|ヶ|カ|ケ|ヵ|箇)月(?:間)?"
    r"|時間\s*(?P<hm>\d+)\s*分(?:間)?|(?P<hhalf>時間半)|(?P<yhalf>年半)(?!ば)"
    r"|割\s*(?P<bu>\d)\s*分(?:\s*(?P<rin>\d)\s*厘)?)"
)
# What a sentence with a compound holds (the compound pattern runs only on those sentences, so a
# compound never spans a line break).
_COMPOUND_ANCHORS = ("か月", "ヶ月", "カ月", "ケ月", "ヵ月", "箇月", "時間", "年半", "割")
# Fractions (2分の1, 三分の一) as ratios; run only on sentences holding 分の.
_KFRACTION = "〇一二三四五六七八九十百"
_FRACTION = re.compile(rf"(?P<den>\d+|[{_KFRACTION}]+)\s*分の\s*(?P<num>\d+|[{_KFRACTION}]+)")
# After a value: it is approximate (7割超, 3割強, 100人程度).
_APPROX_AFTER = re.compile(r"\s*(?:超|強|弱|余り?|程度|前後|近く|ほど|くらい|ぐらい)")
_APPROX = re.compile(r"(?:約|およそ|概ね|おおむね|ほぼ|推計|最大|最大で|最小|最低|最高)\s*$")
# Stripped from the end of the text before a number to reach its subject (with white space).
SUBJECT_TAIL_WORDS = ("約", "およそ", "概ね", "おおむね", "ほぼ", "合計", "総額", "計", "最大", "最小", "最高",
                      "最低", "で", "は", "が", "を", "に", "の", "も", "とも", "として", "ずつ",
                      ":", "=", "＝", "、", ",")
_SUBJECT_AFTER = re.compile(r"\s*の\s*([一-鿿々〆ヶァ-ヺーA-Za-z]{1,12})")


# The subject is read backwards from the value, each step a match anchored at the value on the
# reversed window (a pattern ending in `$` searched forwards is tried at every position): the
# clause (up to 。, a line break, a tab or ;), then the tail words (longest first: with these
# words that strips what "(?:\s|words)+$" strips, as no word ends in a non-word that another word
# could complete; 合計/計 and とも/も only), a short parenthesis, and the run of kanji, katakana or
# Latin letters.
_CLAUSE_REV = re.compile(r"[^。\n\t;；]*")
_SUBJECT_TAIL_REV = re.compile(
    r"(?:\s|" + "|".join(re.escape(w[::-1]) for w in sorted(SUBJECT_TAIL_WORDS, key=len, reverse=True)) + ")*")
_PAREN_REV = re.compile(r"[)）][^()（）]{0,20}[(（]")
_SUBJECT_RUN_REV = re.compile(r"[一-鿿々〆ヶァ-ヺーA-Za-z]+")


@dataclass(slots=True)
class Quantity:
    start: int
    end: int
    text: str
    dim: str  # yen, m, m2, g, L, ratio, pt, times, dur_s, dur_mo, time, count:<counter>, ord:<counter>, num
    value: Decimal
    raw: Decimal  # the number as written, before multipliers and unit factors
    approx: bool
    subject: str | None  # None until asked for (`subject_of`): most source values never are
    small_structural: bool = False  # 3点, 2つ: may be the answer's own structure
    topic: str | None = None  # the noun the subject belongs to (高齢者世帯 in 高齢者世帯は上限120万円; `topic_of`)
    subject_at: int = -1  # where the subject starts (-1: none, or after the value)


def subject_of(folded: str, q: Quantity) -> str:
    """The subject of `q` in `folded` (computed once)."""
    if q.subject is None:
        subject, at = _read_subject(folded, q.start)
        if q.dim.startswith("count:"):
            after = _SUBJECT_AFTER.match(folded, q.end)
            if after:
                subject, at = after.group(1), -1
        q.subject, q.subject_at = subject, at if subject else -1
    return q.subject


def topic_of(folded: str, q: Quantity) -> str:
    """The topic of `q`'s subject in `folded` (computed once, after the subject)."""
    if q.topic is None:
        subject_of(folded, q)
        q.topic = topic_before(folded, q.subject_at) if q.subject_at >= 0 else ""
    return q.topic


class DateFact(NamedTuple):
    """A date as written (a tuple: a source holds hundreds, and a frozen dataclass is slow to make)."""

    start: int
    end: int
    text: str
    year: int | None
    month: int | None
    day: int | None
    fiscal: bool
    weekday: int | None  # 0 = Monday, as written beside the date
    era: bool

    def calendar(self, year: int | None = None) -> date | None:
        y = self.year if self.year is not None else year
        if y is None or self.month is None or self.day is None:
            return None
        try:
            return date(y, self.month, self.day)
        except ValueError:
            return None


def _dec(s: str) -> Decimal | None:
    try:
        return Decimal(s.replace(",", ""))
    except InvalidOperation:
        return None


_PLAIN = re.compile(_ARABIC)
_MULTIPLIERS = {"千": 1000, **{f"{small}{big}": n * b for big, b in (("兆", 10**12), ("億", 10**8), ("万", 10**4))
                               for small, n in (("", 1), ("十", 10), ("百", 100), ("千", 1000))}}
_NUMBER_PART = re.compile(rf"(?P<n>{_ARABIC}|[{_KDIGITS}]+)(?P<mult>{_MULT})?")


def parse_number(s: str) -> Decimal | None:
    """12,000千 → 12000000, 3億5,000万 → 350000000, 1万2千 → 12000, 三百 → 300, 3.5 → 3.5."""
    if _PLAIN.fullmatch(s):
        return Decimal(s.replace(",", ""))
    mult = _MULTIPLIERS.get(s[-1])
    if mult is not None and _PLAIN.fullmatch(s, 0, len(s) - 1):
        return Decimal(s[:-1].replace(",", "")) * mult  # 12,000千: one number, one multiplier
    total = Decimal(0)
    last = None
    pos = 0
    for m in _NUMBER_PART.finditer(s):
        if m.start() != pos:
            return None
        pos = m.end()
        n = _dec(m.group("n")) if m.group("n")[0].isdigit() else _kanji(m.group("n"))
        if n is None:
            return None
        mult = _MULTIPLIERS.get(m.group("mult"), 1)
        if last is not None and mult >= last:
            return None  # 5万3億: not one number
        total += n * mult
        last = mult
    return total if pos == len(s) else None


def _kanji(s: str) -> Decimal | None:
    v = kanji_to_int(s)
    return Decimal(v) if v is not None else None


def fmt(d: Decimal) -> str:
    return format(d.normalize(), "f")


# How far before a value its subject may start (`subject_before`).
SUBJECT_WINDOW = 24


def subject_before(text: str, start: int) -> str:
    """The subject run right before offset `start`: in the clause, after particles and words
    such as 約 and a short parenthesis; none for a total (合計, 総額, 計 before the value)."""
    return _read_subject(text, start)[0]


def _read_subject(text: str, start: int) -> tuple[str, int]:
    """`subject_before` and the offset where the subject starts (read on the reversed window)."""
    r = text[max(0, start - SUBJECT_WINDOW) : start][::-1]
    end = _CLAUSE_REV.match(r).end()  # type: ignore[union-attr]
    i = _SUBJECT_TAIL_REV.match(r, 0, end).end()  # type: ignore[union-attr]
    if i and ("計" in r[:i] or "額総" in r[:i]):  # 合計, 総額 or 計 (reversed)
        return "", -1  # 相談件数は合計200件: a total over the subject, not a value of it
    if r.startswith((")", "）"), i):
        paren = _PAREN_REV.match(r, i, end)
        if paren:
            i = _SUBJECT_TAIL_REV.match(r, paren.end(), end).end()  # type: ignore[union-attr]
    m = _SUBJECT_RUN_REV.match(r, i, end)
    if not m:
        return "", -1
    if r.startswith("べ延", m.end()):  # 延べ定員: a total, its own subject (`subjects_match`)
        return "延べ" + m.group()[::-1], start - m.end() - 2
    run = m.group()[::-1]
    if run in ("年度", "年") and m.end() < end and r[m.end()].isdigit():
        # 令和6年度は415件: the year is the subject, in one form (2024年度), not 年度 (which
        # would match 前年度 and 今年度)
        return _year_form("の" + r[m.start() : end]), -1
    gannen = _gannen(run) if "元年" in run else ""
    if gannen:
        return gannen, -1
    return run, start - m.end()


_TOPIC_REV = re.compile(r"[はの]([一-鿿々〆ヶァ-ヺーA-Za-z]{2,})")


_GANNEN = re.compile(r"(明治|大正|昭和|平成|令和)元年(度?)")
_YEAR_TOPIC_REV = re.compile(r"[はの](?P<fy>度?)年(?P<y>\d{1,4}|元)(?P<era>和令|成平|和昭|正大|治明)?")


def topic_before(text: str, at: int) -> str:
    """The noun right before the subject starting at `at`, joined to it by は or の (高齢者世帯は
    上限, 本事業の予算額): whose subject it is. A year is one too, written in one form
    (令和7年度の予算額 and 2025年度の予算額: 2025年度). None when the subject stands alone."""
    if at < 3 or text[at - 1] not in "はの":
        return ""
    r = text[max(0, at - 16) : at][::-1]
    year = _year_form(r)
    if year:
        return year
    m = _TOPIC_REV.match(r)
    if not m or (m.end() < len(r) and r[m.end()].isdigit()):
        return ""  # 7年度の: which era is not written
    topic = m.group(1)[::-1]
    return _gannen(topic) or topic


def _gannen(run: str) -> str:
    """令和元年(度) in the one form of years (2019年(度)); "" for any other run."""
    era = _GANNEN.fullmatch(run)
    return f"{ERAS[era.group(1)] + 1}年{era.group(2)}" if era else ""


def _year_form(r: str) -> str:
    """令和7年度 / 2025年度 (reversed, with the particle after it) as 2025年度; else none."""
    y = _YEAR_TOPIC_REV.match(r)
    if y is None:
        return ""
    digits = y.group("y")[::-1]
    if y.group("era"):
        year = ERAS[y.group("era")[::-1]] + (1 if digits == "元" else int(digits))
    elif len(digits) == 4:
        year = int(digits)
    else:
        return ""  # 7年度 alone: which era is not written
    return f"{year}年{y.group('fy')}"


# A subject starting with these is a total of what follows (累計相談件数 is not 相談件数).
_TOTAL_PREFIXES = ("延べ", "累計", "合計", "総")


def subjects_match(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if long_.startswith(_TOTAL_PREFIXES) and not short.startswith(_TOTAL_PREFIXES):
        return False
    return len(short) >= 2 and long_.endswith(short)


# The whole ISO shape (2026-04-01, 2026.4.1), as the date pattern's ISO branch reads it: a looser
# anchor also fired inside every phone number (06-6208-1234) for nothing.
# Led by a digit (the lookbehind checks the character before it) so the regex engine can skip
# to digits instead of trying the lookbehind at every character.
_ISO = re.compile(r"\d(?<![\d/.\-]\d)\d{3}([.\-])\d{1,2}\1\d{1,2}(?![\d.\-])")
# The large date and time patterns run only on the sentences that can hold one (a date needs
# 年, 月, a slash or 2026-04-01 / 2026.4.1; a time 時 or a colon).


def _finditer(pattern: re.Pattern[str], folded: str, anchors: Iterable[str]) -> Iterator[re.Match[str]]:
    """Matches of `pattern` inside each sentence (a run of characters other than 。 and a line
    break) that holds one of the `anchors` strings. The sentences are found from the anchors'
    offsets (str.find) rather than by scanning every sentence."""
    starts: set[int] = set()
    for ch in anchors:
        starts.update(max(folded.rfind("。", 0, at), folded.rfind("\n", 0, at)) + 1 for at in positions(folded, ch))
    n = len(folded)
    for start in sorted(starts):
        ends = [e for e in (folded.find("。", start), folded.find("\n", start)) if e >= 0]
        yield from pattern.finditer(folded, start, min(ends) if ends else n)




def positions(text: str, ch: str) -> list[int]:
    """Offsets of `ch` in `text` (str.find is several times faster than a regex scan)."""
    out: list[int] = []
    at = text.find(ch)
    while at >= 0:
        out.append(at)
        at = text.find(ch, at + 1)
    return out


def _anchored(pattern: re.Pattern[str], folded: str) -> Iterator[re.Match[str]]:
    """Matches of the date pattern, tried only around the characters every date holds (年, 月,
    a slash, or 2026-04-01 / 2026.4.1): the pattern is slow to try at every digit."""
    anchors = [*positions(folded, "年"), *positions(folded, "月"), *positions(folded, "/")]
    # An ISO date's first separator is 4 characters in; most dots and hyphens (12.5%, phone
    # numbers) are not one, and checking each beats scanning every digit for the shape.
    anchors += [at for sep in "-." for at in positions(folded, sep) if at >= 4 and _ISO.match(folded, at - 4)]
    anchors.sort()
    last_end = 0
    n = len(folded)
    for at in anchors:
        if at < last_end:
            continue
        for m in pattern.finditer(folded, max(last_end, at - 12), min(n, at + 24)):
            if m.start() > at:
                break  # a later date: its own anchor reads it whole
            if m.end() > m.start():
                last_end = m.end()
                yield m


def find_dates(folded: str) -> list[DateFact]:
    out: list[DateFact] = []
    for m in _anchored(_DATE, folded):
        if m.end() == m.start():
            continue
        g = m.groupdict()
        wd = g["w"] or g["w2"] or g["sw"] or g["sw2"] or g["iw"] or g["iw2"]
        weekday = WEEKDAYS.index(wd) if wd else None
        if g["sm"] or g["im"]:
            y = int(g["sy"] or g["iy"]) if (g["sy"] or g["iy"]) else None
            mo, d = int(g["sm"] or g["im"]), int(g["sd"] or g["id"])
            if not (1 <= mo <= 12 and 1 <= d <= 31):
                continue
            if g["sm"] and not g["sy"] and weekday is None and not _looks_like_date(folded, m.start()):
                continue  # 1/2, 3/4: fractions unless the context says date
            out.append(DateFact(m.start(), m.end(), folded[m.start() : m.end()], y, mo, d, False, weekday, False))
            continue
        year: int | None = None
        if g["era"]:
            ey = 1 if g["ey"] == "元" else int(g["ey"]) if g["ey"].isdigit() else kanji_to_int(g["ey"])
            if ey is None:
                continue
            year = ERAS[g["era"]] + ey
        elif g["y"]:
            year = kanji_to_int(g["y"])
        m_text, d_text = g["m"] or g["m0"], g["d"] or g["d0"]
        month = kanji_to_int(m_text) if m_text else None
        day = kanji_to_int(d_text) if d_text else None
        if m_text and not m_text.isdigit() and year is None:
            continue  # 一月 alone may be a word; kanji months count after a year
        if year is None and month is None:
            continue  # a weekday alone
        if (month is not None and not 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
            continue
        start = m.start("era") if g["era"] else m.start()
        out.append(DateFact(start, m.end(), folded[start : m.end()].rstrip(), year, month, day, bool(g["fy"]),
                            weekday, bool(g["era"])))
    return out


def _looks_like_date(text: str, at: int) -> bool:
    return bool(re.search(r"(?:日|期限|締切|まで|から|開催|実施|予定|月)", text[max(0, at - 8) : at + 12]))


def find_times(folded: str) -> list[Quantity]:
    out: list[Quantity] = []
    for m in _finditer(_TIME, folded, TIME_ANCHORS):
        if m.group("noon"):
            h, mi = 12, 0
        elif m.group("h2"):
            h, mi = int(m.group("h2")), int(m.group("m2"))
        else:
            h = int(m.group("h"))
            mi = 30 if m.group("half") else int(m.group("mi") or 0)
            if m.group("ampm") == "午後" and h < 12:
                h += 12
        if h > 24 or mi > 59:
            continue
        value = Decimal(h * 60 + mi)
        # A bare 5時 may be 5:00 or 17:00; the raw field holds the 12-hour reading for the lookup.
        raw = Decimal((h % 12) * 60 + mi) if m.group("h") and not m.group("ampm") and h <= 12 else value
        start = m.start()
        while start < m.end() and folded[start].isspace():
            start += 1
        out.append(Quantity(start, m.end(), folded[start : m.end()], "time", value, raw,
                            bool(_APPROX.search(folded[max(0, start - 6) : start])), None))
    return out


_ONE = Decimal(1)
_STRUCTURAL_DIMS = frozenset({"count:点", "count:つ", "count:項目", "num", "count:段階"})


def find_quantities(folded: str, skip: list[tuple[int, int]], *, answer: bool = True) -> list[Quantity]:
    """Numbers with their units; `skip` holds spans already read as something else (dates, times,
    phone numbers, URLs). Only an answer's values need to know whether they are approximate."""
    out: list[Quantity] = []
    skip = sorted(skip)
    for m in _finditer(_COMPOUND, folded, _COMPOUND_ANCHORS):
        if _overlaps(skip, m.start(), m.end()):
            continue
        if m.group("mo"):
            dim, value = "dur_mo", Decimal(int(m.group("n")) * 12 + int(m.group("mo")))
        elif m.group("hm") or m.group("hhalf"):
            dim, value = "dur_s", Decimal(int(m.group("n")) * 3600 + int(m.group("hm") or 30) * 60)
        elif m.group("yhalf"):
            dim, value = "dur_mo", Decimal(int(m.group("n")) * 12 + 6)
        else:
            dim = "ratio"
            value = (Decimal(m.group("n")) / 10 + Decimal(m.group("bu")) / 100
                     + Decimal(m.group("rin") or 0) / 1000)
        start = m.start()
        out.append(Quantity(start, m.end(), m.group(), dim, value, value, answer and _approx(folded, start, m.end()),
                            None))
        insort(skip, (m.start(), m.end()))
    for m in _finditer(_FRACTION, folded, ("分の",)):
        den, num = kanji_to_int(m.group("den")), kanji_to_int(m.group("num"))
        if not den or num is None or num > den or _overlaps(skip, m.start(), m.end()):
            continue
        value = Decimal(num) / Decimal(den)
        out.append(Quantity(m.start(), m.end(), m.group(), "ratio", value, value,
                            answer and _approx(folded, m.start(), m.end()), None))
        insort(skip, (m.start(), m.end()))
    n = len(folded)
    # `_overlaps` inlined on plain int lists: about half the matches fall in a skipped span.
    skip_starts = [a for a, _ in skip]
    skip_ends = [b for _, b in skip]
    for m in _QUANTITY.finditer(folded):
        num_start, num_end = m.span("num")
        if skip_starts:
            i = bisect_left(skip_starts, num_end)
            if i > 0 and skip_ends[i - 1] > num_start:
                continue
        ordinal, text_num, unit = m.group("ord", "num", "unit")
        unit = unit or ""
        is_kanji = not text_num[0].isdigit()
        if is_kanji:
            if not unit or text_num == "一" or (unit in ("分", "つ") and text_num in ("十", "一")):
                continue  # 一日も早く, 十分に, 一つ: words, not facts
            if unit == "分" and folded[max(0, num_start - 1):num_start] != "時":
                continue
            if unit in ("本", "点", "期", "区", "社", "列", "行") and len(text_num) == 1 and text_num in "一二三四五六七八九":
                continue  # 二本柱, 三点セット, 一期一会
        if num_start > 0:
            prev = folded[num_start - 1]
            if prev.isascii() and prev.isalpha():
                continue  # A4, Windows11: codes
        if not unit and num_end < n and folded[num_end] in "/:":
            continue
        if text_num.isdigit():  # most numbers: no separator, decimal point or multiplier
            raw = value = Decimal(text_num)
        else:
            plain = None if is_kanji else _PLAIN.match(text_num)
            if plain is not None and plain.end() == len(text_num):
                raw = value = Decimal(text_num.replace(",", ""))
            else:
                parsed = parse_number(text_num)
                if parsed is None:
                    continue
                value = parsed
                # 12,000千円: the number as written is 12,000 (for "the unit changed" messages)
                raw = Decimal(plain.group().replace(",", "")) if plain is not None else value
        end = m.end()
        if unit in ("m", "t", "g", "L") and end < n and folded[end].isascii() and folded[end].isalpha():
            unit = ""  # 5mm is caught by its own unit; 3tabs is not tonnes
        if unit:
            dim, factor = UNITS[unit]
            if factor != _ONE:
                value = value * factor
        else:
            dim, end = "num", num_end
        if ordinal:
            dim = "ord:" + dim.split(":", 1)[-1]
            start = m.start("ord")
        else:
            start = num_start
        approx = answer and _approx(folded, start, end)
        small = dim in _STRUCTURAL_DIMS and value < 10
        if end < n and folded[end] == "目" and dim.startswith("count:"):
            # 3回目 = 第3回; 2つ目 may be the answer's own structure
            dim, small = "ord:" + dim[6:], small or unit == "つ"
        out.append(Quantity(start, end, folded[start:end], dim, value, raw, approx, None, small))
    return out


def _approx(folded: str, start: int, end: int) -> bool:
    """Whether the value at [start, end) is written as approximate (約3割, 7割超)."""
    return bool(_APPROX.search(folded, max(0, start - 6), start) or _APPROX_AFTER.match(folded, end))


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps a span of `spans` (sorted by start; spans are short)."""
    i = bisect_left(spans, (end,))
    # Skip spans do not overlap each other, so only the last one starting before `end` can.
    return i > 0 and spans[i - 1][1] > start
