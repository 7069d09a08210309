"""WSGI entry point for production: `gunicorn -c gunicorn.conf.py addin_server.wsgi:app`.

Behind gunicorn the bind address is not known to the app, so nothing is inferred: set
OASIS_AUTH_MODE=entra (with the ENTRA_* keys) for staff; dev mode still accepts only direct
loopback clients.
"""

from __future__ import annotations

import os

from addin_server.app import create_app

if not os.environ.get("OASIS_AUTH_MODE"):
    raise SystemExit("oasis-addin: set OASIS_AUTH_MODE (entra for staff) before serving with gunicorn")

app = create_app()
