"""One masking path (issue 10): an Individual Number written with any separator the detector
accepts, in any stored field, is blocked where it is input and masked wherever it is kept or shown:
responses, the admin and `me` APIs, both exports, the server log and the database file itself."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from addin_server.audit import chain
from addin_server.policy.detectors.individual_number import SEPARATORS, find, redact
from addin_server.services import services
from tests.conftest import LOOPBACK
from tests.fakes.openai_server import FakeOpenAI, Step

DIGITS = "739401256186"  # a valid Individual Number (check digit 6), made up for the tests
GROUPS = (DIGITS[:4], DIGITS[4:8], DIGITS[8:])
USER = {"X-Oasis-User": "tanaka"}
ADMIN = {"X-Oasis-User": "admin"}
EXOTIC = ("\u2009", "\u2002", "\u2003", "\ufe63")  # the ones issue 10 found unmasked


def spelled(sep: str) -> str:
    return sep.join(GROUPS)


def test_the_separator_list_covers_the_probe_findings_and_each_is_detected() -> None:
    assert set(EXOTIC) <= set(SEPARATORS)
    assert len(SEPARATORS) >= 10
    for sep in SEPARATORS:
        text = f"番号 {spelled(sep)} です"
        assert [m.digits for m in find(text)] == [DIGITS], repr(sep)
        masked = redact(text)
        assert DIGITS[:8] not in masked.replace(sep, "") and masked.endswith(f"{GROUPS[2]} です"), repr(sep)


def needles(sep: str) -> list[str]:
    raw = spelled(sep)
    return [DIGITS, raw, json.dumps(raw)[1:-1], GROUPS[0] + sep + GROUPS[1], GROUPS[0] + GROUPS[1]]


@pytest.fixture
def app(make_app: Callable[..., Flask], fake_llm: FakeOpenAI) -> Flask:
    return make_app(LLM_PROVIDER="openai", LLM_BASE_URL=fake_llm.base_url, LLM_MODEL="fake-gpt",
                    APPROVED_ENDPOINTS=fake_llm.base_url, LLM_TIMEOUT=2, LLM_MAX_RETRIES=0,
                    ADMIN_USERS="dev:admin", RATE_LIMIT="100000 per minute")


def requests_for(sep: str) -> list[tuple[str, dict[str, Any], str | None]]:
    """(path, body, model answer) for every stored field holding the number."""
    number = spelled(sep)
    clean = "市民課の窓口は9時に開きます。"
    return [
        ("/api/v1/summarize", {"text": f"個人番号は{number}です。"}, None),
        ("/api/v1/proofread", {"text": clean, "instruction": f"{number}を残して"}, None),
        ("/api/v1/summarize", {"text": clean, "series_id": f"案件{number}"}, None),
        ("/api/v1/proofread", {"cells": [["氏名", "番号"], ["山田", number]], "host": "excel"}, None),
        ("/api/v1/check", {"text": f"番号{number}", "operation": "summarize"}, None),
        ("/api/v1/summarize", {"text": clean}, f"要約: 番号は{number}です。"),  # the answer
        ("/api/v1/summarize/stream", {"text": clean}, f"番号{number}の件。"),  # streamed answer
    ]


def test_every_separator_in_every_field_is_masked_everywhere(app: Flask, fake_llm: FakeOpenAI, tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    client = app.test_client()
    client.environ_base.update(LOOPBACK)
    caplog.set_level(logging.DEBUG)
    seen: list[tuple[str, str]] = []  # (separator, text that left the server)
    statuses: dict[str, set[int]] = {}
    for sep in SEPARATORS:
        for path, body, answer in requests_for(sep):
            if answer is not None:
                fake_llm.push(Step(content=answer))
            resp = client.post(path, json={"host": "word", **body}, headers=USER)
            statuses.setdefault(path + ("+answer" if answer else ""), set()).add(resp.status_code)
            seen.append((sep, resp.get_data(as_text=True)))
    # Input holding the number is blocked (oasis-1), the series name and instruction included;
    # an answer holding one is returned masked.
    assert statuses["/api/v1/summarize"] == {422} and statuses["/api/v1/proofread"] == {422}
    assert statuses["/api/v1/summarize+answer"] == {200} and statuses["/api/v1/summarize/stream+answer"] == {200}
    assert statuses["/api/v1/check"] == {200}
    store = services(app).service.store
    blocked = list(store.iter_records(outcome="blocked"))
    assert len(blocked) == 5 * len(SEPARATORS)  # text, instruction, series, cells, check
    assert all("oasis-1" in r["rules"].split(",") for r in blocked)
    assert all(r["masked"] for r in blocked)

    for reader in ("/api/v1/me/audit?limit=500", "/api/v1/admin/audit?limit=500"):
        headers = USER if "me" in reader else ADMIN
        seen.append(("*", client.get(reader, headers=headers).get_data(as_text=True)))
    rows = list(chain.iter_filtered(store))
    seen.append(("*", _export_text(rows, "jsonl")))
    seen.append(("*", _export_text(rows, "csv")))
    seen.append(("*", "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)))
    db = Path(store.url.split("///", 1)[1])
    files = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    assert len(files) > 0

    for sep in SEPARATORS:
        for needle in needles(sep):
            for _, text in seen:
                assert needle not in text, (repr(sep), needle)
            assert needle.encode("utf-8") not in files, (repr(sep), needle)
    assert GROUPS[2] in seen[0][1]  # the masked form (last four digits) is what is shown


def _export_text(rows: list, fmt: str) -> str:
    """What `audit export` writes for these rows, as text."""
    buf = io.StringIO()
    chain.export(iter(rows), buf, fmt)
    return buf.getvalue()
