"""Calendar arithmetic devices use on times they are given."""
from __future__ import annotations

from datetime import datetime, timedelta


def days_ago(moment: datetime, days: int) -> datetime:
    """Midnight ``days`` days before ``moment``."""
    return (moment - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
