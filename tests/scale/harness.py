"""Real server processes (gunicorn, gthread) on loopback and a concurrent HTTP client for them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.fakes.openai_server import FakeOpenAI

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CountingFakeOpenAI(FakeOpenAI):
    """The test model, also counting how many calls it holds at once (the server's real
    concurrency, measured without looking at a clock)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.in_flight = 0
        self.max_in_flight = 0
        self._count_lock = threading.Lock()

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self._count_lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            super()._handle(h)
        finally:
            with self._count_lock:
                self.in_flight -= 1

    def clear_counts(self) -> None:
        with self._count_lock:
            self.max_in_flight = self.in_flight


@dataclass
class Reply:
    status: int
    body: dict[str, Any]


class GunicornServer:
    """`gunicorn -c gunicorn.conf.py addin_server.wsgi:app` as a child process on a free port."""

    def __init__(self, log_path: Path, config: Mapping[str, Any], *, workers: int = 2, threads: int = 4,
                 graceful_timeout: int = 30, extra_env: Mapping[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OASIS_", "GUNICORN_", "WEB_CONC"))
               or k.startswith("OASIS_REQUIRE_")}
        env.update({f"OASIS_{k}": v if isinstance(v, str) else json.dumps(v) for k, v in config.items()})
        env.update({"GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers),
                    "GUNICORN_THREADS": str(threads), "GUNICORN_GRACEFUL_TIMEOUT": str(graceful_timeout),
                    "GUNICORN_LOGLEVEL": "warning", "PYTHONUNBUFFERED": "1", **(extra_env or {})})
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(REPO_ROOT / "gunicorn.conf.py"), "addin_server.wsgi:app"],
            cwd=REPO_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> GunicornServer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"gunicorn exited {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.base}/readyz", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except (OSError, urllib.error.HTTPError):
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"gunicorn not ready after {timeout} s:\n{self.log()}")

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def terminate(self) -> None:
        """SIGTERM to the master: graceful shutdown."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 60) -> int:
        self.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
        return self.proc.returncode


def post(base: str, path: str, body: dict[str, Any], user: str, timeout: float = 60) -> Reply:
    req = urllib.request.Request(base + path, data=json.dumps(body, ensure_ascii=False).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "X-Oasis-User": user})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return Reply(resp.status, json.loads(resp.read()))
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, json.loads(exc.read() or b"{}"))


def post_all(calls: Iterable[tuple[str, str, dict[str, Any], str]], concurrency: int = 50) -> list[Reply]:
    """Send every (base, path, body, user) at once from `concurrency` threads; replies in order."""
    gate = threading.Event()

    def one(call: tuple[str, str, dict[str, Any], str]) -> Reply:
        gate.wait()  # release them together: a real burst, not a trickle
        return post(*call)

    with ThreadPoolExecutor(concurrency) as pool:
        futures = [pool.submit(one, c) for c in calls]
        gate.set()
        return [f.result() for f in futures]


def is_japanese(message: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in message)
