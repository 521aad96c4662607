"""Commands of the common CS / CCS use cases (Communications Hub device log, join / unjoin, firmware
activation, security credentials): what a Service Request puts into them.

Restore HAN Device Log (8.12.1) names only the old hub; the DCC adds the backup of that hub's device log it
holds (the latest CS14 alert) to the request as ``RestoreEntries`` / ``RestorePAN`` before the command is
built; Restore GPF Device Log (8.12.2) the same with the latest GCS62 alert of the old GPF."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

import gbcs
from gbcs.times import generalized_time
from dccsim.han.commands.values import as_datetime, as_int, as_list, eui_hex, text_of
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


def _fill_ccs03(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """CCS03: the PAN and the device log (device ids and hashed link keys) of the backup being restored."""
    backup = tree["data"][0]["items"]
    if body.get("RestorePAN"):
        backup[0]["hex"] = text_of(body["RestorePAN"]).lower()
    entries = body.get("RestoreEntries")
    if entries is not None:
        backup[1]["items"] = [{"type": "structure", "items": [
            {"type": "octet-string", "hex": str(e["device_id"]).lower()},
            {"type": "octet-string", "hex": str(e.get("link_key_hash") or "").lower()}]} for e in entries]
    return tree


def _fill_gcs59(tree: list, body: dict, device: Device, now: datetime) -> list:
    """GCS59: the device log (device ids and GBCS device types, by name) of the GPF backup being restored."""
    entries = body.get("RestoreEntries")
    if entries is None:
        return tree
    return gbcs.Payload.from_json({"kind": "asn1", "fields": {
        "view": "asn1", "layout": "gpf-device-log-restore-command",
        "device_log_entries": [{"device_id": str(e["device_id"]).upper(), "device_type": e["device_type"]}
                               for e in entries]}}).tree


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


# DUIS RemotePartyRole → the GBCS remote-party role code a 6.24.1 command asks the device about.
REMOTE_PARTY_ROLE_CODES = {"Root": 0, "Recovery": 1, "Supplier": 2, "NetworkOperator": 3, "ACB": 4, "TransCoS": 5,
                           "LoadController": 8}


def requested_roles(body: dict) -> list[str]:
    return [text_of(v) for v in as_list(body.get("RemotePartyRole"))]


def _fill_credentials_krp(tree: list, body: dict, device: Device, now: datetime) -> list:
    """CS02a / CS02f: the remote-party roles whose trust-anchor cells the device is to report."""
    roles = [REMOTE_PARTY_ROLE_CODES[r] for r in requested_roles(body) if r in REMOTE_PARTY_ROLE_CODES]
    if roles:
        tree[0]["children"][1]["children"] = [{"tag": "02", "hex": f"{code:02x}"} for code in roles]
    return tree


KEY_USAGE_BITS = {"Digital Signature": "0780", "Key Agreement": "0308"}


def _fill_device_credentials(tree: list, body: dict, device: Device, now: datetime) -> list:
    """CS02e: which of the device's certificates to return (key usage bit string)."""
    bits = KEY_USAGE_BITS.get(text_of(body.get("CredentialType", "Digital Signature")))
    if bits:
        tree[0]["children"][0]["hex"] = bits
    return tree


GBCS_CANCELLATION = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
DUIS_CANCELLATION_YEAR = 3000


def _fill_activation(tree: list, body: dict, device: Device, now: datetime) -> list:
    """CS06: the image hash and, for a future-dated activation, its time (GeneralizedTime); no time means
    now, the DUIS cancellation date (3000-12-31) becomes GBCS's 9999-12-31 23:59:59 (cancel)."""
    fields = tree[0]["children"]
    if "FirmwareHash" in body:
        fields[0]["hex"] = text_of(body["FirmwareHash"]).lower()
    when = as_datetime(body.get("ExecutionDateTime"))
    if when is not None and when.year >= DUIS_CANCELLATION_YEAR:
        when = GBCS_CANCELLATION
    if when is None or when <= now:
        del fields[2:]
    else:
        fields[2]["hex"] = generalized_time(when).hex()
    return tree


def _finish_activation(tree: list, counter: int) -> list:
    """CS06 quotes its request's counter, which the future-dated activation alert repeats."""
    tree[0]["children"][1]["hex"] = counter.to_bytes(max(1, (counter.bit_length() + 8) // 8), "big").hex()
    return tree


FILLS: dict[str, Callable[[Any, dict, Device, datetime], Any]] = {
    "CCS01": _fill_ccs01, "CCS02": _fill_ccs02, "CCS03": _fill_ccs03, "GCS59": _fill_gcs59,
    "CS03A1": _fill_other_device, "CS03A2": _fill_other_device, "CS03B": _fill_other_device,
    "CS03C": _fill_other_device, "CS04AC": _fill_other_device, "CS04B": _fill_other_device,
    "CS06": _fill_activation, "CS02a": _fill_credentials_krp, "CS02f": _fill_credentials_krp,
    "CS02e": _fill_device_credentials,
}

# What a command takes from the request's identity rather than its body.
FINISH: dict[str, Callable[[Any, int], Any]] = {"CS06": _finish_activation}
