"""The table from Service Reference Variant to the coroutine that handles it."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Awaitable, Callable

import asyncpg

from dccsim.db.connection import DccConnection
from dccsim.duis.outcomes import E11, Code
from dccsim.duis.responses import BodyFiller
from dccsim.handlers.context import ServiceRequest, Services


class Target(enum.StrEnum):
    """Where the device a request is about is named."""

    REQUEST_ID = "request-id"   # BusinessTargetID of the RequestID (device Service Requests)
    BODY = "body"               # a DeviceID in the body (non-device SRs about a device)
    NONE = "none"               # no single device (schedules by id, WAN matrix, firmware lists)


@dataclass(frozen=True)
class Reply:
    """What a handler decided: the response code and how to fill the ResponseMessage — with ``fill`` on a
    tree, or with ``content``, the SR-specific children already in canonical form
    (``dccsim.duis.responses.service_response_bytes``)."""

    code: Code
    fill: BodyFiller | None = None
    content: bytes = b""


Reads = DccConnection | asyncpg.Pool
"""What a read-only handler runs its statements on (``fetch``, ``fetchrow``, ``fetchval``): the pool."""

Handler = Callable[[ServiceRequest, DccConnection, Services], Awaitable[Reply]]


@dataclass(frozen=True)
class HandlerEntry:
    variant: str
    func: Handler
    target: Target
    device_must_exist: bool
    type_error: Code = E11
    read_only: bool = False


HANDLERS: dict[str, HandlerEntry] = {}


def handles(*variants: str, target: Target = Target.BODY, device_must_exist: bool = True,
            type_error: Code = E11, read_only: bool = False) -> Callable[[Handler], Handler]:
    """Register the decorated coroutine ``(request, conn, services) -> Reply`` for the given variants.

    ``type_error`` is the response code when the target device's type does not fit the SR
    (E11 in general; some SRs name their own, e.g. E081401 for 8.14.x). ``read_only`` handlers run
    without a transaction and hold no connection: what they are given as ``conn`` is the pool, each of their
    statements reading what is committed on a pooled connection of its own (``Reads``).
    """

    def register(func: Handler) -> Handler:
        for variant in variants:
            if variant in HANDLERS:
                raise RuntimeError(f"two handlers for {variant}")
            HANDLERS[variant] = HandlerEntry(variant, func, target, device_must_exist, type_error, read_only)
        return func

    return register
