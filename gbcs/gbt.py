"""General Block Transfer: splitting a long APDU into HAN-sized blocks and joining them again.

Block: ``E0`` block-control (bit 7 last block, bit 6 streaming, bits 0–5 window), block number (2),
acknowledged block number (2), block data (encoded length + data).
"""
from __future__ import annotations

from gbcs._reader import Reader
from gbcs.errors import MalformedMessage, UsageError
from gbcs.lengths import encode_length, read_length

TAG = 0xE0
LAST_BLOCK = 0x80
HAN_LIMIT = 1228   # bytes of APDU a HAN frame carries before blocks are needed


def gbt_split(apdu: bytes, block_size: int = HAN_LIMIT) -> list[bytes]:
    """Blocks of at most ``block_size`` bytes of data each (a short APDU still gives one block)."""
    if block_size < 1:
        raise UsageError("block size must be positive")
    chunks = [apdu[i:i + block_size] for i in range(0, len(apdu), block_size)] or [b""]
    blocks = []
    for number, chunk in enumerate(chunks, start=1):
        control = LAST_BLOCK if number == len(chunks) else 0
        blocks.append(bytes([TAG, control]) + number.to_bytes(2, "big") + (0).to_bytes(2, "big")
                      + encode_length(len(chunk)) + chunk)
    return blocks


def gbt_join(blocks: list[bytes]) -> bytes:
    """Reassemble blocks (in any order) into the APDU; checks numbering and the last-block flag."""
    parts: dict[int, bytes] = {}
    last = None
    for block in blocks:
        reader = Reader(block)
        if reader.byte() != TAG:
            raise MalformedMessage("not a general block transfer block")
        control = reader.byte()
        number = reader.uint(2)
        reader.uint(2)
        length, _width = read_length(reader)
        data = reader.take(length)
        if not reader.at_end():
            raise MalformedMessage("bytes after a block's data")
        if number in parts:
            raise MalformedMessage(f"block {number} twice")
        parts[number] = data
        if control & LAST_BLOCK:
            last = number
    if last is None:
        raise MalformedMessage("no last block")
    if sorted(parts) != list(range(1, last + 1)):
        raise MalformedMessage("blocks missing or beyond the last block")
    return b"".join(parts[n] for n in range(1, last + 1))
