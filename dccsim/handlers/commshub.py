"""8.14.1–8.14.4 Communications Hub Status Update, with the V4.0 rules for E081401/E081402/W081401."""
from __future__ import annotations

from datetime import datetime, timezone

from dccsim.duis.outcomes import E081401, E081402, I99, W081401, DuisRejection
from dccsim.db.connection import DccConnection
from dccsim.handlers.completion import respond_when_done
from dccsim.handlers.context import ServiceRequest, Services
from dccsim.handlers.registry import Reply, Target, handles
from dccsim.inventory import repository as repo
from dccsim.inventory.models import DeviceStatus, DeviceType


def _json_safe(body: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime) else v if isinstance(v, (str, int, bool)) or v is None
                else str(v)) for k, v in body.items()}


@handles("8.14.1", "8.14.2", target=Target.BODY, type_error=E081401)
async def install_success(ctx: ServiceRequest, conn: DccConnection, services: Services) -> Reply:
    """Record the CHF install; W081401 unless the CHF is InstalledNotCommissioned, lifting it (and its
    GPF) out of Pending."""
    chf = ctx.device
    install_time = ctx.body.get("InstallDateTime")
    if isinstance(install_time, datetime):
        moment = install_time if install_time.tzinfo else install_time.replace(tzinfo=timezone.utc)
        if moment > ctx.received_at:
            raise DuisRejection(E081402, f"InstallDateTime {install_time.isoformat()} is in the future")
    attributes = dict(chf.attributes)
    attributes["install"] = {"variant": ctx.variant, **_json_safe(ctx.body)}
    changes: dict = {"attributes": attributes, "installed_at": install_time or ctx.received_at}
    code = I99
    if chf.status != DeviceStatus.INSTALLED_NOT_COMMISSIONED:
        code = W081401
        if chf.status == DeviceStatus.PENDING and services.release.chf_pending_promotion:
            changes["status"] = DeviceStatus.INSTALLED_NOT_COMMISSIONED
            for device in await repo.find_devices(conn, chf_id=chf.device_id):
                if device.device_type == DeviceType.GPF and device.status == DeviceStatus.PENDING:
                    await services.inventory.update_device(conn, device.device_id,
                                                           status=DeviceStatus.INSTALLED_NOT_COMMISSIONED)
    await services.inventory.update_device(conn, chf.device_id, **changes)
    return Reply(code)


@handles("8.14.3", "8.14.4", target=Target.BODY, type_error=E081401)
async def hub_return(ctx: ServiceRequest, conn: DccConnection, services: Services) -> Reply:
    """A Communications Hub returned (with or without fault): it and its GPF are withdrawn, and the sender gets
    its Response."""
    chf = ctx.device
    attributes = dict(chf.attributes)
    attributes["return"] = {"variant": ctx.variant, **_json_safe(ctx.body)}
    await services.inventory.update_device(conn, chf.device_id, status=DeviceStatus.WITHDRAWN, attributes=attributes)
    for device in await repo.find_devices(conn, chf_id=chf.device_id):
        if device.device_type == DeviceType.GPF:
            await services.inventory.update_device(conn, device.device_id, status=DeviceStatus.WITHDRAWN)
    await respond_when_done(ctx, conn, services)
    return Reply(I99)
