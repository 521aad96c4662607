"""From a validated device Service Request to a GBCS command: use-case choice, payload, frame.

The use case depends on the variant, the target's device type and GBCS version and, for some SRs, the
body (8.9 ReadSecurityDetails, 8.11 Add/Remove). The payload starts from the use case's structure
(``structures.STRUCTURES``) and takes what the request supplies.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from devices.clock import dlms_date_time
from dccsim.commands import fills_cs, fills_esme, fills_gas
from dccsim.commands.structures import STRUCTURES
from dccsim.commands.values import as_datetime, text_of
from dccsim.duis.outcomes import DuisRejection
from dccsim.inventory.models import Device
from gbcs import lookup
from gbcs.payload import Payload

# Preferred use case per (variant, device type) where several apply, and what each use case's command
# takes from the request: one table per device family.
_PREFERRED: dict[tuple[str, str], str] = {**fills_cs.PREFERRED, **fills_esme.PREFERRED, **fills_gas.PREFERRED}
FILLS: dict[str, Callable] = {**fills_cs.FILLS, **fills_esme.FILLS, **fills_gas.FILLS}
_DEVICE_PREFIX = {"ECS": {"ESME"}, "GCS": {"GSME", "GPF"}, "CCS": {"CHF"}, "PCS": {"PPMID"}}


@dataclass(frozen=True)
class Command:
    message_code: int
    use_case: str
    payload: Payload
    critical: bool
    other_info_extra: bytes


def _version(device: Device) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in (device.gbcs_version or "1.0").split("."))
    except ValueError:
        return (1, 0)


METERS = {"ESME", "GSME"}
TYPE_2 = {"CAD", "Type2"}


def join_use_case(variant: str, device: Device, other_type: str | None) -> str:
    """Join (8.7.x) and unjoin (8.8.x): GBCS Method A (meter ↔ non-meter), B (meter ↔ Type 2 device) or C
    (non-meter ↔ Type 2 device), by the target's type and the other device's type in the inventory."""
    meter = device.device_type in METERS
    if variant == "8.7.1":
        return "CS03A1" if meter else "CS03A2"
    if variant == "8.7.2":
        if meter:
            return "CS03B"
        return "CS03A2" if other_type in METERS else "CS03C"
    if variant == "8.8.2":
        return "CS04B" if meter else "CS04AC"
    return "CS04AC"


def choose_use_case(variant: str, use_cases: tuple[str, ...], device: Device, body: dict[str, Any],
                    other_type: str | None = None) -> str:
    """The GBCS use case for this request (or a DUIS rejection where the release note says so)."""
    if variant in ("8.7.1", "8.7.2", "8.8.1", "8.8.2"):
        return join_use_case(variant, device, other_type)
    if variant == "8.9":
        security = "ReadSecurityDetails" in body
        if device.device_type != "CHF":
            if security:
                raise DuisRejection("E080903", "ReadSecurityDetails is only for a Communications Hub Function")
            return "CS07"
        if security:
            if _version(device) < (3, 2):
                raise DuisRejection("E080902", f"GBCS {device.gbcs_version} of this CHF does not support "
                                               "ReadSecurityDetails")
            return "CCS07"
        return "CCS05" if _version(device) < (2, 0) else "CCS06"
    if variant == "8.11":
        return "CCS02" if text_of(body.get("RequestType")) == "Remove" else "CCS01"
    if variant == "3.3" and device.device_type == "ESME":
        # ESMEEventLogType ALCS / APC: the auxiliary controller's event log (ECS15c), else the ESME's (ECS15a).
        return "ECS15c" if text_of(body.get("ESMEEventLogType", "ESME")) not in ("ESME", "") else "ECS15a"
    chosen = fills_esme.choose_use_case(variant, device, body)
    if chosen is not None:
        return chosen
    for key in ((variant, device.device_type), (variant, "*")):
        if key in _PREFERRED:
            return _PREFERRED[key]
    for use_case in use_cases:
        prefix = next((p for p in _DEVICE_PREFIX if use_case.startswith(p)), None)
        if prefix is None or device.device_type in _DEVICE_PREFIX[prefix]:
            if any(s["use_case"] == use_case for s in STRUCTURES.values()):
                return use_case
    raise DuisRejection("E11", f"no GBCS use case of {variant} applies to a {device.device_type}")


def _structure(use_case: str) -> tuple[int, dict]:
    for code, structure in STRUCTURES.items():
        if structure["use_case"] == use_case:
            return code, structure
    raise DuisRejection("HTTP-501-NOT-IMPLEMENTED", f"the simulator cannot build {use_case} commands")


def build_command(variant: str, use_cases: tuple[str, ...], device: Device, body: dict[str, Any],
                  *, critical: bool, now: datetime | None = None, other_type: str | None = None,
                  device_dated: bool = True, originator: str | None = None, counter: int | None = None) -> Command:
    now = now or datetime.now(timezone.utc)
    use_case = choose_use_case(variant, use_cases, device, body, other_type)
    code, structure = _structure(use_case)
    tree = copy.deepcopy(structure["tree"])
    fill = FILLS.get(use_case)
    if fill is not None:
        tree = fill(tree, body, device, now)
    when = execution_time(body)
    if device_dated and structure["kind"] == "dlms-access-request" and when is not None and when > now:
        tree["date_time"] = dlms_date_time(when).hex()     # future-dated: executed by the device at this time
    extra = bytes.fromhex(structure["extra"]) if structure["extra"] else b""
    if originator is not None and counter is not None:     # the request's parties (invoke and transaction ids)
        tree, extra = fills_esme.address(use_case, structure["kind"], tree, extra, originator=originator,
                                         recipient=device.device_id, counter=counter)
    info = lookup(code)
    return Command(code, info.use_case if info else use_case, Payload(structure["kind"], tree),
                   critical or structure["sign"], extra)


def execution_time(body: dict[str, Any]) -> datetime | None:
    """The request's ExecutionDateTime (future dating), as an aware datetime."""
    return as_datetime(body.get("ExecutionDateTime"))
