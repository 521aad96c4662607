"""The DUIS web services on HTTP/1.1: the three service URLs, and the HTTP errors around them.

The front door speaks HTTP/1.1 itself, on asyncio, with httptools' parser (the one uvloop's family of servers
uses): it is the busiest port of the simulator and what it serves is small — a POST of one XML document to
one of three paths, answered with one document — so the cost of a general web framework per request would be
a large share of what a non-device Service Request costs. Keep-alive, pipelining (one request of a connection
at a time, in the order sent),
chunked bodies, ``Expect: 100-continue`` and HTTP/1.0 are handled; what is not a POST to a service URL gets
the outcome table's plain-text answer (404, 405 with ``Allow``, 413, 400 for what is not HTTP).
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections import deque
from email.utils import formatdate
from http import HTTPStatus

import httptools

from dccsim.duis.outcomes import (HTTP_400_MALFORMED, HTTP_404_NOT_FOUND, HTTP_405_METHOD, HTTP_413_TOO_LARGE,
                                  HTTP_500_INTERNAL, OUTCOMES, Code)
from dccsim.frontdoor.balancer import WorkerBalance
from dccsim.frontdoor.context import FrontDoor
from dccsim.frontdoor.pipeline import HttpAnswer, process

log = logging.getLogger(__name__)

_WORKER = str(os.getpid())
SERVICES = {"S": "/api/v1/serviceS", "T": "/api/v1/serviceT", "D": "/api/v1/serviceD"}
_BY_PATH = {path.encode(): service for service, path in SERVICES.items()}
_PIPELINED_MAX = 32          # answers a connection may owe before it stops reading
_ACCEPTS_AT_ONCE = 64        # connections accepted in one turn of the event loop


def _plain(key: Code, detail: str | None = None, headers: dict[str, str] | None = None) -> HttpAnswer:
    outcome = OUTCOMES[key]
    text = f"{outcome.http_status} {outcome.title}: {detail or outcome.meaning}\n"
    return HttpAnswer(outcome.http_status, text.encode(), "text/plain; charset=utf-8", headers or {})


class _Date:
    """The Date header's value, formatted once a second."""

    def __init__(self) -> None:
        self._second = -1
        self._value = b""

    def now(self) -> bytes:
        second = int(time.time())
        if second != self._second:
            self._second, self._value = second, formatdate(second, usegmt=True).encode()
        return self._value


_DATE = _Date()


def _head(answer: HttpAnswer, keep_alive: bool, http10: bool) -> bytes:
    content_type = answer.content_type.split(";")[0]
    lines = [f"HTTP/1.1 {answer.status} {HTTPStatus(answer.status).phrase}",
             f"Content-Type: {content_type}; charset=utf-8", f"Content-Length: {len(answer.body)}",
             f"X-Dccsim-Worker: {_WORKER}", "Server: dccsim"]
    lines += [f"{name}: {value}" for name, value in answer.headers.items()]
    if not keep_alive:
        lines.append("Connection: close")
    elif http10:
        lines.append("Connection: keep-alive")
    return ("\r\n".join(lines) + "\r\nDate: ").encode() + _DATE.now() + b"\r\n\r\n"


class _Connection(asyncio.Protocol):
    """One client connection: parses requests as they arrive, answers them in order."""

    def __init__(self, server: "FrontDoorServer"):
        self._server = server
        self._front = server.front
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._answers: deque[asyncio.Task] = deque()
        self._paused = False
        self._reset()

    def _reset(self) -> None:
        self._url = b""
        self._body: list[bytes] = []
        self._size = 0
        self._too_large = False
        self._expect_continue = False

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        self._server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._server.connections.discard(self)
        if self._server.balance is not None:
            self._server.balance.closed()

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail("protocol upgrades are not offered")
        except httptools.HttpParserError as exc:
            self._fail(f"not an HTTP/1.1 request ({exc})")

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    # httptools' callbacks

    def on_message_begin(self) -> None:
        self._reset()

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name == b"content-length" and value.strip().isdigit() and int(value) > self._front.max_request_bytes:
            self._too_large = True
        elif name == b"expect" and value.strip().lower() == b"100-continue":
            self._expect_continue = True

    def on_headers_complete(self) -> None:
        if self._expect_continue:
            if self._too_large:     # refused before the client sends the body it announced, and hung up
                self._queue(self._refusal_too_large(), False, False)
                return
            self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        if self._too_large:
            return
        self._size += len(body)
        if self._size > self._front.max_request_bytes:
            self._too_large, self._body = True, []
        else:
            self._body.append(body)

    def on_message_complete(self) -> None:
        if self._transport.is_closing():
            return
        keep_alive = self._parser.should_keep_alive()
        http10 = self._parser.get_http_version() == "1.0"
        method = self._parser.get_method()
        path = self._url.split(b"?", 1)[0]
        service = _BY_PATH.get(path)
        if service is None:
            work = _plain(HTTP_404_NOT_FOUND)
        elif method != b"POST":
            work = _plain(HTTP_405_METHOD, headers={"Allow": "POST"})
        elif self._too_large:
            work = self._refusal_too_large()
        else:
            work = self._process(service, b"".join(self._body))
        self._queue(work, keep_alive, http10)

    # answering

    def _refusal_too_large(self) -> HttpAnswer:
        limit = self._front.max_request_bytes
        return _plain(HTTP_413_TOO_LARGE, f"request body exceeds {limit} bytes")

    async def _process(self, service: str, raw: bytes) -> HttpAnswer:
        try:
            return await process(self._front, service, raw)
        except Exception:  # noqa: BLE001 - process answers every request itself; this is the last guard
            log.exception("unhandled error answering a request to %s", SERVICES[service])
            return _plain(HTTP_500_INTERNAL)

    def _queue(self, work, keep_alive: bool, http10: bool) -> None:
        previous = self._answers[-1] if self._answers else None
        task = asyncio.get_running_loop().create_task(self._send(work, previous, keep_alive, http10))
        self._answers.append(task)
        task.add_done_callback(self._sent)
        if len(self._answers) >= _PIPELINED_MAX and not self._paused:
            self._paused = True
            self._transport.pause_reading()

    async def _send(self, work, previous: asyncio.Task | None, keep_alive: bool, http10: bool) -> None:
        # One request of a connection at a time, as a client sends them. The answer before is often sent already
        # and only its done callback still to run (the client's next request arrived first).
        if previous is not None and not previous.done():
            await asyncio.wait((previous,))
        answer = work if isinstance(work, HttpAnswer) else await work
        if self._transport.is_closing():
            return
        self._transport.write(_head(answer, keep_alive, http10) + answer.body)
        if not keep_alive:
            self._transport.close()

    def _sent(self, task: asyncio.Task) -> None:
        self._answers.remove(task)
        if self._paused and len(self._answers) < _PIPELINED_MAX // 2 and not self._transport.is_closing():
            self._paused = False
            self._transport.resume_reading()

    def _fail(self, detail: str) -> None:
        """What came is not HTTP the front door takes: answered (after what it owes) and hung up."""
        if not self._transport.is_closing():
            self._transport.pause_reading()
            self._queue(_plain(HTTP_400_MALFORMED, detail), False, False)


