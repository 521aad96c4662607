"""DLMS COSEM data values in A-XDR, as the JSON nodes DLMS payload trees hold (``{"type": "long", "value": -2}``).

``decode_data`` reads one value that is the whole of its bytes (``MalformedMessage`` for bytes that are not),
``encode_data`` writes a node back (``UsageError`` for a node that is not a data value).
"""
from __future__ import annotations

from typing import Any

from gbcs._reader import read_whole
from gbcs.errors import SHAPE_ERRORS, UsageError
from gbcs.payload import dlms as codec

__all__ = ["decode_data", "encode_data"]


def decode_data(data: bytes) -> dict[str, Any]:
    """The node of the data value that ``data`` holds."""
    return read_whole(data, codec.decode_data, "a DLMS data value")


def encode_data(node: dict[str, Any]) -> bytes:
    """The A-XDR bytes of a data value node."""
    try:
        return codec.encode_data(node)
    except UsageError:
        raise
    except SHAPE_ERRORS as exc:
        raise UsageError(f"cannot encode the DLMS data value: {exc!r}") from exc
