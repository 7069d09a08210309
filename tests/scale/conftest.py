"""Fixtures for the scale tests: a fresh PostgreSQL database per module, the test model."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scale.harness import CountingFakeOpenAI
from tests.scale.pgdb import fresh_database, require_postgres


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    require_postgres()
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="module")
def slow_model() -> Iterator[CountingFakeOpenAI]:
    """The local OpenAI-compatible model answering after 1 s."""
    fake = CountingFakeOpenAI(latency=1.0).start()
    yield fake
    fake.stop()
