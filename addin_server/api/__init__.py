"""HTTP API v1."""

from addin_server.api import disclosure as _disclosure  # noqa: F401  (registers /disclosure/check on bp)
from addin_server.api.routes import bp, health_bp

__all__ = ["bp", "health_bp"]
