"""Facts in a model's answer that the source does not support (rule common-5).

The answer and the source are read into facts (`quantities`: amounts, lengths, areas, durations,
counts, ratios, times and dates with their units, weekdays and subjects; `names`: organizations,
laws, facilities, URLs, e-mail addresses, phone numbers; and tagged proper nouns). An answer's
fact is supported when the source holds the same value in a compatible unit (12,000千円 =
1,200万円, 午後5時 = 17時, 令和7年度 = 2025年度, 約3割 = 約30%) and, when the answer ties it to a
subject that the source also gives a value of that kind, for that same subject (大人 vs
中学生以下, 予算額 vs 決算額).

What is not supported gets a status:
- `contradicts`: the source gives the same subject another value, a date another weekday, or
  lists another number of items; `source` holds the source span it was compared with;
- `unit`: the same number with a unit of another magnitude (12,000千円 → 12,000円);
- `derived`: not found literally but equal to a sum or difference of source values, or a ratio
  of two source counts — to be checked, never called wrong;
- `computed`: a value the caller computed itself (the offline table summary's totals), with its
  formula;
- `unsupported`: nothing in the source.
Small counts (below 10) without a unit, and 3点 / 2つ, are the answer's own structure unless the
source counts the same thing.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

from addin_server.policy.detectors import japanese, names, quantities
from addin_server.policy.detectors.quantities import DateFact, Quantity, subjects_match
from addin_server.policy.textnorm import _COMPARE_DROP, compare_key, fold

_MAX_PAIRS_PER_DIM = 80
_LIST_ITEM = re.compile(
    r"^[ \t]*(?:[・●○◯■□◆◇\-*•]|[①-⑳]|[(（]?\d{1,2}[)）.．]|[(（][一二三四五六七八九十ア-オ][)）]|[ア-オ][.．、)）]|"
    r"第[一二三四五六七八九十\d]+[、，\s])"
)


# Characters NFKC leaves as they are (kana without combining marks, CJK ideographs, ASCII,
# common Japanese punctuation): only the runs between them need normalizing.
_NFKC_STABLE = "\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30fe\u4e00-\u9fff\u3001\u3002\u300c-\u300f\u0020-\u007e"
# With the character before: a combining mark (か + ゛) composes with it.
_NFKC_OTHER = re.compile(f"(?s).?[^{_NFKC_STABLE}]+")


_NFKC_UNSTABLE = re.compile(f"[^{_NFKC_STABLE}]")


def fast_compare_key(text: str) -> str:
    """`textnorm.compare_key` of `text`, normalizing only the runs NFKC can change (normalizing
    a whole 20,000-character source costs several milliseconds)."""
    if _NFKC_UNSTABLE.search(text):  # a folded text often has none; the run pattern is slow to scan
        text = _NFKC_OTHER.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return _COMPARE_DROP.sub("", text.lower())


_LIST_NOUN = re.compile(r"[一-鿿々ァ-ヺーA-Za-z0-9]{1,15}")


@dataclass(frozen=True)
class SourceRef:
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class FactMatch:
    start: int
    end: int
    text: str
    kind: str  # amount | quantity | count | ratio | time | date | weekday | number | name kinds | proper_noun
    status: str = "unsupported"  # unsupported | contradicts | unit | derived | computed
    detail: str = ""  # Japanese: what the source says, or how the value may have been derived
    source: SourceRef | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"text": self.text, "kind": self.kind, "status": self.status,
                                  "start": self.start, "end": self.end}
        if self.detail:
            out["detail"] = self.detail
        if self.source is not None:
            out["source"] = self.source.to_dict()
        return out


@dataclass(frozen=True)
class Computed:
    """A value the caller computed (not the model), with the formula it used."""

    value: Decimal
    formula: str

    @classmethod
    def parse(cls, items: Iterable[Mapping[str, object]] | None) -> tuple[Computed, ...]:
        out = []
        for it in items or ():
            v = quantities.parse_number(fold(str(it.get("value", ""))).replace(" ", ""))
            if v is not None:
                out.append(cls(v, str(it.get("formula", ""))))
        return tuple(out)


@dataclass
class Source:
    """A source text prepared once for many lookups."""

    text: str
    folded: str
    key: str
    quantities: list[Quantity]
    dates: list[DateFact]
    contacts: list[names.Name]  # URLs, e-mail addresses, phones
    by_dim: dict[str, list[Quantity]] = field(default_factory=dict)
    by_value: dict[tuple[str, Decimal], list[Quantity]] = field(default_factory=dict)
    by_subject: dict[str, dict[str, list[Quantity]]] = field(default_factory=dict)  # dim -> subject -> facts
    _raws: set[Decimal] | None = None
    sorted_values: dict[str, list[Quantity]] = field(default_factory=dict)
    by_same_subject: dict[tuple[str, str, str], tuple[list[Quantity], set[Decimal]]] = field(default_factory=dict)
    _named: list[names.Name] | None = None
    by_month: dict[int, list[DateFact]] | None = None
    by_year: dict[int, list[DateFact]] | None = None
    dates_by_form: dict[bool, list[DateFact]] = field(default_factory=dict)  # with a day or not

    @property
    def names(self) -> list[names.Name]:
        """Contacts, and organizations, laws and facilities (read when an answer names one)."""
        if self._named is None:
            self._named = names.find(self.folded, contacts=False)
        return self.contacts + self._named

    @classmethod
    def of(cls, parts: Iterable[str]) -> Source:
        joined = "\n".join(p for p in parts if p)
        folded = fold(joined)
        found_names = names.find(folded, named=False)
        dates = quantities.find_dates(folded)
        times = quantities.find_times(folded)
        skip = [(n.start, n.end) for n in found_names if n.kind in ("url", "email", "phone")]
        skip += [(d.start, d.end) for d in dates] + [(t.start, t.end) for t in times]
        qs = times + quantities.find_quantities(folded, skip, answer=False)
        src = cls(joined, folded, fast_compare_key(folded), qs, dates, found_names)
        for q in qs:
            src.by_dim.setdefault(q.dim, []).append(q)
            src.by_value.setdefault((q.dim, q.value), []).append(q)
        return src

    @property
    def raws(self) -> set[Decimal]:
        """Every number the source writes, as written and as valued (for bare answer numbers)."""
        if self._raws is None:
            self._raws = {v for q in self.quantities for v in (q.raw, q.value)}
        return self._raws

    def in_range(self, dim: str, lo: Decimal, hi: Decimal) -> list[Quantity]:
        """The source's values of `dim` between `lo` and `hi` (approximate answers: 約1,200人)."""
        ordered = self.sorted_values.get(dim)
        if ordered is None:
            ordered = self.sorted_values[dim] = sorted(self.by_dim.get(dim, ()), key=lambda q: q.value)
        keys = [q.value for q in ordered]
        return ordered[bisect_left(keys, lo) : bisect_right(keys, hi)]

    def subject(self, q: Quantity) -> str:
        return quantities.subject_of(self.folded, q)

    def subjects(self, dim: str) -> dict[str, list[Quantity]]:
        """The source's values of one dimension by subject (read when first asked for)."""
        out = self.by_subject.get(dim)
        if out is None:
            out = self.by_subject[dim] = {}
            for q in self.by_dim.get(dim, ()):
                subject = self.subject(q)
                if subject:
                    out.setdefault(subject, []).append(q)
        return out

    def dates_of_month(self, month: int) -> list[DateFact]:
        """The source's dates in `month`, in order."""
        if self.by_month is None:
            self.by_month = {}
            for d in self.dates:
                if d.month is not None:
                    self.by_month.setdefault(d.month, []).append(d)
        return self.by_month.get(month, [])

    def dates_of_year(self, year: int | None) -> list[DateFact]:
        """The source's dates written with `year`, in order."""
        if self.by_year is None:
            self.by_year = {}
            for d in self.dates:
                if d.year is not None:
                    self.by_year.setdefault(d.year, []).append(d)
        return self.by_year.get(year, []) if year is not None else self.dates

    def dates_like(self, with_day: bool) -> list[DateFact]:
        """The source's dates with a month, with a day or without (for messages; cached)."""
        found = self.dates_by_form.get(with_day)
        if found is None:
            found = self.dates_by_form[with_day] = [
                s for s in self.dates if s.month is not None and (s.day is not None) == with_day]
        return found

    def same_subject(self, dim: str, subject: str, topic: str = "") -> tuple[list[Quantity], set[Decimal]]:
        """The source's values of `dim` whose subject matches `subject` (suffix match) and whose
        topic agrees with `topic`, in the order of `subjects(dim)`, and their value set. Cached:
        an answer repeats its subjects (予算額 ten times), and each lookup would scan every
        subject and value again."""
        key = (dim, subject, topic)
        hit = self.by_same_subject.get(key)
        if hit is None:
            found = [s for name, facts in self.subjects(dim).items() if subjects_match(subject, name)
                     for s in facts if not topic or topics_agree(topic, self.topic(s))]
            # 高齢者世帯の上限 is compared with the source's 高齢者世帯は上限…, not with its plain 上限…
            specific = [s for s in found if topic and self.topic(s)]
            if specific:
                found = specific
            hit = self.by_same_subject[key] = (found, {s.value for s in found})
        return hit

    def same_topic(self, dim: str, name: str) -> list[Quantity]:
        """The source's values of `dim` whose topic matches `name` (高齢者世帯は上限120万円 for
        an answer's 高齢者世帯100万円)."""
        return [s for s in self.by_dim.get(dim, ()) if subjects_match(name, self.topic(s))]

    def label(self, q: Quantity) -> str:
        """How a message names what `q` is the value of: its subject, with its topic if any."""
        subject, topic = self.subject(q), self.topic(q)
        return f"{topic}の{subject}" if topic and subject else subject or topic

    def topic(self, q: Quantity) -> str:
        return quantities.topic_of(self.folded, q)

    def ref(self, start: int, end: int) -> SourceRef:
        return SourceRef(start, end, self.text[start:end])

    def year_before(self, at: int) -> tuple[int | None, bool]:
        """The last year written before offset `at` (and whether it was a fiscal year)."""
        best: DateFact | None = None
        for d in self.dates:
            if d.start >= at:
                break
            if d.year is not None:
                best = d
        if best is None:
            first = next((d for d in self.dates if d.year is not None), None)
            return (first.year, first.fiscal) if first else (None, False)
        return best.year, best.fiscal


