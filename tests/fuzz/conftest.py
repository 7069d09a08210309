"""Fixtures of the fuzz tests: one app per module, with limits out of the way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from addin_server.services import services
from tests.conftest import LOOPBACK


@pytest.fixture(scope="module")
def edge_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from addin_server.app import create_app

    db = Path(tmp_path_factory.mktemp("edge")) / "audit.db"
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{db}", "AUTH_MODE": "dev",
                      "RATE_LIMIT": "100000 per minute", "READ_RATE_LIMIT": "100000 per minute",
                      "ALLOWED_NETWORKS": "", "LLM_PROVIDER": "offline",
                      "LLM_BASE_URL": None, "PROFILE": "oasis"})
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash must surface as the 500 it would be
    yield app
    services(app).service.store.dispose()


@pytest.fixture(scope="module")
def edge(edge_app: Flask) -> FlaskClient:
    c = edge_app.test_client()
    c.environ_base.update(LOOPBACK)
    return c
