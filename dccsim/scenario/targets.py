"""Where scenarios run: a fresh in-process simulator for each, or a running simulator named by its URLs."""
from __future__ import annotations

import asyncio
import itertools
import re
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import AsyncContextManager, AsyncIterator, Protocol

import asyncpg

from dccsim.db import open_database
from dccsim.db.embedded import start_embedded, stop_embedded
from dccsim.estate import demo_estate_path, load_estate_file
from dccsim.runtime.server import start_sites
from dccsim.runtime.settings import Settings
from dccsim.runtime.simulator import start_simulator
from dccsim.scenario.model import Scenario
from dccsim.smki.folders import export_folder
from dccsim.timing.clock import ClockMode

__all__ = ["LocalSimulators", "RemoteSimulator", "Simulators", "Target"]

# Seconds the DCC waits for an emulated device before E20 / E21: short, since a scenario that takes a device
# offline waits this long in real time, and long enough for a busy machine running scenarios side by side.
DEVICE_TIMEOUT = 3.0


class Simulators(Protocol):
    """Where a run's scenarios get their simulator."""

    async def start(self) -> None:
        ...

    async def stop(self) -> None:
        ...

    def simulator(self, scenario: Scenario, release: str) -> AsyncContextManager["Target"]:
        ...


@dataclass(frozen=True)
class Target:
    """A simulator a scenario talks to: its DUIS and admin URLs and the folder of its users' keys."""

    duis_url: str
    admin_url: str
    keys: Path
    local: bool          # a simulator of this scenario's own (its users' endpoints need no restoring)


def _url_with_database(url: str, name: str) -> str:
    head, sep, query = url.partition("?")
    scheme, _, rest = head.partition("://")
    authority = rest.partition("/")[0]
    return f"{scheme}://{authority}/{name}{sep}{query}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "scenario"


class LocalSimulators:
    """Simulators started in this process, one per scenario, on one PostgreSQL server (an embedded one in the
    run's folder unless ``server_url`` names another), each with a database and a data directory of its own."""

    def __init__(self, work: Path, *, server_url: str | None = None, keep: bool = False):
        self.work = Path(work)
        self.server_url = server_url
        self.keep = keep
        self._numbers = itertools.count(1)
        self._run = secrets.token_hex(4)      # database names unique on a server other runs may share
        self._embedded: Path | None = None

    async def start(self) -> None:
        if self.server_url is None:
            self._embedded = self.work / "pgdata"
            self.server_url = await asyncio.to_thread(start_embedded, self._embedded)

    async def stop(self) -> None:
        """Stop the embedded server this run started (its data stays on disk)."""
        if self._embedded is not None:
            await asyncio.to_thread(stop_embedded, self._embedded)
            self._embedded = None

    @asynccontextmanager
    async def simulator(self, scenario: Scenario, release: str) -> AsyncIterator[Target]:
        """A fresh simulator with the scenario's estate, release and simulated clock, serving on free ports."""
        number = next(self._numbers)
        database = f"dccsim_scenario_{self._run}_{number}"
        conn = await asyncpg.connect(self.server_url)
        try:
            await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()
        start = scenario.clock_start or datetime.now(timezone.utc).replace(microsecond=0)
        settings = Settings(data_dir=self.work / f"{number:03d}-{_slug(scenario.name)}",
                            database_url=_url_with_database(self.server_url, database), port=0, smki_port=0,
                            admin_port=0, release_profile=release, clock=ClockMode.SIMULATED, clock_start=start,
                            device_timeout=DEVICE_TIMEOUT)
        try:
            await _load_estates(settings, scenario.estate)
            sim = await start_simulator(settings)
            try:
                export_folder(sim.smki, settings.keys_dir)
                runners = await start_sites(sim)
                try:
                    # start_sites starts the DUIS site first and the admin site last
                    duis, admin = runners[0].addresses[0], runners[-1].addresses[0]
                    yield Target(f"http://{duis[0]}:{duis[1]}", f"http://{admin[0]}:{admin[1]}",
                                 settings.keys_dir, local=True)
                finally:
                    for runner in runners:
                        await runner.cleanup()
            finally:
                await sim.close()
        finally:
            if not self.keep:
                conn = await asyncpg.connect(self.server_url)
                try:
                    await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                finally:
                    await conn.close()


async def _load_estates(settings: Settings, estates: tuple[Path | None, ...]) -> None:
    """The scenario's estates, in order, into its empty inventory (the demo estate alone is what a simulator
    loads by itself)."""
    if estates == (None,):      # the demo estate: what a simulator loads into an empty inventory itself
        return
    db = await open_database(settings, min_size=1, max_size=2)
    try:
        async with db.pool.acquire() as conn:
            for estate in estates:
                await load_estate_file(conn, estate or demo_estate_path())
    finally:
        await db.close()


class RemoteSimulator:
    """A running simulator (``--target``): every scenario runs on it, one after another."""

    def __init__(self, duis_url: str, admin_url: str, keys: Path):
        self.target = Target(duis_url.rstrip("/"), admin_url.rstrip("/"), Path(keys), local=False)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    @asynccontextmanager
    async def simulator(self, scenario: Scenario, release: str) -> AsyncIterator[Target]:
        yield self.target
