"""Integration fixtures: one running simulator per test module on its own fresh database."""
from __future__ import annotations

import pytest

from tests.conftest import create_fresh_database
from tests.integration.harness import start_running_simulator


@pytest.fixture(scope="module")
async def running(pg_base_url, tmp_path_factory):
    url = await create_fresh_database(pg_base_url)
    running = await start_running_simulator(url, tmp_path_factory.mktemp("dccsim"))
    yield running
    await running.close()
