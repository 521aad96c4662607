"""DLMS date-times (12 octets, laid out by ``gbcs.dlms_datetime``) as ISO-style text, with the DLMS "not
specified" values kept.

The text is ``YYYY-MM-DDThh:mm:ss[.cc][offset]``:

* a field that is "not specified" (0xFF, 0xFFFF for the year) is written as stars (``****-**-01T00:00:00``);
* the month may be ``dst-begin`` / ``dst-end`` (0xFE / 0xFD) and the day ``last`` / ``second-last``;
* hundredths appear only when specified; the offset only when the deviation is specified: ``Z`` for 0,
  else ``±hh:mm``. DLMS counts the deviation from local time to UTC, so the ISO offset is its negative;
* GBCS uses two fixed values, ``now`` (zeros, deviation and status not specified) and ``never`` (all 0xFF).

Day of week and clock status travel beside the text (``None`` when not specified), so that the twelve
octets always come back unchanged.
"""
from __future__ import annotations

import re
from typing import Any

from gbcs.dlms_datetime import DEVIATION_UNSPECIFIED, NEVER, NOW, SIZE, UNSPECIFIED, YEAR_UNSPECIFIED, DlmsDateTime
from gbcs.errors import MalformedMessage

__all__ = ["DEVIATION_UNSPECIFIED", "NEVER", "NOW", "date_octets", "date_text", "date_time_octets", "date_time_text",
           "time_octets", "time_text"]
_MONTHS = {0xFD: "dst-end", 0xFE: "dst-begin"}
_DAYS = {0xFD: "second-last", 0xFE: "last"}
_TEXT = re.compile(
    r"^(?P<year>\d{4}|\*{4})-(?P<month>\d\d|\*\*|dst-end|dst-begin)-(?P<day>\d\d|\*\*|last|second-last)"
    r"T(?P<hour>\d\d|\*\*):(?P<minute>\d\d|\*\*):(?P<second>\d\d|\*\*)(?:\.(?P<hundredths>\d\d))?"
    r"(?P<offset>Z|[+-]\d{2,3}:\d\d)?$")


def _two(value: int, high: int, specials: dict[int, str] | None = None) -> str | None:
    if value == 0xFF:
        return "**"
    if specials and value in specials:
        return specials[value]
    return f"{value:02d}" if value <= high else None


def date_time_text(raw: bytes) -> dict[str, Any] | None:
    """The readable form of 12 date-time octets, or None if they are not a DLMS date-time."""
    if len(raw) != SIZE:
        return None
    if raw == NOW:
        return {"date_time": "now"}
    if raw == NEVER:
        return {"date_time": "never"}
    fields = DlmsDateTime.from_octets(raw)
    year, month, day, weekday = fields.year, fields.month, fields.day, fields.day_of_week
    hour, minute, second, hundredths = fields.hour, fields.minute, fields.second, fields.hundredths
    deviation, status = fields.deviation, fields.clock_status
    parts = [
        "****" if year == YEAR_UNSPECIFIED else (f"{year:04d}" if year <= 9999 else None),
        _two(month, 12, _MONTHS) if month else None,
        _two(day, 31, _DAYS) if day else None,
        _two(hour, 23), _two(minute, 59), _two(second, 59),
    ]
    if None in parts or not (weekday == UNSPECIFIED or 1 <= weekday <= 7) \
            or not (hundredths == UNSPECIFIED or hundredths <= 99):
        return None
    if deviation != DEVIATION_UNSPECIFIED and not -720 <= deviation <= 720:
        return None
    text = f"{parts[0]}-{parts[1]}-{parts[2]}T{parts[3]}:{parts[4]}:{parts[5]}"
    if hundredths != UNSPECIFIED:
        text += f".{hundredths:02d}"
    if deviation == 0:
        text += "Z"
    elif deviation != DEVIATION_UNSPECIFIED:
        offset = -deviation
        text += f"{'+' if offset > 0 else '-'}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    return {"date_time": text, "day_of_week": None if weekday == 0xFF else weekday,
            "clock_status": None if status == 0xFF else status}


def _field(token: str, specials: dict[int, str] | None = None) -> int:
    if token.startswith("*"):
        return 0xFF
    for code, name in (specials or {}).items():
        if token == name:
            return code
    return int(token)


