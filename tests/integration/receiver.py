"""A real HTTP endpoint standing in for a user's back office: records what the DCC POSTs to it."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web
from lxml import etree

from tests.integration.harness import free_port


@dataclass
class Receiver:
    port: int = field(default_factory=free_port)
    received: list[bytes] = field(default_factory=list)
    fail_next: int = 0            # answer this many POSTs with HTTP 500
    status: int = 200
    delay: float = 0.0
    _runner: web.AppRunner | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/duis"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.Response(status=500, text="busy")
        if self.status >= 300:
            return web.Response(status=self.status, text="refused")
        assert request.content_type == "application/xml"
        self.received.append(body)
        self.arrived.set()
        return web.Response(status=200)

    async def start(self) -> "Receiver":
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/duis", self._handle)
        self._runner = web.AppRunner(app)
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
