"""General block transfer: blocks within the HAN limit, and every broken block sequence refused."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings, strategies as st

import gbcs
from gbcs import gbt
from gbcs.lengths import encode_length
from gbcs.payload import Payload

SUPPLIER, DEVICE, ACB = "90B3D51F30010000", "00DB1234567890A0", "90B3D51F30000002"
KEYS = gbcs.StaticKeyStore(acb=ACB)
for _entity in (SUPPLIER, DEVICE, ACB):
    KEYS.add(_entity, gbcs.KEY_AGREEMENT, private=ec.generate_private_key(ec.SECP256R1()))


def _message(size: int, counter: int = 9, originator: str = DEVICE) -> bytes:
    return gbcs.build(cra="response", counter=counter, originator=originator, recipient=SUPPLIER,
                      message_code=0x0037, payload=Payload("raw", bytes(range(256)).hex() * (size // 256 + 1)),
                      keys=KEYS)


LONG = _message(4000)


def test_blocks_fill_the_han_limit_and_carry_the_routing_header():
    blocks = gbcs.gbt_split(LONG)
    assert len(blocks) == 4 and [len(b) for b in blocks[:-1]] == [gbcs.HAN_LIMIT] * 3
    first = gbt.parse_block(blocks[0])
    message = gbcs.decode(LONG, KEYS)
    assert (first.counter, first.originator, first.recipient, first.message_code) == \
        (message.counter, message.originator, message.recipient, message.message_code)
    assert first.security_header == gbt.ROUTING_SECURITY_HEADER and first.acknowledged == 0
    assert [gbt.parse_block(b).last for b in blocks] == [False, False, False, True]


def test_a_message_within_the_limit_is_one_block_that_decode_also_takes_alone():
    short = _message(300)
    [block] = gbcs.gbt_split(short)
    assert gbt.parse_block(block).last and gbcs.decode(block, KEYS) == gbcs.decode(short, KEYS)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 63))
def test_streaming_is_set_within_each_window(window):
    blocks = [gbt.parse_block(b) for b in gbcs.gbt_split(LONG, 200, window=window)]
    for block in blocks:
        assert block.window == window
        assert block.streaming == (not block.last and block.number % window != 0)


def _block(routing: bytes, number: int, data: bytes, *, last: bool = False, window: int = 1) -> bytes:
    apdu = (bytes([gbt.TAG, (gbt.LAST_BLOCK if last else 0) | window]) + number.to_bytes(2, "big") + bytes(2)
            + encode_length(len(data)) + data)
    inner = gbt.ROUTING_SECURITY_HEADER + apdu
    return routing + encode_length(len(inner)) + inner


def _broken(blocks: list[bytes], how: str) -> list[bytes]:
    routing = blocks[0][:gbt.ROUTING_HEADER_LENGTH]
    parsed = [gbt.parse_block(b) for b in blocks]
    if how == "missing middle":
        return blocks[:1] + blocks[2:]
    if how == "duplicate":
        return blocks + blocks[1:2]
    if how == "no last":
        return blocks[:-1]
    if how == "two lasts":
        return [_block(routing, 1, parsed[0].data, last=True)] + blocks[1:]
    if how == "blocks of another message":
        return blocks[:1] + gbcs.gbt_split(_message(4000, counter=10))[1:]
    if how == "truncated block":
        return [blocks[0][:-1]] + blocks[1:]
    if how == "trailing byte":
        return [blocks[0] + b"\x00"] + blocks[1:]
    if how == "acknowledgement without data":
        return blocks[:-1] + [_block(routing, len(blocks), b""), _block(routing, len(blocks) + 1, b"", last=True)]
    if how == "routed as another message":
        other = gbcs.gbt_split(_message(4000, originator=ACB))
        return [routing + block[gbt.ROUTING_HEADER_LENGTH:] for block in other]
    if how == "no blocks":
        return []
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["missing middle", "duplicate", "no last", "two lasts", "blocks of another message",
                                 "truncated block", "trailing byte", "acknowledgement without data",
                                 "routed as another message", "no blocks"])
def test_a_broken_block_sequence_is_malformed(how):
    blocks = _broken(gbcs.gbt_split(LONG), how)
    with pytest.raises(gbcs.MalformedMessage):
        gbcs.gbt_join(blocks)
    with pytest.raises(gbcs.MalformedMessage):
        gbcs.decode(blocks, KEYS)


SMALL_BLOCKS = gbcs.gbt_split(LONG, 300)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=80), st.tuples(st.integers(0, len(SMALL_BLOCKS) - 1),
                                                            st.integers(0, 299), st.integers(0, 255),
                                                            st.integers(0, 300))), max_size=len(SMALL_BLOCKS) + 2))
def test_random_and_corrupted_block_sequences_raise_only_the_library_errors(choices):
    blocks = []
    for choice in choices:
        if isinstance(choice, bytes):
            blocks.append(choice)
            continue
        index, position, value, cut = choice
        block = bytearray(SMALL_BLOCKS[index])
        block[position % len(block)] = value
        blocks.append(bytes(block[:cut]) if cut < len(block) else bytes(block))
    try:
        gbcs.decode(blocks, KEYS)
    except gbcs.GbcsError:
        pass


@pytest.mark.parametrize("kwargs", [{"block_size": 40}, {"block_size": 0}, {"window": 0}, {"window": 64},
                                    {"acknowledged": -1}])
def test_impossible_split_parameters_are_usage_errors(kwargs):
    with pytest.raises(gbcs.UsageError):
        gbcs.gbt_split(LONG, **kwargs)


def test_split_and_join_take_what_they_say():
    with pytest.raises(gbcs.MalformedMessage):
        gbcs.gbt_split(b"\x00" * 10)
    with pytest.raises(gbcs.UsageError):
        gbcs.gbt_split(LONG.hex())
    with pytest.raises(gbcs.UsageError):
        gbcs.gbt_join([LONG.hex()])
    with pytest.raises(gbcs.UsageError):
        gbcs.gbt_join(gbcs.gbt_split(LONG)[0])