def find_unsupported(output: str, source: Source, computed: Sequence[Computed] = ()) -> list[FactMatch]:
    """Facts in `output` that `source` does not support, in order of position."""
    folded = fold(output)
    answer_names = names.find(folded)
    dates = quantities.find_dates(folded)
    times = quantities.find_times(folded)
    skip = [(n.start, n.end) for n in answer_names if n.kind in ("url", "email", "phone")]
    skip += [(d.start, d.end) for d in dates] + [(t.start, t.end) for t in times]
    qs = times + quantities.find_quantities(folded, skip)
    for q in qs:
        quantities.topic_of(folded, q)  # and the subject
    out: list[FactMatch] = []
    answer_years = [d for d in dates if d.year is not None]
    for d in dates:
        out.extend(_check_date(d, source, answer_years))
    for q in qs:
        hit = _check_quantity(q, folded, source, computed)
        if hit is not None:
            out.append(hit)
    for n in answer_names:
        hit = _check_name(n, source)
        if hit is not None:
            out.append(hit)
    taken = [(f.start, f.end) for f in out] + [(n.start, n.end) for n in answer_names]
    for p in _proper_nouns(output, source):
        if not any(a < p.end and p.start < b for a, b in taken):
            out.append(p)
    out.sort(key=lambda f: (f.start, f.end))
    return [FactMatch(f.start, f.end, output[f.start : f.end], *_rest(f)) for f in out]


