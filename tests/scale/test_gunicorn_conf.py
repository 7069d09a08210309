"""gunicorn.conf.py: the settings the deployment relies on, from the environment."""

from __future__ import annotations

import os
import runpy
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.scale.harness import REPO_ROOT, GunicornServer, free_port


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for var in ("GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_WORKER_CONNECTIONS",
                "GUNICORN_GRACEFUL_TIMEOUT", "GUNICORN_PRELOAD", "OASIS_LLM_TIMEOUT", "OASIS_LLM_MAX_RETRIES",
                "GUNICORN_CONTROL_SOCKET"):
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


# -- the control socket (issue 10: every instance on a host shared one) ------------------------
def test_control_socket_is_off_unless_this_instance_names_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from gunicorn.config import KNOWN_SETTINGS

    names = {s.name for s in KNOWN_SETTINGS}
    assert {"control_socket", "control_socket_disable", "control_socket_mode"} <= names  # real settings
    for value in ("", "off", "0", "no"):
        conf = load(monkeypatch, GUNICORN_CONTROL_SOCKET=value)
        assert conf["control_socket_disable"] is True and "control_socket" not in conf
    conf = load(monkeypatch, GUNICORN_CONTROL_SOCKET="/run/oasis/a.ctl")
    assert conf["control_socket_disable"] is False
    assert (conf["control_socket"], conf["control_socket_mode"]) == ("/run/oasis/a.ctl", 0o600)


def _gunicorn(tmp_path: Path, name: str, runtime: Path, **env: str) -> GunicornServer:
    return GunicornServer(tmp_path / f"{name}.log", {"DATABASE_URL": f"sqlite:///{tmp_path / name}.db",
                                                     "AUTH_MODE": "dev"},
                          workers=1, threads=2, extra_env={"XDG_RUNTIME_DIR": str(runtime), "HOME": str(runtime),
                                                           **env})


def test_two_instances_open_no_shared_control_socket(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    default = runtime / "gunicorn.ctl"
    # Control: gunicorn on its own defaults (run away from gunicorn.conf.py, which it would load
    # from the working directory) does create the shared per-user socket here.
    bare = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{free_port()}",
                             "addin_server.wsgi:app"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            env={**_clean_env(), "XDG_RUNTIME_DIR": str(runtime), "HOME": str(runtime),
                                 "OASIS_AUTH_MODE": "dev", "OASIS_DATABASE_URL": f"sqlite:///{tmp_path / 'bare.db'}"})
    try:
        for _ in range(300):
            if default.exists() or bare.poll() is not None:
                break
            time.sleep(0.1)
        assert default.exists(), "gunicorn's default control socket did not appear"
    finally:
        bare.terminate()
        bare.wait(30)
    default.unlink(missing_ok=True)

    # One instance with the default (off), two naming their own sockets, all at once.
    own = [runtime / "b.ctl", runtime / "c.ctl"]
    servers = [_gunicorn(tmp_path, "a", runtime),
               _gunicorn(tmp_path, "b", runtime, GUNICORN_CONTROL_SOCKET=str(own[0])),
               _gunicorn(tmp_path, "c", runtime, GUNICORN_CONTROL_SOCKET=str(own[1]))]
    try:
        for s in servers:
            s.wait_ready()
        for path in own:
            for _ in range(100):  # the arbiter opens it just after the workers start
                if path.exists():
                    break
                time.sleep(0.1)
            assert path.is_socket() and stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert sorted(p.name for p in runtime.iterdir()) == ["b.ctl", "c.ctl"]  # nothing shared
    finally:
        for s in servers:
            s.terminate()
        for s in servers:
            s.stop()


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("OASIS_", "GUNICORN_", "WEB_CONC")) or k.startswith("OASIS_REQUIRE_")}


# -- development mode binds loopback only, as `oasis-addin serve` does (issue 10) -------------
@pytest.mark.parametrize("bind", [":8000", "0.0.0.0:8000", "[::]:8000", "10.0.0.5:8000",
                                  "127.0.0.1:8000,0.0.0.0:8001", "8000"])
def test_dev_mode_refuses_a_bind_beyond_loopback(monkeypatch: pytest.MonkeyPatch, bind: str) -> None:
    monkeypatch.setenv("OASIS_AUTH_MODE", "dev")
    with pytest.raises(SystemExit, match="開発モードは利用者を確認しないため"):
        load(monkeypatch, GUNICORN_BIND=bind)


@pytest.mark.parametrize("bind", ["127.0.0.1:8000", "[::1]:8000", "localhost:8000", "unix:/run/oasis.sock"])
def test_dev_mode_may_bind_loopback(monkeypatch: pytest.MonkeyPatch, bind: str) -> None:
    monkeypatch.setenv("OASIS_AUTH_MODE", "dev")
    assert load(monkeypatch, GUNICORN_BIND=bind)["bind"] == [bind]
    monkeypatch.setenv("OASIS_AUTH_MODE", "entra")  # production binds wherever it is told
    assert load(monkeypatch, GUNICORN_BIND="0.0.0.0:8000")["bind"] == ["0.0.0.0:8000"]


def test_real_gunicorn_in_dev_mode_on_every_interface_does_not_start(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "gunicorn", "-c", str(REPO_ROOT / "gunicorn.conf.py"),
                           "addin_server.wsgi:app"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**_clean_env(), "OASIS_AUTH_MODE": "dev", "GUNICORN_BIND": f"0.0.0.0:{free_port()}",
                               "OASIS_DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"})
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "開発モードは利用者を確認しないため" in out and "GUNICORN_BIND=127.0.0.1" in out
    assert "Listening at" not in out
