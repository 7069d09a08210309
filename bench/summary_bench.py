"""Offline summary benchmark (issue 16): time per 5,000 characters, against the analyser.

Input: the guideline's text as copied from its PDF (../shared, or OASIS_SHARED_DIR), 5,000 and
20,000 characters from はじめに on: wrapped lines, page numbers, headings, lists. Each figure is
set against a floor measured in the same run on the same text: the morphological analyser's own
pass over it (`japanese.word_spans`, fugashi + unidic-lite, one thread), which any use of the
analyser must pay. The summary reads the structure, analyses each sentence for content words,
ranks them and chooses; it should stay within a small multiple of that floor.
Target: <= 20 ms per 5,000 characters on this machine.

    .venv/bin/python bench/summary_bench.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from addin_server.llm.summary import read_structure, summarize
from addin_server.policy.detectors import japanese


def guideline() -> str:
    shared = Path(os.environ.get("OASIS_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
    text = (shared / "guideline" / "osaka-genai-guideline-v2.1.ja.txt").read_text("utf-8")
    return text[text.index("\nはじめに\n\n大阪市では") + 1:]


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `repeat` runs (after one warm-up)."""
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    source = guideline()
    print(f"analyser: {japanese.ANALYSER}; input: the guideline as PDF text; median of {args.repeat} runs")
    print(f"{'chars':>6} {'instruction':<14} {'wall ms':>8} {'cpu ms':>7} {'analyser wall/cpu':>18}"
          f" {'ratio wall/cpu':>15} {'structure cpu':>14}")
    for chars in (5000, 20000):
        text = source[:chars]
        floor, floor_cpu = timed(lambda text=text: sum(1 for _ in japanese.word_spans(text)), args.repeat)
        _, structure = timed(lambda text=text: read_structure(text), args.repeat)
        for instruction in (None, "3行で", "100字以内で", "箇条書きで5点"):
            wall, cpu = timed(lambda text=text, i=instruction: summarize(text, i), args.repeat)
            label = instruction or "(none)"
            print(f"{len(text):>6} {label:<14} {wall:>8.1f} {cpu:>7.1f} {floor:>9.1f}/{floor_cpu:<8.1f}"
                  f" {wall / floor:>7.2f}/{cpu / floor_cpu:<7.2f} {structure:>14.1f}")
    print("target: <= 20 ms per 5,000 characters (CPU time is the steadier figure on a busy machine;"
          f" load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