def _rest(f: FactMatch) -> tuple[str, str, str, SourceRef | None]:
    return f.kind, f.status, f.detail, f.source


# -- dates -----------------------------------------------------------------------------------

def _same_date(a: DateFact, b: DateFact) -> bool:
    if a.year is not None and b.year is not None and a.year != b.year:
        return False
    if a.month is not None and a.month != b.month:
        return False
    if a.day is not None and a.day != b.day:
        return False
    # 2025年 alone must be a year the source writes
    return not (a.year is not None and b.year is None and a.month is None)


def _resolved_year(d: DateFact, years: Sequence[DateFact] | None, source: Source | None) -> int | None:
    if d.year is not None:
        y, fiscal = d.year, d.fiscal and d.month is not None
    else:
        prior = [x for x in years or () if x.start < d.start]
        if prior:
            y, fiscal = prior[-1].year, prior[-1].fiscal  # type: ignore[assignment]
        elif source is not None:
            y, fiscal = source.year_before(d.start)  # type: ignore[assignment]
        else:
            return None
        if y is None:
            return None
    if fiscal and d.month is not None and d.month <= 3:
        y += 1  # 令和7年度の2月 is 2026
    return y


def _check_date(d: DateFact, source: Source, answer_years: list[DateFact]) -> list[FactMatch]:
    # A date with a month can only match a source date of that month, a year alone one written
    # with that year (`_same_date`).
    pool = source.dates_of_year(d.year) if d.month is None else source.dates_of_month(d.month)
    matches = [s for s in pool if _same_date(d, s)]
    if not matches:
        if d.year is not None and d.month is None and _year_in_source(d.year, source):
            return []
        detail = ""
        similar = source.dates_like(d.day is not None) if d.month is not None else []
        ref = None
        if similar:
            ref = source.ref(similar[0].start, similar[0].end)
            detail = "元の文章の日付：" + "、".join(dict.fromkeys(source.text[s.start:s.end] for s in similar[:3]))
        elif d.year is not None and d.month is None:
            years = [s for s in source.dates if s.year is not None]
            if years:
                ref = source.ref(years[0].start, years[0].end)
                detail = "元の文章の年：" + "、".join(dict.fromkeys(
                    f"{source.text[s.start:s.end]}（{s.year}年{'度' if s.fiscal else ''}）" for s in years[:3]))
        return [FactMatch(d.start, d.end, d.text, "date", "unsupported", detail, ref)]
    if d.weekday is None:
        return []
    out_year = _resolved_year(d, answer_years, None)
    for s in matches:
        if s.weekday is not None and s.weekday != d.weekday:
            return [FactMatch(d.start, d.end, d.text, "weekday", "contradicts",
                              f"元の文章では{source.text[s.start:s.end]}です",
                              source.ref(s.start, s.end))]
    year = out_year
    if year is None:
        for s in matches:
            year = _resolved_year(s, [x for x in source.dates if x.year is not None], source)
            if year is not None:
                break
    cal = d.calendar(year)
    if cal is not None and cal.weekday() != d.weekday:
        return [FactMatch(d.start, d.end, d.text, "weekday", "contradicts",
                          f"{cal.year}年{cal.month}月{cal.day}日は{quantities.WEEKDAYS[cal.weekday()]}曜日です",
                          source.ref(matches[0].start, matches[0].end))]
    return []


