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


def start(tmp_path: Path, *extra: str, scheme: str = "http") -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OASIS_") or k.startswith("OASIS_REQUIRE")}
    env["OASIS_DATABASE_URL"] = f"sqlite:///{tmp_path}/audit.db"
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


@pytest.fixture
def server(tmp_path):
    proc, base = start(tmp_path)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def test_serve_answers_summarize_and_proofread(server, tmp_path):
    status, body = call(server, "/api/v1/summarize", {"text": "市の窓口は9時に開きます。土日は休みです。", "host": "word"})
    assert status == 200 and body["model"] == "offline-extractive-v1" and body["result"]["text"]
    status, body = call(server, "/api/v1/proofread", {"text": "ご確認して下さい。", "host": "word"})
    assert status == 200 and body["result"]["text"] == "ご確認してください。"
    from addin_server.audit import AuditStore

    store = AuditStore(f"sqlite:///{tmp_path}/audit.db")  # reading needs no key
    assert store.count(outcome="pending") == 2 and store.count(outcome="allowed") == 2  # prompt first, then answer


def test_serve_over_https(tmp_path):
    cert, key = self_signed(tmp_path)
    proc, base = start(tmp_path, "--cert", str(cert), "--key", str(key), scheme="https")
    try:
        status, body = call(base, "/api/v1/summarize", {"text": "説明会を開きます。", "host": "word"},
                            context=_insecure())
        assert status == 200 and body["allowed"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
