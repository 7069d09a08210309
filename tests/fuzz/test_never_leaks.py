"""Hypothesis through the whole edge: an Individual Number anywhere in a request is blocked and
never appears in the answer or in the audit log (rules oasis-1 / common-5, the log masks it)."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addin_server.services import services
from tests.policy.numbers import FULL, SEPARATORS, notate, valid_number

# Text around the number: Japanese, punctuation and spaces — nothing that makes the digits part
# of a longer code (ASCII letters, digits, currency signs, 円 after it).
AROUND = st.text(st.sampled_from(list("個人番号はですの、。「」（）：: \u3000\n山田太郎様申請書マイナンバー確認")),
                 max_size=30)
BODIES = st.text(st.sampled_from("0123456789"), min_size=11, max_size=11)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(before=AROUND, after=AROUND, body=BODIES, sep=st.sampled_from(SEPARATORS), full=st.booleans(),
       endpoint=st.sampled_from(["/api/v1/check", "/api/v1/summarize", "/api/v1/proofread"]),
       in_cells=st.booleans())
def test_individual_numbers_are_blocked_and_never_stored(
        edge: FlaskClient, edge_app: Flask, before: str, after: str, body: str, sep: str, full: bool,
        endpoint: str, in_cells: bool) -> None:
    digits = valid_number(body)
    written = notate(digits, sep, full)
    text = f"{before}{written}{after}"
    payload: dict = {"host": "excel", "cells": [["備考"], [text]]} if in_cells else {"host": "word", "text": text}
    if endpoint.endswith("check"):
        payload["operation"] = "summarize"
    resp = edge.post(endpoint, json=payload, headers={"X-Oasis-User": "fuzzer"})
    answer = resp.get_json()
    assert answer["allowed"] is False, answer
    assert any(f["rule"] == "oasis-1" and f["severity"] == "block" for f in answer["findings"])
    shown = json.dumps(answer, ensure_ascii=False)
    record = services(edge_app).service.store.get(answer["request_id"]) if "request_id" in answer else None
    latest = record or list(services(edge_app).service.store.iter_records())[-1]
    # the content columns (hashes are hex and may hold any run of digits)
    stored = json.dumps([latest[k] for k in ("request_text", "request_cells", "instruction", "response_text",
                                             "findings")], ensure_ascii=False)
    for form in {digits, digits.translate(FULL), written}:
        assert form not in shown
        assert form not in stored