def _year_in_source(year: int, source: Source) -> bool:
    return any(s.year == year for s in source.dates)


# -- quantities ------------------------------------------------------------------------------

def _kind(q: Quantity) -> str:
    if q.dim == "yen":
        return "amount"
    if q.dim in ("ratio", "pt"):
        return "ratio"
    if q.dim == "time":
        return "time"
    if q.dim.startswith(("count:", "ord:")):
        return "count"
    if q.dim == "num":
        return "number"
    return "quantity"


def _step(v: Decimal) -> Decimal:
    """The place of the last significant digit of `v` (27万 → 10,000; 0.26 → 0.01)."""
    if not v:
        return Decimal(0)
    return Decimal(1).scaleb(v.normalize().as_tuple().exponent)  # type: ignore[arg-type]


def _equal(q: Quantity, s: Quantity) -> bool:
    if q.dim == "time" and s.dim == "time":
        return q.value == s.value or (q.raw == s.raw and (q.raw != q.value or s.raw != s.value))
    if q.approx and q.dim != s.dim.replace("ord:", ""):
        return False
    if q.approx and q.value != s.value:
        # 約2割6分 for 26.4%, 約1,200人 for 1,234人: equal to the precision the answer writes.
        return abs(q.value - s.value) <= _step(q.value) / 2
    return q.value == s.value


def topics_agree(a: str, b: str) -> bool:
    """Topics agree unless both are given and differ (本事業の予算額 and 予算額 agree)."""
    return not a or not b or subjects_match(a, b)


