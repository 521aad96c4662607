"""DLMS COSEM data values in A-XDR, as the JSON nodes DLMS payload trees hold (``{"type": "long", "value": -2}``).

``decode_data`` reads one value that is the whole of its bytes (``MalformedMessage`` for bytes that are not),
``encode_data`` writes a node back.
"""
from __future__ import annotations

from typing import Any

from gbcs._reader import read_whole
from gbcs.payload import dlms as codec

__all__ = ["decode_data", "encode_data"]


def decode_data(data: bytes) -> dict[str, Any]:
    """The node of the data value that ``data`` holds."""
    return read_whole(data, codec.decode_data, "a DLMS data value")


def encode_data(node: dict[str, Any]) -> bytes:
    """The A-XDR bytes of a data value node."""
    return codec.encode_data(node)
