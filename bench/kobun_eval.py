"""Precision and recall of the 公用文 rules (addin_server.kobun) on the project's labelled set.

Inputs: tests/kobun/clean.txt (well-formed official-style sentences: anything found there is a
false positive), tests/kobun/problems.tsv (sentences labelled with the rule(s) they break), and,
when ../shared is present, the city's guideline text as one more clean passage. A finding counts
for the rule that made it (edit or note): true positive when the sentence is labelled with that
rule, false positive otherwise; a labelled rule that finds nothing is a miss. Prints a Markdown
table (the one in docs/proofreading.md).

    .venv/bin/python bench/kobun_eval.py [--show]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from addin_server.kobun import RULES, check

ROOT = Path(__file__).resolve().parent.parent
GUIDELINE = ROOT.parent / "shared" / "guideline" / "osaka-genai-guideline-v2.1.ja.txt"


def load() -> tuple[list[str], list[tuple[set[str], str]]]:
    clean = [line for line in (ROOT / "tests/kobun/clean.txt").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    problems = []
    for line in (ROOT / "tests/kobun/problems.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rules, text = line.split("\t")
            problems.append((set(rules.split(",")), text))
    return clean, problems


def found(text: str) -> Counter[str]:
    report = check(text)
    return Counter([c.rule for c in report.corrections] + [n.rule for n in report.notes])


def heldout() -> None:
    rows = [line.split("\t") for line in (ROOT / "tests/kobun/heldout.tsv").read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    clean = [t for label, t in rows if label == "clean"]
    problems = [(set(label.split(",")), t) for label, t in rows if label != "clean"]
    quiet = [t for t in clean if not found(t)]
    hit = [t for labels, t in problems if labels <= set(found(t))]
    flagged = [t for labels, t in problems if found(t)]
    print(f"held-out set: {len(clean)} clean, {len(problems)} with a problem; clean left alone {len(quiet)}/{len(clean)}; "
          f"problems found by their own rule {len(hit)}/{len(problems)} (found by any rule {len(flagged)})")
    for labels, t in problems:
        if not labels <= set(found(t)):
            print("  missed:", ",".join(sorted(labels)), t, dict(found(t)))
    for t in clean:
        if found(t):
            print("  false positive:", t, dict(found(t)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", action="store_true", help="print every false positive and miss")
    args = ap.parse_args()
    clean, problems = load()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    labelled: Counter[str] = Counter()
    quiet = 0
    for text in clean:
        got = found(text)
        quiet += not got
        for rule in got:
            fp[rule] += 1
            if args.show:
                print("FP", rule, text)
    for labels, text in problems:
        got = found(text)
        for rule in labels:
            labelled[rule] += 1
            if rule in got:
                tp[rule] += 1
            else:
                fn[rule] += 1
                if args.show:
                    print("MISS", rule, text)
        for rule in got:
            if rule not in labels:
                fp[rule] += 1
                if args.show:
                    print("FP", rule, text)
    guideline_findings: Counter[str] = Counter()
    if GUIDELINE.exists():
        guideline_findings = found(GUIDELINE.read_text(encoding="utf-8"))
        for rule, n in guideline_findings.items():
            fp[rule] += n
    caught = sum(1 for labels, text in problems if labels & set(found(text)))
    print(f"sentences: {len(clean)} clean, {len(problems)} with a problem")
    print(f"clean sentences left alone: {quiet}/{len(clean)}; problem sentences caught: {caught}/{len(problems)}")
    if GUIDELINE.exists():
        print(f"findings on the guideline text ({len(GUIDELINE.read_text(encoding='utf-8'))} chars): "
              f"{sum(guideline_findings.values())} {dict(guideline_findings)}")
    print()
    print("| rule | kind | labelled | caught | false positives | precision | recall |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for rule_id, rule in RULES.items():
        t, f, n = tp[rule_id], fp[rule_id], labelled[rule_id]
        precision = f"{t / (t + f):.0%}" if t + f else "–"
        recall = f"{t / n:.0%}" if n else "–"
        print(f"| `{rule_id}` | {rule.kind} | {n} | {t} | {f} | {precision} | {recall} |")
    t_all, f_all = sum(tp.values()), sum(fp.values())
    print(f"| all | | {sum(labelled.values())} | {t_all} | {f_all} | {t_all / max(t_all + f_all, 1):.0%} "
          f"| {t_all / max(sum(labelled.values()), 1):.0%} |")
    print()
    heldout()


if __name__ == "__main__":
    main()
