"""The DLMS attribute store of a COSEM server: the values commands set, keyed ``class:OBIS:attribute``."""
from __future__ import annotations

from devices.state import DlmsNode

AttributeStore = dict[str, DlmsNode]


def key(cls: int, obis: str, attribute: int) -> str:
    return f"{cls}:{obis.upper()}:{attribute}"


def parts(name: str) -> tuple[int, str, int]:
    """(class, OBIS, attribute) of a store key."""
    cls, obis, attribute = name.split(":")
    return int(cls), obis, int(attribute)
