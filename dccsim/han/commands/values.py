"""Reading Service Request body values whatever their form.

A body arrives parsed by its catalogue model: typed leaves (int, Decimal, datetime, date, bytes) and
lists for repeated elements; bodies not yet modelled arrive as strings, with a list only where an element
repeats. The command builders read through these helpers so that they work with both.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Any

from dccsim.duis.ids import normalise_eui


def as_list(value: Any) -> list:
    """A repeated element as a list (absent → [], one occurrence → [it])."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text_of(value: Any) -> str:
    """The text of a leaf (``#text`` of an element with attributes)."""
    if isinstance(value, dict):
        value = value.get("#text", "")
    return "" if value is None else str(value)


def as_int(value: Any, default: int | None = None) -> int | None:
    if isinstance(value, dict):
        value = value.get("#text")
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, Decimal)):
        return int(value)
    text = str(value).strip() if value is not None else ""
    try:
        return int(text)
    except ValueError:
        try:
            return int(Decimal(text))
        except ArithmeticError:
            return default


def as_decimal(value: Any, default: Decimal | None = None) -> Decimal | None:
    if isinstance(value, dict):
        value = value.get("#text")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except ArithmeticError:
        return default


def as_datetime(value: Any) -> datetime | None:
    """An xs:dateTime (or xs:date) as an aware datetime (UTC when the text has no zone)."""
    if isinstance(value, dict):
        value = value.get("#text")
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0), timezone.utc)
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def as_time(value: Any) -> time:
    """An xs:time (typed, or text with or without a zone) as a time of day; midnight when it is not one."""
    if isinstance(value, time):
        return value
    if isinstance(value, datetime):
        return value.time()
    text = text_of(value).strip().rstrip("Z").split(".")[0].split("+")[0] or "00:00:00"
    try:
        return time.fromisoformat(text)
    except ValueError:
        return time(0)


def gbcs_version(device: Any) -> tuple[int, ...]:
    """A device's GBCS version as numbers (1.0 when the inventory does not say or says something else)."""
    try:
        return tuple(int(part) for part in (device.gbcs_version or "1.0").split("."))
    except ValueError:
        return (1, 0)


def eui_hex(value: Any) -> str:
    """A device or entity id as 16 lower-case hex digits (for GBCS octet strings)."""
    return normalise_eui(text_of(value)).lower()


def indexed(values: Any) -> list[tuple[int, Any]]:
    """(``index`` attribute, text) of each occurrence of a repeated element; position+1 when unindexed."""
    found = []
    for position, item in enumerate(as_list(values)):
        if isinstance(item, dict):
            index = as_int(item.get("@index"), None)
            found.append((index if index is not None else position + 1, item.get("#text")))
        else:
            found.append((position + 1, item))
    return found


def first_value(body: Any, name: str) -> Any:
    """The first value of the elements called ``name`` anywhere in ``body``; None when there is none."""
    found = all_values(body, name)
    return found[0] if found else None


def all_values(body: Any, name: str) -> list[Any]:
    """Every value of an element called ``name`` anywhere in a parsed body, in document order."""
    found: list[Any] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key == name:
                found.extend(as_list(value))
            else:
                found.extend(all_values(value, name))
    elif isinstance(body, list):
        for item in body:
            found.extend(all_values(item, name))
    return found
