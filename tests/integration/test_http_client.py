"""The outbox's and the bench's HTTP client against raw servers on real sockets: answers however the bytes
arrive (split anywhere, chunked, ending with the connection), headers read, connections kept alive and a request
lost by a kept-alive connection the server closed sent again, a timeout and a server that speaks no HTTP."""
from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings, strategies as st

from dccsim.delivery.http_client import HttpClient, MalformedAnswer

_PLAIN = b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 11\r\n\r\n<r>body</r>"
_CHUNKED = (b"HTTP/1.1 429 Too Many Requests\r\nTransfer-Encoding: chunked\r\nRetry-After: 7\r\n\r\n"
            b"4\r\n<r>b\r\n7;x=y\r\nody</r>\r\n0\r\n\r\n")
_UNTIL_CLOSE = b"HTTP/1.1 503 Busy\r\nConnection: close\r\n\r\n<r>body</r>"


class RawServer:
    """Answers each request it reads (up to its body's Content-Length) with the next of ``answers``, in pieces cut
    at ``cuts``; counts connections and requests."""

    def __init__(self, answers: list[bytes], cuts: tuple[int, ...] = (), drop_second: bool = False,
                 silent: bool = False):
        self.answers, self.cuts, self.drop_second, self.silent = list(answers), cuts, drop_second, silent
        self.connections = 0
        self.requests: list[bytes] = []

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/services/responses?x=1"

    async def __aexit__(self, *exc) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        served = 0
        try:
            while self.answers:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                request = head + await reader.readexactly(length)
                if self.drop_second and served:
                    break                   # closed as if while idle: the request is lost, unanswered
                served += 1
                self.requests.append(request)
                if self.silent:
                    await asyncio.Event().wait()
                answer, at = self.answers.pop(0), 0
                for cut in (*self.cuts, len(answer)):
                    writer.write(answer[at:cut])
                    await writer.drain()
                    at = cut
                if b"Connection: close" in answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([_PLAIN, _CHUNKED, _UNTIL_CLOSE]), st.lists(st.integers(1, 90), max_size=4))
def test_an_answer_is_read_however_its_bytes_arrive(answer, cuts):
    async def run():
        client = HttpClient(timeout=5)
        async with RawServer([answer], tuple(sorted({c for c in cuts if c < len(answer)}))) as url:
            got = await client.post(url, b"<m/>")
        await client.close()
        return got

    got = asyncio.run(run())
    assert got.body == b"<r>body</r>"
    assert got.status == int(answer.split(b" ")[1])
    assert got.headers.get("retry-after") == ("7" if answer is _CHUNKED else None)


async def test_a_connection_is_kept_alive_and_the_request_is_sent_as_given():
    client = HttpClient(timeout=5)
    server = RawServer([_PLAIN, _PLAIN, _PLAIN])
    async with server as url:
        for _ in range(3):
            assert (await client.post(url, b"<m/>")).status == 200
    await client.close()
    assert server.connections == 1
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"POST /services/responses?x=1 HTTP/1.1" and body == b"<m/>"
    assert b"Content-Type: application/xml" in head and b"Content-Length: 4" in head


async def test_a_request_lost_by_a_kept_alive_connection_the_server_closed_is_sent_again():
    client = HttpClient(timeout=5)
    server = RawServer([_PLAIN, _PLAIN], drop_second=True)     # a connection's second request is lost
    async with server as url:
        assert (await client.post(url, b"<a/>")).status == 200
        assert (await client.post(url, b"<b/>")).status == 200
    await client.close()
    assert server.connections == 2 and [r[-4:] for r in server.requests] == [b"<a/>", b"<b/>"]


async def test_a_silent_server_times_out_and_one_that_speaks_no_http_is_refused():
    client = HttpClient(timeout=0.3)
    async with RawServer([_PLAIN], silent=True) as url:
        with pytest.raises(TimeoutError):
            await client.post(url, b"<m/>")
    async with RawServer([b"SSH-2.0-OpenSSH\r\n\r\n"]) as url:
        with pytest.raises(MalformedAnswer):
            await client.post(url, b"<m/>")
    with pytest.raises(ValueError):
        await client.post("ftp://example.org/x", b"<m/>")
    await client.close()
