"""Times in the forms devices use besides DLMS date-times (``gbcs.encode_dlms_date_time``): ZigBee UTC seconds
(GBZ time stamps, compact-array rows, range selections) and ASN.1 GeneralizedTime."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

ZIGBEE_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


def zigbee_time(moment: datetime) -> int:
    """Seconds since 2000-01-01T00:00Z."""
    return int((moment.astimezone(timezone.utc) - ZIGBEE_EPOCH).total_seconds())


def from_zigbee_time(seconds: int) -> datetime:
    return ZIGBEE_EPOCH + timedelta(seconds=int(seconds))


def generalized_time(moment: datetime) -> bytes:
    return moment.astimezone(timezone.utc).strftime("%Y%m%d%H%M%SZ").encode()


def parse_generalized_time(raw: bytes) -> datetime | None:
    try:
        return datetime.strptime(raw.decode(), "%Y%m%d%H%M%SZ").replace(tzinfo=timezone.utc)
    except (ValueError, UnicodeDecodeError):
        return None


def days_ago(moment: datetime, days: int) -> datetime:
    return (moment - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
