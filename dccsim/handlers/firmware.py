"""11.1 Update Firmware and 11.4 Update PPMID Firmware: the image goes to every listed device the user may
update; the others are reported in a W110101 warning (DSPUpdateFirmwareWarning). An image larger than the CSP
distributes goes to none of them: the sender gets N20. SMETS1 devices in an 11.1 (CHs and PPMIDs too, CR1045)
go through the S1SP (``dccsim.s1sp.service``)."""
from __future__ import annotations

from dccsim.duis.ids import dashed, normalise_eui
from dccsim.duis.responses import add
from dccsim.frontdoor import access
from dccsim.duis.outcomes import I99, W110101, DuisRejection
from dccsim.db.connection import DccConnection
from dccsim.handlers.context import ServiceRequest, Services
from dccsim.handlers.registry import Reply, Target, handles
from dccsim.han import dcc_alerts
from dccsim.han.job_queue import JobKind
from dccsim.inventory import repository as repo
from dccsim.inventory.cached import InTransaction
from dccsim.inventory.models import DeviceStatus
from dccsim.s1sp.profiles import is_smets1
from dccsim.s1sp.routes import S1_FIRMWARE_TYPES
from dccsim.s1sp.service import distribute_smets1_firmware, smets1_firmware_refusal

_FIRMWARE_TYPES = {"11.1": {"ESME", "GSME", "CHF", "HCALCS", "APC"}, "11.4": {"PPMID"}}


@handles("11.1", "11.4", target=Target.NONE)
async def update_firmware(ctx: ServiceRequest, conn: DccConnection, services: Services) -> Reply:
    body = ctx.body
    image = body["FirmwareImage"]
    version = str(body["FirmwareVersion"])
    invalid, not_commissioned, accepted = [], [], []
    for text in str(body["DeviceIDList"]).split(","):
        device_id = normalise_eui(text)
        device = await repo.get_device(conn, device_id)
        smets1 = is_smets1(device)
        types = S1_FIRMWARE_TYPES[ctx.variant] if smets1 else _FIRMWARE_TYPES[ctx.variant]
        if device is None or device.device_type not in types:
            invalid.append(device_id)
            continue
        try:
            await access.check_authorised(InTransaction(conn), ctx.user, ctx.acting_roles, device)
        except DuisRejection:
            invalid.append(device_id)
            continue
        if smets1 and await smets1_firmware_refusal(ctx, conn, services, device):
            invalid.append(device_id)
            continue
        if device.status not in (DeviceStatus.COMMISSIONED, DeviceStatus.INSTALLED_NOT_COMMISSIONED):
            not_commissioned.append(device_id)
            continue
        accepted.append(device)
    if accepted and len(image) > dcc_alerts.MAX_FIRMWARE_IMAGE:
        # N20: the CSP cannot distribute an image this large; the sender hears of it instead of the devices.
        alerts = await dcc_alerts.raise_dcc_alert(
            services.han, conn, "N20", accepted[0],
            dcc_alerts.firmware_distribution_failure(ctx.request_id_text, [d.device_id for d in accepted]),
            requester=ctx.request_id.originator, request_id=ctx.request_id_text)
        await dcc_alerts.enqueue_all(conn, alerts, delivers_here=services.han.delivers_here)
        accepted = []
    for device in accepted:
        if is_smets1(device):
            await distribute_smets1_firmware(ctx, conn, services, device)     # through the S1SP
            continue
        await services.han.jobs.add(conn, request_id=ctx.request_id_text, user_id=ctx.request_id.originator,
                                    device=device, variant=ctx.variant, frame=image, kind=JobKind.FIRMWARE_IMAGE,
                                    extra={"version": version})
    if not invalid and not not_commissioned:
        return Reply(I99)
    element = "DSPUpdateFirmwareWarning" if ctx.variant == "11.1" else "DSPUpdatePPMIDFirmwareWarning"

    def fill(message):
        warning = add(message, element)
        if invalid:
            add(warning, "InvalidDeviceIDList", ",".join(dashed(d) for d in invalid))
        if not_commissioned:
            add(warning, "NotCommissionedDeviceIDList", ",".join(dashed(d) for d in not_commissioned))

    return Reply(W110101, fill)
