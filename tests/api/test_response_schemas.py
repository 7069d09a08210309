"""The response schemas (api/schemas.py) are the one definition of the answers: every answer is
dumped through them, and dumping loses nothing the service produced."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from addin_server.api.schemas import dump_check, dump_operation
from addin_server.auth.identity import Identity
from addin_server.services import services
from tests.conftest import DEV_USER
from tests.policy.numbers import VALID, notate

TEXT = "申請書をを提出して下さい。会議は午後３時から開催致します。ＡＢＣ１２３はﾃｽﾄです。"
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "summarize-text": ("summarize", {"text": TEXT * 3}),
    "summarize-cells": ("summarize", {"cells": [["区分", "件数"], ["申請", 10], ["相談", 30]], "host": "excel"}),
    "proofread-text": ("proofread", {"text": TEXT}),
    "proofread-cells": ("proofread", {"cells": [["申請書をを提出して下さい。"], ["ＡＢＣ１２３"]], "host": "excel"}),
    "blocked": ("summarize", {"text": f"申請者の個人番号は{notate(VALID, '-')}です。"}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_dumping_loses_nothing(app: Flask, name: str) -> None:
    operation, body = CASES[name]
    raw = services(app).service.run(Identity(user_id="dev:tanaka"), operation, **body).to_response()
    assert raw["allowed"] is (name != "blocked")
    assert dump_operation(raw) == raw


def test_the_cases_cover_every_result_key(app: Flask) -> None:
    svc = services(app).service
    keys: set[str] = set()
    for operation, body in CASES.values():
        raw = svc.run(Identity(user_id="dev:tanaka"), operation, **body).to_response()
        keys |= set(raw.get("result", {}))
        keys |= {k for e in raw.get("result", {}).get("edits", []) for k in e}
    assert {"text", "edits", "cells", "notes"} <= keys
    assert {"row", "col", "source", "rule", "convention"} <= keys


def test_undeclared_keys_do_not_leave(app: Flask) -> None:
    raw = services(app).service.run(Identity(user_id="dev:tanaka"), "summarize", text=TEXT * 3).to_response()
    raw["debug"] = "内部の値"
    raw["result"]["prompt"] = "内部の値"
    dumped = dump_operation(raw)
    assert "debug" not in dumped and "prompt" not in dumped["result"]


def test_http_answers_are_the_schema_dump(client: FlaskClient) -> None:
    for path, body in [("/api/v1/proofread", {"text": TEXT, "host": "word"}),
                       ("/api/v1/summarize", {**CASES["blocked"][1], "host": "word"})]:
        resp = client.post(path, data=json.dumps(body), content_type="application/json", headers=DEV_USER)
        answer = resp.get_json()
        assert resp.status_code == (200 if answer["allowed"] else 422)
        assert dump_operation(answer) == answer
    check = client.post("/api/v1/check", data=json.dumps({"operation": "summarize", "host": "word", **CASES["blocked"][1]}),
                        content_type="application/json", headers=DEV_USER).get_json()
    assert check["allowed"] is False and dump_check(check) == check
