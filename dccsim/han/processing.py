"""What the DCC does with a device's successful Response besides delivering it (DUIS 'Additional DCC
System Processing'): commissioning, firmware versions against the CPL (N49 / N50 / N51, also when a
future-dated activation alert reports the version), device certificate tracking (6.24.2), and the CHF
device log (8.11: a device added to a hub's log is Whitelisted on that hub)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import gbcs
from gbcs import zcl
from dccsim.duis.ids import dashed
from dccsim.duis.responses import add
from dccsim.inventory import repository as repo

if TYPE_CHECKING:
    from dccsim.runtime.simulator import Simulator

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
    """The firmware version a read-firmware response (ECS52 / GCS38 / CS08), an activation (CS06) or an
    activation alert reports."""
    kind, tree = message.payload.kind, message.payload.tree
    if kind == "dlms-access-response":
        for value in tree.get("data", []):
            if value.get("type") == "octet-string":
                return value["hex"].upper()
    if kind == "gbz":
        for component in tree.get("components", []):
            if component["command"] != zcl.READ_ATTRIBUTES_RESPONSE or component["frame_control"] & zcl.FRAME_TYPE_CLUSTER_SPECIFIC:
                continue
            for record in zcl.decode_read_attributes_response(bytes.fromhex(component["payload"])):
                if record.value is not None and isinstance(record.value.value, bytes):
                    return record.value.value.hex().upper()
    if kind == "asn1":
        return _version_octets(tree)
    return None


def _version_octets(nodes: list) -> str | None:
    """The first 4-octet OCTET STRING of an ASN.1 tree: the firmware version of the CS use cases."""
    for node in nodes:
        if "children" in node:
            found = _version_octets(node["children"])
            if found:
                return found
        elif node.get("tag") == "04" and len(node.get("hex", "")) == 8:
            return node["hex"].upper()
    return None


async def after_response(sim: "Simulator", conn, job, device, message: gbcs.Message) -> list:
    if message.verification.mac == "failed" or not _succeeded(message):
        return []
    use_case = message.use_case or ""
    variant = job["variant"]
    if variant == "6.24.2" and sim.release.certificate_tracking:
        await _track_certificate(sim, conn, device, message)
        return []
    if message.verification.signature == "failed":
        return []
    if variant == "8.1.1" and device.status != "Commissioned":
        await repo.update_device(conn, device.device_id, status="Commissioned",
                                 date_commissioned=datetime.now(timezone.utc).date())
    if use_case in ("CCS01", "CCS02"):
        await _device_log_changed(conn, device, use_case, job)
        return []
    if use_case in ("CCS05", "CCS06"):
        await _devices_on_the_han(conn, device, message)
        return []
    if variant in ("11.2", "11.3") and sim.release.firmware_cpl_alerts:
        return await firmware_against_cpl(sim, conn, device, reported_firmware_version(message),
                                          requester=job["user_id"], trigger=variant,
                                          request_id=job["request_id"])
    return []


def _command_target(job) -> str | None:
    """The device a CCS01 / CCS02 command named (its first 8-byte octet string)."""
    try:
        command = gbcs.decode(bytes(job["frame"]))
    except (gbcs.GbcsError, KeyError, TypeError):
        return None

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "octet-string" and len(node.get("hex", "")) == 16:
                return node["hex"].upper()
            for item in node.get("items", []):
                found = walk(item)
                if found:
                    return found
        elif isinstance(node, list):
            for item in node:
                found = walk(item)
                if found:
                    return found
        return None
    return walk(command.payload.tree.get("data", []))


async def _devices_on_the_han(conn, chf, message: gbcs.Message) -> None:
    """8.9: a Whitelisted device the hub's device log shows on its HAN is installed (InstalledNotCommissioned)."""
    entries = (message.payload.tree.get("data") or [{}])[0].get("items", [])
    for entry in entries:
        items = entry.get("items") or []
        if not items or items[0].get("type") != "octet-string":
            continue
        listed = await repo.get_device(conn, items[0]["hex"].upper())
        if listed is not None and listed.status == "Whitelisted" and listed.chf_id == chf.device_id:
            await repo.update_device(conn, listed.device_id, status="InstalledNotCommissioned")


