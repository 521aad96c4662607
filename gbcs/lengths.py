"""The encoded-length form GBCS (and A-XDR) use: one byte below 0x80, else 0x8n and n big-endian bytes.

Decoding returns the length and whether its encoding was the shortest one, so that a message using a
longer form re-encodes byte for byte.
"""
from __future__ import annotations

from gbcs._reader import Reader
from gbcs.errors import MalformedMessage, UsageError

SHORT_FORM_LIMIT = 0x80     # lengths below this are one byte
LONG_FORM = 0x80            # 0x8n: n length bytes follow
MAX_WIDTH = 4               # the longest long form read or written
_SHORT_FORMS = tuple(bytes([value]) for value in range(SHORT_FORM_LIMIT))


def read_length(reader: Reader) -> tuple[int, int | None]:
    """Return (length, width) where width is the number of length bytes if not the minimal form."""
    first = reader.byte()
    if first < SHORT_FORM_LIMIT:
        return first, None
    count = first & ~LONG_FORM
    if count == 0 or count > MAX_WIDTH:
        raise MalformedMessage(f"unsupported length form 0x{first:02X}")
    value = reader.uint(count)
    return value, (None if count == _minimal_width(value) else count)


def _minimal_width(value: int) -> int:
    if value < SHORT_FORM_LIMIT:
        return 0
    return max(1, (value.bit_length() + 7) // 8)


def encode_length(value: int, width: int | None = None) -> bytes:
    """Encode ``value``; ``width`` forces a long form with that many bytes (0 means the short form)."""
    if width is None and 0 <= value < SHORT_FORM_LIMIT:
        return _SHORT_FORMS[value]
    if value < 0:
        raise UsageError("a length cannot be negative")
    if width is None:
        width = _minimal_width(value)
    if width == 0:
        if value >= SHORT_FORM_LIMIT:
            raise UsageError(f"length {value} does not fit the short form")
        return bytes([value])
    if not 0 < width <= MAX_WIDTH:
        raise UsageError(f"a long-form length has 1 … {MAX_WIDTH} bytes, not {width}")
    if value >= 1 << (8 * width):
        raise UsageError(f"length {value} does not fit {width} bytes")
    return bytes([LONG_FORM | width]) + value.to_bytes(width, "big")
