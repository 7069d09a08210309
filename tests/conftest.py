"""Shared fixtures for the whole suite.

CI sets OASIS_REQUIRE_* flags; where a flag is set, a missing browser, database, LibreOffice
or ../shared folder fails the test instead of skipping it, so a green CI run means the real
thing was exercised.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("OASIS_SHARED_DIR", REPO_ROOT.parent / "shared"))


def require(flag: str, available: bool, reason: str) -> None:
    """Skip when a resource is missing, unless the OASIS_REQUIRE_<flag> env var demands it."""
    if available:
        return
    if os.environ.get(f"OASIS_REQUIRE_{flag}") == "1":
        pytest.fail(f"{reason} (OASIS_REQUIRE_{flag}=1 forbids skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    require("SHARED", SHARED_DIR.is_dir(), f"shared folder not found at {SHARED_DIR}")
    return SHARED_DIR