def _subject_values(q: Quantity, subject: str, source: Source) -> tuple[list[Quantity], bool]:
    """The source's values for `subject` (that of `q`, with its topic), and whether one of them
    equals `q`. When no source value has that subject, an answer's subject may be a source
    value's topic (高齢者世帯100万円 against 高齢者世帯は上限120万円)."""
    same_subject, values = source.same_subject(q.dim, subject, q.topic or "")
    if not same_subject and not q.topic:
        same_subject = source.same_topic(q.dim, subject)
        values = {s.value for s in same_subject}
    if q.dim != "time" and not q.approx:
        # For an exact value outside times `_equal` is `==`, and Decimal hashes agree with ==.
        return same_subject, q.value in values
    return same_subject, any(_equal(q, s) for s in same_subject)


def _held_for_subject(q: Quantity, subject: str, same_value: list[Quantity], source: Source) -> bool:
    """Whether the source gives one of `same_value` (its values equal to the answer's) for
    `subject` (that of `q`) and `q`'s topic: then the answer's value is supported and the
    subject's other values (whose subjects are costly to read for a whole source) need not be
    looked at."""
    # With a topic, only a value under the same topic settles it (`same_subject` prefers those).
    return any(subjects_match(subject, source.subject(s))
               and (not q.topic or subjects_match(q.topic, source.topic(s)))
               for s in same_value)


def _check_quantity(q: Quantity, folded: str, source: Source, computed: Sequence[Computed]) -> FactMatch | None:
    kind = _kind(q)
    candidates = source.by_dim.get(q.dim, [])
    if q.dim == "day" and any(d.day == q.value for d in source.dates):
        return None
    if q.dim == "num":
        # A bare number: any source quantity written with the same number supports it.
        if q.small_structural or q.value in source.raws:
            return None
        if any(q.value in (d.year, d.month, d.day) for d in source.dates):
            return None
    if q.approx and q.value and q.dim != "time":
        half = _step(q.value) / 2
        same_value = source.in_range(q.dim, q.value - half, q.value + half)
    elif q.dim == "time":
        same_value = [s for s in candidates if _equal(q, s)]
    else:
        same_value = list(source.by_value.get((q.dim, q.value), ()))
    if q.subject:
        if same_value and _held_for_subject(q, q.subject, same_value, source):
            return None
        same_subject, equal = _subject_values(q, q.subject, source)
        if same_subject and not equal:
            s = same_subject[0]
            other = source.label(same_value[0]) if same_value else ""
            moved = f"（{q.text}は元の文章では「{other}」の値です）" if other else ""
            # The subject both name, or the source's topic the answer's subject matched.
            if q.topic and source.topic(s):
                name = source.label(s)
            else:
                name = source.subject(s) if subjects_match(q.subject, source.subject(s)) else source.topic(s)
            return FactMatch(q.start, q.end, q.text, kind, "contradicts",
                             f"元の文章では「{name}」は{source.text[s.start:s.end]}です{moved}",
                             source.ref(s.start, s.end))
    if same_value:
        return None
    result = _not_found(q, kind, candidates, folded, source)
    if result is None or result.status == "contradicts":
        return result
    # A value that would be reported and that the caller computed itself is reported as such.
    hits = [c for c in computed if c.value in (q.value, q.raw)]
    if hits:
        # Of several computed values equal to this one, the one whose formula names its unit (3列).
        unit = q.text.lstrip("0123456789,.")
        c = next((c for c in hits if unit and unit in c.formula), hits[0])
        return FactMatch(q.start, q.end, q.text, kind, "computed", f"計算値：{c.formula}")
    return result


def _not_found(q: Quantity, kind: str, candidates: list[Quantity], folded: str, source: Source
               ) -> FactMatch | None:
    """What to report for a value the source does not hold (None: nothing, e.g. 要点は3点)."""
    if q.dim.startswith("count:") and _counts_ordinals(q, source):
        return None
    if q.small_structural:
        return _list_count(q, folded, source)
    if q.dim.startswith("count:") and q.value < 10 and q.subject:
        listed = _list_count(q, folded, source)
        if listed is not None or not _subject_in_source(q.subject, source):
            return listed
    # The same number written with a unit of another magnitude (12,000千円 → 12,000円).
    for s in source.quantities:
        if s.raw == q.raw and s.dim != "num" and (s.dim == q.dim or _family(s.dim) == _family(q.dim)):
            return FactMatch(q.start, q.end, q.text, kind, "unit",
                             f"単位が元の文章と異なります（元の文章：{source.text[s.start:s.end]}）",
                             source.ref(s.start, s.end))
    derived = _derived(q, candidates, source)
    if derived is not None:
        return derived
    ref = None
    detail = ""
    if candidates and q.dim != "num":
        ref = source.ref(candidates[0].start, candidates[0].end)
        detail = "元の文章の同じ種類の値：" + "、".join(
            dict.fromkeys(source.text[s.start : s.end] for s in candidates[:3]))
    return FactMatch(q.start, q.end, q.text, kind, "unsupported", detail, ref)


