"""gunicorn settings for oasis-addin: `gunicorn -c gunicorn.conf.py addin_server.wsgi:app`.

The work of a request is mostly waiting for the model, so each worker process runs a pool of
threads (`gthread`); processes add CPU for the policy checks. Everything can be set from the
environment (docs/deployment.md):

  GUNICORN_BIND             address(es), comma-separated            127.0.0.1:8000
  WEB_CONCURRENCY           worker processes                         number of CPU cores
  GUNICORN_THREADS          threads per worker (requests at once)   8
  GUNICORN_WORKER_CONNECTIONS connections a worker takes at once     = threads
  GUNICORN_GRACEFUL_TIMEOUT seconds a stopping worker may finish     the longest a model call can
                            its in-flight requests (SIGTERM)         take: LLM_TIMEOUT x (retries+1) + 15
  GUNICORN_PRELOAD          load the app once in the master (1/0)    1
  GUNICORN_ACCESSLOG        access log file, "-" for stdout          off
  FORWARDED_ALLOW_IPS       proxies whose X-Forwarded-* gunicorn     127.0.0.1,::1 (gunicorn's own)
                            trusts (the TLS reverse proxy)
  GUNICORN_CONTROL_SOCKET   this instance's own control socket path  off
                            (gunicornc); unset or "off": none
"""

from __future__ import annotations

import json
import os
from typing import Any


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _default_graceful_timeout() -> int:
    # A stopping worker must be able to finish the slowest request it may hold, including the
    # openai client's retries, so that request gets its answer and its audit record.
    try:
        llm_timeout = float(json.loads(os.environ.get("OASIS_LLM_TIMEOUT", "60")))
        retries = int(json.loads(os.environ.get("OASIS_LLM_MAX_RETRIES", "2")))
    except (ValueError, TypeError):
        llm_timeout, retries = 60.0, 2
    return int(llm_timeout * (retries + 1)) + 15


bind = [b.strip() for b in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if b.strip()]


def _bind_host(address: str) -> str | None:
    """The host part of a gunicorn bind address; None for a Unix socket or inherited fd."""
    if address.startswith(("unix:", "fd://")):
        return None
    if address.startswith("["):
        return address[1:address.find("]")] if "]" in address else ""
    return address.rsplit(":", 1)[0] if ":" in address else address


# Development mode trusts the X-Oasis-User header: like `oasis-addin serve`, refuse to listen
# beyond this computer (an empty host, 0.0.0.0, a LAN address) with the one message.
if os.environ.get("OASIS_AUTH_MODE", "").strip().lower() == "dev":
    from addin_server.config import dev_bind_message, is_loopback

    for _address in bind:
        _host = _bind_host(_address)
        if _host is not None and not is_loopback(_host):
            raise SystemExit(f"oasis-addin: 設定エラー (configuration error): "
                             f"{dev_bind_message(_host, explicit=True, fix='GUNICORN_BIND=127.0.0.1:8000')}")
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", os.cpu_count() or 2)
threads = _int("GUNICORN_THREADS", 8)
# A worker takes only the connections it has threads for; the rest wait in the kernel's listen
# backlog for whichever worker frees a thread first. (With gunicorn's default of 1000 one worker
# can grab most of a burst and queue it behind its own threads while another worker idles:
# measured 50 requests in 13.5 s instead of 7.6 s with 2 x 4 threads, docs/deployment.md.)
worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", threads)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", _default_graceful_timeout())
# gthread workers heartbeat from their main loop, so this is not a request time limit.
timeout = 60
# Kept-alive idle connections would count against worker_connections; the reverse proxy
# (which buffers whole requests) opens one connection per request to its upstream.
keepalive = 0 if worker_connections <= threads else 2
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") not in ("0", "false", "no")
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# The heartbeat file on tmpfs: a worker is never killed for a slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "oasis-addin"
# gunicorn >= 25.1 opens a control socket at one fixed per-user path ($XDG_RUNTIME_DIR or
# ~/.gunicorn/gunicorn.ctl): every instance on a host would share it, and `gunicornc` could
# reach (reload, stop, resize) whichever bound it last (issue 10). Off unless an operator names
# a path for this instance; older gunicorn ignores both settings (it has no control socket).
_control = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
control_socket_disable = _control.lower() in ("", "0", "off", "no", "false")
if not control_socket_disable:
    control_socket = _control
    control_socket_mode = 0o600  # the service account only


def post_fork(server: Any, worker: Any) -> None:
    """With preload_app the app (and its database pool) was built in the master: give each
    worker its own connections."""
    if preload_app:
        from addin_server import wsgi

        wsgi.after_fork()
