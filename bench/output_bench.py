"""Output check benchmark (issue 18): common-5 on a 2,000-character answer against a
20,000-character source.

Prints the median time of `PolicyEngine.check_output` (common-5 and common-6, a fresh request
each time so no per-request cache is reused) and of the common-5 rule alone, beside the
morphological analyser's own time on the same text (`japanese.ANALYSER`, MeCab's output only:
on the answer, and on source + answer), and the ratios. Target: <= 10 ms per 2,000-character
answer.

    .venv/bin/python bench/output_bench.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable

from addin_server.policy import PolicyEngine, PolicyRequest
from addin_server.policy.detectors import japanese
from addin_server.policy.rules import OutputCheckRule
from addin_server.policy.rules.base import InputContext

WARDS = ["北区", "中央区", "西区", "港区", "天王寺区", "浪速区", "東淀川区", "生野区", "旭区", "城東区"]
BUREAUS = ["こども青少年局", "福祉局", "健康局", "環境局", "建設局", "市民局", "経済戦略局"]
FILLER = [
    "本事業は関係部署と連携し、地域の実情に応じて進めることとしています。",
    "窓口の混雑状況を踏まえ、受付方法の見直しについて検討を進めます。",
    "利用者アンケートの結果を踏まえ、来年度の実施内容を改善します。",
    "市民の皆さまの安全を確保するため、必要な対策を講じてまいります。",
]


def sentence(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.2:
        return (f"令和{rng.randint(5, 8)}年度の{rng.choice(WARDS)}の予算額は{rng.randint(1, 99):,},{rng.randint(100, 999)}千円、"
                f"決算額は{rng.randint(1, 999):,}万円でした。")
    if r < 0.35:
        return (f"説明会は{rng.randint(1, 12)}月{rng.randint(1, 28)}日午後{rng.randint(1, 5)}時から"
                f"{rng.choice(WARDS)}役所で開催し、定員は{rng.randint(20, 300)}人です。")
    if r < 0.5:
        return (f"担当は大阪市{rng.choice(BUREAUS)}（電話 06-6208-{rng.randint(1000, 9999)}）で、"
                f"市内{rng.randint(2, 30)}か所で実施します。")
    if r < 0.6:
        return f"回答者の約{rng.randint(1, 9)}割が満足と答え、満足度は{rng.randint(10, 99)}.{rng.randint(0, 9)}%でした。"
    return rng.choice(FILLER)


def text(chars: int, seed: int) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    n = 0
    while n < chars:
        s = sentence(rng)
        parts.append(s)
        n += len(s)
    return "".join(parts)[:chars]


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time; on a busy machine `best_ms` (the fastest run, CPU time) is steadier."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def best_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append((time.process_time() - t) * 1000)
    return min(times)


def analyse(s: str) -> None:
    for _, chunk in japanese._chunks(s):
        japanese._parse(chunk)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    source = text(20_000, 1)
    # The answer reuses some source sentences (supported facts) and adds new ones (unsupported).
    rng = random.Random(2)
    sents = [s + "。" for s in source.split("。") if s]
    answer_parts: list[str] = []
    while sum(map(len, answer_parts)) < 2_000:
        answer_parts.append(rng.choice(sents) if rng.random() < 0.6 else sentence(rng))
    answer = "".join(answer_parts)[:2_000]
    engine = PolicyEngine(profile="oasis")
    rule = OutputCheckRule()

    def fresh() -> PolicyRequest:
        return PolicyRequest(user="bench", operation="summarize", text=source)

    def whole() -> None:
        engine.check_output(fresh(), answer)

    def common5() -> None:
        req = fresh()
        ctx = InputContext(request=req, profile="oasis", person_limit=1000, max_prompt_chars=20000)
        list(rule.check(req, answer, ctx))

    analyse(answer)  # load the dictionary before timing
    whole()
    load = os.getloadavg()[0]
    a_answer = median_ms(lambda: analyse(answer), args.repeat)
    a_both = median_ms(lambda: (analyse(source), analyse(answer)), args.repeat)
    t_rule = median_ms(common5, args.repeat)
    t_all = median_ms(whole, args.repeat)
    b_answer = best_ms(lambda: analyse(answer), args.repeat)
    b_both = best_ms(lambda: (analyse(source), analyse(answer)), args.repeat)
    b_rule = best_ms(common5, args.repeat)
    b_all = best_ms(whole, args.repeat)
    findings = engine.check_output(fresh(), answer)
    items = sum(len(f.data.get("items", [])) for f in findings)
    print(f"load average before the run: {load:.2f} ({os.cpu_count()} CPUs)")
    print(f"answer {len(answer):,} chars, source {len(source):,} chars, {len(findings)} findings, {items} fact items")
    print(f"analyser ({japanese.ANALYSER}) on the answer:          {a_answer:7.2f} ms")
    print(f"analyser on source + answer:                            {a_both:7.2f} ms")
    print(f"common-5 rule alone:                                    {t_rule:7.2f} ms"
          f"  ratio to analyser(answer) {t_rule / a_answer:5.1f}  to analyser(source+answer) {t_rule / a_both:4.2f}")
    print(f"check_output (common-5 + common-6):                     {t_all:7.2f} ms"
          f"  ratio to analyser(answer) {t_all / a_answer:5.1f}  to analyser(source+answer) {t_all / a_both:4.2f}")
    print(f"fastest run, CPU time: analyser(answer) {b_answer:.2f} ms, analyser(source+answer) {b_both:.2f} ms, "
          f"common-5 {b_rule:.2f} ms (ratio {b_rule / b_answer:.1f} / {b_rule / b_both:.2f}), "
          f"check_output {b_all:.2f} ms")
    print(f"target: <= 10 ms per 2,000-character answer -> {'met' if b_rule <= 10 else 'NOT met'} (common-5, fastest run)")


if __name__ == "__main__":
    main()
