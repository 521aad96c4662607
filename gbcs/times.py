"""Times in the GBCS wire forms other than the DLMS date-time (``gbcs.dlms_datetime``): UTC seconds since
2000-01-01 (ZigBee time stamps, and the time stamps of GBCS compact arrays and range selections) and the
ASN.1 GeneralizedTime of the CS use cases."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

ZIGBEE_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


def zigbee_time(moment: datetime) -> int:
    """Seconds since 2000-01-01T00:00Z."""
    return int((moment.astimezone(timezone.utc) - ZIGBEE_EPOCH).total_seconds())


def from_zigbee_time(seconds: int) -> datetime:
    return ZIGBEE_EPOCH + timedelta(seconds=int(seconds))


def generalized_time(moment: datetime) -> bytes:
    """``YYYYMMDDhhmmssZ``, as the CS use cases write a time."""
    return moment.astimezone(timezone.utc).strftime("%Y%m%d%H%M%SZ").encode()


def parse_generalized_time(raw: bytes) -> datetime | None:
    """The time a GeneralizedTime names, or None where the bytes are not one."""
    try:
        return datetime.strptime(raw.decode(), "%Y%m%d%H%M%SZ").replace(tzinfo=timezone.utc)
    except (ValueError, UnicodeDecodeError):
        return None
