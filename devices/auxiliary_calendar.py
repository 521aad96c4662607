"""The auxiliary controllers' calendar in force (6.14.2 ECS46c, 6.14.3 ECS46d) as the levels it commands: each
schedule entry switches a controller (an ALCS on or off: selector ``switch << 8 | 1 or 2``) or sets its level on
its output or input (``(side << 4 | controller) << 8 | 0x80 | level``) at a time of day, on the days of the week
and special days it names, between its start and end dates (COSEM date patterns, 0xFF / 0xFFFF: any).

A controller follows the latest entry for it that has fired (looking back a week); ``None`` when none has.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from gbcs import dlms as x
from gbcs.dlms import Node

SWITCH_ON, SWITCH_OFF, LEVEL = 1, 2, 0x80
_LOOK_BACK = 8                    # days: a week's entries and today's


@dataclass(frozen=True, slots=True)
class Entry:
    """One schedule entry: which controller (and side), the level it commands, and when it fires."""

    controller: int
    on_input: bool
    level: int
    at: time
    weekdays: frozenset[int]      # 0 Monday … 6 Sunday
    special_days: frozenset[int]  # positions (from 1) in the special days array
    start: bytes
    end: bytes


def _bits(node: Node) -> set[int]:
    raw = bytes.fromhex(node.get("hex") or "")
    return {i for i in range(node.get("bits", 0)) if raw[i // 8] >> (7 - i % 8) & 1}


def _entry(node: Node) -> Entry | None:
    items = node.get("items") or []
    if len(items) < 10:
        return None
    selector, clock = items[3].get("value", 0), bytes.fromhex(items[4].get("hex") or "00000000")
    high, low = selector >> 8, selector & 0xFF
    if low & LEVEL:
        controller, on_input, level = high & 0x0F, high >> 4 == x.AUXILIARY_INPUT, low & 0x7F
    elif low in (SWITCH_ON, SWITCH_OFF):
        controller, on_input, level = high, False, 100 if low == SWITCH_ON else 0
    else:
        return None
    at = time(min(clock[0], 23), min(clock[1], 59), min(clock[2], 59)) if len(clock) >= 3 else time(0)
    return Entry(controller, on_input, level, at, frozenset(_bits(items[6])), frozenset(p + 1 for p in _bits(items[7])),
                 bytes.fromhex(items[8].get("hex") or "ffffffffff"), bytes.fromhex(items[9].get("hex") or "ffffffffff"))


def _matches(pattern: bytes, day: date) -> bool:
    year, month, dom = int.from_bytes(pattern[:2], "big"), pattern[2], pattern[3]
    return (year == 0xFFFF or year == day.year) and (month == 0xFF or month == day.month) and \
        (dom == 0xFF or dom == day.day)


def _key(pattern: bytes, day: date) -> tuple[int, int, int] | None:
    """A start / end date pattern as (year, month, day) for ``day``'s year, None for no limit."""
    if len(pattern) < 4 or pattern[2] == 0xFF or pattern[3] == 0xFF:
        return None
    year = int.from_bytes(pattern[:2], "big")
    return (day.year if year == 0xFFFF else year, pattern[2], pattern[3])


def _in_period(entry: Entry, day: date) -> bool:
    start, end, today = _key(entry.start, day), _key(entry.end, day), (day.year, day.month, day.day)
    if start is not None and end is not None and start > end:      # a period across the new year
        return today >= start or today <= end
    return (start is None or today >= start) and (end is None or today <= end)


def scheduled_level(schedule: Node | None, special_days: Node | None, controller: int, now: datetime,
                    on_input: bool = False) -> int | None:
    """The level the calendar in force commands ``controller`` to at ``now`` (None: no entry has fired)."""
    entries = [e for e in (_entry(n) for n in (schedule or {}).get("items") or [])
               if e is not None and e.controller == controller and e.on_input == on_input]
    specials = [(position, bytes.fromhex(n["items"][1].get("hex") or ""))
                for position, n in enumerate((special_days or {}).get("items") or [], 1) if len(n.get("items", [])) > 1]
    latest: tuple[datetime, int] | None = None
    for back in range(_LOOK_BACK):
        day = (now - timedelta(days=back)).date()
        special = {position for position, pattern in specials if _matches(pattern, day)}
        for entry in entries:
            if not (day.weekday() in entry.weekdays or special & entry.special_days) or not _in_period(entry, day):
                continue
            moment = datetime.combine(day, entry.at, timezone.utc)
            if moment <= now and (latest is None or moment >= latest[0]):
                latest = (moment, entry.level)
    return latest[1] if latest else None
