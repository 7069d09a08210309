"""Helpers importable from any test module (`from tests.support import require`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("OASIS_SHARED_DIR", REPO_ROOT.parent / "shared"))


def require(flag: str, available: bool, reason: str) -> None:
    """Skip when a resource is missing, unless CI's OASIS_REQUIRE_<flag>=1 demands it.

    Flags: BROWSER, POSTGRES, LIBREOFFICE, SHARED, REDIS. CI sets them all, so there a missing
    browser, database, LibreOffice, Redis or ../shared folder fails the test instead of skipping it.
    """
    if available:
        return
    if os.environ.get(f"OASIS_REQUIRE_{flag}") == "1":
        pytest.fail(f"{reason} (OASIS_REQUIRE_{flag}=1 forbids skipping)")
    pytest.skip(reason)  # reached only when CI (OASIS_REQUIRE_<flag>=1) does not demand the resource
