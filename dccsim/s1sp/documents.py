"""The SMETS1 Response and SMETS1 Alert: the S1SP's answer (an MMC ``ResponseMessage`` or ``DeviceAlertMessage``
in a ``SMETS1Response``), signed by the S1SP as a ``SMETS1SignedResponse`` and countersigned by the DCC in a
DUIS ``Response`` whose body is a ``SMETS1ResponseMessage`` (DUIS 1.4.11.2, as the V4.0 release note's section
2.1 amends it).

The S1SP signs its ``SMETS1SignedResponse`` as a document of its own (an enveloped signature over that
element); the DCC's signature over the whole Response covers it, the S1SP's signature included."""
from __future__ import annotations

from datetime import datetime

from lxml import etree

from devices import smets1
from dccsim.duis.ids import dashed
from dccsim.duis.namespaces import DS, RA, SR, sr
from dccsim.duis.outcomes import Code
from dccsim.duis.responses import add, duis_datetime
from dccsim.duis.xmldsig import DuisSigner
from dccsim.han.documents import SCHEMA_VERSION, Outgoing, OutgoingKind
from dccsim.s1sp.routes import S1Route

_NSMAP = {"sr": SR, "ra": RA, "ds": DS}
# The S1SP's code for a device that refused (SMETS1Debug ResponseCode; any integer is allowed).
REFUSED_BY_DEVICE = 1


def ra(parent: etree._Element, name: str, text: object | None = None, **attributes: str) -> etree._Element:
    """Append ``ra:name`` (an MMC element) with optional text and attributes."""
    child = etree.SubElement(parent, f"{{{RA}}}{name}", **attributes)
    if text is not None:
        child.text = str(text)
    return child


def _stamp(value: datetime) -> str:
    return duis_datetime(value)


def _meter_reads(rsp: etree._Element, variant: str, outcome: smets1.Outcome) -> None:
    """The values of a read (4.1.1, 4.6.1, 4.8.1, 4.11.1, 7.4, 11.2, 11.3) in their MMC form."""
    if outcome.register is not None:
        if outcome.register.unit == "m3":
            register = ra(ra(rsp, "Gas"), "ConsumptionRegister")
            ra(register, "Value", outcome.register.value)
            ra(register, "Unit", "m3")
        else:
            register = ra(ra(rsp, "Electricity"), "ActiveImportRegister")
            ra(register, "Value", outcome.register.value)
            ra(register, "ActiveEnergyUnit", "Wh")
    if outcome.log is not None:
        for moment, value in outcome.log.entries:
            entry = ra(rsp, "LogEntry")
            ra(entry, "Timestamp", _stamp(moment))
            if variant == "4.6.1":
                ra(ra(entry, "Gas" if outcome.log.gas else "Electricity"),
                   "GasActiveImportRegisterConsumption" if outcome.log.gas else "ElecActiveImportRegisterConsumption",
                   value)
            else:
                ra(ra(entry, "Gas" if outcome.log.gas else "Electricity"), "PrimaryValue", value)
    if outcome.tariff is not None:
        _tariff(rsp, outcome)
    if outcome.supply is not None:
        ra(rsp, "SupplyState", outcome.supply.value)
    if outcome.firmware_version is not None and variant in ("11.2", "11.3"):
        if variant == "11.3":
            ra(ra(rsp, "ActivateImageResponseCode", ResponseCode="0"), "ASN1Status", "success")
        ra(rsp, "FirmwareVersion", outcome.firmware_version)


def _tariff(rsp: etree._Element, outcome: smets1.Outcome) -> None:
    """4.11.1 on a SMETS1 meter: the price it charges now (that of the block its thresholds, read as kWh, put
    it in), the standing charge, the thresholds as it holds them (kWh) and the block prices."""
    reading = outcome.tariff
    tariff = reading.tariff
    element = ra(rsp, "Gas" if reading.gas else "Electricity")
    if reading.active_price is not None:
        ra(element, "PrimaryActiveTariffPrice", reading.active_price)
    if tariff is None:
        return
    ra(element, "StandingCharge", tariff.standing_charge)
    if reading.gas:
        thresholds = ra(element, "TariffThresholds")
        for i, threshold in enumerate(tariff.thresholds_kwh[:3], start=1):
            ra(thresholds, "BlockThreshold", threshold, index=str(i))
        prices = ra(element, "BlockTariff")
        for i, price in enumerate(tariff.prices[:4], start=1):
            ra(prices, "BlockPrice", price, index=str(i))
        return
    blocks = ra(ra(element, "TariffBlockPriceMatrix"), "TariffBlockPrices", index="1")
    for i, price in enumerate(tariff.prices[:4], start=1):
        ra(blocks, "BlockPrice", price, index=str(i))
    thresholds = ra(ra(element, "TariffThresholdMatrix"), "ElecTariffThresholds", index="1")
    for i, threshold in enumerate(tariff.thresholds_kwh[:3], start=1):
        ra(thresholds, "BlockThreshold", threshold, index=str(i))


