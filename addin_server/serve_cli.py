"""`oasis-addin serve`: the Flask app on a threaded server, over HTTPS with --cert/--key."""

from __future__ import annotations

import argparse
import sys

from addin_server.config import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the HTTP(S) service (for production use gunicorn, see README)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--cert", help="TLS certificate (PEM); Office requires HTTPS for add-ins")
    p.add_argument("--key", help="TLS private key (PEM)")
    p.set_defaults(func=serve)


def serve(args: argparse.Namespace) -> int:
    import logging

    from werkzeug.serving import run_simple

    from addin_server.app import create_app

    if bool(args.cert) != bool(args.key):
        print("oasis-addin serve: --cert と --key は両方指定してください (give both --cert and --key)",
              file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        # create_app validates BIND_HOST against the auth mode: an empty --host means every
        # interface and is refused in development mode (config.dev_bind_message).
        app = create_app({"BIND_HOST": args.host})
    except ConfigError as exc:
        print(f"oasis-addin: 設定エラー (configuration error): {exc}", file=sys.stderr)
        return 2
    ssl_context = (args.cert, args.key) if args.cert else None
    run_simple(args.host, args.port, app, threaded=True, ssl_context=ssl_context, use_reloader=False)
    return 0
