"""A real HTTP endpoint standing in for a user's back office: records what the DCC POSTs to it.

A message counts as received only once the receiver has answered it: a POST whose sender goes away
before the answer (a crash mid-delivery) is discarded, as a back office that had not committed it would.
``hold`` keeps the n-th POST open until ``release()``, to let a test crash the sender at that moment.
"""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator

from aiohttp import web
from lxml import etree

from dccsim.inventory import repository as repo
from tests.integration.harness import RunningSimulator, free_port, start_running_simulator


@dataclass
class Receiver:
    port: int = field(default_factory=free_port)
    received: list[bytes] = field(default_factory=list)
    fail_next: int = 0            # answer this many POSTs with ``fail_status`` (and ``headers``)
    fail_status: int = 500
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)   # sent with non-2xx answers
    delay: float = 0.0
    hold: int | None = None       # hold the n-th POST (1-based) open until release()
    posts: int = 0
    dropped: list[bytes] = field(default_factory=list)       # POSTs whose sender left before the answer
    failed_at: list[float] = field(default_factory=list)     # loop time of each POST answered with a failure
    holding: asyncio.Event = field(default_factory=asyncio.Event)
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/duis"

    def release(self) -> None:
        self._release.set()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.posts += 1
        try:
            if self.hold is not None and self.posts == self.hold:
                self.holding.set()
                await self._release.wait()
            if self.delay:
                await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.dropped.append(body)
            raise
        if self.fail_next > 0:
            self.fail_next -= 1
            self.failed_at.append(asyncio.get_running_loop().time())
            return web.Response(status=self.fail_status, text="busy", headers=self.headers)
        if self.status >= 300:
            return web.Response(status=self.status, text="refused", headers=self.headers)
        assert request.content_type == "application/xml"
        self.received.append(body)
        self.arrived.set()
        return web.Response(status=200)

    async def start(self) -> "Receiver":
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/duis", self._handle)
        # Cancel a handler when its client disconnects, so a message from a sender that crashed mid-POST
        # is not recorded as received.
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def response_ids(self) -> list[str]:
        return [etree.fromstring(b).findtext(".//{*}ResponseID") for b in self.received]

    async def wait_for(self, count: int, timeout: float = 20.0) -> None:
        async def enough():
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()
        await asyncio.wait_for(enough(), timeout)

    async def wait_until(self, condition, timeout: float = 20.0) -> None:
        """Wait until ``condition()`` holds, re-checking as messages arrive."""
        async def met():
            while not condition():
                self.arrived.clear()
                try:
                    await asyncio.wait_for(self.arrived.wait(), 0.2)
                except asyncio.TimeoutError:
                    pass
        await asyncio.wait_for(met(), timeout)


@asynccontextmanager
async def simulator_with_receivers(database_url: str, tmp: Path, users: tuple[str, ...], **settings) \
        -> AsyncIterator[tuple[RunningSimulator, dict[str, Receiver]]]:
    """A running simulator (``start_running_simulator`` with ``settings``) whose ``users`` each POST to a
    receiver of their own, so that a test sees what reached whom."""
    running = await start_running_simulator(database_url, tmp, **settings)
    receivers = {user: await Receiver().start() for user in users}
    try:
        for user, receiver in receivers.items():
            await repo.set_endpoint(running.sim.db.pool, user, receiver.url)
        yield running, receivers
    finally:
        for receiver in receivers.values():
            await receiver.stop()
        await running.close()
