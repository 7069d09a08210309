"""Schemathesis over /api/v1/openapi.json, in-process (WSGI): no 5xx, every answer matches its schema.

Bounded by a fixed number of examples per operation (`OASIS_FUZZ_EXAMPLES`, default 30), never by
a time budget: every generated case is sent and checked, so a PASS means every case passed.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings

from tests.auth.tokens import AUDIENCE, TENANT, SigningKey, write_jwks
from tests.conftest import LOOPBACK

EXAMPLES = int(os.environ.get("OASIS_FUZZ_EXAMPLES", "30"))


def _fuzz_app() -> Flask:
    """Built at import: schemathesis parametrizes at collection (its fixture loader does not
    work with pytest 9). Entra mode with a test key, so a forged credential really is refused.
    Explicit keys win over any OASIS_* variable in the environment."""
    from addin_server.app import create_app
    from tests.audit.keys import KEY_CONFIG

    tmp = Path(_TMP.name)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp / 'audit.db'}",
                      "AUTH_MODE": "entra", "ENTRA_TENANT_ID": TENANT, "ENTRA_AUDIENCE": AUDIENCE,
                      "ENTRA_JWKS_FILE": str(write_jwks(tmp / "jwks.json", _KEY)), "ENTRA_JWKS_URL": None,
                      "RATE_LIMIT": "100000 per minute", "READ_RATE_LIMIT": "100000 per minute",
                      "ALLOWED_NETWORKS": "", "TRUSTED_PROXIES": "",
                      "CORS_ORIGINS": "", "LLM_PROVIDER": "offline", "LLM_BASE_URL": None, "PROFILE": "oasis",
                      **KEY_CONFIG})
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a server error must come back as a 500 to be seen
    return app


_KEY = SigningKey("fuzz-key")
HEADERS = {"Authorization": f"Bearer {_KEY.token({'roles': ['Oasis.Admin'], 'exp': int(time.time()) + 86400})}"}
_TMP = tempfile.TemporaryDirectory(prefix="oasis-fuzz-")
APP = _fuzz_app()
# A policy refusal (422) is a proper answer to well-formed data; every other check is at its default.
CONFIG = schemathesis.config.SchemathesisConfig.from_str("""
[generation]
mode = "all"  # schema-valid and schema-violating data: the latter must get a 4xx, never a 5xx

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "422", "429"]
""")
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP, config=CONFIG)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=HEADERS, environ_base=LOOPBACK)
