"""The labelled realistic set (tests/policy/realistic_cases.py) run through the engine.

Every case must give its expected outcome; cases marked `known_miss` are documented limits
(docs/policy.md) and run as strict xfail, so a fix shows up as a failure to update the docs."""

from __future__ import annotations

from collections import Counter

import pytest

from addin_server.policy import PolicyEngine, PolicyRequest
from addin_server.policy.detectors import individual_number as inum
from tests.policy.realistic_cases import CASES, IN_CELLS, IN_LOOK, IN_TEXT, Case, run


def _id(case: Case) -> str:
    where = case.instruction if case.category.startswith("common-4") else case.text or str(case.cells)
    return f"{case.category[:8]}:{(where or '')[:24]}"


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.xfail(reason=c.known_miss, strict=True)) if c.known_miss else c
     for c in CASES],
    ids=[_id(c) for c in CASES],
)
def test_case(case: Case) -> None:
    assert run(case) == case.expect


def test_the_set_is_large_and_covers_every_category() -> None:
    per = Counter(c.category for c in CASES)
    assert len(CASES) >= 200
    assert len(per) == 8 and min(per.values()) >= 11
    assert sum(1 for c in CASES if c.known_miss) <= 3


@pytest.mark.parametrize("case", [c for c in CASES if c.category in (IN_TEXT, IN_LOOK, IN_CELLS)
                                  and c.expect in ("block", "warn")], ids=_id)
def test_every_number_found_is_masked_in_what_is_stored(case: Case) -> None:
    """Whatever blocks or warns is masked by the engine's redaction (text, instruction, cells)."""
    engine = PolicyEngine(profile="oasis")
    req = PolicyRequest(user="u", operation="summarize", text=case.text, cells=case.cells,
                        instruction=case.instruction)
    d = engine.check_input(req, commit=False)
    assert d.contains_individual_number
    stored = " ".join([engine.redact(case.text or ""), engine.redact(case.instruction or ""),
                       str(engine.redact_cells(case.cells))])
    for f in d.findings:
        for masked in f.data.get("masked", []):
            assert masked[-4:] in stored
    # Nothing the detector accepts survives in what would be stored.
    assert inum.find(stored) == []
