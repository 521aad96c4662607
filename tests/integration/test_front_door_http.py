"""The front door's HTTP/1.1, spoken byte by byte over a socket: keep-alive, pipelining, chunked bodies,
``Expect: 100-continue``, HTTP/1.0, and the plain answers for what is not a POST of a document to a service."""
from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from lxml import etree

from dccsim.duis import client
from tests.integration.harness import template, zaz1_signer

INVENTORY = "8.2_READ_INVENTORY_REQUEST_DUIS.XML"
_COUNTER = iter(range(10_000_000, 20_000_000))


def _signed() -> bytes:
    return client.sign(client.prepare(template(INVENTORY), counter=next(_COUNTER)), zaz1_signer())


def _post(body: bytes, *, path: str = "/api/v1/serviceD", version: str = "1.1", extra: str = "") -> bytes:
    return (f"POST {path} HTTP/{version}\r\nHost: dccsim\r\nContent-Type: application/xml\r\n"
            f"Content-Length: {len(body)}\r\n{extra}\r\n").encode() + body


def _chunked(body: bytes, size: int = 500) -> bytes:
    pieces = [body[i:i + size] for i in range(0, len(body), size)]
    return (b"POST /api/v1/serviceD HTTP/1.1\r\nHost: dccsim\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n")


async def _connect(running):
    address = urlsplit(running.base_url)
    return await asyncio.open_connection(address.hostname, address.port)


async def _answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)).decode()
    status_line, *lines = head.split("\r\n")[:-2]
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
    body = await reader.readexactly(int(headers["content-length"]))
    return int(status_line.split()[1]), headers, body


def _code(body: bytes) -> str | None:
    return etree.fromstring(body).findtext(".//{*}ResponseCode")


def _request_id(body: bytes) -> str | None:
    return etree.fromstring(body).findtext(".//{*}RequestID")


async def test_keep_alive_and_pipelined_requests_are_answered_in_order(running):
    reader, writer = await _connect(running)
    try:
        bodies = [_signed() for _ in range(6)]
        writer.write(b"".join(_post(body) for body in bodies))     # all sent before any answer is read
        for body in bodies:
            status, headers, answer = await _answer(reader)
            assert status == 200 and headers["content-type"] == "application/xml; charset=utf-8", answer
            assert _code(answer) == "I0" and _request_id(answer) == _request_id(body)
            assert "connection" not in headers and headers["x-dccsim-worker"].isdigit() and headers["date"]
        writer.write(_post(_signed()))                              # the connection is still open
        assert (await _answer(reader))[0] == 200
    finally:
        writer.close()


async def test_a_chunked_body_and_expect_continue(running):
    reader, writer = await _connect(running)
    try:
        writer.write(_chunked(_signed()))
        status, _, answer = await _answer(reader)
        assert status == 200 and _code(answer) == "I0"
        body = _signed()
        writer.write(_post(b"", extra="Expect: 100-continue\r\n").replace(b"Content-Length: 0",
                                                                         f"Content-Length: {len(body)}".encode()))
        assert await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30) == b"HTTP/1.1 100 Continue\r\n\r\n"
        writer.write(body)
        status, _, answer = await _answer(reader)
        assert status == 200 and _code(answer) == "I0"
    finally:
        writer.close()


async def test_http_1_0_closes_unless_kept_alive(running):
    reader, writer = await _connect(running)
    writer.write(_post(_signed(), version="1.0"))
    status, headers, _ = await _answer(reader)
    assert status == 200 and headers["connection"] == "close"
    assert await reader.read() == b""
    writer.close()
    reader, writer = await _connect(running)
    try:
        writer.write(_post(_signed(), version="1.0", extra="Connection: keep-alive\r\n"))
        status, headers, _ = await _answer(reader)
        assert status == 200 and headers["connection"] == "keep-alive"
        writer.write(_post(_signed(), version="1.0", extra="Connection: keep-alive\r\n"))
        assert (await _answer(reader))[0] == 200
    finally:
        writer.close()


async def test_what_is_not_a_post_to_a_service_gets_a_plain_answer_and_the_connection_goes_on(running):
    reader, writer = await _connect(running)
    try:
        writer.write(_post(b"<x/>", path="/api/v1/serviceX"))
        status, headers, body = await _answer(reader)
        assert status == 404 and headers["content-type"] == "text/plain; charset=utf-8" and body.startswith(b"404")
        writer.write(b"GET /api/v1/serviceD HTTP/1.1\r\nHost: dccsim\r\n\r\n")
        status, headers, _ = await _answer(reader)
        assert status == 405 and headers["allow"] == "POST"
        writer.write(_post(_signed()))
        assert (await _answer(reader))[0] == 200
    finally:
        writer.close()


async def test_a_body_over_the_limit_is_413_however_it_comes(running):
    limit = running.sim.settings.max_request_bytes
    reader, writer = await _connect(running)
    try:
        writer.write(_post(b"<" + b"x" * (limit + 1)))              # announced by its Content-Length
        status, _, body = await _answer(reader)
        assert status == 413 and b"exceeds" in body
        writer.write(_chunked(b"<" + b"x" * (limit + 1), size=64 * 1024))   # found while it arrives
        assert (await _answer(reader))[0] == 413
        writer.write(_post(_signed()))                              # and the connection goes on
        assert (await _answer(reader))[0] == 200
    finally:
        writer.close()
    reader, writer = await _connect(running)
    writer.write(f"POST /api/v1/serviceD HTTP/1.1\r\nHost: dccsim\r\nContent-Length: {limit + 1}\r\n"
                 "Expect: 100-continue\r\n\r\n".encode())
    status, headers, _ = await _answer(reader)                      # refused before the body is sent
    assert status == 413 and headers["connection"] == "close"
    assert await reader.read() == b""
    writer.close()


async def test_bytes_that_are_not_http_get_400_and_the_connection_is_closed(running):
    reader, writer = await _connect(running)
    writer.write(b"\x16\x03\x01\x02\x00 this is not HTTP\r\n\r\n")
    status, headers, body = await _answer(reader)
    assert status == 400 and headers["connection"] == "close" and body.startswith(b"400")
    assert await reader.read() == b""
    writer.close()
