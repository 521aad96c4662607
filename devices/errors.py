"""Errors a device raises: a request it cannot interpret is the sender's fault, not the device's."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

# What reading a payload tree of the wrong shape raises (a missing key or item, a value of another type).
SHAPE_ERRORS = (KeyError, IndexError, TypeError, ValueError, AttributeError)


class MalformedRequest(Exception):
    """A command carried a specification or a value the device cannot interpret; the device refuses that part
    of the command (a DLMS data-access-result of other-reason, a ZCL malformed-command status)."""


@contextmanager
def reading(what: str) -> Iterator[None]:
    """Read part of a request: a part of the wrong shape is refused as ``MalformedRequest`` naming ``what``."""
    try:
        yield
    except SHAPE_ERRORS as exc:
        raise MalformedRequest(f"{what} the device cannot read ({exc!r})") from None
