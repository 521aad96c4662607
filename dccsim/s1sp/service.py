"""The DCC's side of a Service Request for a SMETS1 device: the SMETS1 validation conditions, then the
request handed to the S1SP as a device job carrying the S1SP's instruction (I99 now, the countersigned
SMETS1 Response later); and 11.1's SMETS1 devices (the Lead Supplier condition of W110101, N57)."""
from __future__ import annotations

from devices import smets1
from dccsim.db.connection import DccConnection
from dccsim.duis.outcomes import E060701, I99, DuisRejection
from dccsim.han.commands.builder import execution_time
from dccsim.han.job_queue import JobKind
from dccsim.han.store import save
from dccsim.handlers.context import ServiceRequest, Services
from dccsim.handlers.registry import Reply
from dccsim.inventory import repository as repo
from dccsim.inventory.models import Device
from dccsim.s1sp import rules
from dccsim.s1sp.alert_codes import FirmwareNotification
from dccsim.s1sp.notifications import firmware_notification
from dccsim.s1sp.profiles import profile_of
from dccsim.s1sp.requests import image_hash, instruction_for


async def smets1_request(ctx: ServiceRequest, conn: DccConnection, services: Services) -> Reply:
    """A device Service Request for a SMETS1 device: checked as DUIS 1.4.6 says, then queued for the S1SP."""
    device = ctx.device
    if ctx.variant == "6.7" and services.release.smets1_gas_flow_rate_check:
        refusal = rules.gas_flow_rate_refusal(ctx.body, profile_of(device))
        if refusal is not None:
            raise DuisRejection(E060701, refusal)
    instruction = instruction_for(ctx.variant, ctx.body, ctx.body_element, ctx.received_at)
    when = execution_time(ctx.body)
    await services.han.jobs.add(conn, request_id=ctx.request_id_text, user_id=ctx.request_id.originator,
                                device=device, variant=ctx.variant, frame=smets1.encode_instruction(instruction),
                                kind=JobKind.S1SP_INSTRUCTION,
                                not_before=when if when is not None and when > ctx.received_at else None)
    return Reply(I99)


async def smets1_firmware_refusal(ctx: ServiceRequest, conn: DccConnection, services: Services,
                                  device: Device) -> bool:
    """11.1 to a SMETS1 device: whether it goes in W110101's InvalidDeviceIDList — a SMETS1 PPMID before
    CR1045, or a SMETS1 CH or PPMID the sender is not the Lead Supplier of."""
    if not rules.notifies_gas_supplier(device):
        return False
    if device.device_type == "PPMID" and not services.release.smets1_ppmid_firmware:
        return True
    hub = await repo.get_device(conn, device.chf_id) if device.device_type == "PPMID" and device.chf_id else device
    if hub is None:
        return True
    premises = await repo.premises_devices(conn, hub)
    meters = [await repo.parties(conn, d.device_id) for d in premises if d.device_id != hub.device_id]
    return rules.lead_supplier(await repo.parties(conn, hub.device_id), meters) != ctx.request_id.originator


async def distribute_smets1_firmware(ctx: ServiceRequest, conn: DccConnection, services: Services,
                                     device: Device) -> None:
    """11.1 accepted for a SMETS1 device: the image goes to the S1SP, and the Gas Supplier of a SMETS1 CH or
    PPMID hears of it (N57, in the request's transaction)."""
    version = str(ctx.body["FirmwareVersion"])
    image = ctx.body["FirmwareImage"]
    instruction = smets1.ReceiveImage(version=version, image_hash=image_hash(image))
    await services.han.jobs.add(conn, request_id=ctx.request_id_text, user_id=ctx.request_id.originator,
                                device=device, variant=ctx.variant, frame=smets1.encode_instruction(instruction),
                                kind=JobKind.S1SP_INSTRUCTION)
    han = services.han
    alerts = await firmware_notification(conn, han.signer, dcc_entity_id=han.dcc_entity_id, device=device,
                                         version=version, status=FirmwareNotification.UPDATE_REQUESTED,
                                         moment=ctx.received_at, request_id=ctx.request_id_text)
    if alerts:
        await save(conn, device.device_id, None, alerts, delivers_here=han.delivers_here)
