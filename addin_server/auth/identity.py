"""Who is asking, as plain data: what the auth modes produce and the service records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Identity:
    user_id: str
    display: str | None = None
    is_admin: bool = False
    client_addr: str | None = None
