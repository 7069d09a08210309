"""Shared fixtures for the whole suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fakes.openai_server import FakeOpenAI
from tests.support import SHARED_DIR, require

LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}
DEV_USER = {"X-Oasis-User": "tanaka"}


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    require("SHARED", SHARED_DIR.is_dir(), f"shared folder not found at {SHARED_DIR}")
    return SHARED_DIR


@pytest.fixture(scope="session")
def _fake_llm_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def fake_llm(_fake_llm_server: FakeOpenAI) -> FakeOpenAI:
    """The local OpenAI-compatible test server, with a clean script and request log."""
    _fake_llm_server.reset()
    return _fake_llm_server


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Flask]:
    """Build the real app on a fresh SQLite file; keyword arguments are config keys."""
    for var in [v for v in __import__("os").environ if v.startswith("OASIS_") and not v.startswith(
            ("OASIS_REQUIRE_", "OASIS_SHARED_DIR"))]:
        monkeypatch.delenv(var)

    def build(**config: Any) -> Flask:
        from addin_server.app import create_app
        from tests.audit.keys import KEY_CONFIG

        base = {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'audit.db'}", "AUTH_MODE": "dev",
                **KEY_CONFIG}
        return create_app({**base, **config})

    return build


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    c = app.test_client()
    c.environ_base.update(LOOPBACK)
    return c


@pytest.fixture
def llm_app(make_app: Callable[..., Flask], fake_llm: FakeOpenAI) -> Flask:
    """The app pointed at the local OpenAI-compatible server, as an approved endpoint."""
    return make_app(LLM_PROVIDER="openai", LLM_BASE_URL=fake_llm.base_url, LLM_MODEL="fake-gpt",
                    APPROVED_ENDPOINTS=fake_llm.base_url, LLM_TIMEOUT=2, LLM_MAX_RETRIES=1)


@pytest.fixture
def llm_client(llm_app: Flask) -> FlaskClient:
    c = llm_app.test_client()
    c.environ_base.update(LOOPBACK)
    return c


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty audit database URL, once on SQLite and once on a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.db'}"
        return
    from tests.scale.pgdb import fresh_database, require_postgres

    require_postgres()
    with fresh_database("oasis_db") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (no browser download), one per test session."""
    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    require("BROWSER", CHROMIUM.exists(), f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
