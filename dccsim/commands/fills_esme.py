"""ESME commands (ECS use cases, and the DLMS top-up CS01a): what a Service Request puts into them."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from devices.clock import dlms_date_time
from dccsim.commands.values import all_values, as_datetime, as_int, indexed, text_of
from dccsim.inventory.models import Device

# Preferred use case per (variant, device type) where several apply.
PREFERRED: dict[tuple[str, str], str] = {
    ("4.1.1", "ESME"): "ECS17b", ("4.1.2", "ESME"): "ECS17d", ("4.10", "ESME"): "ECS23",
    ("4.11.1", "ESME"): "ECS24", ("3.3", "ESME"): "ECS15a", ("2.2", "ESME"): "CS01a",
    ("11.2", "ESME"): "ECS52", ("8.1.1", "ESME"): "ECS70", ("1.1.1", "ESME"): "ECS01a",
}


def _fill_utrn(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    if tree.get("data") and "UTRN" in body:
        tree["data"][0]["hex"] = text_of(body["UTRN"]).encode().hex()
    return tree


def _fill_time(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS70: synchronise the clock to the request's CurrentDateTime (or now)."""
    moment = as_datetime(body.get("CurrentDateTime")) or now
    for index, spec in enumerate(tree["specs"]):
        if spec["choice"] == "set" and spec["class"] == 8 and tree["data"][index]["type"] == "octet-string":
            tree["data"][index]["hex"] = dlms_date_time(moment).hex()
    return tree


def _prices(body: dict, name: str) -> list[tuple[int, int]]:
    return [(index, as_int(value, 0)) for index, value in indexed(all_values(body, name))]


def _fill_esme_tariff(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS01a: TOU and block prices into the passive charge tables, thresholds into the passive register
    monitors, activation now (the meter moves passive to active)."""
    for index, spec in enumerate(tree["specs"]):
        data = tree["data"][index]
        if spec["class"] == 113 and spec.get("attribute") == 6:
            prices = _prices(body, "TOUPrice" if spec["obis"] == "0000131400FF" else "BlockPrice")
            slots = data["items"][2]["items"]
            for slot_index, value in prices:
                slot = slot_index - 1
                if 0 <= slot < len(slots):
                    slots[slot]["items"][1]["value"] = value
        elif spec["class"] == 21 and spec.get("attribute") == 2:
            thresholds = [as_int(v, 0) for v in all_values(body, "BlockThreshold")]
            register = int(spec["obis"][8:10], 16) - 0x0B
            if 0 <= register < len(thresholds):
                data["items"][0]["value"] = min(thresholds[register], 0xFFFFFFFF)
        elif spec.get("attribute") in (7, 10) and data.get("type") == "octet-string":
            data["hex"] = "0000000000000000008000ff"
    return tree


FILLS: dict[str, Callable[[Any, dict, Device, datetime], Any]] = {
    "CS01a": _fill_utrn, "ECS70": _fill_time, "ECS01a": _fill_esme_tariff,
}
