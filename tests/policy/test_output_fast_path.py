"""The common-5 fact check's shortcuts give the findings of the straightforward path.

The shortcuts (issue 18's speed work): the date pattern is tried only around whole ISO dates,
not around every "dddd-d" (phone numbers); an answer subject's source values and their value set
are cached per (dimension, subject) and an exact value is looked up in the set; a value the
source gives for the same subject is accepted without reading the subject's other values; an
answer date is compared only with the source's dates of its month (a year alone: of its year);
the comparison key skips NFKC when no character can change; a subject is read backwards with
anchored matches; the compound pattern (1年6か月) runs only on sentences holding its anchors. The straightforward path, rebuilt here by swapping those pieces back, must
give identical findings on random realistic sources and answers (amounts, dates with weekdays,
ISO and slash dates, times, counts, ratios, phones, bureaus, compounds such as 1年6か月,
4割5分, 1時間30分 and 1年半, fractions, ordinals such as 3回目).
"""

from __future__ import annotations

import random
import re
from decimal import Decimal

import pytest

from addin_server.policy.detectors import facts, quantities
from addin_server.policy.detectors.quantities import Quantity, subjects_match
from addin_server.policy.textnorm import compare_key, fold

WARDS = ["北区", "中央区", "西区", "港区", "天王寺区", "生野区"]
BUREAUS = ["こども青少年局", "福祉局", "健康局", "環境局"]
SUBJECTS = ["大人", "中学生以下", "予算額", "決算額", "利用料", "保育所利用料", "定員", "参加者"]
WEEKDAYS = "月火水木金土日"


def sentence(rng: random.Random) -> str:
    r = rng.randrange(14)
    n = rng.randint
    if r == 0:
        return f"令和{n(5, 8)}年度の{rng.choice(WARDS)}の予算額は{n(1, 99):,},{n(100, 999)}千円、決算額は{n(1, 999):,}万円でした。"
    if r == 1:
        return f"説明会は{n(1, 12)}月{n(1, 28)}日（{rng.choice(WEEKDAYS)}）午後{n(1, 5)}時から開催し、定員は{n(20, 300)}人です。"
    if r == 2:
        return f"担当は大阪市{rng.choice(BUREAUS)}（電話 06-6208-{n(1000, 9999)}）で、市内{n(2, 30)}か所で実施します。"
    if r == 3:
        return f"回答者の約{n(1, 9)}割が満足と答え、満足度は{n(10, 99)}.{n(0, 9)}%でした。"
    if r == 4:
        return f"受付は{n(2024, 2026)}-{n(1, 12):02d}-{n(1, 28):02d}から{n(2024, 2026)}/{n(1, 12)}/{n(1, 28)}まで、{n(9, 17)}:{rng.choice(['00', '30'])}までです。"
    if r == 5:
        return f"{rng.choice(SUBJECTS)}{n(1, 9) * 100}円、{rng.choice(SUBJECTS)}は約{n(1, 30):,}00円です。"
    if r == 6:
        return (f"期間は{n(1, 3)}年{n(1, 11)}か月で、達成率は{n(1, 9)}割{n(1, 9)}分です。"
                f"補助は{n(2, 4)}分の1、会議は{n(1, 2)}時間{n(1, 5) * 10}分、延長は{n(1, 3)}年半、{n(2, 5)}回目です。")
    if r == 7:
        return f"問い合わせは06.{n(1000, 9999)}.{n(1000, 9999)}または{n(2025, 2026)}.{n(1, 12)}.{n(1, 28)}（{rng.choice(WEEKDAYS)}）の説明会で。"
    if r == 8:
        return f"{rng.choice(SUBJECTS)}の合計は{n(1, 50)}件、{rng.choice(['三つ', '4つ', '5点'])}の取組を進めます。\n"
    if r == 9:
        return f"令和{n(6, 8)}年{n(1, 12)}月{n(1, 28)}日{rng.choice(WEEKDAYS)}曜日に、{rng.choice(WARDS)}役所で{n(1, 3)}時間実施。"
    if r == 10:
        return f"前年度比{n(1, 20)}ポイント増、{n(2, 9)}倍の{n(1, 900)}世帯が利用しました。"
    if r == 11:
        return (f"{rng.choice(SUBJECTS)}の上限は{n(1, 9) * 10}万円です（{rng.choice(WARDS)}は上限{n(1, 9) * 10}万円）。"
                f"{rng.choice(WARDS)}の{rng.choice(SUBJECTS)}は{n(1, 9) * 100}円です。")
    if r == 12:
        return f"{rng.choice(WARDS)}の相談件数は{n(1, 9) * 10}件、相談件数は合計{n(1, 9) * 10}件でした。"
    return "本事業は関係部署と連携し、地域の実情に応じて進めることとしています。"


def text(rng: random.Random, chars: int) -> str:
    parts: list[str] = []
    while sum(map(len, parts)) < chars:
        parts.append(sentence(rng))
    return "".join(parts)


