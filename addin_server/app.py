"""The application factory: `create_app(config)`.

Configuration comes from `config.load_config` (defaults, then `OASIS_*` environment variables
with `from_prefixed_env`'s rules, then an optional JSON/TOML file named by `OASIS_CONFIG_FILE`),
then the mapping passed in — the same loader every command uses. It is validated once; an
invalid value raises ConfigError with one clear message and the app does not start.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from addin_server import errors
from addin_server.config import instance_path, load_config, validate
from addin_server.errors import ApiError
from addin_server.service import AssistantService
from addin_server.services import init_app as services_init
from addin_server.services import services

log = logging.getLogger(__name__)

def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=instance_path(), instance_relative_config=True)
    app.config.update(load_config(config))
    settings = validate(app.config, app.instance_path)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    services_init(app, AssistantService.from_settings(settings), settings)

    from addin_server import auth
    from addin_server.api import bp as api_bp
    from addin_server.api import health_bp

    auth.init_app(app, settings.auth_mode)
    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)
    _register_optional(app)
    _register_errors(app)
    log.info("oasis-addin ready: profile=%s model=%s auth=%s database=%s", settings.profile,
             services(app).service.gateway.describe(), settings.auth_mode, settings.database_url.split(":")[0])
    return app


def _register_optional(app: Flask) -> None:
    """Blueprints and extensions of the other surfaces (task pane, admin, security)."""
    from addin_server import limits, openapi, security
    from addin_server.admin import bp as admin_bp
    from addin_server.admin import console
    from addin_server.auth import network
    from addin_server.taskpane import bp as taskpane_bp

    app.register_blueprint(taskpane_bp)
    network.init_app(app)  # first: the allowlist answers before anything else runs
    limits.init_app(app)
    security.init_app(app)
    app.register_blueprint(admin_bp)
    console.init_app(app)
    openapi.init_app(app)


def _register_errors(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> tuple[Response, int, dict[str, str]]:
        return jsonify(exc.body()), exc.status, exc.headers

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int, list[tuple[str, str]]]:
        status = exc.code or 500
        error = errors.for_status(status)
        # Keep werkzeug's own headers (Allow on 405, Retry-After, …), not its HTML content type.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return jsonify(error.body()), status, headers

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        app.logger.exception("unexpected error")  # the trace stays in the server log only
        return jsonify(ApiError().body()), 500
