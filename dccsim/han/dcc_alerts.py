"""The DCC's own alerts (AD1, N…) as signed DCCAlertMessages for the Users the DCC alert catalogue
(``dccsim.catalogue.dcc_alerts``) names: the holders of its recipient roles on the device it is about (a meter's own
parties; for a hub or HAN device, those of its premises' meters), and the User whose request led to it."""
from __future__ import annotations

from datetime import datetime, timedelta

from dccsim.catalogue import dcc_alerts as table
from dccsim.delivery import outbox
from dccsim.duis.ids import dashed
from dccsim.duis.responses import BodyFiller, add
from dccsim.han import alert_rules
from dccsim.han.context import HanContext
from dccsim.han.documents import Outgoing, dcc_alert_to
from dccsim.inventory import repository as repo
from dccsim.inventory.models import Device, DeviceType

# The largest firmware image the emulated CSP distributes (N20 above it): the project's own figure.
MAX_FIRMWARE_IMAGE = 1024 * 1024
METERS = (DeviceType.ESME, DeviceType.GSME)


async def premises_parties(conn, device: Device) -> dict[str, list[str]]:
    """{DUIS role: users} of a meter (or GPF), or of every device on the premises of a device without parties of
    its own."""
    own = device.device_type in alert_rules.OWN_PARTIES
    candidates = [device] if own else [device, *(await repo.premises_devices(conn, device))]
    found: dict[str, list[str]] = {}
    for candidate in candidates:
        for role, entity in (await repo.parties(conn, candidate.device_id)).items():
            users = found.setdefault(role, [])
            if entity not in users:
                users.append(entity)
    return found


def recipients(code: str, parties: dict[str, list[str]], requester: str | None = None) -> list[str]:
    """The Users a DCC alert goes to, in the order of its catalogue entry's roles (never the requester where the
    entry says ``not_to_requester``)."""
    entry = table.spec(code)
    found: list[str] = []
    for role in entry.recipients:
        users = [requester] if role == table.REQUESTER and requester else parties.get(role, [])
        for user in users:
            if user not in found and not (entry.not_to_requester and user == requester):
                found.append(user)
    return found


async def raise_dcc_alert(han: HanContext, conn, code: str, device: Device, fill: BodyFiller, *,
                          requester: str | None = None, request_id: str | None = None,
                          moment: datetime | None = None) -> list[Outgoing]:
    """The DCC alert ``code`` about ``device`` for each User its catalogue entry names (``moment``: when, if
    not the clock's time; two alerts to one User need two moments, their ResponseIDs count microseconds)."""
    users = recipients(code, await premises_parties(conn, device), requester)
    moment = moment or han.clock.now()
    return [dcc_alert_to(han.signer, dcc_entity_id=han.dcc_entity_id, user_id=user, code=code, fill=fill,
                         moment=moment, request_id=request_id) for user in users]


async def enqueue_all(conn, messages: list[Outgoing], *, delivers_here: bool) -> None:
    """Queue messages in the outbox in the caller's transaction (a handler's, where no device state is saved)."""
    for message in messages:
        await outbox.enqueue(conn, user_id=message.user_id, kind=message.kind, body=message.body,
                             request_id=message.request_id, response_id=message.response_id,
                             delivers_here=delivers_here)


def has_mpxn(device: Device) -> bool:
    """Whether the device is a meter the DCC can name by its MPxN (N12, N16 and N43 carry it; DUIS requires it)."""
    return device.device_type in METERS and bool(device.import_mpxn)


async def device_leaves(han: HanContext, conn, device: Device, *,
                        request_id: str | None) -> list[Outgoing]:
    """A device decommissioned or withdrawn: a meter's Network Operator hears of it (N43), and each DCC schedule
    on the device is removed, its owner told (N4)."""
    messages: list[Outgoing] = []
    if has_mpxn(device):
        type1 = [d for d in await repo.premises_devices(conn, device)
                 if d.device_type in (DeviceType.PPMID, DeviceType.HCALCS, DeviceType.APC)]
        messages += await raise_dcc_alert(han, conn, "N43", device, meter_decommissioned(device, type1),
                                          request_id=request_id)
    removed = await conn.fetch("UPDATE dsp_schedule SET deleted_at = $2 WHERE device_id = $1 AND deleted_at IS NULL "
                               "RETURNING schedule_id, owner", device.device_id, han.clock.now())
    for n, row in enumerate(removed, start=1):
        messages.extend(await raise_dcc_alert(
            han, conn, "N4", device, schedule_removed(device.device_id, row["schedule_id"]), requester=row["owner"],
            request_id=request_id, moment=han.clock.now() + timedelta(microseconds=n)))
    return messages


