"""Configuration: OASIS_* names, defaults, and refusals that stop start-up with one message."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from addin_server.config import DEFAULTS, ConfigError, load_settings, parse_endpoints, validate
from addin_server.services import services


def settings(**overrides):
    return validate({**DEFAULTS, **overrides}, instance_path="/tmp/oasis-test-instance")


def test_defaults():
    s = settings()
    assert (s.profile, s.llm_provider, s.auth_mode) == ("oasis", "offline", "dev")
    assert (s.max_prompt_chars, s.person_limit) == (20000, 1000)
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("oasis-addin.db")


def test_env_prefix(monkeypatch):
    monkeypatch.setenv("OASIS_PROFILE", "rag")
    monkeypatch.setenv("OASIS_PERSON_LIMIT", "500")
    monkeypatch.setenv("OASIS_MAX_PROMPT_CHARS", "1200")
    s = load_settings()
    assert (s.profile, s.person_limit, s.max_prompt_chars) == ("rag", 500, 1200)


def test_create_app_reads_prefixed_env(monkeypatch, tmp_path):
    from addin_server.app import create_app

    monkeypatch.setenv("OASIS_PERSON_LIMIT", "321")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/a.db"})
    assert services(app).settings.person_limit == 321


@pytest.mark.parametrize("overrides, message", [
    ({"PROFILE": "public"}, "PROFILE"),
    ({"LLM_PROVIDER": "anthropic"}, "LLM_PROVIDER"),
    ({"MAX_PROMPT_CHARS": "many"}, "MAX_PROMPT_CHARS"),
    ({"PERSON_LIMIT": 0}, "PERSON_LIMIT"),
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"LLM_PROVIDER": "openai"}, "LLM_BASE_URL"),
    ({"LLM_BASE_URL": "https://api.openai.com/v1", "LLM_MODEL": "gpt"}, "common-2"),
    ({"LLM_BASE_URL": "https://evil.example/v1", "LLM_MODEL": "m",
      "APPROVED_ENDPOINTS": "https://city.example/v1"}, "common-2"),
    ({"APPROVED_ENDPOINTS": "ftp://x"}, "APPROVED_ENDPOINTS"),
    ({"AUTH_MODE": "none"}, "AUTH_MODE"),
    ({"BIND_HOST": "0.0.0.0"}, "AUTH_MODE"),
    ({"BIND_HOST": "0.0.0.0", "AUTH_MODE": "dev"}, "loopback"),
    ({"AUTH_MODE": "entra"}, "ENTRA_TENANT_ID"),
    ({"PROFILE": "cloud", "LLM_BASE_URL": "https://city.example/v1", "LLM_MODEL": "m",
      "APPROVED_ENDPOINTS": "https://city.example/"}, "cloud-3"),
])
def test_refusals(overrides, message):
    with pytest.raises(ConfigError, match=message):
        settings(**overrides)


def test_approved_prefix_and_no_training_mark():
    s = settings(PROFILE="cloud", LLM_BASE_URL="https://city.openai.azure.com/openai", LLM_MODEL="m",
                 LLM_PROVIDER="azure", APPROVED_ENDPOINTS="https://city.openai.azure.com/ [no-training]")
    assert s.llm_provider == "azure" and s.approved_endpoints[0].no_training


def test_prefix_match_is_on_path_segments():
    (endpoint,) = parse_endpoints("https://city.example/v1")
    assert endpoint.covers("https://city.example/v1") and endpoint.covers("https://CITY.example/v1/")
    assert not endpoint.covers("https://city.example/v10")
    assert not endpoint.covers("https://city.example.evil.com/v1")


def test_serve_refuses_unapproved_endpoint_with_one_message(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "OASIS_LLM_PROVIDER": "openai", "OASIS_LLM_BASE_URL": "https://api.openai.com/v1",
           "OASIS_LLM_MODEL": "gpt-4o", "OASIS_DATABASE_URL": f"sqlite:///{tmp_path}/a.db"}
    proc = subprocess.run([sys.executable, "-m", "addin_server.cli", "serve", "--port", "0"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "common-2" in proc.stderr and "Traceback" not in proc.stderr


def test_config_file_outranks_env_and_serves_server_and_commands(monkeypatch, tmp_path):
    """One loader: the audit command opens the database named in OASIS_CONFIG_FILE, as the server does."""
    from addin_server.app import create_app
    from addin_server.cli import main

    db = tmp_path / "from-file.db"
    cfg = tmp_path / "oasis.toml"
    cfg.write_text(f'DATABASE_URL = "sqlite:///{db}"\nPERSON_LIMIT = 77\n', encoding="utf-8")
    monkeypatch.setenv("OASIS_CONFIG_FILE", str(cfg))
    monkeypatch.setenv("OASIS_PERSON_LIMIT", "5")  # the file outranks the environment
    monkeypatch.setenv("OASIS_DATABASE_URL", f"sqlite:///{tmp_path / 'from-env.db'}")
    app = create_app({"TESTING": True, "AUTH_MODE": "dev"})
    settings = services(app).settings
    assert (settings.person_limit, settings.database_url) == (77, f"sqlite:///{db}")
    assert load_settings().database_url == settings.database_url
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": "127.0.0.1"})
    assert client.post("/api/v1/summarize", json={"text": "窓口は9時に開きます。土日は休みです。", "host": "word"},
                       headers={"X-Oasis-User": "tanaka"}).status_code == 200
    out = tmp_path / "export.jsonl"
    assert main(["audit", "export", "-o", str(out)]) == 0
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    # record first: the prompt's record, then the answer's (issue 10)
    assert [(r["user_id"], r["operation"], r["outcome"]) for r in exported] == [
        ("dev:tanaka", "summarize", "pending"), ("dev:tanaka", "summarize", "allowed")]
    assert not (tmp_path / "from-env.db").exists()


def test_unreadable_config_file_is_one_clear_error(monkeypatch, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text("{not json", encoding="utf-8")
    monkeypatch.setenv("OASIS_CONFIG_FILE", str(bad))
    with pytest.raises(ConfigError, match="OASIS_CONFIG_FILE"):
        load_settings()


def test_instance_path_is_computed_once_for_server_and_commands(monkeypatch, tmp_path):
    from addin_server.app import create_app
    from addin_server.config import instance_path

    monkeypatch.setenv("OASIS_INSTANCE_PATH", str(tmp_path / "inst"))
    assert instance_path() == str(tmp_path / "inst")
    app = create_app({"TESTING": True, "AUTH_MODE": "dev"})
    assert app.instance_path == instance_path()
    assert services(app).settings.database_url == f"sqlite:///{tmp_path / 'inst' / 'oasis-addin.db'}"
    assert load_settings().database_url == services(app).settings.database_url
