"""A host's DUIS connections are spread evenly over its workers (``dccsim.frontdoor.balancer``), on ``dccsim serve
--workers 2`` and a real PostgreSQL: however the kernel gives 16 keep-alive connections opened at once to the two
workers' sockets, each worker ends up holding 8, and a connection handed from one worker to the other is
answered there for as long as it is open."""
from __future__ import annotations

import asyncio
import re
import sys
from collections import Counter

import aiohttp
import pytest

from tests.conftest import create_fresh_database
from tests.integration.harness import free_port
from tests.integration.serve_process import ready, start_serve, stop

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="workers hand sockets over Unix sockets")

CONNECTIONS = 16
_REQUEST = b"POST /api/v1/serviceD HTTP/1.1\r\nHost: dccsim\r\nContent-Length: 0\r\n\r\n"


async def _ask(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> int:
    """Send an (empty, so refused) request on a keep-alive connection; the worker that answered it."""
    writer.write(_REQUEST)
    head = await reader.readuntil(b"\r\n\r\n")
    await reader.readexactly(int(re.search(rb"Content-Length: (\d+)", head).group(1)))
    assert head.startswith(b"HTTP/1.1 400 ") and b"Connection: close" not in head
    return int(re.search(rb"X-Dccsim-Worker: (\d+)", head).group(1))


async def _health(admin: int) -> dict:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{admin}/admin/health") as response:
            return await response.json()


async def _until_held(admin: int, expected: list[int]) -> None:
    for _ in range(200):
        if (await _health(admin)).get("duis_connections") == expected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the workers hold {(await _health(admin)).get('duis_connections')}, not {expected}")


async def test_connections_are_spread_evenly_over_the_workers(pg_base_url, tmp_path):
    url = await create_fresh_database(pg_base_url)
    port, admin = free_port(), free_port()
    server = start_serve(tmp_path / "data", url, port, admin, "--workers", "2")
    try:
        await ready(admin)
        await _until_held(admin, [0, 0])          # both workers serving
        for _ in range(3):
            connections = await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port)
                                                 for _ in range(CONNECTIONS)))
            workers = await asyncio.gather(*(_ask(reader, writer) for reader, writer in connections))
            assert sorted(Counter(workers).values()) == [CONNECTIONS // 2, CONNECTIONS // 2]
            assert (await _health(admin))["duis_connections"] == [CONNECTIONS // 2, CONNECTIONS // 2]
            again = await asyncio.gather(*(_ask(reader, writer) for reader, writer in connections))
            assert again == workers                 # each stays with the worker that holds it
            for _, writer in connections:
                writer.close()
            await _until_held(admin, [0, 0])
    finally:
        stop(server)
