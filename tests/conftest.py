"""Shared fixtures for the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import SHARED_DIR, require


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    require("SHARED", SHARED_DIR.is_dir(), f"shared folder not found at {SHARED_DIR}")
    return SHARED_DIR
