"""Commands of the common CS / CCS use cases (Communications Hub device log, join / unjoin, firmware
activation, security credentials): what a Service Request puts into them."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from devices.clock import generalized_time
from dccsim.commands.values import as_datetime, as_int, eui_hex, text_of
from dccsim.inventory.models import Device

# Preferred use case per (variant, device type) where several apply.
PREFERRED: dict[tuple[str, str], str] = {
    ("6.24.1", "ESME"): "CS02a", ("8.8.1", "*"): "CS04AC",
}


def _fill_ccs01(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """CCS01: the device to whitelist, its install code and the join time."""
    body = {**body, **(body.get("AddDeviceToCHFWhitelist") or {})}   # DUIS nests the last two
    entry = tree["data"][0]["items"]
    entry[0]["hex"] = eui_hex(body["DeviceID"])
    code = text_of(body.get("InstallCode", ""))
    if code:
        entry[2]["hex"] = code.encode().hex() if len(code) != 32 else code.lower()
    if "JoinTimePeriod" in body:
        tree["data"][1]["value"] = as_int(body["JoinTimePeriod"], 0)
    return tree


def _fill_ccs02(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    tree["data"][0]["hex"] = eui_hex(body["DeviceID"])
    return tree


def _fill_other_device(tree: list, body: dict, device: Device, now: datetime) -> list:
    """CS03 / CS04: the device to join or unjoin goes in the first 8-byte octet string."""
    other = eui_hex(body.get("OtherDeviceID", "00-00-00-00-00-00-00-00"))

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


def _fill_activation(tree: list, body: dict, device: Device, now: datetime) -> list:
    """CS06: the image hash, and the activation time (or 'now': the far-future sentinel means immediate)."""
    fields = tree[0]["children"]
    if "FirmwareHash" in body:
        fields[0]["hex"] = text_of(body["FirmwareHash"]).lower()
    when = as_datetime(body.get("ExecutionDateTime"))
    stamp = generalized_time(when) if when is not None else b"99991231235959Z"
    fields[-1]["hex"] = stamp.hex()
    return tree


FILLS: dict[str, Callable[[Any, dict, Device, datetime], Any]] = {
    "CCS01": _fill_ccs01, "CCS02": _fill_ccs02,
    "CS03A1": _fill_other_device, "CS03A2": _fill_other_device, "CS03B": _fill_other_device,
    "CS03C": _fill_other_device, "CS04AC": _fill_other_device, "CS04B": _fill_other_device,
    "CS06": _fill_activation,
}
