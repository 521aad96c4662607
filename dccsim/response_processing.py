"""What the DCC does with a device's successful Response besides delivering it (DUIS 'Additional DCC
System Processing'): commissioning, firmware versions against the CPL (N49 / N50 / N51), device
certificate tracking (6.24.2), and the CHF device log (8.11)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import gbcs
from dccsim.duis.ids import dashed
from dccsim.duis.responses import add
from dccsim.inventory import repository as repo

if TYPE_CHECKING:
    from dccsim.runtime import Simulator

_DUIS_TYPE = {"APC": "HCALCS"}


def _succeeded(message: gbcs.Message) -> bool:
    tree = message.payload.tree
    if message.payload.kind == "dlms-access-response":
        return all(r["result"] == 0 for r in tree.get("results", []))
    if message.payload.kind == "asn1":
        first = tree[0] if tree else {}
        if first.get("tag") == "02":
            return first.get("hex") in ("00", "")
        children = first.get("children") or []
        for child in children:
            if child.get("tag") == "02":
                return child.get("hex") in ("00", "")
        return True
    return True


def reported_firmware_version(message: gbcs.Message) -> str | None:
    """The firmware version a read-firmware response (ECS52 / GCS38 / CS08) or activation (CS06) reports."""
    kind, tree = message.payload.kind, message.payload.tree
    if kind == "dlms-access-response":
        for value in tree.get("data", []):
            if value.get("type") == "octet-string":
                return value["hex"].upper()
    if kind == "gbz":
        for component in tree.get("components", []):
            raw = bytes.fromhex(component["payload"])
            if component["command"] == 0x01 and len(raw) >= 5 and raw[2] == 0 and raw[3] == 0x41:  # octet string
                return raw[5:5 + raw[4]].hex().upper()
    if kind == "asn1":
        def walk(nodes):
            for node in nodes:
                if "children" in node:
                    found = walk(node["children"])
                    if found:
                        return found
                elif node["tag"] == "04" and len(node["hex"]) == 8:
                    return node["hex"].upper()
            return None
        return walk(tree)
    return None


async def after_response(sim: "Simulator", conn, job, device, message: gbcs.Message) -> list:
    from dccsim.alert_routing import dcc_alert_to

    if message.verification.mac == "failed" or not _succeeded(message):
        return []
    use_case = message.use_case or ""
    variant = job["variant"]
    if variant == "8.1.1" and device.status != "Commissioned":
        await repo.update_device(conn, device.device_id, status="Commissioned",
                                 date_commissioned=datetime.now(timezone.utc).date())
    if use_case == "CCS01":
        return []
    if variant in ("11.2", "11.3") and sim.release.firmware_cpl_alerts:
        return await _firmware_against_cpl(sim, conn, job, device, message, dcc_alert_to)
    if variant == "6.24.2" and sim.release.certificate_tracking:
        await _track_certificate(sim, conn, device, message)
    return []


async def _firmware_against_cpl(sim, conn, job, device, message, dcc_alert_to) -> list:
    reported = reported_firmware_version(message)
    if reported is None or reported == (device.firmware_version or "").upper():
        return []
    entry = await repo.cpl_lookup(conn, device.manufacturer, device.model, reported)
    if entry is None:
        code = "N51"
    elif entry.status == "Removed":
        code = "N50"
    else:
        code = "N49"
    if code != "N51":
        await repo.update_device(conn, device.device_id, firmware_version=reported)
    if code == "N49" and job["variant"] != "11.2":
        return []
    recipients = []
    parties = {}
    for candidate in [device, *(await repo.premises_devices(conn, device))]:
        for role, entity in (await repo.parties(conn, candidate.device_id)).items():
            parties.setdefault(role, entity)
    for role in ("IS", "GS"):
        user = parties.get(role)
        if user and user not in recipients and not (code == "N49" and user == job["user_id"]):
            recipients.append(user)
    smi_version = device.firmware_version or "00000000"

    def fill(alert):
        body = add(alert, "FirmwareVersionMismatch")
        add(body, "DeviceID", dashed(device.device_id))
        add(body, "DeviceType", _DUIS_TYPE.get(device.device_type, device.device_type))
        add(body, "FirmwareVersionSMI", smi_version)
        add(body, "FirmwareVersionDevice", reported)

    return [await dcc_alert_to(sim, user, code, fill, request_id=job["request_id"]) for user in recipients]


async def _track_certificate(sim, conn, device, message: gbcs.Message) -> None:
    """SECMP0081 / 6.24.2: a device reporting a certificate the SMKI repository does not hold as active
    gets that certificate recorded as the device's (inventory and SMKI repository follow the device)."""
    from cryptography import x509

    from dccsim.smki.credentials import classify
    from dccsim.smki.repository import save_credentials
    from gbcs.payload import asn1

    if message.payload.kind != "asn1":
        return
    try:
        der = asn1.encode(message.payload.tree)
        certificate = x509.load_der_x509_certificate(der)
    except ValueError:
        return
    credential = classify(certificate, "reported by device")
    if credential.entity_id != device.device_id:
        return
    current = sim.smki.gbcs(device.device_id, credential.usage.value)
    if current is not None and current.certificate == certificate:
        return
    credential.private_key = current.private_key if current else None
    credential.source = "reported by device"
    await save_credentials(conn, [credential])
    sim.smki.add(credential)
    sim.extras.pop("dcc_keys", None)
