"""8.2 Read Inventory, 8.3 Decommission Device, 8.4 Update Inventory; a meter decommissioned or withdrawn gives
its Network Operator N43 and removes its DCC schedules (N4 to their owners); the sender of 8.3 gets its Response
once the device is decommissioned."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import fields
from operator import attrgetter
from typing import Iterable

from lxml import etree

from dccsim.duis.ids import dashed, normalise_eui
from dccsim.duis.namespaces import SR, sr
from dccsim.duis.outcomes import E080201, E080405, E11, I0, I99, DuisRejection
from dccsim.duis.responses import add, canonical_content
from dccsim.db.connection import DccConnection
from dccsim.handlers.completion import respond_when_done
from dccsim.handlers.context import ServiceRequest, Services
from dccsim.handlers.registry import Reads, Reply, Target, handles
from dccsim.han.dcc_alerts import device_leaves, enqueue_all
from dccsim.inventory import repository as repo
from dccsim.inventory.cached import Inventory
from dccsim.inventory.models import Device, DeviceStatus
from dccsim.s1sp.profiles import is_smets1, profile_of

MAX_INVENTORY_DEVICES = 17   # sr:DSPInventory allows at most 17 Device entries

# DUIS sr:DeviceType has no APC of its own: an Auxiliary Proportional Controller is reported as the
# HAN-connected auxiliary load control switch it is.
_DUIS_DEVICE_TYPE = {"APC": "HCALCS", "Type2": "CAD"}


# What an sr:Device entry is made from: every field of the device but its attributes (of which only the S1SP
# of a SMETS1 device is read, and added to the key), and its CPL status.
_entry_fields = attrgetter(*(f.name for f in fields(Device) if f.name != "attributes"))
_ENTRIES_KEPT = 4096
_entries: OrderedDict[tuple, bytes] = OrderedDict()


def inventory_entry(device: Device, cpl_status: str | None) -> bytes:
    """One ``sr:Device`` in the element order of sr:Device, in the canonical form it has in a Response.

    Entries are rendered once per content and reused from then on, the most recently used ``_ENTRIES_KEPT``
    of them kept."""
    key = (_entry_fields(device), cpl_status, profile_of(device).name if is_smets1(device) else None)
    entry = _entries.get(key)
    if entry is None:
        entry = _entries[key] = canonical_content(_render_entry(device, cpl_status))
        if len(_entries) > _ENTRIES_KEPT:
            _entries.popitem(last=False)
    else:
        _entries.move_to_end(key)
    return entry


def _render_entry(device: Device, cpl_status: str | None) -> etree._Element:
    entry = add(etree.Element(sr("DSPInventory"), nsmap={"sr": SR}), "Device")
    add(entry, "DeviceID", dashed(device.device_id))
    add(entry, "DeviceType", _DUIS_DEVICE_TYPE.get(device.device_type, device.device_type))
    add(entry, "DeviceStatus", device.status)
    add(entry, "DeviceManufacturer", device.manufacturer or "")
    add(entry, "DeviceModel", device.model or "")
    if device.smets_chts_version:
        add(entry, "SMETSCHTSVersion", device.smets_chts_version)
    if device.firmware_version:
        add(entry, "DeviceFirmwareVersion", device.firmware_version)
    if cpl_status:
        add(entry, "CPLStatus", cpl_status)
    if device.date_commissioned:
        add(entry, "DateCommissioned", device.date_commissioned.isoformat())
    if device.import_mpxn:
        add(entry, "ImportMPxN", device.import_mpxn)
    if device.secondary_import_mpan:
        add(entry, "SecondaryImportMPAN", device.secondary_import_mpan)
    if device.export_mpan:
        add(entry, "ExportMPAN", device.export_mpan)
    if device.esme_variant and device.device_type == "ESME":
        add(entry, "ESMEVariant", device.esme_variant)
    if device.uprn:
        add(entry, "UPRN", device.uprn)
    if device.postcode and device.address_identifier is not None:
        prop = add(entry, "PropertyFilter")
        add(prop, "PostCode", device.postcode)
        add(prop, "AddressIdentifier", device.address_identifier)
    if device.csp_region:
        add(entry, "CSPRegion", device.csp_region)
    if device.gbcs_version:
        add(entry, "DeviceGBCSVersion", device.gbcs_version)
    if device.han_variant:
        add(entry, "HANVariant", device.han_variant)
    if is_smets1(device):
        add(entry, "S1SP", profile_of(device).name)
    if device.connectivity:
        add(entry, "Connectivity", device.connectivity)
    return entry


def _cpl_word(status: str | None) -> str | None:
    """The CPL status in sr:CPLStatus words: Current → Active, Removed → Withdrawn."""
    if status is None:
        return None
    return "Active" if status == "Current" else "Withdrawn"


def _unique(found: Iterable[tuple[Device, str | None]]) -> list[tuple[Device, str | None]]:
    """Each device once, where it first comes."""
    unique: dict[str, tuple[Device, str | None]] = {}
    for device, status in found:
        unique.setdefault(device.device_id, (device, status))
    return list(unique.values())


async def _with_cpl(inventory: Inventory, device_ids: list[str]) -> list[tuple[Device, str | None]]:
    return _unique([pair for device_id in device_ids for pair in await inventory.premises_with_cpl(device_id)])


def _content(found: Iterable[tuple[Device, str | None]]) -> bytes:
    entries = b"".join(inventory_entry(device, _cpl_word(status)) for device, status in found)
    return b"<sr:DSPInventory>" + entries + b"</sr:DSPInventory>"


# The answer to 8.2 by DeviceID, kept for the premises tuple the inventory cache holds (by its identity: the
# tuple is kept with it, so its id is not reused while kept); a change to the inventory makes a new tuple.
_PREMISES_KEPT = 1024
_by_premises: OrderedDict[int, tuple[tuple, bytes]] = OrderedDict()


async def _premises_content(inventory: Inventory, device_id: str) -> bytes | None:
    premises = await inventory.premises_with_cpl(device_id)
    kept = _by_premises.get(id(premises))
    if kept is not None and kept[0] is premises:
        _by_premises.move_to_end(id(premises))
        return kept[1]
    found = _unique(premises)
    content = _content(found[:MAX_INVENTORY_DEVICES]) if found else None
    _by_premises[id(premises)] = (premises, content)
    if len(_by_premises) > _PREMISES_KEPT:
        _by_premises.popitem(last=False)
    return content


@handles("8.2", target=Target.NONE, read_only=True)
async def read_inventory(ctx: ServiceRequest, conn: Reads, services: Services) -> Reply:
    body = ctx.body
    if "DeviceID" in body:
        content = await _premises_content(services.inventory, normalise_eui(str(body["DeviceID"])))
    else:
        if "MPxN" in body:
            matches = await repo.find_devices(conn, mpxn=str(body["MPxN"]))
        elif "UPRN" in body:
            matches = await repo.find_devices(conn, uprn=str(body["UPRN"]))
        else:
            prop = body.get("PropertyFilter") or {}
            matches = await repo.find_devices(conn, postcode=str(prop.get("PostCode")),
                                              address_identifier=str(prop.get("AddressIdentifier")))
        found = await _with_cpl(services.inventory, [d.device_id for d in matches])
        content = _content(found[:MAX_INVENTORY_DEVICES]) if found else None
    if content is None:
        raise DuisRejection(E080201, "no device in the Smart Metering Inventory matches")
    return Reply(I0, content=content)


@handles("8.3")
async def decommission_device(ctx: ServiceRequest, conn: DccConnection, services: Services) -> Reply:
    await services.inventory.update_device(conn, ctx.device.device_id, status=DeviceStatus.DECOMMISSIONED)
    await _leaves(ctx, conn, services)
    await respond_when_done(ctx, conn, services)
    return Reply(I99)


async def _leaves(ctx: ServiceRequest, conn: DccConnection, services: Services) -> None:
    """N43 for a meter, N4 for each of the device's DCC schedules, when it leaves: decommissioned or withdrawn."""
    alerts = await device_leaves(services.han, conn, ctx.device, request_id=ctx.request_id_text)
    await enqueue_all(conn, alerts, delivers_here=services.han.delivers_here)


