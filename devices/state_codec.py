"""Device state as it is stored (JSON text, in ``device_state.state``): one JSON object holding the state's
fields, its ``kind`` and the format's ``version``. A state written by an older version is migrated
(``devices.state_migrations``) when it is read; ``encode`` always writes the current version.

Version 0 is the untyped form stored before states had a version (no ``version`` key; the kind under
``type``). Version 2 added the SMETS1 kinds (``devices.smets1.state``).
"""
from __future__ import annotations

from dataclasses import dataclass

import msgspec

from devices.smets1.state import SMETS1_STATE_CLASSES
from devices.state import STATE_CLASSES, DeviceState
from devices.state_migrations import MIGRATIONS, VERSION

__all__ = ["VERSION", "StateFormatError", "decode", "encode", "upgrade", "version_of"]


class StateFormatError(ValueError):
    """Stored device state the codec cannot read: not a state, of an unknown kind, or from a newer version."""


@dataclass
class _Header:
    version: int = 0
    kind: str | None = None
    type: str | None = None            # where version 0 kept the kind


_HEADER = msgspec.json.Decoder(_Header)
# Every kind a state is stored as: the GBCS devices' and the SMETS1 devices'.
_KINDS = {**STATE_CLASSES, **SMETS1_STATE_CLASSES}
_DECODERS = {kind: msgspec.json.Decoder(cls) for kind, cls in _KINDS.items()}
_ENCODER = msgspec.json.Encoder()
_PREFIXES = {kind: f'{{"version":{VERSION},"kind":"{kind}",'.encode() for kind in _KINDS}


def encode(state: DeviceState) -> str:
    """The state as stored: JSON with its ``version`` and ``kind`` first, then its fields."""
    body = _ENCODER.encode(state)
    return (_PREFIXES[state.KIND] + body[1:]).decode()


def _header(raw: str | bytes) -> _Header:
    try:
        return _HEADER.decode(raw)
    except msgspec.DecodeError as exc:
        raise StateFormatError(f"not a stored device state: {exc}") from exc


def version_of(raw: str | bytes) -> int:
    """The format version a stored state was written in."""
    return _header(raw).version


def decode(raw: str | bytes, *, kind: str | None = None) -> DeviceState:
    """The typed state a stored one holds, migrated from the version it was written in. ``kind`` is the device's
    kind for a version-0 state that does not say it (the inventory's device type)."""
    header = _header(raw)
    if header.version == VERSION:
        decoder = _DECODERS.get(header.kind or "")
        if decoder is None:
            raise StateFormatError(f"a stored device state of unknown kind {header.kind!r}")
        try:
            return decoder.decode(raw)
        except msgspec.ValidationError as exc:
            raise StateFormatError(f"a stored {header.kind} state that does not fit its type: {exc}") from exc
    if header.version > VERSION:
        raise StateFormatError(f"a device state of format version {header.version}, newer than this code's {VERSION}")
    value = msgspec.json.decode(raw)
    for version in range(header.version, VERSION):
        value = MIGRATIONS[version](value, kind)
    return decode(msgspec.json.encode(value))


def upgrade(raw: str | bytes, *, kind: str | None = None) -> str:
    """A stored state rewritten in the current version."""
    return encode(decode(raw, kind=kind))
