"""Each process caches inventory reads; a change made anywhere — another worker, a command, plain SQL —
reaches every process's cache, so two workers never disagree about a device for longer than a moment."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import aiohttp
import asyncpg
import pytest

from dccsim.runtime.settings import Settings
from dccsim.duis import client
from tests.conftest import create_fresh_database
from tests.integration.harness import free_port, prepare_with_keys, template, zaz1_signer
from tests.integration.serve_process import ready as _ready, stop as _stop
from tests.paths import KEYS_ZAZ1

pytestmark = pytest.mark.slow


def _read_inventory() -> bytes:
    root = client.prepare(template("8.2_READ_INVENTORY_REQUEST_DUIS.XML"))
    client.set_body_text(root, "DeviceID", "00-DB-12-34-56-78-90-A0")
    return client.sign(root, zaz1_signer())


async def test_a_change_in_sql_reaches_the_caches_of_both_workers(pg_base_url, tmp_path):
    url = await create_fresh_database(pg_base_url)
    await prepare_with_keys(Settings(data_dir=tmp_path, database_url=url), [KEYS_ZAZ1])
    port, admin = free_port(), free_port()
    server = subprocess.Popen([sys.executable, "-m", "dccsim", "--data-dir", str(tmp_path), "serve", "--workers", "2",
                               "--port", str(port), "--admin-port", str(admin), "--smki-port", str(free_port())],
                              env={**os.environ, "DCCSIM_DATABASE_URL": url}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.STDOUT)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)

    async def versions(session) -> dict[str, set[bytes]]:
        """The firmware version of A0 each worker reports (new connections spread over both)."""
        seen: dict[str, set[bytes]] = {}
        deadline = asyncio.get_running_loop().time() + 20    # the second worker may still be starting
        sent = 0
        while sent < 60 or (len(seen) < 2 and asyncio.get_running_loop().time() < deadline):
            sent += 1
            async with session.post(f"http://127.0.0.1:{port}/api/v1/serviceD", data=_read_inventory()) as r:
                body = await r.read()
                worker = r.headers["X-Dccsim-Worker"]
            start = body.index(b"<sr:DeviceID>00-DB-12-34-56-78-90-A0</sr:DeviceID>")
            version = body[body.index(b"<sr:DeviceFirmwareVersion>", start) + 26:][:8]
            seen.setdefault(worker, set()).add(version)
        return seen

    try:
        await _ready(admin)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
            before = await versions(session)           # both workers now hold A0's premises in their cache
            assert len(before) == 2 and all(v == {b"00000001"} for v in before.values()), before
            await pool.execute("UPDATE device SET firmware_version = '0000ABCD' WHERE device_id = '00DB1234567890A0'")
            # The change's notification reaches both processes well within the cache's lifetime (10 s).
            deadline = asyncio.get_running_loop().time() + 3
            while True:
                await asyncio.sleep(0.2)
                after = await versions(session)
                if all(v == {b"0000ABCD"} for v in after.values()) or \
                        asyncio.get_running_loop().time() > deadline:
                    break
        assert len(after) == 2 and all(v == {b"0000ABCD"} for v in after.values()), after
    finally:
        await pool.close()
        _stop(server)
