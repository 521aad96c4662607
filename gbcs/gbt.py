"""General Block Transfer: a message too long for one HAN frame crosses the HAN as a sequence of blocks.

Each block is a general-ciphering APDU used for routing only (it has no protection of its own: the MAC
and signature stay inside the reassembled message) that carries one general-block-transfer APDU::

    DD  09 CRA counter(8)  08 originator(8)  08 recipient(8)  00 (no date-time)
        02 message-code(2)  00 (no key-info)
        length  security header(5: 00 00000000)
        E0  block-control  block-number(2)  block-number-ack(2)  length  block-data

The routing header repeats the transaction id, system titles and message code of the message being
carried. Block control: bit 7 last block, bit 6 streaming (more blocks of the same window follow without
waiting for an acknowledgement), bits 0–5 the window (how many blocks the sender can receive before it
acknowledges). Blocks are numbered from 1; block-number-ack is the last block received from the peer
(0: none). ``HAN_LIMIT`` bounds a whole block, headers included.

``gbt_split(message)`` gives the blocks of a message, ``gbt_join(blocks)`` checks and reassembles them
(``gbcs.decode`` also takes the list of blocks directly).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from gbcs._reader import Reader
from gbcs.errors import MalformedMessage, UsageError
from gbcs.lengths import encode_length, read_length
from gbcs.message import (
    CIPHERING_HEADER,
    EMPTY_ELEMENT,
    GENERAL_CIPHERING,
    GENERAL_SIGNING,
    MESSAGE_CODE_LENGTH,
    Header,
    read_header,
)
from gbcs.security import SECURITY_HEADER_LENGTH, SYSTEM_TITLE_LENGTH, TRANSACTION_ID_LENGTH

TAG = 0xE0
LAST_BLOCK = 0x80
STREAMING = 0x40
WINDOW_MASK = 0x3F
MAX_WINDOW = WINDOW_MASK
DEFAULT_WINDOW = 1              # one block, then an acknowledgement, unless the peer is known to stream
HAN_LIMIT = 1228                # the largest APDU one HAN frame carries: longer messages go in blocks
MAX_BLOCKS = 0xFFFF             # block numbers are two bytes
ROUTING_SECURITY_HEADER = bytes(SECURITY_HEADER_LENGTH)
_GBT_HEADER_LENGTH = 6          # tag, block control, block number (2), block number ack (2)
ROUTING_HEADER_LENGTH = 34      # DD, transaction id (1 + 9), titles (2 × 9), date-time, other-info (1 + 2), key-info


@dataclass(frozen=True)
class Block:
    """One decoded block: its routing fields and its general-block-transfer fields."""

    cra_flag: int
    counter: int
    originator: str
    recipient: str
    message_code: int
    security_header: bytes
    last: bool
    streaming: bool
    window: int
    number: int
    acknowledged: int
    data: bytes

    @property
    def route(self) -> tuple:
        return (self.cra_flag, self.counter, self.originator, self.recipient, self.message_code,
                self.security_header)


def is_block(data: bytes) -> bool:
    """Whether ``data`` starts like a block (a general-ciphering APDU with a transaction id)."""
    return len(data) >= 2 and data[0] == GENERAL_CIPHERING and data[1] == TRANSACTION_ID_LENGTH


def _message_header(message: bytes) -> Header:
    """The grouping header of a whole message (general ciphering or general signing)."""
    if not message:
        raise MalformedMessage("an empty message has no blocks")
    reader = Reader(message)
    if message[0] == GENERAL_CIPHERING:
        if reader.take(len(CIPHERING_HEADER)) != CIPHERING_HEADER:
            raise MalformedMessage("not a GBCS general-ciphering message")
        read_length(reader)
        reader.take(SECURITY_HEADER_LENGTH)
    elif message[0] != GENERAL_SIGNING:
        raise MalformedMessage(f"unknown frame tag 0x{message[0]:02X} (expected 0xDD or 0xDF)")
    return read_header(reader)


def _routing_header(header: Header) -> bytes:
    return (bytes([GENERAL_CIPHERING, TRANSACTION_ID_LENGTH, header.cra_flag]) + header.counter.to_bytes(8, "big")
            + bytes([SYSTEM_TITLE_LENGTH]) + bytes.fromhex(header.originator)
            + bytes([SYSTEM_TITLE_LENGTH]) + bytes.fromhex(header.recipient)
            + bytes([EMPTY_ELEMENT, MESSAGE_CODE_LENGTH]) + header.other_info[:MESSAGE_CODE_LENGTH]
            + bytes([EMPTY_ELEMENT]))


def _block_length(routing: int, data: int) -> int:
    inner = SECURITY_HEADER_LENGTH + _GBT_HEADER_LENGTH + len(encode_length(data)) + data
    return routing + len(encode_length(inner)) + inner


def data_per_block(block_size: int, routing: int) -> int:
    """The most block data that keeps a whole block within ``block_size`` bytes."""
    data = block_size - routing
    while data > 0 and _block_length(routing, data) > block_size:
        data -= 1
    if data <= 0:
        raise UsageError(f"a block of {block_size} bytes leaves no room for data")
    return data


def gbt_split(message: bytes, block_size: int = HAN_LIMIT, *, window: int = DEFAULT_WINDOW,
              acknowledged: int = 0) -> list[bytes]:
    """The blocks carrying ``message``, each at most ``block_size`` bytes long. Blocks are sent in
    windows of ``window`` blocks: streaming is set on every block but the last of each window."""
    if not isinstance(message, (bytes, bytearray)):
        raise UsageError("gbt_split takes a message's bytes")
    message = bytes(message)
    if not isinstance(block_size, int) or block_size < 1:
        raise UsageError("the block size must be a positive number of bytes")
    if not isinstance(window, int) or not 1 <= window <= MAX_WINDOW:
        raise UsageError(f"the window is 1 … {MAX_WINDOW} blocks")
    if not isinstance(acknowledged, int) or not 0 <= acknowledged <= MAX_BLOCKS:
        raise UsageError("the acknowledged block number is two bytes")
    routing = _routing_header(_message_header(message))
    size = data_per_block(block_size, len(routing))
    chunks = [message[i:i + size] for i in range(0, len(message), size)]
    if len(chunks) > MAX_BLOCKS:
        raise UsageError(f"{len(chunks)} blocks exceed the {MAX_BLOCKS} a block number can count")
    blocks = []
    for number, chunk in enumerate(chunks, start=1):
        last = number == len(chunks)
        end_of_window = number % window == 0
        control = (LAST_BLOCK if last else 0) | (STREAMING if not (last or end_of_window) else 0) | window
        gbt = (bytes([TAG, control]) + number.to_bytes(2, "big") + acknowledged.to_bytes(2, "big")
               + encode_length(len(chunk)) + chunk)
        inner = ROUTING_SECURITY_HEADER + gbt
        blocks.append(routing + encode_length(len(inner)) + inner)
    return blocks


def parse_block(data: bytes) -> Block:
    """Decode one block; anything but a well-formed block raises ``MalformedMessage``."""
    if not isinstance(data, (bytes, bytearray)):
        raise UsageError("a block is bytes")
    reader = Reader(bytes(data))
    if not is_block(data):
        raise MalformedMessage("not a general block transfer block (0xDD 0x09 …)")
    reader.take(2)
    cra_flag = reader.byte()
    counter = reader.uint(8)
    titles = []
    for name in ("originator", "recipient"):
        if reader.byte() != SYSTEM_TITLE_LENGTH:
            raise MalformedMessage(f"a block's {name} system title is not 8 bytes")
        titles.append(reader.take(SYSTEM_TITLE_LENGTH).hex().upper())
    if reader.byte() != EMPTY_ELEMENT:
        raise MalformedMessage("a block's routing header has a date-time")
    if reader.byte() != MESSAGE_CODE_LENGTH:
        raise MalformedMessage("a block's routing other-information is not a message code")
    message_code = reader.uint(MESSAGE_CODE_LENGTH)
    if reader.byte() != EMPTY_ELEMENT:
        raise MalformedMessage("a block's routing header has key-info")
    length, _width = read_length(reader)
    body = reader.sub(length)
    if not reader.at_end():
        raise MalformedMessage("bytes after a block")
    security_header = body.take(SECURITY_HEADER_LENGTH)
    if body.byte() != TAG:
        raise MalformedMessage("a block without its general-block-transfer APDU (0xE0)")
    control = body.byte()
    number = body.uint(2)
    acknowledged = body.uint(2)
    data_length, _width = read_length(body)
    block_data = body.take(data_length)
    if not body.at_end():
        raise MalformedMessage("bytes after a block's data")
    return Block(cra_flag, counter, titles[0], titles[1], message_code, security_header,
                 last=bool(control & LAST_BLOCK), streaming=bool(control & STREAMING), window=control & WINDOW_MASK,
                 number=number, acknowledged=acknowledged, data=block_data)


def gbt_join(blocks: Iterable[bytes]) -> bytes:
    """Reassemble a message from its blocks (in any order). Every block must route the same message,
    numbers must run 1 … n with the last-block flag on n alone, and the reassembled message must be the
    one the routing header names."""
    if isinstance(blocks, (bytes, bytearray, str)):
        raise UsageError("gbt_join takes a sequence of blocks, not one block")
    parsed = [parse_block(block) for block in blocks]
    if not parsed:
        raise MalformedMessage("no blocks")
    route = parsed[0].route
    parts: dict[int, bytes] = {}
    last = None
    for block in parsed:
        if block.route != route:
            raise MalformedMessage(f"block {block.number} routes another message")
        if block.number in parts:
            raise MalformedMessage(f"block {block.number} twice")
        if not block.data:
            raise MalformedMessage(f"block {block.number} carries no data (an acknowledgement, not a block)")
        if block.last:
            if last is not None:
                raise MalformedMessage("more than one last block")
            last = block.number
        parts[block.number] = block.data
    if last is None:
        raise MalformedMessage("no last block")
    if sorted(parts) != list(range(1, last + 1)):
        raise MalformedMessage("blocks missing or beyond the last block")
    message = b"".join(parts[n] for n in range(1, last + 1))
    header = _message_header(message)
    if (header.cra_flag, header.counter, header.originator, header.recipient, header.message_code) != route[:5]:
        raise MalformedMessage("the reassembled message is not the one its blocks route")
    return message