def date_time_octets(value: Any) -> bytes:
    """The 12 octets of a date-time given in the form ``date_time_text`` returns."""
    if not isinstance(value, dict) or not isinstance(value.get("date_time"), str):
        raise MalformedMessage(f"not a DLMS date-time: {value!r}")
    text = value["date_time"]
    if text == "now":
        return NOW
    if text == "never":
        return NEVER
    match = _TEXT.match(text)
    if not match:
        raise MalformedMessage(f"not a DLMS date-time text: {text!r}")
    year = YEAR_UNSPECIFIED if match["year"].startswith("*") else int(match["year"])
    weekday, status = value.get("day_of_week"), value.get("clock_status")
    for name, item, low, high in (("day_of_week", weekday, 1, 7), ("clock_status", status, 0, 254)):
        if item is not None and (isinstance(item, bool) or not isinstance(item, int) or not low <= item <= high):
            raise MalformedMessage(f"{name} must be {low}..{high} or null, got {item!r}")
    offset = match["offset"]
    if offset is None:
        deviation = DEVIATION_UNSPECIFIED
    elif offset == "Z":
        deviation = 0
    else:
        hours, minutes = offset[1:].split(":")
        deviation = -(1 if offset[0] == "+" else -1) * (int(hours) * 60 + int(minutes))
    try:
        raw = DlmsDateTime(year, _field(match["month"], _MONTHS), _field(match["day"], _DAYS),
                           UNSPECIFIED if weekday is None else weekday, _field(match["hour"]),
                           _field(match["minute"]), _field(match["second"]),
                           int(match["hundredths"]) if match["hundredths"] else UNSPECIFIED, deviation,
                           UNSPECIFIED if status is None else status).octets()
    except (OverflowError, ValueError):
        raise MalformedMessage(f"not a valid DLMS date-time: {value!r}") from None
    if date_time_text(raw) != _normal(value):
        raise MalformedMessage(f"not a valid DLMS date-time: {value!r}")
    return raw


def _normal(value: dict[str, Any]) -> dict[str, Any]:
    return {"date_time": value["date_time"], "day_of_week": value.get("day_of_week"),
            "clock_status": value.get("clock_status")}


# --- dates (5 octets) and times (4 octets), as the calendars and schedules carry them ---------------

_DATE_TEXT = re.compile(r"^(?P<year>\d{4}|\*{4})-(?P<month>\d\d|\*\*|dst-end|dst-begin)"
                        r"-(?P<day>\d\d|\*\*|last|second-last)(?:/(?P<weekday>[1-7]))?$")
_TIME_TEXT = re.compile(r"^(?P<hour>\d\d|\*\*):(?P<minute>\d\d|\*\*):(?P<second>\d\d|\*\*)(?:\.(?P<hundredths>\d\d))?$")


def date_text(raw: bytes) -> str | None:
    """Year (2), month, day of month, day of week as ``YYYY-MM-DD[/d]`` (``*`` for not specified, the DST
    months and last days by name), or None if the octets are not a DLMS date."""
    if len(raw) != 5:
        return None
    year, (month, day, weekday) = int.from_bytes(raw[:2], "big"), raw[2:]
    parts = ["****" if year == 0xFFFF else (f"{year:04d}" if year <= 9999 else None),
             _two(month, 12, _MONTHS) if month else None, _two(day, 31, _DAYS) if day else None]
    if None in parts or not (weekday == 0xFF or 1 <= weekday <= 7):
        return None
    return "-".join(parts) + ("" if weekday == 0xFF else f"/{weekday}")


def date_octets(text: object) -> bytes:
    match = _DATE_TEXT.match(text) if isinstance(text, str) else None
    if not match:
        raise MalformedMessage(f"not a DLMS date YYYY-MM-DD[/d]: {text!r}")
    year = 0xFFFF if match["year"].startswith("*") else int(match["year"])
    raw = year.to_bytes(2, "big") + bytes([_field(match["month"], _MONTHS), _field(match["day"], _DAYS),
                                           int(match["weekday"]) if match["weekday"] else 0xFF])
    if date_text(raw) != text:
        raise MalformedMessage(f"not a valid DLMS date: {text!r}")
    return raw


def time_text(raw: bytes) -> str | None:
    """Hour, minute, second, hundredths as ``hh:mm:ss[.cc]`` (``**`` for not specified), or None."""
    if len(raw) != 4:
        return None
    hour, minute, second, hundredths = raw
    parts = [_two(hour, 23), _two(minute, 59), _two(second, 59)]
    if None in parts or not (hundredths == 0xFF or hundredths <= 99):
        return None
    return ":".join(parts) + ("" if hundredths == 0xFF else f".{hundredths:02d}")


def time_octets(text: object) -> bytes:
    match = _TIME_TEXT.match(text) if isinstance(text, str) else None
    if not match:
        raise MalformedMessage(f"not a DLMS time hh:mm:ss[.cc]: {text!r}")
    raw = bytes([_field(match["hour"]), _field(match["minute"]), _field(match["second"]),
                 int(match["hundredths"]) if match["hundredths"] else 0xFF])
    if time_text(raw) != text:
        raise MalformedMessage(f"not a valid DLMS time: {text!r}")
    return raw
