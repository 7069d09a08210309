"""WSGI entry point for production: `gunicorn -c gunicorn.conf.py addin_server.wsgi:app`.

Behind gunicorn the bind address is not known to the app, so nothing is inferred: set
OASIS_AUTH_MODE=entra (with the ENTRA_* keys) for staff; dev mode still accepts only direct
loopback clients.
"""

from __future__ import annotations

import logging
import os

from flask import Flask

from addin_server.app import create_app
from addin_server.policy import PolicyRequest
from addin_server.services import services

log = logging.getLogger(__name__)
WARM_UP_TEXT = "山田太郎様（市民課）から、令和7年4月1日の窓口受付について問い合わせがありました。"

if not os.environ.get("OASIS_AUTH_MODE"):
    raise SystemExit("oasis-addin: set OASIS_AUTH_MODE (entra for staff) before serving with gunicorn")

# Under gunicorn the app's log records go to gunicorn's error log.
_gunicorn_log = logging.getLogger("gunicorn.error")
if _gunicorn_log.handlers and not logging.getLogger().handlers:
    logging.getLogger().handlers = _gunicorn_log.handlers
    logging.getLogger().setLevel(_gunicorn_log.level)



def warm_up(flask_app: Flask) -> None:
    """Do the first request's one-time work before serving: the Japanese dictionary, the rules'
    data and the model client's lazily imported modules. Otherwise the first requests of a new
    worker all wait on that together (seconds on a busy machine) while connections queue.
    With preload_app this runs once in the master and the workers share the result."""
    svc = services(flask_app).service
    try:
        svc.engine.check_input(PolicyRequest(user="oasis-warm-up", operation="summarize", host="word",
                                             text=WARM_UP_TEXT), commit=False)
        if svc.gateway.provider != "offline":
            _ = svc.gateway.client.chat.completions
    except Exception:  # a cold first request is slower, not wrong: serve anyway
        log.warning("warm-up failed; the first requests will be slower", exc_info=True)


app = create_app()
warm_up(app)
# Nothing opened here is used again before gunicorn forks: close it now, in the process that
# opened it (closing an inherited SQLite connection in a child is unsafe).
services(app).service.store.engine.dispose()


def after_fork() -> None:
    """Called in each gunicorn worker when the app was preloaded in the master: drop the
    pooled database connections inherited from the master (without closing them, which would
    close the master's sockets too) so no two processes ever share one connection."""
    services(app).service.store.engine.dispose(close=False)
