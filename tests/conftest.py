"""Shared fixtures: one embedded PostgreSQL per test session, a fresh database per use."""
from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import asyncpg
import pytest

from dccsim.db.embedded import start_embedded, stop_embedded

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_base_url() -> Iterator[str]:
    """A real PostgreSQL for the whole session: ``DCCSIM_TEST_DATABASE_URL`` or an embedded one, stopped and its
    directory removed when the session ends (a session's databases take gigabytes with the slow tier)."""
    url = os.environ.get("DCCSIM_TEST_DATABASE_URL")
    if url:
        yield url
        return
    root = Path(tempfile.mkdtemp(prefix="dccsim-test-pg-"))
    try:
        yield start_embedded(root / "pgdata")
    finally:
        stop_embedded(root / "pgdata")
        shutil.rmtree(root, ignore_errors=True)


async def create_fresh_database(base_url: str) -> str:
    """Create an empty database on the server behind ``base_url`` and return its URL."""
    name = f"dccsim_test_{os.getpid()}_{next(_counter)}"
    conn = await asyncpg.connect(base_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return _with_database(base_url, name)


def _with_database(url: str, name: str) -> str:
    head, sep, query = url.partition("?")
    scheme, _, rest = head.partition("://")
    authority, _, _old = rest.partition("/")
    return f"{scheme}://{authority}/{name}{sep}{query}"


@pytest.fixture
async def fresh_database_url(pg_base_url: str) -> str:
    """A new, empty database for one test."""
    return await create_fresh_database(pg_base_url)
