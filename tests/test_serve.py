"""`oasis-addin serve` as a real process on loopback, over HTTP and HTTPS."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(tmp_path: Path, *extra: str, scheme: str = "http",
          config: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """`oasis-addin serve` on a free loopback port; `config` as OASIS_* variables."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OASIS_") or k.startswith("OASIS_REQUIRE")}
    env["OASIS_DATABASE_URL"] = f"sqlite:///{tmp_path}/audit.db"
    env.update({f"OASIS_{k}": v for k, v in (config or {}).items()})
    exe = Path(sys.executable).with_name("oasis-addin")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "addin_server.cli"]
    proc = subprocess.Popen([*cmd, "serve", "--host", "127.0.0.1", "--port", str(port), *extra], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path)
    base = f"{scheme}://127.0.0.1:{port}"
    ctx = _insecure()
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1, context=ctx if scheme == "https" else None)
            return proc, base
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(proc.stdout.read().decode()) from None
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start")


def _insecure() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def call(base: str, path: str, body: dict, context: ssl.SSLContext | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "X-Oasis-User": "sato"})
    try:
        with urllib.request.urlopen(req, timeout=30, context=context) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def stop(proc: subprocess.Popen) -> None:
    """End a server started by `start` and close its pipe (no file left for the collector)."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    finally:
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.fixture
def server(tmp_path):
    proc, base = start(tmp_path)
    yield base
    stop(proc)


def test_serve_answers_summarize_and_proofread(server, tmp_path):
    status, body = call(server, "/api/v1/summarize", {"text": "市の窓口は9時に開きます。土日は休みです。", "host": "word"})
    assert status == 200 and body["model"] == "offline-extractive-v1" and body["result"]["text"]
    status, body = call(server, "/api/v1/proofread", {"text": "ご確認して下さい。", "host": "word"})
    assert status == 200 and body["result"]["text"] == "ご確認してください。"
    from addin_server.audit import AuditStore

    store = AuditStore(f"sqlite:///{tmp_path}/audit.db")  # reading needs no key
    try:
        assert store.count(outcome="pending") == 2 and store.count(outcome="allowed") == 2  # prompt first, then answer
    finally:
        store.dispose()


def test_serve_over_https(tmp_path):
    cert, key = self_signed(tmp_path)
    proc, base = start(tmp_path, "--cert", str(cert), "--key", str(key), scheme="https")
    try:
        status, body = call(base, "/api/v1/summarize", {"text": "説明会を開きます。", "host": "word"},
                            context=_insecure())
        assert status == 200 and body["allowed"] is True
    finally:
        stop(proc)


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _serve_refused(tmp_path: Path, host: str, **env_extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OASIS_") or k.startswith("OASIS_REQUIRE")}
    env.update({"OASIS_DATABASE_URL": f"sqlite:///{tmp_path}/audit.db", **env_extra})
    port = free_port()
    proc = subprocess.run([sys.executable, "-m", "addin_server.cli", "serve", "--host", host, "--port", str(port)],
                          env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "Running on" not in proc.stderr + proc.stdout
    with socket.socket() as s:  # nothing was left listening
        assert s.connect_ex(("127.0.0.1", port)) != 0
    return proc.stderr


@pytest.mark.parametrize("host, env", [
    ("", {}),  # issue 10: an empty --host used to start in dev mode on every interface
    ("", {"OASIS_AUTH_MODE": "dev"}),
    ("0.0.0.0", {"OASIS_AUTH_MODE": "dev"}),
    ("::", {}),
    ("192.0.2.10", {"OASIS_AUTH_MODE": "dev"}),
])
def test_dev_mode_refuses_a_bind_beyond_loopback(tmp_path: Path, host: str, env: dict[str, str]) -> None:
    err = _serve_refused(tmp_path, host, **env)
    assert err.count("開発モードは利用者を確認しないため") == 1  # one clear message, once
    assert "127.0.0.1" in err and "AUTH_MODE=entra" in err
    assert ("空のアドレス" in err) == (host == "")


def test_bind_host_validation_in_config() -> None:
    from addin_server.config import DEFAULTS, ConfigError, Settings, validate

    def settings(**kw: object) -> Settings:
        return validate({**DEFAULTS, **kw}, instance_path="/tmp/oasis-test-instance")

    for host in ("", " ", "0.0.0.0", "::", "10.0.0.5", "LOCALHOST.example"):
        with pytest.raises(ConfigError, match="ループバック"):
            settings(BIND_HOST=host, AUTH_MODE="dev")
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"):
        assert settings(BIND_HOST=host).auth_mode == "dev"
    assert settings(BIND_HOST=None).bind_host == "127.0.0.1"