class FrontDoorServer:
    """The DUIS web services of one process on ``host:port`` (the port shared with the other workers)."""

    def __init__(self, front: FrontDoor):
        self.front = front
        self.connections: set[_Connection] = set()
        self.balance: WorkerBalance | None = None
        self._server: asyncio.base_events.Server | None = None
        self._listeners: list[socket.socket] = []

    async def start(self, host: str, port: int, balance: WorkerBalance | None = None) -> None:
        """Listen on ``host:port``; with ``balance`` (one of several workers), accept connections here and keep
        or hand each on as ``dccsim.frontdoor.balancer`` says, and take those handed to this worker."""
        loop = asyncio.get_running_loop()
        if balance is None:
            self._server = await loop.create_server(
                lambda: _Connection(self), host, port, reuse_port=True, reuse_address=True, backlog=1024)
            return
        self.balance = balance
        self._listeners = _listening_sockets(host, port)
        for listener in self._listeners:
            loop.add_reader(listener.fileno(), self._accept, listener)
        loop.add_reader(balance.receiver.fileno(), self._take_handed)
        balance.serving()

    def _accept(self, listener: socket.socket) -> None:
        for _ in range(_ACCEPTS_AT_ONCE):
            try:
                connection, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:      # out of descriptors, say: the connection waits in the backlog
                log.warning("accepting a DUIS connection failed: %s", exc)
                return
            target = self.balance.destination()
            if target is not None and self.balance.hand(connection, target):
                connection.close()
            else:
                self._adopt(connection)

    def _take_handed(self) -> None:
        for connection in self.balance.receive():
            self._adopt(connection)

    def _adopt(self, connection: socket.socket) -> None:
        connection.setblocking(False)
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        asyncio.get_running_loop().create_task(self._serve_connection(connection))

    async def _serve_connection(self, connection: socket.socket) -> None:
        try:
            await asyncio.get_running_loop().connect_accepted_socket(lambda: _Connection(self), sock=connection)
        except OSError as exc:
            log.info("a DUIS connection closed before it was served: %s", exc)
            connection.close()
            self.balance.closed()

    @property
    def addresses(self) -> list:
        """The addresses listened on, as the sockets name them (``(host, port)`` for IPv4)."""
        if self._listeners:
            return [sock.getsockname() for sock in self._listeners]
        return [sock.getsockname() for sock in self._server.sockets] if self._server is not None else []

    async def cleanup(self) -> None:
        """Stop listening and close the connections (what was being answered is still logged)."""
        if self._server is not None:
            self._server.close()
        if self.balance is not None:
            loop = asyncio.get_running_loop()
            self.balance.stopped()
            loop.remove_reader(self.balance.receiver.fileno())
            for listener in self._listeners:
                loop.remove_reader(listener.fileno())
                listener.close()
            self._listeners = []
        for connection in list(self.connections):
            connection.close()
        if self._server is not None:
            await self._server.wait_closed()


def _listening_sockets(host: str, port: int, backlog: int = 1024) -> list[socket.socket]:
    """Non-blocking sockets listening on every address ``host`` names, sharing ``port`` (SO_REUSEPORT)."""
    infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    listeners = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(infos):
            listener = socket.socket(family, kind, proto)
            listeners.append(listener)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            if family == socket.AF_INET6:
                listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            listener.bind(address)
            listener.listen(backlog)
            listener.setblocking(False)
    except OSError:
        for listener in listeners:
            listener.close()
        raise
    return listeners
