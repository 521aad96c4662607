"""An ESME's non-critical event and alert behaviours (DUIS 6.22 sets them, 6.2.10 reads them): for each Remote Party
(Supplier 0-30, Network Operator 0-33) bit maps of 256 bits, one bit per non-critical alert code, the code's low
byte counted from the map's last bit (0x810D is bit 13 from the end; the Network Operator's 0x8014 bit 20). Which
alerts are sent over the WAN, sent on the HAN, sound the audible alarm and are logged.

A set (ECS25a / a1 / a2 / a3, ECS25b / b3) writes a 512-bit string to a write-only object: the first 256 bits say
which alerts change, the last 256 their new setting; the map it changes is the one ECS25r1 / ECS25r2 read. The
meter sends a non-critical alert over the WAN only while its bit in the owner's WAN map is set (critical alerts
are always sent). As the meter leaves the factory every non-critical alert is sent and logged, none is sent on
the HAN or sounds the alarm.
"""
from __future__ import annotations

from typing import Callable

from gbcs import DataAccessResult as Result
from gbcs import dlms as x
from gbcs.dlms import Node

SUPPLIER, NETWORK_OPERATOR = "001E6162", "00216162"
WAN, HAN, ALARM, LOG = "0F", "10", "11", "12"
BITS = 256
# write-only setter → the map it changes
SETTERS: dict[str, str] = {
    **{f"{SUPPLIER}{setter}FF": f"{SUPPLIER}{target}FF" for setter, target in
       (("0B", WAN), ("0C", HAN), ("0D", ALARM), ("0E", LOG))},
    **{f"{NETWORK_OPERATOR}{setter}FF": f"{NETWORK_OPERATOR}{target}FF" for setter, target in (("0B", WAN), ("0E", LOG))},
}
MAPS = (*(f"{SUPPLIER}{m}FF" for m in (WAN, HAN, ALARM, LOG)), *(f"{NETWORK_OPERATOR}{m}FF" for m in (WAN, LOG)))
ALL_ON, ALL_OFF = "ff" * (BITS // 8), "00" * (BITS // 8)


def factory_maps() -> dict[str, Node]:
    """Each map as the meter leaves the factory, by OBIS code."""
    return {obis: x.bits(BITS, ALL_ON if obis.endswith((f"{WAN}FF", f"{LOG}FF")) else ALL_OFF) for obis in MAPS}


def configurable(code: int) -> bool:
    """A non-critical alert (0x80xx the Network Operator's, 0x81xx the Supplier's), whose behaviour is set."""
    return 0x8000 <= code < 0x8200


def _position(code: int) -> int:
    """The code's bit in a map, counted from the first (most significant) bit."""
    return BITS - 1 - (code & 0xFF)


def _raw(node: Node | None) -> int:
    return int(node.get("hex") or "0", 16) if isinstance(node, dict) and node.get("type") == "bit-string" else 0


def is_set(node: Node | None, code: int) -> bool:
    return bool(_raw(node) >> (BITS - 1 - _position(code)) & 1)


def sent_over_the_wan(stored: Callable[[str], Node | None], code: int) -> bool:
    """Whether the meter sends alert ``code`` now: its owner's WAN map (``stored``: a map by OBIS code)."""
    if not configurable(code):
        return True
    owner = NETWORK_OPERATOR if code < 0x8100 else SUPPLIER
    return is_set(stored(f"{owner}{WAN}FF"), code)


def apply(current: Node | None, value: Node) -> tuple[int, Node | None]:
    """(result, new map) of writing ``value`` (mask then settings, 512 bits) over the ``current`` map."""
    if value.get("type") != "bit-string" or value.get("bits") != 2 * BITS:
        return Result.TYPE_UNMATCHED, None
    whole = int(value.get("hex") or "0", 16)
    mask, settings = whole >> BITS, whole & ((1 << BITS) - 1)
    changed = (_raw(current) & ~mask) | (settings & mask)
    return Result.SUCCESS, x.bits(BITS, f"{changed:0{BITS // 4}x}")
