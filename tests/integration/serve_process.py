"""``dccsim serve`` as a process of its own (a host, for the tests): started, waited for, stopped, killed."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.integration.harness import free_port


def start_serve(data_dir: Path, url: str, port: int, admin: int, *args: str, **env: str) -> subprocess.Popen:
    """``dccsim serve`` on database ``url`` in a process of its own; its output goes to ``server.log`` in its data
    directory (a pipe nobody reads could fill)."""
    environment = {**os.environ, "DCCSIM_DATABASE_URL": url, "DCCSIM_DELIVERY_LEASE": "4",
                   "DCCSIM_DELIVERY_TIMEOUT": "3", "DCCSIM_DELIVERY_BASE_DELAY": "0.1", **env}
    data_dir.mkdir(parents=True, exist_ok=True)
    output = open(data_dir / "server.log", "ab")
    try:
        return subprocess.Popen([sys.executable, "-m", "dccsim", "--data-dir", str(data_dir), "serve",
                                 "--port", str(port), "--admin-port", str(admin), "--smki-port", str(free_port()),
                                 *args], env=environment, stdout=output, stderr=subprocess.STDOUT)
    finally:
        output.close()


async def ready(admin: int, timeout: float = 60.0) -> None:
    """Wait until the admin API of the simulator on port ``admin`` answers."""
    async with aiohttp.ClientSession() as session:
        for _ in range(int(timeout * 10)):
            try:
                async with session.get(f"http://127.0.0.1:{admin}/admin/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError("the simulator did not start")


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kill(process)


async def blocked_on_lock(pool, query_fragment: str, count: int = 1, timeout: float = 20.0) -> list[int]:
    """The backends (pids) of this database waiting on a lock while running a query containing the fragment."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        pids = [r["pid"] for r in await pool.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND query ILIKE $1", f"%{query_fragment}%")]
        if len(pids) >= count:
            return pids
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"no backend blocked on {query_fragment!r} ({len(pids)} of {count})")
        await asyncio.sleep(0.05)
