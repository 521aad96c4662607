"""12.2 Device Pre-notification: a device enters the inventory as Pending before it is installed."""
from __future__ import annotations

from dataclasses import replace

from dccsim.han.identities import enrol_devices
from dccsim.duis.ids import normalise_eui
from dccsim.duis.outcomes import E19, E5, I99, DuisRejection
from dccsim.db.connection import DccConnection
from dccsim.handlers.context import ServiceRequest, Services
from dccsim.handlers.registry import Reply, Target, handles
from dccsim.inventory import repository as repo
from dccsim.inventory.models import Device, DeviceStatus, DeviceType

# The role in which the pre-notifying User becomes responsible for the new device.
_RESPONSIBLE_ROLE = {"ESME": ("IS", "ED"), "GSME": ("GS", "GT")}


@handles("12.2", target=Target.BODY, device_must_exist=False)
async def device_pre_notification(ctx: ServiceRequest, conn: DccConnection, services: Services) -> Reply:
    body = ctx.body
    device_id = normalise_eui(str(body["DeviceID"]))
    existing = await repo.get_device(conn, device_id)
    if existing is not None and existing.status not in (DeviceStatus.PENDING, DeviceStatus.WHITELISTED):
        raise DuisRejection(E5, f"device {device_id} is already in the inventory with status {existing.status}")
    device_type = DeviceType(str(body["DeviceType"]))
    gpf = body.get("AssociatedGPFDeviceID")
    device = Device(
        device_id=device_id,
        device_type=device_type,
        status=DeviceStatus.PENDING,
        manufacturer=str(body["DeviceManufacturer"]),
        model=str(body["DeviceModel"]),
        smets_chts_version=_opt(body.get("SMETSCHTSVersion")),
        firmware_version=_opt(body.get("FirmwareVersion")),
        esme_variant=_opt(body.get("ESMEVariant")) if device_type == "ESME" else None,
        gpf_id=normalise_eui(str(gpf)) if gpf else None,
    )
    if existing is not None:
        device = replace(existing, **{k: v for k, v in device.__dict__.items()
                                      if v is not None and k not in ("device_id",)})
    if device.gpf_id and await repo.get_device(conn, device.gpf_id) is None:
        raise DuisRejection(E19, f"AssociatedGPFDeviceID {device.gpf_id} is not in the inventory")
    await services.inventory.upsert_device(conn, device)
    if await enrol_devices(conn, services.smki, [device_id]):
        services.han.credentials_changed()
    for role in _RESPONSIBLE_ROLE.get(device_type, ()):
        if role in ctx.acting_roles:
            await services.inventory.set_party(conn, device_id, role, ctx.user.entity_id)
    return Reply(I99)


def _opt(value) -> str | None:
    return None if value is None else str(value)