def answer_of(rng: random.Random, source: str) -> str:
    sents = [s + "。" for s in source.split("。") if s]
    parts = [rng.choice(sents) if rng.random() < 0.6 else sentence(rng) for _ in range(rng.randint(3, 12))]
    # Some values altered in place: the same text with one digit changed.
    out = "".join(parts)
    digits = [i for i, c in enumerate(out) if c.isdigit()]
    for i in rng.sample(digits, min(len(digits), rng.randint(0, 3))):
        out = out[:i] + str(rng.randint(0, 9)) + out[i + 1 :]
    return out


def _straight_subject_values(q: Quantity, subject: str, source: facts.Source) -> tuple[list[Quantity], bool]:
    topic = q.topic or ""
    same = [s for name, fs in source.subjects(q.dim).items() if subjects_match(subject, name) for s in fs
            if facts.topics_agree(topic, source.topic(s))]
    if topic and any(source.topic(s) for s in same):
        same = [s for s in same if source.topic(s)]
    if not same and not topic:
        same = [s for s in source.by_dim.get(q.dim, ()) if subjects_match(subject, source.topic(s))]
    return same, any(facts._equal(q, s) for s in same)


_LOOSE_ISO = re.compile(r"\d{4}[-.]\d")


def _findings(answer: str, source: str) -> list[dict[str, object]]:
    return [f.to_dict() for f in facts.find_unsupported(answer, facts.Source.of([source]))]


