"""What the DCC does with a device's successful Response besides delivering it (DUIS 'Additional DCC
System Processing'): commissioning (N16 to a meter's Network Operator), an ALCS / HCALCS configuration change
(N58), a change of supplier (N12 to the supplier losing the device), a Service Opt Out (8.5: the device leaves
the DCC's service), firmware versions against the CPL (N49 /
N50 / N51, also when a future-dated activation alert reports the version), device certificate tracking (6.24.2),
and the CHF device log (8.11: a device added to a hub's log is Whitelisted on that hub). The decisions are
``dccsim.han.response_rules``; this module reads and writes the inventory and the SMKI repository."""
from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec

import gbcs
from gbcs import asn1
from dccsim.duis.ids import dashed
from dccsim.duis.responses import add
from dccsim.han import dcc_alerts
from dccsim.han import response_rules as rules
from dccsim.han.context import HanContext
from dccsim.han.documents import Outgoing, dcc_alert_to
from dccsim.inventory import repository as repo
from dccsim.inventory.models import OPTED_OUT, Device, DeviceStatus, DeviceType
from dccsim.smki.credentials import Usage, classify
from dccsim.smki.device_credentials import keep_derived
from dccsim.smki.repository import save_credentials

_DUIS_TYPE = {DeviceType.APC: "HCALCS"}


@dataclass(frozen=True)
class Answered:
    """The command a Response answers, as the DCC knows it."""

    variant: str
    user_id: str
    request_id: str
    command: bytes | None = None       # the command frame, where the DCC sent it itself


async def after_response(han: HanContext, conn, answered: Answered, device: Device,
                         message: gbcs.Message) -> list[Outgoing]:
    use_case = message.use_case or ""
    variant = answered.variant
    if not rules.processed(variant, (use_case,)):
        return []       # only delivered: the table of what is processed is the one place that says so
    if message.verification.mac == gbcs.Check.FAILED or not rules.succeeded(message):
        return []
    if variant == "6.24.2" and han.release.certificate_tracking:
        await _track_certificate(han, conn, device, message)
        return []
    if variant == "6.15.2" and rules.device_certificate_taken(message):
        certificate = rules.certificate_sent(answered.command)
        if certificate is not None:
            await _record_device_certificate(han, conn, device, certificate, message)
        return []
    if message.verification.signature == gbcs.Check.FAILED:
        return []
    if variant == "8.1.1" and device.status != DeviceStatus.COMMISSIONED:
        await han.inventory.update_device(conn, device.device_id, status=DeviceStatus.COMMISSIONED,
                                          date_commissioned=han.clock.now().date())
        if dcc_alerts.has_mpxn(device):       # N16: the Network Operator hears of a new meter at its MPxN
            return await dcc_alerts.raise_dcc_alert(han, conn, "N16", device, dcc_alerts.meter_identity(device),
                                                    request_id=answered.request_id)
    leaving: list[Outgoing] = []
    if rules.supplier_changed(variant) and dcc_alerts.has_mpxn(device):
        # N12 goes to the supplier(s) the device leaves: decided before the inventory follows the new cells.
        leaving = await dcc_alerts.raise_dcc_alert(han, conn, "N12", device, dcc_alerts.change_of_supplier(device),
                                                   requester=answered.user_id, request_id=answered.request_id)
    if rules.configuration_changed(variant) and device.device_type == DeviceType.ESME:
        return await dcc_alerts.raise_dcc_alert(han, conn, "N58", device, dcc_alerts.configuration_change(device),
                                                request_id=answered.request_id)
    if use_case in ("CCS01", "CCS02"):
        await _device_log_changed(han, conn, device, use_case, answered)
        return []
    if use_case in ("CCS05", "CCS06"):
        await _devices_on_the_han(han, conn, device, message)
        return []
    if variant == "8.5":
        if rules.acb_cells_replaced(message):
            await _opted_out(han, conn, device, answered)
        return []
    if use_case in ("CS02b", "CS02g"):
        await _cells_replaced(han, conn, device, message)
        return leaving
    if variant in ("11.2", "11.3") and rules.cpl_check_applies(device, han.release.firmware_cpl_alerts):
        return await firmware_against_cpl(han, conn, device, rules.reported_firmware_version(message),
                                          requester=answered.user_id, trigger=variant,
                                          request_id=answered.request_id)
    return []


async def _cells_replaced(han: HanContext, conn, device: Device, message: gbcs.Message) -> None:
    """6.23 / 6.15.1: the party whose certificates the device now holds in a Supplier (Network Operator) cell
    is the device's responsible supplier (network operator) in the inventory."""
    for role, entity in rules.new_cell_holders(message).items():
        responsible = rules.RESPONSIBLE_FOR_CELL.get((device.device_type, role))
        if responsible is not None:
            await han.inventory.set_party(conn, device.device_id, responsible, entity)


async def _opted_out(han: HanContext, conn, device: Device, answered: Answered) -> None:
    """8.5: the device's Access Control Broker is the supplier's own now; the DCC can no longer command it and
    says so to later device Service Requests (``dccsim.frontdoor.access``) until 8.6 opts it back in."""
    attributes = dict(device.attributes)
    attributes[OPTED_OUT] = {"date": han.clock.now().date().isoformat(), "by": answered.user_id,
                             "request_id": answered.request_id}
    await han.inventory.update_device(conn, device.device_id, attributes=attributes)


