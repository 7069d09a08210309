"""WSGI entry point for production: `gunicorn -c gunicorn.conf.py addin_server.wsgi:app`.

Behind gunicorn the bind address is not known to the app, so nothing is inferred: set
OASIS_AUTH_MODE=entra (with the ENTRA_* keys) for staff; dev mode still accepts only direct
loopback clients.
"""

from __future__ import annotations

import logging
import os

from addin_server.app import create_app

if not os.environ.get("OASIS_AUTH_MODE"):
    raise SystemExit("oasis-addin: set OASIS_AUTH_MODE (entra for staff) before serving with gunicorn")

# Under gunicorn the app's log records go to gunicorn's error log.
_gunicorn_log = logging.getLogger("gunicorn.error")
if _gunicorn_log.handlers and not logging.getLogger().handlers:
    logging.getLogger().handlers = _gunicorn_log.handlers
    logging.getLogger().setLevel(_gunicorn_log.level)

app = create_app()


def after_fork() -> None:
    """Called in each gunicorn worker when the app was preloaded in the master: drop the
    pooled database connections inherited from the master (without closing them, which would
    close the master's sockets too) so no two processes ever share one connection."""
    app.extensions["oasis"].store.engine.dispose(close=False)
