"""Known-answer vectors for the audit record hash: a change that would break stored logs fails.

The expected values were computed outside this code, with `sha256sum` and
`openssl dgst -sha256 -mac HMAC -macopt hexkey:000102…1f` over the payload below.
"""

from __future__ import annotations

import json

from addin_server.audit.store import GENESIS_HASH, HASHED_FIELDS, key_id, record_hash

KEY = bytes(range(32))
ROW = {
    "request_id": "kat-1", "created_at": "2026-04-01T00:00:00.000000+00:00", "user_id": "dev:tanaka",
    "user_display": None, "client_addr": "127.0.0.1", "host": "word", "operation": "summarize",
    "profile": "oasis", "series_id": "会議録", "request_text": "議事録を要約してください。", "request_cells": None,
    "instruction": None, "response_text": "要約です。", "findings": "[]", "rules": "", "model": "fake-gpt",
    "prompt_tokens": 12, "completion_tokens": 5, "latency_ms": 345, "outcome": "allowed", "error_code": None,
    "masked": False,
}
PAYLOAD_V2 = ('["oasis-audit-v2","' + "0" * 64 + '","kat-1","2026-04-01T00:00:00.000000+00:00","dev:tanaka",null,'
              '"127.0.0.1","word","summarize","oasis","会議録","議事録を要約してください。",null,null,"要約です。","[]","",'
              '"fake-gpt",12,5,345,"allowed",null,false]')


def test_the_payload_is_the_documented_json_array() -> None:
    assert json.loads(PAYLOAD_V2) == ["oasis-audit-v2", GENESIS_HASH, *[ROW[k] for k in HASHED_FIELDS]]


def test_keyed_record_hash_known_answer() -> None:
    assert record_hash(GENESIS_HASH, ROW, KEY) == "7a384bd5f348de7327fd65599c2ad56f164c22a8ff2a8ff9be0561c6548a475f"


def test_legacy_record_hash_known_answer() -> None:
    """Version 1 (plain SHA-256, before schema 2): logs written then must still verify."""
    assert record_hash(GENESIS_HASH, ROW) == "6f8201e7686d5d40534258afda03d18f8e403556612b7d36c5dc2773d7e356b5"


def test_key_id_known_answer() -> None:
    assert key_id(KEY) == "1d7c0670db287c2d"


def test_one_changed_field_or_key_changes_the_hash() -> None:
    base = record_hash(GENESIS_HASH, ROW, KEY)
    assert record_hash(GENESIS_HASH, {**ROW, "outcome": "blocked"}, KEY) != base
    assert record_hash("1" * 64, ROW, KEY) != base
    assert record_hash(GENESIS_HASH, ROW, bytes(32)) != base