def _signed_response(device_id: str, user_id: str, counter: int, moment: datetime, *, reference: str | None,
                     variant: str | None) -> tuple[etree._Element, etree._Element]:
    """A ``SMETS1SignedResponse`` (before signing) with its header (the device to the User); and its Body."""
    root = etree.Element(sr("SMETS1SignedResponse"), nsmap=_NSMAP)
    root.set("schemaVersion", SCHEMA_VERSION)
    response = etree.SubElement(root, sr("SMETS1Response"))
    header = etree.SubElement(response, sr("Header"))
    ra(header, "BusinessOriginatorID", dashed(device_id))
    ra(header, "BusinessTargetID", dashed(user_id))
    ra(header, "OriginatorCounter", counter)
    if reference is not None:
        ra(header, "ServiceReference", reference)
        ra(header, "ServiceReferenceVariant", variant)
    ra(header, "Timestamp", _stamp(moment))
    return root, etree.SubElement(response, sr("Body"))


def s1sp_response(*, device_id: str, user_id: str, counter: int, route: S1Route, reference: str,
                  outcome: smets1.Outcome | None, moment: datetime) -> etree._Element:
    """The S1SP's ``SMETS1SignedResponse`` before signing: the outcome as MMC SMETSData (or, where the device
    refused, its reason in SMETS1Debug)."""
    root, body = _signed_response(device_id, user_id, counter, moment, reference=reference, variant=route.variant)
    message = etree.SubElement(body, sr("ResponseMessage"))
    if outcome is None:
        return root
    if route.response_element is not None:
        rsp = ra(ra(message, "SMETSData"), route.response_element,
                 MessageSuccess="true" if outcome.success else "false")
        if outcome.success:
            _meter_reads(rsp, route.variant, outcome)
    if not outcome.success:
        debug = ra(ra(message, "DebugInfo"), "SMETS1Debug")
        status = ra(debug, "SMETS1Response", ResponseCode=str(REFUSED_BY_DEVICE), Position="1")
        ra(status, "Error", (outcome.error or "refused")[:250])
    return root


def s1sp_alert(*, device_id: str, user_id: str, alert: smets1.S1Alert, moment: datetime) -> etree._Element:
    """A SMETS1 Alert before the S1SP signs it: the device's alert in MMC form (``DeviceAlertMessage``)."""
    root, body = _signed_response(device_id, user_id, alert.counter, moment, reference=None, variant=None)
    content = ra(etree.SubElement(body, sr("DeviceAlertMessage")), "DeviceAlertContent")
    ra(content, "GBCSHexAlertCode", f"{alert.code:04X}")
    ra(content, "AlertDescription", alert.description)
    ra(content, "Timestamp", _stamp(moment))
    if alert.image_hash is not None:
        verification = ra(ra(content, "Payload"), "FirmwareVerificationDeviceAlert")
        ra(verification, "ManufacturerImageHash", alert.image_hash.upper())
    return root


def countersigned(dcc_signer: DuisSigner, *, user_id: str, request_id: str | None, response_id: str, code: Code,
                  signed_by_s1sp: bytes, moment: datetime, reference: str | None = None,
                  variant: str | None = None, schedule_id: int | None = None) -> Outgoing:
    """The DCC's Response carrying the S1SP's signed response or alert (as the S1SP signed it), signed by the
    DCC: a SMETS1 Response names its request and Service Request, a SMETS1 Alert neither."""
    root = etree.Element(sr("Response"), nsmap={"sr": SR})
    root.set("schemaVersion", SCHEMA_VERSION)
    header = add(root, "Header")
    if reference is not None:
        add(header, "RequestID", request_id)
    add(header, "ResponseID", response_id)
    add(header, "ResponseCode", code)
    add(header, "ResponseDateTime", duis_datetime(moment))
    message = add(add(root, "Body"), "SMETS1ResponseMessage")
    if reference is not None:
        add(message, "ServiceReference", reference)
        add(message, "ServiceReferenceVariant", variant)
    if schedule_id is not None:
        add(message, "DSPScheduleID", schedule_id)
    message.append(etree.fromstring(signed_by_s1sp))
    kind = OutgoingKind.RESPONSE if reference is not None else OutgoingKind.DEVICE_ALERT
    return Outgoing(user_id, kind, dcc_signer.sign_to_bytes(root), request_id, response_id)