def _flat(element: str, *items: tuple[str, object | None]) -> BodyFiller:
    """A DCCAlert body of one element holding text children in order (those without a value left out)."""
    def fill(alert) -> None:
        body = add(alert, element)
        for name, value in items:
            if value is not None:
                add(body, name, value)
    return fill


def power_outage(chf_id: str, lost_at: datetime, mpxn: str) -> BodyFiller:
    """AD1: a Communications Hub without power since ``lost_at``, with its premises' import MPxN."""
    return _flat("PowerOutageEvent", ("CommsHubDeviceID", dashed(chf_id)),
                 ("StartDateTime", lost_at.isoformat().replace("+00:00", "Z")), ("MPxN", mpxn))


def meter_identity(device: Device) -> BodyFiller:
    """N16: a meter's status changed to Commissioned (DeviceStatusChange / MeterIdentity)."""
    def fill(alert) -> None:
        event = add(alert, "DeviceStatusChangeEvent")
        add(event, "DeviceID", dashed(device.device_id))
        identity = add(add(event, "DeviceStatusChange"), "MeterIdentity")
        _mpxns(add(identity, "MeterMPxNs"), device)
        if device.device_type == DeviceType.ESME and device.esme_variant:
            add(identity, "ESMEVariant", device.esme_variant)
    return fill


def meter_decommissioned(device: Device, type1: list[Device]) -> BodyFiller:
    """N43: a meter decommissioned or withdrawn, with the Type 1 devices of its premises."""
    def fill(alert) -> None:
        event = add(alert, "DeviceStatusChangeEvent")
        add(event, "DeviceID", dashed(device.device_id))
        change = add(add(event, "DeviceStatusChange"), "MeterDecommissioningOrWithdrawal")
        _mpxns(add(change, "MeterDecommissionOrWithdrawal"), device)
        for other in type1[:7]:
            associated = add(change, "AssociatedType1Device")
            add(associated, "DeviceID", dashed(other.device_id))
            add(associated, "DeviceType", "HCALCS" if other.device_type == DeviceType.APC else other.device_type)
    return fill


def schedule_removed(device_id: str, schedule_id: int) -> BodyFiller:
    """N4: a DCC schedule removed."""
    return _flat("DSPScheduleRemoval", ("DeviceID", dashed(device_id)), ("DSPScheduleID", schedule_id))


def configuration_change(esme: Device) -> BodyFiller:
    """N58: an ALCS / HCALCS configuration changed on an ESME (with V4.0's ESMEVariant and DeviceGBCSVersion)."""
    return _flat("ALCSHCALCSConfigurationChange", ("ESMEDeviceID", dashed(esme.device_id)),
                 ("ESMEVariant", esme.esme_variant or None), ("DeviceGBCSVersion", esme.gbcs_version or None))


def change_of_supplier(device: Device) -> BodyFiller:
    """N12: a device moved to another supplier (DeviceChangeOfSupplier, with the meter's MPxNs)."""
    def fill(alert) -> None:
        change = add(add(alert, "ChangeOfSupplier"), "DeviceChangeOfSupplier")
        add(change, "DeviceID", dashed(device.device_id))
        add(change, "DeviceType", "HCALCS" if device.device_type == DeviceType.APC else device.device_type)
        _mpxns(add(change, "MPxNs"), device)
    return fill


def firmware_distribution_failure(request_id: str, device_ids: list[str]) -> BodyFiller:
    """N18–N21: the CSP could not distribute the image of an 11.1 request."""
    return _flat("FirmwareDistributionFailure", ("UpdateFirmwareRequestID", request_id),
                 ("MeterIDs", ",".join(dashed(device_id) for device_id in device_ids)))


def _mpxns(parent, device: Device) -> None:
    add(parent, "ImportMPxN", device.import_mpxn or "")
    if device.secondary_import_mpan:
        add(parent, "SecondaryImportMPAN", device.secondary_import_mpan)
    if device.export_mpan:
        add(parent, "ExportMPAN", device.export_mpan)