# 8.4 status changes a User may make (sr:UpdateDeviceStatusExceptCH / sr:UpdateDeviceStatusCH) and the
# statuses they may be made from.
_ALLOWED_FROM = {
    "Pending": {"Pending", "Whitelisted", "InstalledNotCommissioned"},
    "InstalledNotCommissioned": {"Pending", "Whitelisted", "InstalledNotCommissioned"},
    "Commissioned": {"InstalledNotCommissioned", "Commissioned"},
    "Withdrawn": {"Pending", "InstalledNotCommissioned", "Commissioned", "Withdrawn"},
}


@handles("8.4")
async def update_inventory(ctx: ServiceRequest, conn: DccConnection, services: Services) -> Reply:
    body, device = ctx.body, ctx.device
    if "DeleteDevice" in body:
        if device.status not in ("Pending", "Whitelisted"):
            raise DuisRejection(E080405, f"only a Pending device can be deleted; {device.device_id} is "
                                           f"{device.status}")
        await services.inventory.delete_device(conn, device.device_id)
    elif "UpdateDeviceStatusExceptCH" in body or "UpdateDeviceStatusCH" in body:
        is_ch = "UpdateDeviceStatusCH" in body
        if is_ch != (device.device_type in ("CHF", "GPF")):
            raise DuisRejection(E11, f"{'UpdateDeviceStatusCH' if is_ch else 'UpdateDeviceStatusExceptCH'} "
                                       f"does not apply to a {device.device_type}")
        new = str(body["UpdateDeviceStatusCH" if is_ch else "UpdateDeviceStatusExceptCH"])
        if device.status not in _ALLOWED_FROM.get(new, set()):
            raise DuisRejection(E080405, f"cannot change {device.device_id} from {device.status} to {new}")
        await services.inventory.update_device(conn, device.device_id, status=DeviceStatus(new))
        if new == DeviceStatus.WITHDRAWN and device.status != DeviceStatus.WITHDRAWN:
            await _leaves(ctx, conn, services)
    elif "UpdateDeviceDetails" in body:
        details = body["UpdateDeviceDetails"] or {}
        changes = {column: str(details[name]) for name, column in (
            ("DeviceManufacturer", "manufacturer"), ("DeviceModel", "model"),
            ("SMETSCHTSVersion", "smets_chts_version"), ("FirmwareVersion", "firmware_version"),
            ("ESMEVariant", "esme_variant")) if name in details}
        await services.inventory.update_device(conn, device.device_id, **changes)
    elif "UpdateMPxN" in body:
        mpxn = body["UpdateMPxN"] or {}
        changes = {column: str(mpxn[name]) for name, column in (
            ("ImportMPxN", "import_mpxn"), ("SecondaryImportMPAN", "secondary_import_mpan"),
            ("ExportMPAN", "export_mpan")) if name in mpxn}
        await services.inventory.update_device(conn, device.device_id, **changes)
    return Reply(I99)
