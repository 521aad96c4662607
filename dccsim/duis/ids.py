"""EUI-64 identifiers and DUIS RequestIDs (``originator:target:counter``)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_EUI_DASHED = re.compile(r"^([0-9A-Fa-f]{2}-){7}[0-9A-Fa-f]{2}$")
_CANONICAL = re.compile(r"(?:[0-9A-F]{2}-){7}[0-9A-F]{2}:(?:[0-9A-F]{2}-){7}[0-9A-F]{2}:(?:0|[1-9][0-9]*)")
_EUI_PLAIN = re.compile(r"^[0-9A-Fa-f]{16}$")

# The DCC's own entity id: the target of non-device Service Requests, its Access Control Broker identity.
DCC_ENTITY_ID = "90B3D51F30000002"


@lru_cache(maxsize=65536)      # every request's RequestID names two, mostly the same ones again
def normalise_eui(value: str) -> str:
    """Return an EUI-64 as 16 upper-case hex digits; accepts ``XX-XX-..`` or plain hex."""
    value = value.strip()
    if _EUI_DASHED.match(value):
        return value.replace("-", "").upper()
    if _EUI_PLAIN.match(value):
        return value.upper()
    raise ValueError(f"not an EUI-64: {value!r}")


@lru_cache(maxsize=65536)      # on every response's hot path (8.2 lists up to 17 devices)
def dashed(eui: str) -> str:
    """Format 16 hex digits as DUIS writes them: ``90-B3-D5-1F-30-01-00-00``."""
    plain = normalise_eui(eui)
    return "-".join(plain[i:i + 2] for i in range(0, 16, 2))


@dataclass(frozen=True)
class RequestId:
    """A parsed RequestID; originator and target as 16 upper-case hex digits."""

    originator: str
    target: str
    counter: int

    @classmethod
    def parse(cls, text: str) -> "RequestId":
        parts = text.strip().split(":")
        if len(parts) != 3:
            raise ValueError(f"RequestID is not originator:target:counter: {text!r}")
        originator, target, counter = parts
        if not counter.isdigit():
            raise ValueError(f"RequestID counter is not a number: {text!r}")
        return cls(normalise_eui(originator), normalise_eui(target), int(counter))

    def __str__(self) -> str:
        return f"{dashed(self.originator)}:{dashed(self.target)}:{self.counter}"

    def response_id(self) -> str:
        """The ResponseID the DCC gives a Response to this request: ``target:originator:counter``."""
        return f"{dashed(self.target)}:{dashed(self.originator)}:{self.counter}"


def canonical_request_id(text: str | None) -> str | None:
    """A RequestID in the one form the simulator stores (``90b3d51f30010000:00-DB-…:0042`` →
    ``90-B3-D5-1F-30-01-00-00:00-DB-…:42``); text that is not a RequestID comes back as it was."""
    if text is None:
        return None
    text = text.strip()
    if _CANONICAL.fullmatch(text):
        return text
    try:
        return str(RequestId.parse(text))
    except ValueError:
        return text
