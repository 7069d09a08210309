"""The common-5 case set (tests/policy/output_cases.py) through the engine, and its figures.

Each case runs `PolicyEngine.check_output` (the real rule, both detectors) and compares the
answer spans of the common-5 findings with the case's expectation. `python -m
tests.policy.test_facts_cases` prints the per-group precision and recall quoted in
docs/policy.md.
"""

from __future__ import annotations

from collections import Counter

import pytest

from addin_server.policy import PolicyEngine, PolicyRequest
from tests.policy.output_cases import (
    CASES,
    HELD_OUT,
    HELD_OUT_2,
    KNOWN_MISSES,
    KNOWN_MISSES_HELD_OUT,
    KNOWN_MISSES_HELD_OUT_2,
    Case,
)

ENGINE = PolicyEngine(profile="oasis")


def flagged(case: Case) -> list[str]:
    req = PolicyRequest(user="staff01", operation="summarize", text=case.source)
    out = []
    for f in ENGINE.check_output(req, case.answer):
        if f.rule != "common-5":
            continue
        out.extend(case.answer[s.start : s.end] for s in f.spans if s.start is not None and s.end is not None)
    return out


def _matches(expected: str, got: str) -> bool:
    # The flagged span may include or leave out a leading 約 or trailing weekday parentheses;
    # it must overlap the expected text and neither may be more than a few characters longer.
    return (expected in got or got in expected) and abs(len(expected) - len(got)) <= 4


def score(case: Case, got: list[str]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) at the level of flagged items."""
    tp = sum(any(_matches(e, g) for g in got) for e in case.flagged)
    fp = sum(not any(_matches(e, g) for e in case.flagged) for g in got)
    return tp, fp, len(case.flagged) - tp


def test_the_set_is_large_enough_and_covers_every_group() -> None:
    assert len(CASES) >= 150
    groups = Counter(c.group for c in CASES)
    assert set(groups) == {"units", "subjects", "dates", "weekdays", "times", "counts", "ratios", "derived",
                           "names", "contacts", "faithful", "terms"}
    assert all(n >= 8 for n in groups.values()), groups
    assert sum(1 for c in CASES if c.flagged) >= 60 and sum(1 for c in CASES if not c.flagged) >= 60


# Each set with its expected failures and the prefix of its test ids.
SETS: dict[str, tuple[list[Case], dict[int, str]]] = {
    "": (CASES, KNOWN_MISSES),
    "held-out-": (HELD_OUT, KNOWN_MISSES_HELD_OUT),
    "held-out-2-": (HELD_OUT_2, KNOWN_MISSES_HELD_OUT_2),
}
PARAMS = [(prefix, i) for prefix, (cases, _) in SETS.items() for i in range(len(cases))]


@pytest.mark.parametrize(("prefix", "i"), PARAMS,
                         ids=[f"{p}{SETS[p][0][i].group}-{i}" for p, i in PARAMS])
def test_case(prefix: str, i: int) -> None:
    cases, misses = SETS[prefix]
    case = cases[i]
    if i in misses:
        pytest.xfail(misses[i])
    got = flagged(case)
    _tp, fp, fn = score(case, got)
    assert (fp, fn) == (0, 0), f"answer {case.answer!r}: expected {case.flagged}, flagged {got}"


def test_derived_values_are_never_called_wrong() -> None:
    req = PolicyRequest(user="staff01", operation="summarize", text="北区で120件、中央区で80件でした。")
    findings = ENGINE.check_output(req, "相談件数は合計200件でした。")
    assert len(findings) == 1
    f = findings[0]
    assert f.data.get("derived") is True and "計算" in f.message
    assert "誤り" not in f.message and "合わない" not in f.message
    assert f.data["items"][0]["status"] == "derived"


def test_second_held_out_set_covers_every_group() -> None:
    groups = Counter(c.group for c in HELD_OUT_2)
    assert set(groups) == set(Counter(c.group for c in CASES))
    assert len(HELD_OUT_2) >= 50


def figures(cases: list[Case]) -> dict[str, tuple[float, float, int]]:
    totals: dict[str, list[int]] = {}
    for case in cases:
        tp, fp, fn = score(case, flagged(case))
        t = totals.setdefault(case.group, [0, 0, 0, 0])
        t[0] += tp
        t[1] += fp
        t[2] += fn
        t[3] += 1
    out = {}
    for group, (tp, fp, fn, n) in totals.items():
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        out[group] = (precision, recall, n)
    return out


if __name__ == "__main__":
    for title, cases in (("tuning set (CASES)", CASES), ("held-out set (HELD_OUT)", HELD_OUT),
                         ("second held-out set (HELD_OUT_2)", HELD_OUT_2)):
        print(title)
        print(f"{'group':<10} {'cases':>5} {'precision':>9} {'recall':>6}")
        for group, (p, r, n) in figures(cases).items():
            print(f"{group:<10} {n:>5} {p:>9.2f} {r:>6.2f}")
