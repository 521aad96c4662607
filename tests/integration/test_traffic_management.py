"""Service Request Traffic Management (SECMP0067): HTTP 429 above a user's capacity allocation."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import aiohttp
import pytest

from dccsim.duis import client
from dccsim.frontdoor.traffic import set_capacity
from tests.conftest import create_fresh_database
from tests.integration.checks import assert_duis_answer
from tests.integration.harness import SUPPLIER, free_port, start_running_simulator, template, zaz1_signer
from tests.integration.serve_process import ready as _ready

INVENTORY = "8.2_READ_INVENTORY_REQUEST_DUIS.XML"


def _signed(name: str = INVENTORY) -> bytes:
    return client.sign(client.prepare(template(name)), zaz1_signer())


async def _limit(running, rps: float | None, burst: int | None) -> None:
    async with running.sim.db.pool.acquire() as conn:
        await set_capacity(conn, SUPPLIER, rps, burst)


def test_the_priority_service_requests_are_pinned():
    """The SRs never throttled (see dccsim/frontdoor/traffic.py for the sources and the reading behind this list)."""
    from dccsim.catalogue import CATALOGUE

    priority = {spec.variant for spec in CATALOGUE.all() if spec.priority}
    assert priority == {"1.5", "2.2", "2.5", "7.1", "7.3"}


async def test_requests_above_the_allocation_get_429_and_retry_after(running_limited):
    running = running_limited
    await _limit(running, 2, 3)
    answers = [await running.post("D", _signed()) for _ in range(8)]
    statuses = [a.status for a in answers]
    assert statuses[:3] == [200, 200, 200]
    assert 429 in statuses
    refused = next(a for a in answers if a.status == 429)
    assert "Too Many Requests" in refused.body.decode()

    # A throttled request is not consumed: the same signed request succeeds after Retry-After.
    body = _signed()
    first = await running.session.post(f"{running.base_url}/api/v1/serviceD", data=body)
    if first.status == 200:
        body = _signed()
        first = await running.session.post(f"{running.base_url}/api/v1/serviceD", data=body)
    assert first.status == 429
    retry_after = int(first.headers["Retry-After"])
    assert 1 <= retry_after <= 2
    await asyncio.sleep(retry_after)
    assert_duis_answer(await running.post("D", body), code="I0")


async def test_priority_requests_always_pass(running_limited):
    running = running_limited
    await _limit(running, 1, 1)
    await running.post("D", _signed())
    assert (await running.post("D", _signed())).status == 429
    # 2.2 Top Up Device is a priority Service Request: never throttled.
    for _ in range(3):
        answer = await running.post("S", _signed("CS01a_2.2_SUCCESS_REQUEST_DUIS.XML"))
        assert answer.status != 429


async def test_an_allocation_from_the_estate_file_applies_and_a_reload_without_it_clears_it(running_limited,
                                                                                           tmp_path):
    from dccsim.estate import load_estate_file

    running = running_limited
    estate = tmp_path / "capacity.yaml"
    entry = "  - {entity_id: 90-B3-D5-1F-30-01-00-00, name: GITTESTSUPPLIER, roles: [IS, GS]%s}\n"
    estate.write_text("users:\n" + entry % ", capacity: {rps: 1, burst: 2}")
    async with running.sim.db.pool.acquire() as conn:
        await load_estate_file(conn, estate)
    assert [(await running.post("D", _signed())).status for _ in range(3)] == [200, 200, 429]
    estate.write_text("users:\n" + entry % "")
    async with running.sim.db.pool.acquire() as conn:
        await load_estate_file(conn, estate)
    assert [(await running.post("D", _signed())).status for _ in range(5)] == [200] * 5


async def test_with_a_system_capacity_users_are_throttled_only_while_the_system_is_over_it(pg_base_url, tmp_path):
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path,
                                            system_capacity_rps=4)
    try:
        await _limit(running, 1, 1)
        # Within the system's capacity (bucket of 4) the user may exceed its own allocation ...
        statuses = [(await running.post("D", _signed())).status for _ in range(4)]
        assert statuses == [200, 200, 200, 200]
        # ... once the system is over it, the user above its allocation gets 429.
        statuses = [(await running.post("D", _signed())).status for _ in range(4)]
        assert 429 in statuses
    finally:
        await running.close()


async def test_previous_release_has_no_traffic_management(pg_base_url, tmp_path):
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path,
                                            release_profile="duis-3.1")
    try:
        await _limit(running, 1, 1)
        statuses = [(await running.post("D", _signed())).status for _ in range(5)]
        assert statuses == [200] * 5
    finally:
        await running.close()


@pytest.fixture
async def running_limited(pg_base_url, tmp_path):
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path)
    yield running
    await running.close()


@pytest.mark.slow
async def test_two_workers_share_one_allocation(pg_base_url, tmp_path):
    url = await create_fresh_database(pg_base_url)
    port, admin = free_port(), free_port()
    env = {**os.environ, "DCCSIM_DATABASE_URL": url, "DCCSIM_SMKI_PORT": str(free_port())}
    server = subprocess.Popen([sys.executable, "-m", "dccsim", "--data-dir", str(tmp_path), "serve", "--workers",
                               "2", "--port", str(port), "--admin-port", str(admin)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        await _ready(admin)
        for args in (["keys", "import", "../shared/conformance/keys/zaz1"],
                     ["users", "set-capacity", "90-B3-D5-1F-30-01-00-00", "20", "--burst", "10"]):
            done = subprocess.run([sys.executable, "-m", "dccsim", "--data-dir", str(tmp_path), *args],
                                  env=env, capture_output=True, text=True, timeout=120,
                                  cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
            assert done.returncode == 0, done.stderr
        # The workers loaded their SMKI store at start: restart them with the imported keys.
        server.terminate()
        server.wait(timeout=30)
        server = subprocess.Popen([sys.executable, "-m", "dccsim", "--data-dir", str(tmp_path), "serve", "--workers",
                                   "2", "--port", str(port), "--admin-port", str(admin)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        await _ready(admin)
        # One client in RequestID order (counters must increase per originator); every request opens a new
        # connection, so the kernel spreads them over both workers' listening sockets.
        bodies = [_signed() for _ in range(1500)]
        accepted, refused, workers = 0, 0, set()
        start = time.monotonic()
        duration = 3.0
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
            async def client_loop():
                nonlocal accepted, refused
                while time.monotonic() - start < duration and bodies:
                    async with session.post(f"http://127.0.0.1:{port}/api/v1/serviceD",
                                            data=bodies.pop(0)) as response:
                        await response.read()
                        workers.add(response.headers.get("X-Dccsim-Worker"))
                        if response.status == 200:
                            accepted += 1
                        elif response.status == 429:
                            refused += 1
            await client_loop()
        elapsed = time.monotonic() - start
        assert len(workers) == 2, "both workers answered"
        assert refused > 0
        assert accepted <= 10 + 20 * elapsed + 1, (accepted, elapsed)
        assert accepted >= 10 + 20 * (elapsed - 1) - 5, (accepted, elapsed)
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
async def test_set_capacity_applies_to_a_running_simulator_without_a_restart(pg_base_url, tmp_path):
    from dccsim.runtime.settings import Settings
    from tests.integration.harness import prepare_with_keys
    from tests.paths import KEYS_ZAZ1

    url = await create_fresh_database(pg_base_url)
    await prepare_with_keys(Settings(data_dir=tmp_path, database_url=url), [KEYS_ZAZ1])
    port, admin = free_port(), free_port()
    env = {**os.environ, "DCCSIM_DATABASE_URL": url, "DCCSIM_SMKI_PORT": str(free_port())}
    server = subprocess.Popen([sys.executable, "-m", "dccsim", "--data-dir", str(tmp_path), "serve", "--workers", "2",
                               "--port", str(port), "--admin-port", str(admin)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def dccsim(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dccsim", "--data-dir", str(tmp_path), *args], env=env,
                              capture_output=True, text=True, timeout=120)

    async def post(session) -> aiohttp.ClientResponse:
        async with session.post(f"http://127.0.0.1:{port}/api/v1/serviceD", data=_signed()) as response:
            await response.read()
            return response

    try:
        await _ready(admin)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
            assert [(await post(session)).status for _ in range(4)] == [200] * 4
            done = dccsim("users", "set-capacity", "90-B3-D5-1F-30-01-00-00", "1", "--burst", "1")
            assert done.returncode == 0, done.stderr
            answers = [await post(session) for _ in range(4)]
        assert [a.status for a in answers] == [200, 429, 429, 429]     # both workers, at once
        assert all(1 <= int(a.headers["Retry-After"]) <= 2 for a in answers[1:])
        listing = dccsim("users", "list")
        assert "1/s burst 1" in next(line for line in listing.stdout.splitlines() if "GITTESTSUPPLIER " in line)
    finally:
        server.terminate()
        server.wait(timeout=30)
