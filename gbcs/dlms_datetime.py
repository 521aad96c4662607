"""DLMS COSEM date-times: the twelve octets, their fields, and the UTC moments GBCS devices and commands write.

Octets: year (2, big-endian), month, day of month, day of week, hour, minute, second, hundredths, deviation
(2, signed minutes from local time to UTC), clock status. 0xFF (0xFFFF for the year, 0x8000 for the
deviation) is "not specified". GBCS writes every moment in UTC the way the RTDS vectors do: day of week not
specified (except where a use case gives it: the CHF device log's last-communication times), hundredths
zero, deviation and clock status not specified. ``NOW`` and ``NEVER`` are GBCS's two fixed values ("now",
and the cancellation of a future-dated activation).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from gbcs.errors import MalformedMessage

SIZE = 12
UNSPECIFIED = 0xFF
YEAR_UNSPECIFIED = 0xFFFF
DEVIATION_UNSPECIFIED = -0x8000
NOW = bytes(9) + b"\x80\x00\xff"
NEVER = b"\xff" * 9 + b"\x80\x00\xff"


@dataclass(frozen=True)
class DlmsDateTime:
    """The fields of a DLMS date-time, each as its octets hold it (``UNSPECIFIED`` where not specified)."""

    year: int
    month: int
    day: int
    day_of_week: int
    hour: int
    minute: int
    second: int
    hundredths: int
    deviation: int
    clock_status: int

    @classmethod
    def from_octets(cls, raw: bytes) -> "DlmsDateTime":
        if len(raw) != SIZE:
            raise MalformedMessage(f"a DLMS date-time is {SIZE} octets, not {len(raw)}")
        return cls(int.from_bytes(raw[0:2], "big"), *raw[2:9], int.from_bytes(raw[9:11], "big", signed=True),
                   raw[11])

    @classmethod
    def at(cls, moment: datetime, *, day_of_week: bool = False) -> "DlmsDateTime":
        """A moment in UTC as GBCS writes it (the day of week only when ``day_of_week``)."""
        moment = moment.astimezone(timezone.utc)
        return cls(moment.year, moment.month, moment.day, moment.isoweekday() if day_of_week else UNSPECIFIED,
                   moment.hour, moment.minute, moment.second, 0, DEVIATION_UNSPECIFIED, UNSPECIFIED)

    def octets(self) -> bytes:
        return (self.year.to_bytes(2, "big") + bytes([self.month, self.day, self.day_of_week, self.hour, self.minute,
                                                      self.second, self.hundredths])
                + self.deviation.to_bytes(2, "big", signed=True) + bytes([self.clock_status]))

    def moment(self) -> datetime | None:
        """The UTC moment of a fully specified date (year, month, day) and time (hour, minute, second); None
        otherwise. Day of week, hundredths, deviation and clock status are not looked at."""
        if self.year == YEAR_UNSPECIFIED or UNSPECIFIED in (self.month, self.day, self.hour, self.minute,
                                                            self.second):
            return None
        try:
            return datetime(self.year, self.month, self.day, self.hour, self.minute, self.second,
                            tzinfo=timezone.utc)
        except ValueError:
            return None


def encode_date_time(moment: datetime, *, day_of_week: bool = False) -> bytes:
    """The twelve octets of ``moment`` in UTC, as GBCS writes them."""
    return DlmsDateTime.at(moment, day_of_week=day_of_week).octets()


def decode_date_time(raw: bytes | str) -> datetime | None:
    """The UTC moment of twelve date-time octets (or their hex); None for one not fully specified, or for
    octets that are not a date-time."""
    try:
        octets = bytes.fromhex(raw) if isinstance(raw, str) else raw
        return DlmsDateTime.from_octets(octets).moment()
    except (MalformedMessage, ValueError):
        return None
