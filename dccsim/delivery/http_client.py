"""A light HTTP/1.1 client for POSTing documents: what the outbox delivers with, and what ``dccsim bench`` drives
the simulator with.

Connections are kept alive per origin (scheme, host, port) and carry one request at a time; answers are read with
httptools' parser (whole, split anywhere, chunked, or ending with the connection); plain HTTP or HTTPS (certificates
verified). A request that a kept-alive connection loses before any of its answer arrives — the server closed it while
it was idle — is sent once more on a new connection: a receiver of DUIS messages tells a repeat by its ResponseID.
Per message it costs a fraction of a general-purpose client's CPU, which matters when the simulator delivers hundreds
of Responses a second.
"""
from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import httptools

__all__ = ["Answer", "HttpClient", "MalformedAnswer"]


class MalformedAnswer(ConnectionError):
    """The server's fault: what came back is not an HTTP/1.1 answer."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]          # names in lower case; a repeated header keeps its last value
    body: bytes


@dataclass(frozen=True)
class _Origin:
    secure: bool
    host: str
    port: int


class _Exchange(asyncio.Protocol):
    """One connection: sends a request, and reads its answer with httptools' response parser."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future | None = None
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []
        self._received = False                  # any byte of the current answer arrived
        self._headed = False                    # the current answer's headers are complete
        self._keep_alive = False                # the last answer lets the connection carry another request
        self._closed: Exception | None = None

    # --- asyncio.Protocol ---

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._received = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(MalformedAnswer("the server switched protocols"))
        except httptools.HttpParserError as exc:
            self._fail(MalformedAnswer(f"not an HTTP/1.1 answer ({exc})"))

    def eof_received(self) -> bool | None:
        return None                             # close: an answer ending with the connection ends in connection_lost

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = exc or ConnectionResetError("the server closed the connection")
        if exc is None and self._headed and "content-length" not in self._headers \
                and "chunked" not in self._headers.get("transfer-encoding", "").lower():
            self.on_message_complete()            # an answer without a length ends with its connection
        self._fail(self._closed)

    # --- httptools callbacks ---

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self._headed = True

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        self._keep_alive = self._parser.should_keep_alive()     # asked now: the parser forgets it after
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(Answer(self._parser.get_status_code(), self._headers, b"".join(self._body)))

    # --- use ---

    @property
    def reusable(self) -> bool:
        return (self._closed is None and self._keep_alive and self.transport is not None
                and not self.transport.is_closing())

    @property
    def answered_nothing(self) -> bool:
        return not self._received

    async def exchange(self, request: bytes) -> Answer:
        if self._closed is not None:
            raise self._closed
        self._waiter = asyncio.get_running_loop().create_future()
        self._headers, self._body, self._received, self._headed, self._keep_alive = {}, [], False, False, False
        self.transport.write(request)
        return await self._waiter

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def _fail(self, exc: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)
        if self.transport is not None:
            self.transport.close()


class HttpClient:
    """POSTs documents over kept-alive connections (see the module); ``timeout`` seconds for each request,
    connecting included."""

    def __init__(self, *, timeout: float, keep_per_origin: int = 64, ssl_context: ssl.SSLContext | None = None):
        self.timeout = timeout
        self.keep_per_origin = keep_per_origin
        self._ssl = ssl_context                 # made when first needed: the system's, certificates verified
        self._idle: dict[_Origin, list[_Exchange]] = {}
        self._heads: dict[tuple[str, str], tuple[_Origin, bytes]] = {}

    async def post(self, url: str, body: bytes, content_type: str = "application/xml") -> Answer:
        """POST ``body`` to ``url`` and read the whole answer. Raises ``ValueError`` for a URL that is not
        http(s), ``TimeoutError``, ``OSError`` (``MalformedAnswer`` among them) for what the network or the
        server did."""
        origin, head = self._head(url, content_type)
        request = b"".join((head, str(len(body)).encode(), b"\r\n\r\n", body))
        async with asyncio.timeout(self.timeout):
            exchange = self._take(origin)
            if exchange is not None:
                try:
                    return self._done(origin, exchange, await exchange.exchange(request))
                except BaseException as exc:
                    exchange.close()
                    if not (isinstance(exc, OSError) and exchange.answered_nothing):
                        raise
            exchange = await self._connect(origin)
            try:
                return self._done(origin, exchange, await exchange.exchange(request))
            except BaseException:
                exchange.close()
                raise

    async def close(self) -> None:
        for exchanges in self._idle.values():
            for exchange in exchanges:
                exchange.close()
        self._idle.clear()

    def _head(self, url: str, content_type: str) -> tuple[_Origin, bytes]:
        key = (url, content_type)
        known = self._heads.get(key)
        if known is not None:
            return known
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        secure = parts.scheme == "https"
        origin = _Origin(secure, parts.hostname, parts.port or (443 if secure else 80))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = (f"POST {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: {content_type}\r\n"
                f"Connection: keep-alive\r\nContent-Length: ").encode("latin-1")
        if len(self._heads) < 1024:
            self._heads[key] = (origin, head)
        return origin, head

    def _take(self, origin: _Origin) -> _Exchange | None:
        idle = self._idle.get(origin)
        while idle:
            exchange = idle.pop()
            if exchange.reusable:
                return exchange
            exchange.close()
        return None

    async def _connect(self, origin: _Origin) -> _Exchange:
        if origin.secure and self._ssl is None:
            self._ssl = ssl.create_default_context()
        context = self._ssl if origin.secure else None
        _, exchange = await asyncio.get_running_loop().create_connection(
            _Exchange, origin.host, origin.port, ssl=context)
        return exchange

    def _done(self, origin: _Origin, exchange: _Exchange, answer: Answer) -> Answer:
        idle = self._idle.setdefault(origin, [])
        if exchange.reusable and len(idle) < self.keep_per_origin:
            idle.append(exchange)
        else:
            exchange.close()
        return answer
