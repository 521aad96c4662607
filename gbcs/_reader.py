"""Bounds-checked reading of bytes: every shortfall is a ``MalformedMessage``."""
from __future__ import annotations

from typing import Callable, TypeVar

from gbcs.errors import MalformedMessage

T = TypeVar("T")


class Reader:
    """A cursor over ``data[pos:end]``: each read advances ``pos``; reading past ``end`` raises
    ``MalformedMessage``; ``sub`` hands out a reader bounded to the next n bytes (a length-prefixed field)."""

    __slots__ = ("data", "pos", "end")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None):
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def at_end(self) -> bool:
        return self.pos >= self.end

    def peek(self, offset: int = 0) -> int:
        if self.pos + offset >= self.end:
            raise MalformedMessage(f"truncated: expected a byte at offset {self.pos + offset}")
        return self.data[self.pos + offset]

    def byte(self) -> int:
        pos = self.pos
        if pos >= self.end:
            raise MalformedMessage(f"truncated: expected a byte at offset {pos}")
        self.pos = pos + 1
        return self.data[pos]

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > self.end:
            raise MalformedMessage(f"truncated: {n} bytes wanted at offset {self.pos}, {self.remaining} left")
        value = self.data[self.pos:self.pos + n]
        self.pos += n
        return value

    def uint(self, n: int) -> int:
        return int.from_bytes(self.take(n), "big")

    def sub(self, n: int) -> "Reader":
        if n < 0 or self.pos + n > self.end:
            raise MalformedMessage(f"truncated: a {n}-byte field at offset {self.pos}, {self.remaining} left")
        reader = Reader(self.data, self.pos, self.pos + n)
        self.pos += n
        return reader

    def rest(self) -> bytes:
        return self.take(self.remaining)


def read_whole(data: bytes, read: Callable[[Reader], T], what: str) -> T:
    """What ``read`` reads from ``data``, which must be all of it: bytes left over are a ``MalformedMessage``."""
    reader = Reader(data)
    value = read(reader)
    if not reader.at_end():
        raise MalformedMessage(f"{what} followed by {reader.remaining} unexpected bytes")
    return value