def _counts_ordinals(q: Quantity, source: Source) -> bool:
    """2回 where the source lists 第1回 and 第2回: the count of the numbered things it lists."""
    numbered = {s.value for s in source.by_dim.get("ord:" + q.dim[6:], ())}
    return len(numbered) >= 2 and max(numbered) == q.value == len(numbered)


def _family(dim: str) -> str:
    return {"m": "len", "m2": "len", "dur_s": "dur", "dur_mo": "dur", "ratio": "ratio", "pt": "ratio"}.get(dim, dim)


def _subject_in_source(subject: str, source: Source) -> bool:
    return compare_key(subject) in source.key


def _derived(q: Quantity, candidates: list[Quantity], source: Source) -> FactMatch | None:
    if q.dim in ("time", "num") or q.dim.startswith("ord:"):
        return None
    vals = candidates[:_MAX_PAIRS_PER_DIM]
    tol = q.value * Decimal("0.05") if q.approx else Decimal(0)
    for a, b in combinations(vals, 2):
        for value, op in ((a.value + b.value, "＋"), (abs(a.value - b.value), "－")):
            if value and abs(value - q.value) <= tol:
                x, y = (a, b) if op == "＋" or a.value >= b.value else (b, a)
                return _derived_match(q, source, x, op, y)
    if len(vals) >= 3 and abs(sum(v.value for v in vals) - q.value) <= tol:
        return FactMatch(q.start, q.end, q.text, _kind(q), "derived",
                         "元の文章にそのままの形では見当たりません。元の値の合計の可能性があります")
    if q.dim.startswith("count:"):
        # 延べ定員120人 for 定員30名 and 全4回: a count times another count.
        others = [s for s in source.quantities if s.dim.startswith("count:") and s.dim != q.dim][:_MAX_PAIRS_PER_DIM]
        for a in vals:
            for b in others:
                if a.value * b.value == q.value and b.value > 1:
                    return _derived_match(q, source, a, "×", b)
    if q.dim == "dur_s":
        # 受付時間は8時間 for 午前9時から午後5時まで: the span between two times of day (minutes).
        times = source.by_dim.get("time", [])[:_MAX_PAIRS_PER_DIM]
        for a, b in combinations(times, 2):
            if a.value != b.value and abs(abs(a.value - b.value) * 60 - q.value) <= tol:
                x, y = (a, b) if a.value > b.value else (b, a)
                return _derived_match(q, source, x, "－", y, ref=y)
    if q.dim == "ratio":
        counts = [s for s in source.quantities if s.dim.startswith("count:") or s.dim in ("yen", "num")]
        counts = counts[:_MAX_PAIRS_PER_DIM]
        step = Decimal("0.1") if q.text.endswith("割") else Decimal("0.01")
        tol = max(step / 2, tol)
        for a, b in combinations(counts, 2):
            lo, hi = sorted((a, b), key=lambda s: s.value)
            if hi.value and lo.dim == hi.dim and abs(lo.value / hi.value - q.value) <= tol:
                return _derived_match(q, source, lo, "÷", hi, what="割合")
    return None


def _derived_match(q: Quantity, source: Source, x: Quantity, op: str, y: Quantity, *,
                   ref: Quantity | None = None, what: str = "値") -> FactMatch:
    """`q` as possibly computed from two source values (x op y), compared with `ref` (else x)."""
    formula = f"{source.text[x.start:x.end]} {op} {source.text[y.start:y.end]}"
    at = ref or x
    return FactMatch(q.start, q.end, q.text, _kind(q), "derived",
                     f"元の文章にそのままの形では見当たりません。計算した{what}の可能性があります（{formula}）",
                     source.ref(at.start, at.end))


