"""What every view shares: the shape-mismatch signal, enumerations with names, and small value codecs."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from gbcs.errors import MalformedMessage


class Mismatch(Exception):
    """A tree does not have the shape a view expects; the caller falls back to a more generic view."""


def expect(condition: bool, what: str = "unexpected shape") -> None:
    if not condition:
        raise Mismatch(what)


class Names:
    """An enumeration: numbers with names. Known numbers read as their name, others as the number."""

    def __init__(self, table: Mapping[int, str]):
        self.table = dict(table)
        self.codes = {name: code for code, name in table.items()}
        if len(self.codes) != len(self.table):
            raise ValueError("enumeration names must be unique")

    def name(self, code: int) -> str | int:
        return self.table.get(code, code)

    def code(self, value: Any) -> int:
        if isinstance(value, bool):
            raise MalformedMessage(f"not an enumeration value: {value!r}")
        if isinstance(value, int):
            return value
        if value in self.codes:
            return self.codes[value]
        raise MalformedMessage(f"unknown name {value!r} (known: {', '.join(sorted(self.codes))})")


def hex_bytes(value: Any, what: str = "hex") -> bytes:
    if not isinstance(value, str):
        raise MalformedMessage(f"{what}: expected a hex string, got {value!r}")
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise MalformedMessage(f"{what}: not hex: {value!r}") from exc


def eui(raw: bytes) -> str:
    """An 8-byte entity identifier as 16 upper-case hex digits (the form the message frame uses)."""
    return raw.hex().upper()


def integer(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise MalformedMessage(f"{what}: expected an integer in {low}..{high}, got {value!r}")
    return value


def field(fields: Mapping[str, Any], key: str) -> Any:
    try:
        return fields[key]
    except (KeyError, TypeError) as exc:
        raise MalformedMessage(f"missing field {key!r}") from exc


# ZigBee UTCTime: seconds since 2000-01-01T00:00:00Z (GBZ time stamps, GBCS log ranges).
ZIGBEE_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
_UTC_TEXT = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$")


def utc_seconds_text(seconds: int) -> str:
    return (ZIGBEE_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_seconds(text: Any, what: str = "UTC time") -> int:
    match = _UTC_TEXT.match(text) if isinstance(text, str) else None
    if not match:
        raise MalformedMessage(f"{what}: expected YYYY-MM-DDThh:mm:ssZ, got {text!r}")
    try:
        moment = datetime(*map(int, match.groups()), tzinfo=timezone.utc)
    except ValueError as exc:
        raise MalformedMessage(f"{what}: {exc}") from exc
    seconds = int((moment - ZIGBEE_EPOCH).total_seconds())
    return integer(seconds, what, 0, 0xFFFFFFFF)
