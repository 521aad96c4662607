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

from devices.clock import dlms_date_time, generalized_time
from dccsim.commands.structures import STRUCTURES
from dccsim.duis.ids import normalise_eui
from dccsim.duis.outcomes import DuisRejection
from dccsim.inventory.models import Device
from gbcs import lookup
from gbcs.payload import Payload

# Preferred use case per (variant, device type) where several apply.
_PREFERRED: dict[tuple[str, str], str] = {
    ("4.1.1", "ESME"): "ECS17b", ("4.1.1", "GSME"): "GCS13a", ("4.1.1", "GPF"): "GCS13a",
    ("4.1.2", "ESME"): "ECS17d", ("4.1.2", "GSME"): "GCS13c", ("4.1.2", "GPF"): "GCS13c",
    ("4.10", "ESME"): "ECS23", ("4.11.1", "ESME"): "ECS24", ("4.18", "GSME"): "GCS60", ("4.18", "GPF"): "GCS60a",
    ("6.24.1", "ESME"): "CS02a", ("8.8.1", "*"): "CS04AC", ("3.3", "ESME"): "ECS15a", ("2.2", "ESME"): "CS01a", ("2.2", "GSME"): "CS01b",
    ("11.2", "ESME"): "ECS52", ("11.2", "GSME"): "GCS38", ("11.2", "GPF"): "GCS38", ("8.1.1", "ESME"): "ECS70",
    ("8.1.1", "GSME"): "GCS28", ("1.1.1", "ESME"): "ECS01a", ("1.1.1", "GSME"): "GCS01a",
}
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
        return "CCS02" if str(body.get("RequestType")) == "Remove" else "CCS01"
    if variant == "3.3" and device.device_type == "ESME":
        # ESMEEventLogType ALCS / APC: the auxiliary controller's event log (ECS15c), else the ESME's (ECS15a).
        return "ECS15c" if str(body.get("ESMEEventLogType", "ESME")) not in ("ESME", "") else "ECS15a"
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
                  device_dated: bool = True) -> Command:
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
    info = lookup(code)
    return Command(code, info.use_case if info else use_case, Payload(structure["kind"], tree),
                   critical or structure["sign"], extra)


def execution_time(body: dict[str, Any]) -> datetime | None:
    """The request's ExecutionDateTime (future dating), as an aware datetime."""
    value = body.get("ExecutionDateTime")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return None


# --- what requests supply ------------------------------------------------------------------------

def _eui_bytes(value: Any) -> str:
    return normalise_eui(str(value)).lower()


def _fill_ccs01(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """CCS01: the device to whitelist, its install code and the join time."""
    entry = tree["data"][0]["items"]
    entry[0]["hex"] = _eui_bytes(body["DeviceID"])
    code = str(body.get("InstallCode", ""))
    if code:
        entry[2]["hex"] = code.encode().hex() if len(code) != 32 else code.lower()
    if "JoinTimePeriod" in body:
        tree["data"][1]["value"] = int(body["JoinTimePeriod"])
    return tree


def _fill_ccs02(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    tree["data"][0]["hex"] = _eui_bytes(body["DeviceID"])
    return tree


def _fill_other_device(tree: list, body: dict, device: Device, now: datetime) -> list:
    """CS03 / CS04: the device to join or unjoin goes in the first 8-byte octet string."""
    other = _eui_bytes(body.get("OtherDeviceID", "00-00-00-00-00-00-00-00"))

    def walk(nodes):
        for node in nodes:
            if "children" in node:
                if walk(node["children"]):
                    return True
            elif node["tag"] == "04" and len(node["hex"]) == 16:
                node["hex"] = other
                return True
        return False

    walk(tree)
    return tree


def _fill_utrn(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    if tree.get("data") and "UTRN" in body:
        tree["data"][0]["hex"] = str(body["UTRN"]).encode().hex()
    return tree


def _fill_activation(tree: list, body: dict, device: Device, now: datetime) -> list:
    """CS06: the image hash, and the activation time (or 'now': the far-future sentinel means immediate)."""
    fields = tree[0]["children"]
    if "FirmwareHash" in body:
        fields[0]["hex"] = str(body["FirmwareHash"]).lower()
    when = body.get("ExecutionDateTime")
    stamp = generalized_time(when) if isinstance(when, datetime) else b"99991231235959Z"
    if isinstance(when, str) and when:
        stamp = generalized_time(datetime.fromisoformat(when.replace("Z", "+00:00")))
    fields[-1]["hex"] = stamp.hex()
    return tree


def _fill_time(tree, body: dict, device: Device, now: datetime):
    """ECS70 / GCS28: synchronise the clock to the request's CurrentDateTime (or now)."""
    text = body.get("CurrentDateTime")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00")) if isinstance(text, str) and text else now
    if isinstance(tree, list):
        for node in tree[0]["children"]:
            if node["tag"] == "18":
                node["hex"] = generalized_time(moment).hex()
        return tree
    for index, spec in enumerate(tree["specs"]):
        if spec["choice"] == "set" and spec["class"] == 8 and tree["data"][index]["type"] == "octet-string":
            tree["data"][index]["hex"] = dlms_date_time(moment).hex()
    return tree


def _all_values(body: Any, name: str) -> list[tuple[int, int]]:
    """(index attribute, value) of every element called ``name`` anywhere in a parsed body."""
    found = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key == name:
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, dict):
                        found.append((int(item.get("@index", 0) or 0), int(item.get("#text", 0) or 0)))
                    elif str(item).lstrip("-").isdigit():
                        found.append((0, int(item)))
            else:
                found.extend(_all_values(value, name))
    elif isinstance(body, list):
        for item in body:
            found.extend(_all_values(item, name))
    return found


def _fill_esme_tariff(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS01a: TOU and block prices into the passive charge tables, thresholds into the passive register
    monitors, activation now (the meter moves passive to active)."""
    for index, spec in enumerate(tree["specs"]):
        data = tree["data"][index]
        if spec["class"] == 113 and spec.get("attribute") == 6:
            prices = _all_values(body, "TOUPrice" if spec["obis"] == "0000131400FF" else "BlockPrice")
            slots = data["items"][2]["items"]
            for position, (i, value) in enumerate(prices):
                slot = (i - 1) if i else position
                if 0 <= slot < len(slots):
                    slots[slot]["items"][1]["value"] = value
        elif spec["class"] == 21 and spec.get("attribute") == 2:
            thresholds = _all_values(body, "BlockThreshold")
            register = int(spec["obis"][8:10], 16) - 0x0B
            if 0 <= register < len(thresholds):
                data["items"][0]["value"] = min(thresholds[register][1], 0xFFFFFFFF)
        elif spec.get("attribute") in (7, 10) and data.get("type") == "octet-string":
            data["hex"] = "0000000000000000008000ff"
    return tree


FILLS: dict[str, Callable] = {
    "CCS01": _fill_ccs01, "CCS02": _fill_ccs02,
    "CS03A1": _fill_other_device, "CS03A2": _fill_other_device, "CS03B": _fill_other_device,
    "CS03C": _fill_other_device, "CS04AC": _fill_other_device, "CS04B": _fill_other_device,
    "CS01a": _fill_utrn, "CS06": _fill_activation, "ECS70": _fill_time, "GCS28": _fill_time,
    "ECS01a": _fill_esme_tariff,
}
