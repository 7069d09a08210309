"""Rules return their outputs: the decision does not depend on the order the rules run in;
common-1's extra service accounts come from configuration (SERVICE_ACCOUNTS)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import pytest
from flask import Flask

from addin_server.policy import InMemoryPersonLedger, InputDecision, PolicyEngine, PolicyRequest
from addin_server.policy.rules.base import series_key
from addin_server.policy.types import PolicyOptions
from addin_server.services import services
from tests.conftest import DEV_USER
from tests.policy.numbers import VALID

PEOPLE = "\n".join(f"氏名：山田{c}郎　電話：06-6208-{1000 + i}" for i, c in enumerate("一二三四五六七八九"))
REQUESTS = {
    "clean": PolicyRequest(user="staff01", operation="summarize", text="会議の日程を調整します。"),
    "number": PolicyRequest(user="staff01", operation="summarize", text=f"個人番号 {VALID} の件"),
    "people": PolicyRequest(user="staff01", operation="summarize", text=PEOPLE),
    "people-and-number": PolicyRequest(user="staff01", operation="summarize", text=f"{PEOPLE}\n番号 {VALID}"),
    "service-account-with-people": PolicyRequest(user="svc-batch", operation="summarize", text=PEOPLE),
    "imitation": PolicyRequest(user="staff01", operation="summarize", text=PEOPLE,
                               instruction="村上春樹風にまとめて"),
}


def _decide(profile: str, req: PolicyRequest,
            shuffle: random.Random | None) -> tuple[InputDecision, int, tuple[str, ...]]:
    """The decision, the people the ledger then holds for the request's series, the rule order."""
    ledger = InMemoryPersonLedger()
    engine = PolicyEngine(profile=profile, person_limit=5, ledger=ledger, hash_key=b"k" * 32)
    if shuffle is not None:
        shuffle.shuffle(engine.input_rules)
        shuffle.shuffle(engine.ledger_rules)
    decision = engine.check_input(req, commit=True)
    return decision, ledger.count(req.user, series_key(req)), tuple(engine.rule_ids)


def _canonical(decision: InputDecision) -> tuple[object, ...]:
    findings = sorted((f.rule, f.severity, f.message, json.dumps(f.data, sort_keys=True, default=str))
                      for f in decision.findings)
    return decision.allowed, decision.contains_individual_number, decision.persons, findings


@pytest.mark.parametrize("profile", ["oasis", "rag"])
@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_shuffled_rule_order_gives_the_same_decision(profile: str, name: str) -> None:
    req = REQUESTS[name]
    baseline, base_count, base_order = _decide(profile, req, None)
    assert baseline.findings or name == "clean"  # every case but the clean one has something to judge
    orders = {base_order}
    for seed in range(12):
        decision, count, order = _decide(profile, req, random.Random(seed))
        assert _canonical(decision) == _canonical(baseline), f"rule order {order}"
        assert count == base_count  # the same people recorded (none when blocked)
        orders.add(order)
    assert len(orders) > 1  # the shuffles did run the rules in other orders


def test_people_are_counted_whatever_the_order() -> None:
    decision, _, _ = _decide("oasis", REQUESTS["people"], random.Random(3))
    # nine people; the scan stops counting at the limit (5)
    assert decision.persons.request == 5 and decision.persons.series_total == 5
    assert not decision.allowed and "oasis-2" in {f.rule for f in decision.findings}
    rag, _, _ = _decide("rag", REQUESTS["people"], random.Random(3))
    assert rag.persons.request == 5 and "rag-2" in {f.rule for f in rag.findings}


def test_service_accounts_option_blocks_named_accounts() -> None:
    kiosk = PolicyRequest(user="Kiosk-PC", operation="summarize", text="会議の日程を調整します。")
    assert PolicyEngine().check_input(kiosk, commit=False).allowed
    engine = PolicyEngine(options=PolicyOptions(service_accounts=frozenset({"kiosk-pc"})))
    decision = engine.check_input(kiosk, commit=False)
    assert not decision.allowed and [f.rule for f in decision.findings] == ["common-1"]


def test_service_accounts_come_from_configuration(make_app: Callable[..., Flask]) -> None:
    app = make_app(SERVICE_ACCOUNTS=" dev:Kiosk01 , dev:batch ")
    assert services(app).service.engine.options.service_accounts == frozenset({"dev:kiosk01", "dev:batch"})
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": "127.0.0.1"})
    body = json.dumps({"text": "会議の日程を調整します。", "host": "word"})
    refused = client.post("/api/v1/summarize", data=body, content_type="application/json",
                          headers={"X-Oasis-User": "kiosk01"})
    assert refused.status_code == 422
    assert [f["rule"] for f in refused.get_json()["findings"]] == ["common-1"]
    staff = client.post("/api/v1/summarize", data=body, content_type="application/json", headers=DEV_USER)
    assert staff.status_code == 200
