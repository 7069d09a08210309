"""HTTP API v1."""

from addin_server.api.routes import bp, health_bp

__all__ = ["bp", "health_bp"]
