"""gunicorn.conf.py: the settings the deployment relies on, from the environment."""

from __future__ import annotations

import runpy
from typing import Any

import pytest

from tests.scale.harness import REPO_ROOT


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for var in ("GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_WORKER_CONNECTIONS",
                "GUNICORN_GRACEFUL_TIMEOUT", "GUNICORN_PRELOAD", "OASIS_LLM_TIMEOUT", "OASIS_LLM_MAX_RETRIES"):
        monkeypatch.delenv(var, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(REPO_ROOT / "gunicorn.conf.py"))


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = load(monkeypatch)
    assert conf["worker_class"] == "gthread" and conf["threads"] == 8 and conf["workers"] >= 1
    assert conf["bind"] == ["127.0.0.1:8000"] and conf["preload_app"] is True
    # a worker accepts only what its threads can serve, so bursts spread over the workers
    assert conf["worker_connections"] == conf["threads"] and conf["keepalive"] == 0
    # long enough for the slowest model call with its retries: 60 s x (2 + 1) + 15
    assert conf["graceful_timeout"] == 195


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = load(monkeypatch, GUNICORN_BIND="0.0.0.0:8000, [::]:8000", WEB_CONCURRENCY="3", GUNICORN_THREADS="16",
                OASIS_LLM_TIMEOUT="20", OASIS_LLM_MAX_RETRIES="1", GUNICORN_PRELOAD="0",
                GUNICORN_WORKER_CONNECTIONS="32")
    assert conf["bind"] == ["0.0.0.0:8000", "[::]:8000"]
    assert (conf["workers"], conf["threads"], conf["worker_connections"]) == (3, 16, 32)
    assert conf["keepalive"] > 0  # spare connections: idle keep-alive ones no longer block accepting
    assert conf["graceful_timeout"] == 20 * 2 + 15 and conf["preload_app"] is False
    assert load(monkeypatch, GUNICORN_GRACEFUL_TIMEOUT="30")["graceful_timeout"] == 30
