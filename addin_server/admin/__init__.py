"""Administrators' (and staff's own) read access to the audit log and the person ledger."""

from addin_server.admin.routes import bp

__all__ = ["bp"]