async def _device_log_changed(conn, chf, use_case: str, job) -> None:
    """8.11: a device added to a hub's device log is on that hub (a Pending one becomes Whitelisted); one
    removed before it was installed goes back to Pending."""
    target_id = _command_target(job)
    target = await repo.get_device(conn, target_id) if target_id else None
    if target is None:
        return
    if use_case == "CCS01":
        status = "Whitelisted" if target.status == "Pending" else target.status
        await repo.update_device(conn, target.device_id, chf_id=chf.device_id, status=status)
    elif target.status == "Whitelisted":
        await repo.update_device(conn, target.device_id, chf_id=None, status="Pending")


async def firmware_against_cpl(sim, conn, device, reported: str | None, *, requester: str | None, trigger: str,
                               request_id: str | None = None) -> list:
    """A firmware version a device reported (11.2, 11.3, or a future-dated activation alert) against the
    inventory and the CPL: N49 (Current: inventory updated; after 11.2, to the IS / GS that did not ask),
    N50 (Removed: inventory updated), N51 (not on the CPL: inventory left alone)."""
    from dccsim.han.alerts import dcc_alert_to

    if reported is None or reported.upper() == (device.firmware_version or "").upper():
        return []
    reported = reported.upper()
    entry = await repo.cpl_lookup(conn, device.manufacturer, device.model, reported)
    if entry is None:
        code = "N51"
    elif entry.status == "Removed":
        code = "N50"
    else:
        code = "N49"
    if code != "N51":
        await repo.update_device(conn, device.device_id, firmware_version=reported)
    if code == "N49" and trigger != "11.2":
        return []
    recipients = []
    parties = {}
    for candidate in [device, *(await repo.premises_devices(conn, device))]:
        for role, entity in (await repo.parties(conn, candidate.device_id)).items():
            parties.setdefault(role, entity)
    for role in ("IS", "GS"):
        user = parties.get(role)
        if user and user not in recipients and not (code == "N49" and user == requester):
            recipients.append(user)
    smi_version = device.firmware_version or "00000000"

    def fill(alert):
        body = add(alert, "FirmwareVersionMismatch")
        add(body, "DeviceID", dashed(device.device_id))
        add(body, "DeviceType", _DUIS_TYPE.get(device.device_type, device.device_type))
        add(body, "FirmwareVersionSMI", smi_version)
        add(body, "FirmwareVersionDevice", reported)

    return [await dcc_alert_to(sim, user, code, fill, request_id=request_id) for user in recipients]


async def _track_certificate(sim, conn, device, message: gbcs.Message) -> None:
    """SECMP0081 / 6.24.2: a device reporting a certificate the SMKI repository does not hold as its active
    one gets that certificate recorded as the device's, once it is shown to be genuine: issued to this device
    by a CA the SMKI repository knows, and — for a digital-signing certificate — the key that signed this
    very response. The simulator never learns the device's private key."""
    from cryptography import x509

    from dccsim.han.identities import forget_keys
    from dccsim.smki.credentials import classify
    from dccsim.smki.repository import save_credentials
    from gbcs import asn1

    if message.payload.kind != "asn1":
        return
    try:
        der = asn1.encode(message.payload.tree)
        certificate = x509.load_der_x509_certificate(der)
    except ValueError:
        return
    credential = classify(certificate, "reported by device")
    if credential.entity_id != device.device_id or not _issued_by_known_ca(sim, certificate):
        return
    usage = credential.usage.value
    current = sim.smki.gbcs(device.device_id, usage)
    if current is not None and current.certificate == certificate:
        return
    if message.verification.signature == "failed":
        if usage != "ds":
            return
        if not gbcs.verify_signature(message, certificate.public_key()):
            return
    credential.private_key = None
    credential.source = "reported by device"
    await save_credentials(conn, [credential])
    sim.smki.add(credential)
    forget_keys(sim, device.device_id)


def _issued_by_known_ca(sim, certificate) -> bool:
    """The certificate's signature verifies with one of the SMKI repository's certificate authorities."""
    from cryptography.hazmat.primitives.asymmetric import ec

    authorities = list(sim.smki.authorities.values()) + [c for c in sim.smki.all() if c.usage.value == "ca"]
    for authority in authorities:
        key = authority.certificate.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey):
            continue
        try:
            key.verify(certificate.signature, certificate.tbs_certificate_bytes,
                       ec.ECDSA(certificate.signature_hash_algorithm))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not this CA"
            continue
    return False