async def _devices_on_the_han(han: HanContext, conn, chf: Device, message: gbcs.Message) -> None:
    """8.9: a Whitelisted device the hub's device log shows on its HAN is installed (InstalledNotCommissioned)."""
    for device_id in rules.devices_on_han(message):
        listed = await repo.get_device(conn, device_id)
        if listed is not None and listed.status == DeviceStatus.WHITELISTED and listed.chf_id == chf.device_id:
            await han.inventory.update_device(conn, listed.device_id, status=DeviceStatus.INSTALLED_NOT_COMMISSIONED)


async def _device_log_changed(han: HanContext, conn, chf: Device, use_case: str, answered: Answered) -> None:
    """8.11: a device added to a hub's device log is on that hub (a Pending one becomes Whitelisted); one
    removed before it was installed goes back to Pending."""
    target_id = rules.command_target(answered.command)
    target = await repo.get_device(conn, target_id) if target_id else None
    if target is None:
        return
    if use_case == "CCS01":
        status = DeviceStatus.WHITELISTED if target.status == DeviceStatus.PENDING else target.status
        await han.inventory.update_device(conn, target.device_id, chf_id=chf.device_id, status=status)
    elif target.status == DeviceStatus.WHITELISTED:
        await han.inventory.update_device(conn, target.device_id, chf_id=None, status=DeviceStatus.PENDING)


async def firmware_against_cpl(han: HanContext, conn, device: Device, reported: str | None, *,
                               requester: str | None, trigger: str, request_id: str | None = None) -> list[Outgoing]:
    """A firmware version a device reported (11.2, 11.3, or a future-dated activation alert) against the
    inventory and the CPL: N49 (Current: inventory updated; after 11.2, to the IS / GS that did not ask),
    N50 (Removed: inventory updated), N51 (not on the CPL: inventory left alone)."""
    if reported is None or reported.upper() == (device.firmware_version or "").upper():
        return []
    reported = reported.upper()
    verdict = rules.firmware_verdict(reported, await repo.cpl_lookup(conn, device.manufacturer, device.model,
                                                                     reported))
    if verdict is not rules.FirmwareVerdict.UNKNOWN:
        await han.inventory.update_device(conn, device.device_id, firmware_version=reported)
    parties: dict[str, str] = {}
    for candidate in [device, *(await repo.premises_devices(conn, device))]:
        for role, entity in (await repo.parties(conn, candidate.device_id)).items():
            parties.setdefault(role, entity)
    recipients = rules.firmware_alert_recipients(verdict, parties, requester=requester, trigger=trigger)
    smi_version = device.firmware_version or "00000000"

    def fill(alert):
        body = add(alert, "FirmwareVersionMismatch")
        add(body, "DeviceID", dashed(device.device_id))
        add(body, "DeviceType", _DUIS_TYPE.get(device.device_type, device.device_type))
        add(body, "FirmwareVersionSMI", smi_version)
        add(body, "FirmwareVersionDevice", reported)

    return [dcc_alert_to(han.signer, dcc_entity_id=han.dcc_entity_id, user_id=user, code=verdict.value, fill=fill,
                         moment=han.clock.now(), request_id=request_id) for user in recipients]


async def _track_certificate(han: HanContext, conn, device: Device, message: gbcs.Message) -> None:
    """SECMP0081 / 6.24.2: a device reporting a certificate the SMKI repository does not hold as its active
    one gets that certificate recorded as the device's, once it is shown to be genuine: issued to this device
    by a CA the SMKI repository knows, and — for a digital-signing certificate — the key that signed this
    very response. The simulator never learns the device's private key."""
    if message.payload.kind != "asn1":
        return
    try:
        certificate = x509.load_der_x509_certificate(asn1.encode(message.payload.tree))
    except ValueError:
        return
    await _record_device_certificate(han, conn, device, certificate, message)


async def _record_device_certificate(han: HanContext, conn, device: Device, certificate: x509.Certificate,
                                     message: gbcs.Message) -> None:
    """A certificate the device now answers with (reported by it, or taken by it through 6.15.2) becomes its
    certificate in the SMKI repository, once shown to be genuine (see ``_track_certificate``)."""
    credential = classify(certificate, "reported by device")
    if credential.entity_id != device.device_id or not _issued_by_known_ca(han, certificate):
        return
    usage = credential.usage
    current = han.smki.gbcs(device.device_id, usage.value)
    if current is not None and current.certificate == certificate:
        return
    if message.verification.signature == gbcs.Check.FAILED:
        if usage is not Usage.GBCS_SIGNING:
            return
        if not gbcs.verify_signature(message, certificate.public_key()):
            return
    credential.private_key = None
    credential.source = "reported by device"
    await keep_derived(conn, han.smki, device.device_id)
    await save_credentials(conn, [credential])
    han.smki.add(credential)
    han.credentials_changed()


def _issued_by_known_ca(han: HanContext, certificate: x509.Certificate) -> bool:
    """The certificate's signature verifies with one of the SMKI repository's certificate authorities."""
    authorities = list(han.smki.authorities.values()) + [c for c in han.smki.all() if c.usage is Usage.CA]
    for authority in authorities:
        key = authority.certificate.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey):
            continue
        try:
            key.verify(certificate.signature, certificate.tbs_certificate_bytes,
                       ec.ECDSA(certificate.signature_hash_algorithm))
            return True
        except (InvalidSignature, UnsupportedAlgorithm):
            continue
    return False
