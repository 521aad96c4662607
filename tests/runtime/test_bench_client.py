"""The bench's HTTP client reads answers however the bytes arrive: whole, split anywhere, chunked, several at once."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from dccsim.cli.bench import _answer

_PLAIN = b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 11\r\n\r\n<r>body</r>"
_CHUNKED = (b"HTTP/1.1 429 Too Many Requests\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            b"4\r\n<r>b\r\n7;x=y\r\nody</r>\r\n0\r\n\r\n")


def test_an_answer_by_content_length_and_a_chunked_one():
    assert _answer(bytearray(_PLAIN)) == (200, b"<r>body</r>", len(_PLAIN), False)
    assert _answer(bytearray(_CHUNKED)) == (429, b"<r>body</r>", len(_CHUNKED), True)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([_PLAIN, _CHUNKED]), st.data())
def test_an_answer_is_none_until_its_last_byte_and_the_next_one_is_left(answer, data):
    cut = data.draw(st.integers(0, len(answer) - 1))
    assert _answer(bytearray(answer[:cut])) is None
    two = bytearray(answer + _PLAIN)
    status, body, used, _ = _answer(two)
    assert body == b"<r>body</r>" and used == len(answer)
    del two[:used]
    assert _answer(two)[:2] == (200, b"<r>body</r>")