@pytest.mark.parametrize("seed", range(40))
def test_fast_path_gives_the_straightforward_findings(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    source = text(rng, rng.choice([300, 2_000, 6_000]))
    answer = answer_of(rng, source)
    fast = _findings(answer, source)
    with monkeypatch.context() as m:
        m.setattr(quantities, "_ISO", _LOOSE_ISO)
        m.setattr(facts, "_subject_values", _straight_subject_values)
        m.setattr(facts, "_held_for_subject", lambda q, subject, same_value, source: False)
        m.setattr(facts.Source, "dates_of_month", lambda self, month: self.dates)
        m.setattr(facts.Source, "dates_of_year", lambda self, year: self.dates)
        straight = _findings(answer, source)
    assert fast == straight


def test_the_random_answers_give_findings_to_compare() -> None:
    # The comparison above means something only if the answers get findings: most seeds must.
    with_findings = 0
    for seed in range(40):
        rng = random.Random(seed)
        source = text(rng, rng.choice([300, 2_000, 6_000]))
        with_findings += bool(_findings(answer_of(rng, source), source))
    assert with_findings >= 30


@pytest.mark.parametrize("seed", range(40))
def test_dates_are_the_same_with_the_whole_iso_anchor(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(1000 + seed)
    folded = fold(text(rng, 3_000))
    fast = quantities.find_dates(folded)
    monkeypatch.setattr(quantities, "_ISO", _LOOSE_ISO)
    assert quantities.find_dates(folded) == fast
    assert len(fast) >= 5


def test_the_iso_anchor_still_reads_iso_dates_and_skips_phones() -> None:
    dates = quantities.find_dates(fold("電話06-6208-1234、受付は2026-04-01（水）と2026.4.2から。"))
    assert [(d.year, d.month, d.day, d.weekday) for d in dates] == [(2026, 4, 1, 2), (2026, 4, 2, None)]
    assert not [m.group() for m in quantities._ISO.finditer("06-6208-1234")]


@pytest.mark.parametrize("seed", range(20))
def test_fast_compare_key_is_compare_key(seed: int) -> None:
    rng = random.Random(2000 + seed)
    alphabet = "予算額は12,000千円です。（火）・ｶﾞｷﾞＡＢＣ①㎡か\u3099ハ\u309a 　\n\tabc-:；"
    for _ in range(50):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert facts.fast_compare_key(s) == compare_key(s), s
    assert facts.fast_compare_key("予算額は１２千円（火）") == "予算額は12千円火"


def test_cached_subject_values_keep_order_and_exact_equality() -> None:
    src = facts.Source.of(["大人600円、中学生以下400円、保育所利用料1,000円、利用料1,000.0円。"])
    yen = [q for q in src.quantities if q.dim == "yen"]
    found, values = src.same_subject("yen", "利用料")
    assert [src.text[q.start : q.end] for q in found] == ["1,000円", "1,000.0円"]
    assert values == {Decimal(1000)}
    assert src.same_subject("yen", "利用料")[0] is found  # cached
    assert len(yen) == 4


_SENTENCE = re.compile(r"[^。\n]+")


def _sentence_scan(pattern: re.Pattern[str], folded: str, anchors: tuple[str, ...]) -> list[tuple[int, int]]:
    out = []
    for m in _SENTENCE.finditer(folded):
        if any(a in m.group() for a in anchors):
            out.extend(t.span() for t in pattern.finditer(folded, m.start(), m.end()))
    return out


@pytest.mark.parametrize("seed", range(20))
def test_time_sentences_found_from_anchors_are_the_scanned_sentences(seed: int) -> None:
    rng = random.Random(3000 + seed)
    for _ in range(100):
        s = "".join(rng.choice(["時", ":", "。", "\n", "1", "2", "午", "後", " ", "5", "分", "半", "a", "正午", "正"]) for _ in range(rng.randint(0, 60)))
        assert [m.span() for m in quantities._finditer(quantities._TIME, s, quantities.TIME_ANCHORS)] == _sentence_scan(
            quantities._TIME, s, quantities.TIME_ANCHORS), s
    long_text = fold(text(rng, 3_000))
    spans = _sentence_scan(quantities._TIME, long_text, quantities.TIME_ANCHORS)
    assert [m.span() for m in quantities._finditer(quantities._TIME, long_text, quantities.TIME_ANCHORS)] == spans
    assert len(spans) >= 3


# The subject's reading as forward patterns anchored at the end: the straightforward definition.
_TAIL = re.compile(r"(?:\s|" + "|".join(map(re.escape, quantities.SUBJECT_TAIL_WORDS)) + ")+$")
_CLAUSE = re.compile(r"[^。\n\t;；]*\Z")
_PAREN = re.compile(r"[(（][^()（）]{0,20}[)）]$")
_RUN = re.compile(r"[一-鿿々〆ヶァ-ヺーA-Za-z]+$")


def _straight_subject_before(text: str, start: int) -> str:
    s = _CLAUSE.search(text, max(0, start - quantities.SUBJECT_WINDOW), start).group()  # type: ignore[union-attr]
    tail = _TAIL.search(s)
    if tail and any(w in tail.group() for w in ("合計", "総額", "計")):
        return ""
    s = _TAIL.sub("", s)
    if s.endswith((")", "）")):
        s = _TAIL.sub("", _PAREN.sub("", s))
    m = _RUN.search(s)
    if m and s.endswith("延べ", 0, m.start()):
        return "延べ" + m.group()
    if m and m.group() in ("年度", "年") and m.start() and s[m.start() - 1].isdigit():
        return quantities._year_form((s[: m.end()] + "の")[::-1])
    if m and re.fullmatch(r"(明治|大正|昭和|平成|令和)元年度?", m.group()):
        return quantities.topic_before(m.group() + "の", len(m.group()) + 1)
    return m.group() if m else ""


def test_reversed_tail_strips_what_the_tail_pattern_strips() -> None:
    # Longest-word-first on the reversed text equals the forward pattern only if no tail word
    # ends in a non-word that another word completes; check every pair of words for that.
    words = quantities.SUBJECT_TAIL_WORDS
    assert "として" in words and "おおむね" in words
    for w in words:
        for cut in range(1, len(w)):
            head = w[:cut]
            if w[cut:] in words:
                assert not any(v.endswith(head) for v in words), (w, head)
    for s in ["予算額とも", "合計", "予算額は合計約", "中学生以下として", "AAおおむね", "1,2として"]:
        assert _TAIL.sub("", s) == s[::-1][quantities._SUBJECT_TAIL_REV.match(s[::-1]).end():][::-1]  # type: ignore[union-attr]


@pytest.mark.parametrize("seed", range(20))
def test_subject_before_matches_the_straightforward_reading(seed: int) -> None:
    rng = random.Random(4000 + seed)
    pieces = ["大人", "予算額", "は", "約", "合計", "として", "とも", "の", "（税込）", "(注)", "、", " ", "\n",
              "。", "で", "も", "ずつ", "最大", "おおむね", "ほぼ", "計", "=", "利用料", "ア", "A", "総額", "と", "て",
              "し", "合", "概ね", "（", ")", "；", "\t", "ず", "つ", "延べ", "べ", "令和", "6", "2024", "年度",
              "年", "元年", "前年度"]
    for _ in range(200):
        s = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) + "1"
        assert quantities.subject_before(s, len(s) - 1) == _straight_subject_before(s, len(s) - 1), s
    source = fold(text(rng, 2_000))
    starts = [q.start for q in facts.Source.of([source]).quantities]
    assert len(starts) > 20
    assert [quantities.subject_before(source, i) for i in starts] == [_straight_subject_before(source, i) for i in starts]


@pytest.mark.parametrize("seed", range(20))
def test_compounds_found_from_anchors_are_those_of_a_whole_scan(seed: int) -> None:
    # The compound pattern runs only on sentences holding an anchor; a compound spanning a line
    # break is the one thing a whole-text scan would add.
    rng = random.Random(5000 + seed)
    pieces = ["1", "2", "年", "か月", "ヶ月", "時間", "半", "30", "分", "割", "5", "厘", " ", "\n", "。", "間", "ば", "a"]
    for _ in range(100):
        s = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        whole = [m.span() for m in quantities._COMPOUND.finditer(s) if "\n" not in m.group()]
        assert [m.span() for m in quantities._finditer(quantities._COMPOUND, s, quantities._COMPOUND_ANCHORS)] == whole, s
    long_text = fold(text(rng, 3_000))
    spans = [m.span() for m in quantities._finditer(quantities._COMPOUND, long_text, quantities._COMPOUND_ANCHORS)]
    assert spans == [m.span() for m in quantities._COMPOUND.finditer(long_text)]
    assert len(spans) >= 3
