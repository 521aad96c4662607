"""The users' endpoints of a run: one HTTP server, an inbox per scenario, a path per user (``/<inbox>/<user>``)."""
from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Callable

from aiohttp import web

from dccsim.duis.ids import normalise_eui
from dccsim.scenario.documents import Received, read_received

__all__ = ["Inbox", "Receiver"]

MAX_DOCUMENT = 20 * 1024 * 1024


class Inbox:
    """What one scenario's users received, in order of arrival; expectations take (consume) what they match."""

    def __init__(self, name: str, keep: Path | None = None):
        self.name = name
        self.documents: list[Received] = []
        self.taken: set[int] = set()
        self.keep = keep
        self._arrived = asyncio.Event()

    def add(self, document: Received) -> None:
        if self.keep is not None:
            self.keep.mkdir(parents=True, exist_ok=True)
            name = f"{len(self.documents) + 1:04d}-{document.user}-{document.kind.value}.xml"
            (self.keep / name).write_bytes(document.body)
        self.documents.append(document)
        self._arrived.set()

    def find(self, match: Callable[[Received], bool], *, take: bool = False) -> Received | None:
        """The first document not yet taken that ``match`` accepts (taken from now on when ``take``)."""
        for index, document in enumerate(self.documents):
            if index not in self.taken and match(document):
                if take:
                    self.taken.add(index)
                return document
        return None

    def matching(self, match: Callable[[Received], bool]) -> list[Received]:
        return [d for i, d in enumerate(self.documents) if i not in self.taken and match(d)]

    async def arrival(self, timeout: float) -> None:
        """Wait (real time, at most ``timeout``) for the next document."""
        self._arrived.clear()
        try:
            await asyncio.wait_for(self._arrived.wait(), timeout)
        except asyncio.TimeoutError:
            pass


class Receiver:
    """The HTTP server every scenario's users' endpoints point at. A document counts as received once the server
    has answered its POST, so a simulator whose outbox holds nothing pending has had all it sent received here."""

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.port = 0
        self._inboxes: dict[str, Inbox] = {}
        self._names = itertools.count(1)
        self._runner: web.AppRunner | None = None

    async def start(self) -> "Receiver":
        app = web.Application(client_max_size=MAX_DOCUMENT)
        app.router.add_post("/{inbox}/{user}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def open(self, keep: Path | None = None) -> Inbox:
        inbox = Inbox(f"s{next(self._names)}", keep)
        self._inboxes[inbox.name] = inbox
        return inbox

    def close(self, inbox: Inbox) -> None:
        self._inboxes.pop(inbox.name, None)

    def endpoint(self, inbox: Inbox, user: str) -> str:
        return f"http://{self.host}:{self.port}/{inbox.name}/{user}"

    async def _handle(self, request: web.Request) -> web.Response:
        inbox = self._inboxes.get(request.match_info["inbox"])
        if inbox is None:
            return web.Response(status=404, text="no scenario is listening here")
        try:
            user = normalise_eui(request.match_info["user"])
        except ValueError:
            return web.Response(status=404, text="not a user's endpoint")
        inbox.add(read_received(user, await request.read()))
        return web.Response(status=200)
