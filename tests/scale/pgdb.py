"""A throwaway PostgreSQL database per test module, so parallel or repeated runs never collide."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.support import require

BASE_URL = os.environ.get("OASIS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def reachable() -> bool:
    try:
        with psycopg.connect(BASE_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def require_postgres() -> None:
    require("POSTGRES", reachable(), f"PostgreSQL not reachable at {make_url(BASE_URL).host}")


@contextmanager
def fresh_database(prefix: str = "oasis") -> Iterator[str]:
    """CREATE DATABASE oasis_<random>, yield its URL (`postgresql://…`), DROP it afterwards."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(BASE_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(BASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(BASE_URL, autocommit=True) as conn:
            # FORCE: a server process that did not exit cleanly must not leave the database behind.
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
