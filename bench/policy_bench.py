"""Policy engine benchmark (issues 3 and 11): check time, throughput and peak memory.

Inputs: 1k / 20k / 100k characters of realistic mixed Japanese prose (names, phone numbers,
addresses, e-mail, amounts, Individual Numbers in staff notations), and tables of 50,000 /
100,000 / 200,000 rows x 5 columns (250,000 to 1,000,000 cells) streamed from a lazy sequence
(rows are generated on demand, so the input itself takes no memory and the figure is the
engine's own). Each figure is set against baselines measured in the same run: a plain
regular-expression scan of the same input (digit runs and e-mail addresses), the morphological
analyser's own analysis of the same sentences (`japanese.ANALYSER`: fugashi + unidic-lite), and,
when installed (`pip install -e '.[bench]'`), Presidio's analyzer with spaCy's blank Japanese
pipeline and the same kinds of recognizers (a checksum Individual Number recognizer, e-mail,
phone) on the same text. Targets (issue 11): 20,000 characters in <= 20 ms, >= 10x Presidio's
throughput, tables linear in size with bounded memory. People-counting accuracy on the labelled
prose set (tests/policy/realistic_cases.py) is printed next to the figure.

    .venv/bin/python bench/policy_bench.py [--repeat N] [--no-presidio]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from stdnum.jp import in_ as stdnum_in

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository's tests package

from addin_server.policy import InMemoryPersonLedger, PolicyEngine, PolicyRequest, textnorm
from addin_server.policy.detectors import individual_number, japanese

SURNAMES = [
    "山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤", "吉田", "山本", "松本", "井上", "木村", "林",
    "清水", "森", "池田", "橋本",
]
GIVEN = [
    "太郎", "花子", "一郎", "美咲", "健太", "陽子", "大輔", "由美", "翔太", "愛", "拓也", "直子", "誠", "恵", "達也", "裕子",
]
WARDS = [
    "北区", "中央区", "西区", "港区", "天王寺区", "浪速区", "東淀川区", "生野区", "旭区", "城東区", "阿倍野区", "住吉区",
]
FILLER = [
    "市民課では住民票の写しの交付について案内しました。",
    "次回の打合せでは、令和7年度予算の要求内容を確認する予定です。",
    "窓口の混雑状況を踏まえ、受付時間の延長について検討が必要です。",
    "申請書類に不備があったため、追加の書類提出をお願いしました。",
    "本件は関係部署と調整のうえ、後日改めて回答することとしました。",
    "地域の見守り活動について、町会の役員と意見交換を行いました。",
]
REGEX_FLOOR = re.compile(r"\d{4}[- ]?\d{4}[- ]?\d{4}|[\w.+-]+@[\w-]+\.[\w.]+")


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def japanese_text(chars: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    n = 0
    while n < chars:
        r = rng.random()
        if r < 0.35:
            s = (f"{person(rng)}様（電話 06-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}）から"
                 f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日に相談がありました。")
        elif r < 0.5:
            s = (f"担当の{rng.choice(SURNAMES)}さんが大阪市{rng.choice(WARDS)}{rng.randint(1, 9)}-"
                 f"{rng.randint(1, 30)}-{rng.randint(1, 20)}を訪問し、"
                 f"user{rng.randint(1, 99999)}@example.jp に結果を送付しました。")
        elif r < 0.6:
            s = f"支給額は{rng.randint(1, 999):,}万{rng.randint(1, 9)}千円、対象は{rng.randint(10, 5000):,}世帯です。"
        elif r < 0.63:
            body = f"{rng.randint(0, 10**11 - 1):011d}"
            num = body + stdnum_in.calc_check_digit(body)
            sep = rng.choice(["-", " ", "ー", "\u2009", "・"])
            s = f"申請書の個人番号欄に{num[:4]}{sep}{num[4:8]}{sep}{num[8:]}と記載があったため、返却しました。"
        elif r < 0.66:
            s = f"出席者：{rng.choice(SURNAMES)}、{rng.choice(SURNAMES)}課長、{rng.choice(['金', '堀', '林'])}\n"
        elif r < 0.69:
            s = f"{rng.choice(['やまだ', 'さとう', 'たなか'])} {rng.choice(['はなこ', 'たろう'])}様よりお問い合わせ。"
        else:
            s = rng.choice(FILLER)
        parts.append(s)
        n += len(s)
    return "".join(parts)[:chars]


class LazyTable(Sequence[Sequence[Any]]):
    """A rows x 5 table whose rows are made on demand (bounded memory, like a streamed sheet)."""

    HEADER = ("氏名", "住所", "電話", "金額", "備考")

    def __init__(self, rows: int) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return self.rows + 1

    def __getitem__(self, i: int) -> Sequence[Any]:  # type: ignore[override]
        if i == 0:
            return self.HEADER
        if not 0 < i <= self.rows:
            raise IndexError(i)
        return (f"{SURNAMES[i % 20]}{GIVEN[(i // 20) % 16]}{i}", f"大阪市{WARDS[i % 12]}{i % 9 + 1}-{i % 30 + 1}",
                f"06-{1000 + i % 9000}-{1000 + (i * 7) % 9000}", (i * 37) % 100000, "継続")

    def __iter__(self) -> Iterator[Sequence[Any]]:
        for i in range(self.rows + 1):
            yield self[i]


def regex_floor_text(text: str) -> int:
    return len(REGEX_FLOOR.findall(text))


def regex_floor_cells(cells: Sequence[Sequence[Any]]) -> int:
    n = 0
    for row in cells:
        for v in row:
            if isinstance(v, str):
                n += len(REGEX_FLOOR.findall(v))
    return n


def analyser_floor(text: str) -> int:
    """Only the analyser's work (MeCab output, no Python reading it) on the sentence chunks the
    engine analyses: those with kanji or katakana, each distinct one once."""
    chunks = {c for _, c in japanese._chunks(text) if japanese._HAS_CANDIDATE.search(c)}
    return sum(len(japanese._parse(c)) for c in chunks)


def timed(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def cpu_time(fn: Callable[[], object], repeat: int) -> float:
    """Median CPU seconds of the whole process (all threads): the work done, which other
    programs on a busy machine change far less than the wall-clock time."""
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return statistics.median(times)


def peak_memory(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def fresh_check(engine: PolicyEngine, req: PolicyRequest) -> object:
    """One check as a new request sees it: the per-request caches (the Individual Number scan and
    the folded text, shared between rules) are emptied first, so repeats measure no cache hits."""
    individual_number.find_cached.cache_clear()
    textnorm._fold_long.cache_clear()
    return engine.check_input(req, commit=False)


def presidio_analyzer() -> tuple[Any, str]:
    """Presidio's AnalyzerEngine on spaCy's blank Japanese pipeline with recognizers for the same
    kinds (a checksum Individual Number recognizer, e-mail, phone), or (None, reason)."""
    try:
        import spacy
        from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
        from presidio_analyzer.nlp_engine import SpacyNlpEngine
    except ImportError as e:
        return None, f"presidio-analyzer / spacy not installed ({e.name}); pip install -e '.[bench]'"
    try:
        nlp = spacy.blank("ja")
    except Exception as e:  # spaCy's Japanese tokenizer needs SudachiPy and its dictionary
        return None, f"spacy.blank('ja') failed: {type(e).__name__}: {e}"

    class BlankJapanese(SpacyNlpEngine):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(models=[{"lang_code": "ja", "model_name": "blank-ja"}])
            self.nlp = {"ja": nlp}  # type: ignore[assignment]

        def load(self) -> None:  # nothing to download: the blank pipeline is built above
            pass

    class IndividualNumberRecognizer(PatternRecognizer):  # type: ignore[misc]
        def validate_result(self, pattern_text: str) -> bool:
            digits = "".join(c for c in pattern_text if c.isdigit())
            return len(digits) == 12 and stdnum_in.is_valid(digits)

    registry = RecognizerRegistry(supported_languages=["ja"])
    registry.add_recognizer(IndividualNumberRecognizer(
        supported_entity="JP_INDIVIDUAL_NUMBER", supported_language="ja",
        patterns=[Pattern("in", r"(?<!\d)\d{4}[- ]?\d{4}[- ]?\d{4}(?!\d)", 0.5)]))
    registry.add_recognizer(PatternRecognizer(
        supported_entity="EMAIL_ADDRESS", supported_language="ja",
        patterns=[Pattern("email", r"[\w.+-]+@[\w-]+\.[\w.]+", 0.5)]))
    registry.add_recognizer(PatternRecognizer(
        supported_entity="PHONE_NUMBER", supported_language="ja",
        patterns=[Pattern("phone", r"0\d{1,4}-\d{1,4}-\d{3,4}", 0.4)]))
    engine = AnalyzerEngine(nlp_engine=BlankJapanese(), registry=registry, supported_languages=["ja"])
    return engine, "Presidio AnalyzerEngine + spaCy blank('ja')"


def people_accuracy() -> str:
    """Per-category accuracy of people counting on the labelled prose set."""
    try:
        from tests.policy import realistic_cases as rc
    except ImportError as e:
        return f"(labelled set not found: {e})"
    right = total = 0
    for case in rc.CASES:
        if case.category == rc.PEOPLE:
            total += 1
            right += rc.run(case) == case.expect
    return f"{right}/{total} texts counted exactly"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--no-presidio", action="store_true", help="skip the Presidio comparison")
    args = ap.parse_args()

    engine = PolicyEngine(profile="oasis", max_prompt_chars=10**9, ledger=InMemoryPersonLedger(), hash_key=b"k")
    # Warm up: opens the analyser's dictionary and compiles patterns (done once per process).
    engine.check_input(PolicyRequest(user="u", operation="summarize", text=japanese_text(500)), commit=False)

    print(f"load average before the run: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    print(f"analyser: {japanese.ANALYSER} (analyser ms: its analysis alone, one thread)")
    print("== text (profile oasis, check_input, commit=False) ==")
    print(f"{'chars':>8} {'people':>6} {'check ms':>9} {'cpu ms':>7} {'chars/s':>11} {'peak KiB':>9} {'regex ms':>9}"
          f" {'ratio':>6} {'analyser ms':>11} {'ratio':>6}")
    for size in (1_000, 20_000, 100_000):
        text = japanese_text(size)
        req = PolicyRequest(user="u", operation="summarize", text=text, series_id=f"t{size}")
        repeat = args.repeat if size <= 20_000 else max(3, args.repeat // 5)
        t = timed(lambda req=req: fresh_check(engine, req), repeat)
        cpu = cpu_time(lambda req=req: fresh_check(engine, req), repeat)
        floor = timed(lambda text=text: regex_floor_text(text), repeat)
        analyser = timed(lambda text=text: analyser_floor(text), repeat)
        peak = peak_memory(lambda req=req: engine.check_input(req, commit=False))
        people = engine.check_input(req, commit=False).persons.request
        print(f"{size:>8,} {people:>6} {t * 1000:>9.1f} {cpu * 1000:>7.1f} {size / t:>11,.0f} {peak / 1024:>9,.0f} "
              f"{floor * 1000:>9.2f} {t / floor:>6.0f} {analyser * 1000:>11.1f} {t / analyser:>6.1f}")

    # The headline figures use process CPU time (medians): on a shared machine wall-clock time
    # measures the other programs as much as this one. Both engines run in this process, one
    # thread each, on the same text.
    text20 = japanese_text(20_000)
    req20 = PolicyRequest(user="u", operation="summarize", text=text20, series_id="t20")
    ours_wall = timed(lambda: fresh_check(engine, req20), args.repeat)
    ours = cpu_time(lambda: fresh_check(engine, req20), args.repeat)
    print(f"\n20,000 characters: {ours * 1000:.1f} ms CPU ({ours_wall * 1000:.1f} ms wall) = "
          f"{ours * 1000 / 20:.2f} x the 20 ms target; "
          f"people counting on the labelled prose set: {people_accuracy()}")
    analyzer, label = (None, "skipped (--no-presidio)") if args.no_presidio else presidio_analyzer()
    if analyzer is None:
        print(f"Presidio comparison skipped: {label}")
    else:
        analyzer.analyze(text=text20[:500], language="ja")  # warm up
        n = max(3, args.repeat // 3)
        theirs_wall = timed(lambda: analyzer.analyze(text=text20, language="ja"), n)
        theirs = cpu_time(lambda: analyzer.analyze(text=text20, language="ja"), n)
        found = len([r for r in analyzer.analyze(text=text20, language="ja") if r.entity_type == "JP_INDIVIDUAL_NUMBER"])
        ours_found = len(individual_number.find(text20))
        print(f"{label}: {theirs * 1000:.1f} ms CPU ({theirs_wall * 1000:.1f} ms wall) on the same 20,000 characters; "
              f"Individual Numbers found: Presidio {found}, ours {ours_found}")
        print(f"throughput ratio (ours / Presidio): {theirs / ours:.1f}x CPU, {theirs_wall / ours_wall:.1f}x wall "
              "(target >= 10x)")

    for limit, label in ((1000, "PERSON_LIMIT=1000: counting stops at the limit, Individual Number scan continues"),
                         (10**9, "PERSON_LIMIT=1e9: every row counted (memory grows with the people kept)")):
        eng = PolicyEngine(profile="oasis", person_limit=limit, max_prompt_chars=10**9, hash_key=b"k")
        print(f"\n== table, 5 columns, streamed ({label}) ==")
        print(f"{'rows':>8} {'cells':>8} {'people':>8} {'check s':>8} {'cells/s':>11} {'peak MiB':>9} "
              f"{'regex s':>8} {'ratio':>6}")
        for rows in ((50_000, 100_000, 200_000) if limit == 1000 else (20_000, 40_000)):
            cells = LazyTable(rows)
            req = PolicyRequest(user="u", operation="summarize", cells=cells, series_id="tbl")
            t = timed(lambda req=req, eng=eng: eng.check_input(req, commit=False), 1)
            floor = timed(lambda cells=cells: regex_floor_cells(cells), 1)
            peak = peak_memory(lambda req=req, eng=eng: eng.check_input(req, commit=False))
            people = eng.check_input(req, commit=False).persons.request
            n = rows * 5
            print(f"{rows:>8,} {n:>8,} {people:>8,} {t:>8.2f} {n / t:>11,.0f} {peak / 2**20:>9.2f} "
                  f"{floor:>8.3f} {t / floor:>6.1f}")


if __name__ == "__main__":
    main()
