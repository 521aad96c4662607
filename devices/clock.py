"""Dates and times in the forms devices use: DLMS date-time octet strings, ZigBee UTC seconds, ASN.1 times."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

ZIGBEE_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
NOT_SPECIFIED = bytes.fromhex("ffffffffffffffffff8000ff")


def dlms_date_time(moment: datetime) -> bytes:
    """12-byte COSEM date-time in UTC (deviation 0x8000 = not specified, status 0x00)."""
    moment = moment.astimezone(timezone.utc)
    return (moment.year.to_bytes(2, "big") + bytes([moment.month, moment.day, moment.isoweekday(), moment.hour,
                                                    moment.minute, moment.second, moment.microsecond // 10000])
            + bytes.fromhex("000000"))


def parse_dlms_date_time(raw: bytes) -> datetime | None:
    if len(raw) != 12 or raw[:2] == b"\xff\xff":
        return None
    try:
        return datetime(int.from_bytes(raw[:2], "big"), raw[2], raw[3], raw[5] % 24, raw[6] % 60, raw[7] % 60,
                        tzinfo=timezone.utc)
    except ValueError:
        return None


def zigbee_time(moment: datetime) -> int:
    return int((moment.astimezone(timezone.utc) - ZIGBEE_EPOCH).total_seconds())


def generalized_time(moment: datetime) -> bytes:
    return moment.astimezone(timezone.utc).strftime("%Y%m%d%H%M%SZ").encode()


def parse_generalized_time(raw: bytes) -> datetime | None:
    try:
        return datetime.strptime(raw.decode(), "%Y%m%d%H%M%SZ").replace(tzinfo=timezone.utc)
    except (ValueError, UnicodeDecodeError):
        return None


def days_ago(moment: datetime, days: int) -> datetime:
    return (moment - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
