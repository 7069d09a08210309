"""The engine: profiles, fail-closed behaviour, identity, length, masking, purity."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin_server.policy import (
    Finding,
    InMemoryPersonLedger,
    PolicyEngine,
    PolicyError,
    PolicyRequest,
)
from addin_server.policy.rules import InputRule
from addin_server.policy.rules.base import InputContext
from tests.policy.numbers import SEPARATORS, VALID, notate, valid_number

JAPANESE = re.compile(r"[぀-ヿ一-鿿]")


def req(**kw: object) -> PolicyRequest:
    kw.setdefault("user", "staff01")
    kw.setdefault("operation", "summarize")
    return PolicyRequest(**kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ("oasis", {"common-1", "oasis-length", "oasis-1", "common-4", "oasis-2", "common-5", "common-6"}),
        ("rag", {"common-1", "oasis-length", "rag-1", "rag-2", "common-4", "common-5", "common-6"}),
        ("cloud", {"common-1", "oasis-length", "common-4", "common-5", "common-6"}),
    ],
)
def test_rules_per_profile(profile: str, expected: set[str]) -> None:
    assert set(PolicyEngine(profile=profile).rule_ids) == expected


@pytest.mark.parametrize("kw", [{"profile": "other"}, {"person_limit": 0}, {"max_prompt_chars": 0}])
def test_bad_configuration_is_refused(kw: dict[str, object]) -> None:
    with pytest.raises(PolicyError):
        PolicyEngine(**kw)  # type: ignore[arg-type]


# (profile, request kwargs, blocking rules)
DECISIONS = [
    ("oasis", {"text": "会議の議事録です。"}, set()),
    ("oasis", {"text": f"個人番号 {notate(VALID, '-')}"}, {"oasis-1"}),
    ("oasis", {"cells": [["番号"], [int(VALID)]]}, {"oasis-1"}),
    ("oasis", {"text": "山田太郎様の相談記録"}, set()),  # a few people are allowed under oasis
    ("rag", {"text": "山田太郎様の相談記録"}, {"rag-2"}),
    ("rag", {"text": "電話 06-1234-5678"}, {"rag-2"}),
    ("rag", {"cells": [["氏名"], ["山田"]]}, {"rag-2"}),
    ("rag", {"text": f"番号 {VALID}"}, {"rag-1", "rag-2"}),  # the number is personal information too
    ("rag", {"text": "制度の概要をまとめた資料です。"}, set()),
    ("cloud", {"text": "山田太郎様の相談記録"}, set()),
    ("oasis", {"text": "本文", "user": ""}, {"common-1"}),
    ("oasis", {"text": "本文", "user": "svc-batch"}, {"common-1"}),
    ("cloud", {"text": "本文", "instruction": "替え歌にして"}, {"common-4"}),
    ("oasis", {"text": "あ" * 101}, {"oasis-length"}),
]


@pytest.mark.parametrize(("profile", "kw", "blocking"), DECISIONS)
def test_decisions(profile: str, kw: dict[str, object], blocking: set[str]) -> None:
    e = PolicyEngine(profile=profile, max_prompt_chars=100, ledger=InMemoryPersonLedger())
    d = e.check_input(req(**kw), commit=False)
    assert {f.rule for f in d.findings if f.severity == "block"} == blocking
    assert d.allowed is (not blocking)
    for f in d.findings:
        assert JAPANESE.search(f.message)
        assert VALID not in f.message and VALID not in repr(f.data)


def test_contains_individual_number_under_every_profile() -> None:
    for profile in ("oasis", "rag", "cloud"):
        d = PolicyEngine(profile=profile).check_input(req(text=f"番号 {VALID}"), commit=False)
        assert d.contains_individual_number


def test_individual_number_span_and_mask() -> None:
    text = f"申請者 {notate(VALID, ' ', full_width=True)} です"
    d = PolicyEngine().check_input(req(text=text), commit=False)
    (f,) = d.findings
    (s,) = f.spans
    assert text[s.start : s.end] == notate(VALID, " ", full_width=True)
    assert "**** **** " + VALID[-4:] in f.message


def test_cell_spans_name_row_and_col() -> None:
    d = PolicyEngine().check_input(req(cells=[["a", "b"], ["x", VALID]]), commit=False)
    (f,) = d.findings
    assert f.spans[0].to_dict() == {"row": 1, "col": 1, "start": 0, "end": 12}


class Boom(InputRule):
    id = "common-4"

    def check(self, req: PolicyRequest, ctx: InputContext) -> Iterable[Finding]:
        raise RuntimeError("detector crashed")


def test_engine_fails_closed() -> None:
    e = PolicyEngine()
    e.input_rules.append(Boom())
    d = e.check_input(req(text="本文"), commit=False)
    assert not d.allowed
    (f,) = d.findings
    assert f.rule == "common-4" and f.severity == "block" and "安全のため" in f.message


def test_redact() -> None:
    e = PolicyEngine()
    assert e.redact(f"番号{notate(VALID, '-')}です") == f"番号**** **** {VALID[-4:]}です"
    assert e.redact_cells([[int(VALID), "x", None]]) == [[f"**** **** {VALID[-4:]}", "x", None]]
    assert e.redact_cells(None) is None


def test_policy_package_is_pure_python() -> None:
    code = (
        "import sys, addin_server.policy as p\n"
        "p.PolicyEngine(profile='oasis').check_input(p.PolicyRequest(user='u', operation='summarize',"
        " text='山田太郎様'), commit=False)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'openai', 'sqlalchemy', 'psycopg',"
        " 'psycopg2', 'werkzeug')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == ""


def test_every_rule_has_a_guideline_docstring() -> None:
    from addin_server.policy.rules import ALL_RULES

    for cls in ALL_RULES:
        assert cls.__doc__ and cls.__doc__.startswith(cls.id + " — ")
        assert JAPANESE.search(cls.__doc__)


class BrokenLedger:
    def add(self, user: str, series: str, keys: object, limit: int, *, commit: bool) -> object:
        raise ConnectionError("database unavailable")


def test_ledger_failure_blocks() -> None:
    e = PolicyEngine(ledger=BrokenLedger())  # type: ignore[arg-type]
    d = e.check_input(req(text="山田太郎様の相談"), commit=True)
    assert not d.allowed
    assert [f.rule for f in d.findings] == ["oasis-2"]


BODIES = st.text(alphabet="0123456789", min_size=11, max_size=11)


@settings(max_examples=60, deadline=None)
@given(body=BODIES, sep=st.sampled_from(SEPARATORS), full=st.booleans(),
       profile=st.sampled_from(["oasis", "rag", "cloud"]), in_cells=st.booleans())
def test_property_findings_never_show_the_number(body: str, sep: str, full: bool, profile: str,
                                                 in_cells: bool) -> None:
    digits = valid_number(body)
    shown = notate(digits, sep, full_width=full)
    r = req(cells=[["氏名", "番号"], ["山田太郎", shown]]) if in_cells else req(text=f"山田太郎様 番号{shown}。")
    d = PolicyEngine(profile=profile).check_input(r, commit=False)
    assert d.contains_individual_number
    for f in d.findings:
        dumped = json.dumps(f.to_dict(), ensure_ascii=False)
        assert digits not in dumped and shown not in dumped
