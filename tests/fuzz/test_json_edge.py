"""Hypothesis at the JSON edge: whatever arrives, the API answers 4xx (never 500) to malformed input.

Odd Unicode (lone surrogates, NUL, bidi controls, astral planes), huge and non-finite numbers in
cells, deep nesting, wrong types, and bytes that are not JSON at all.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addin_server.api.schemas import CONTENT_PATTERN

HEADERS = {"X-Oasis-User": "fuzzer", "Content-Type": "application/json"}
ENDPOINTS = ["/api/v1/check", "/api/v1/summarize", "/api/v1/proofread"]
FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def post_raw(client: FlaskClient, path: str, data: bytes | str) -> tuple[int, Any]:
    resp = client.post(path, data=data, headers=HEADERS)
    return resp.status_code, resp.get_json(silent=True)


def assert_refused(status: int, body: Any) -> None:
    assert status == 400, (status, body)
    assert body["error"]["code"] in ("invalid_json", "invalid_request", "bad_request")
    assert body["error"]["message"]


def assert_answered(status: int, body: Any) -> None:
    """Any proper answer: a result, a policy refusal or a 4xx — never a server error."""
    assert status in (200, 400, 413, 422), (status, body)
    assert isinstance(body, dict)
    if status in (400, 413):
        assert body["error"]["code"] and body["error"]["message"]


# -- strategies ------------------------------------------------------------------------------
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)  # includes lone surrogates
odd_unicode = st.text(st.sampled_from(list("\u202e\u200b\ufeff\u0000\U0001f600\u3000\uff10\u00a0\ud800\udfff"
                                           "あ亜ｱ𠮷\n\r\t")), min_size=1, max_size=40)
huge_numbers = st.one_of(st.integers(min_value=10**31, max_value=10**4000).map(lambda n: n),
                         st.integers(max_value=-(10**31), min_value=-(10**4000)),
                         st.sampled_from([math.inf, -math.inf, math.nan]))
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), any_text)
json_any = st.recursive(json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                             st.dictionaries(any_text, inner, max_size=4)),
                        max_leaves=20)


def unusable(value: str | None) -> bool:
    """NUL or a lone surrogate in the string the server decodes (an escaped high+low pair
    arrives as one valid character)."""
    if value is None:
        return False
    seen = json.loads(dumps(value))
    return "\x00" in seen or any(0xD800 <= ord(ch) <= 0xDFFF for ch in seen)


def dumps(value: Any) -> str:
    """JSON text as a client might send it: non-finite numbers as NaN/Infinity, surrogates escaped."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True)


# -- properties ------------------------------------------------------------------------------
@FUZZ
@given(path=st.sampled_from(ENDPOINTS), data=st.binary(max_size=200))
def test_arbitrary_bytes(edge: FlaskClient, path: str, data: bytes) -> None:
    status, body = post_raw(edge, path, data)
    assert_answered(status, body)


@FUZZ
@given(path=st.sampled_from(ENDPOINTS), value=json_any)
def test_arbitrary_json_values(edge: FlaskClient, path: str, value: Any) -> None:
    status, body = post_raw(edge, path, dumps(value))
    assert_answered(status, body)


@FUZZ
@given(path=st.sampled_from(ENDPOINTS), text=any_text, instruction=st.one_of(st.none(), any_text),
       series=st.one_of(st.none(), any_text), host=st.sampled_from(["word", "excel", "powerpoint", ""]))
def test_well_shaped_bodies_with_any_unicode(edge: FlaskClient, path: str, text: str, instruction: str | None,
                                             series: str | None, host: str) -> None:
    body = {"text": text, "host": host, "instruction": instruction, "series_id": series}
    if path.endswith("check"):
        body["operation"] = "summarize"
    status, answer = post_raw(edge, path, dumps(body))
    assert_answered(status, answer)
    if any(unusable(v) for v in (text, instruction, series)):
        assert_refused(status, answer)


@FUZZ
@given(text=odd_unicode)
def test_odd_unicode_is_checked_or_refused(edge: FlaskClient, text: str) -> None:
    status, body = post_raw(edge, "/api/v1/check", dumps({"text": text, "host": "word", "operation": "proofread"}))
    # blank means ECMAScript \s only (the OpenAPI pattern's meaning), not Python's str.isspace()
    if unusable(text) or not re.search(CONTENT_PATTERN, json.loads(dumps(text))):
        assert_refused(status, body)
    else:
        assert status == 200 and isinstance(body["allowed"], bool)


@FUZZ
@given(number=huge_numbers, row=st.integers(0, 2), col=st.integers(0, 2))
def test_huge_and_non_finite_numbers_in_cells(edge: FlaskClient, number: float, row: int, col: int) -> None:
    cells: list[list[Any]] = [["氏名", "金額", "備考"] for _ in range(3)]
    cells[row][col] = number
    text = dumps({"cells": cells, "host": "excel"})
    status, body = post_raw(edge, "/api/v1/summarize", text)
    assert_refused(status, body)


@pytest.mark.parametrize("depth", [10, 100, 1_000, 10_000, 100_000])
@pytest.mark.parametrize("shape", ["list", "object", "cells"])
def test_deep_nesting(edge: FlaskClient, depth: int, shape: str) -> None:
    if shape == "list":
        text = "[" * depth + "]" * depth
    elif shape == "object":
        text = '{"a":' * depth + "1" + "}" * depth
    else:
        text = '{"host": "excel", "cells": [' + "[" * depth + "1" + "]" * depth + "]}"
    status, body = post_raw(edge, "/api/v1/check", text)
    assert_answered(status, body)
    assert status != 200


@pytest.mark.parametrize("raw", [
    '{"text": "\\ud800", "host": "word"}',
    '{"text": "a\\u0000b", "host": "word"}',
    '{"text": "ok", "host": "word", "series_id": "\\udfff"}',
    '{"cells": [["\\ud83d"]], "host": "excel"}',
    '{"text": "ok", "host": "word"',
    '{"text": "ok", "host": "word"}}',
    '{"text": "ok", "host": "word", "text": 5}',
    '{"text": NaN, "host": "word"}',
    '{"cells": [[1e999]], "host": "excel"}',
    '{"cells": [[' + "9" * 5000 + ']], "host": "excel"}',
    '{"cells": [[-1e400]], "host": "excel"}',
    '{"cells": [[Infinity]], "host": "excel"}',
    '{"cells": "A1:B2", "host": "excel"}',
    '{"cells": [1, 2], "host": "excel"}',
    '{"cells": [[{"v": 1}]], "host": "excel"}',
    '{"text": ["a"], "host": "word"}',
    '{"text": "ok", "host": "word", "extra": 1}',
    '"just a string"',
    "[]",
    "null",
    "",
    "\xff\xfe{}",
])
def test_malformed_bodies_are_400(edge: FlaskClient, raw: str) -> None:
    for path in ENDPOINTS:
        status, body = post_raw(edge, path, raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
        assert_refused(status, body)


def test_wrong_content_type_is_400(edge: FlaskClient) -> None:
    resp = edge.post("/api/v1/check", data='{"text": "ok", "host": "word", "operation": "summarize"}',
                     headers={"X-Oasis-User": "fuzzer", "Content-Type": "text/plain"})
    assert resp.status_code in (400, 415)
    assert resp.get_json()["error"]["message"]