def _list_count(q: Quantity, folded: str, source: Source) -> FactMatch | None:
    """A count of listed things (三つの取組) against the items the source lists for that noun."""
    noun = q.subject
    if not noun or len(noun) < 2:
        return None
    for s in source.by_dim.get(q.dim, ()):
        if s.value != q.value and source.subject(s) == noun:
            return FactMatch(q.start, q.end, q.text, "count", "contradicts",
                             f"元の文章では{noun}は{source.text[s.start:s.end]}です", source.ref(s.start, s.end))
    n, ref = _listed_items(noun, source)
    if n and n != q.value:
        return FactMatch(q.start, q.end, q.text, "count", "contradicts",
                         f"元の文章には{noun}が{n}つ挙げられています", ref)
    return None


def _listed_items(noun: str, source: Source) -> tuple[int, SourceRef | None]:
    text = source.folded
    at = text.find(noun)
    while at >= 0:
        line_end = text.find("\n", at)
        if line_end >= 0:
            count = 0
            pos = line_end + 1
            first = pos
            while pos < len(text):
                nxt = text.find("\n", pos)
                line = text[pos : nxt if nxt >= 0 else len(text)]
                if _LIST_ITEM.match(line):
                    count += 1
                elif line.strip():
                    break
                if nxt < 0:
                    pos = len(text)
                    break
                pos = nxt + 1
            if count >= 2:
                return count, source.ref(first, pos)
        # Inline: 「A、B及びCの取組」
        m = re.search(r"([^。\n]{1,80})の" + re.escape(noun), text[max(0, at - 90) : at + len(noun)])
        if m is not None:
            parts = re.split(r"、|,|・|及び|および|並びに|ならびに|と(?=[一-鿿ァ-ヺ])", m.group(1))
            # The list is the run of short nouns right before 「の取組」 (not 「あわせて、」 before it).
            items: list[str] = []
            for p in reversed(parts):
                if not _LIST_NOUN.fullmatch(p.strip()):
                    break
                items.append(p.strip())
            if len(items) >= 2:
                end = max(0, at - 90) + m.end(1)
                start = end - len(m.group(1)) + m.group(1).rfind(items[-1])
                return len(items), source.ref(start, end)
        at = text.find(noun, at + 1)
    return 0, None


# -- names -----------------------------------------------------------------------------------

_NAME_LABELS = {"organization": "組織名", "law": "法令・条例等", "facility": "施設名", "url": "URL",
                "email": "メールアドレス", "phone": "電話番号"}


def _check_name(n: names.Name, source: Source) -> FactMatch | None:
    if n.kind in ("phone", "url", "email"):
        if any(s.kind == n.kind and s.key == n.key for s in source.contacts):
            return None
        same = [s for s in source.contacts if s.kind == n.kind]
    elif any(compare_key(t) in source.key for t in (n.text, *n.alternatives)):
        return None
    else:
        # The source's own names of that kind are read only now, for the message.
        same = [s for s in source.names if s.kind == n.kind]
        if n.kind == "law" and any(_abbreviates(n.text, s.text) for s in same):
            return None
    detail, ref = "", None
    if same:
        ref = source.ref(same[0].start, same[0].end)
        detail = f"元の文章の{_NAME_LABELS[n.kind]}：" + "、".join(dict.fromkeys(s.text for s in same[:3]))
    return FactMatch(n.start, n.end, n.text, n.kind, "unsupported", detail, ref)


def _abbreviates(short: str, name: str) -> bool:
    """Whether the law name `short` is a short form of `name`: 個人情報保護法 for 個人情報の保護に
    関する法律 (its characters before 法 in order within the name, which is longer, both laws)."""
    if not short.endswith("法") or len(short) < 4 or len(name) <= len(short):
        return False
    rest = iter(name)
    return all(c in rest for c in short[:-1])


# The city's own name: its documents need not write it for a summary to name it.
_OWN_NAMES = frozenset({"大阪市"})


def _proper_nouns(output: str, source: Source) -> list[FactMatch]:
    out: list[FactMatch] = []
    run: list[japanese.Token] = []

    def flush() -> None:
        if run:
            start, end = run[0].start, run[-1].end
            surface = output[start:end]
            if len(surface) >= 2 and surface not in _OWN_NAMES and compare_key(surface) not in source.key:
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
