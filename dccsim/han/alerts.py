"""Device alerts through the DCC: what the DCC itself does with an alert it sees (``DCC_PROCESSING``: the
CHF device-log backup, firmware versions against the CPL, N58 when a future-dated auxiliary calendar takes effect), and the signed DeviceAlertMessages for the Users
the rules of ``dccsim.han.alert_rules`` entitle to it, throttled in a storm (``dccsim.han.throttling``)."""
from __future__ import annotations

import json
from typing import Awaitable, Callable

import gbcs
from devices import alerts as device_alerts
from dccsim.han import alert_rules as rules
from dccsim.han import dcc_alerts, response_rules
from dccsim.han.context import HanContext
from dccsim.han.dcc_alerts import premises_parties
from dccsim.han.documents import Outgoing
from dccsim.han.identities import device_credentials
from dccsim.han.processing import firmware_against_cpl
from dccsim.han.throttling import admit
from dccsim.inventory import repository as repo
from dccsim.inventory.models import Device, DeviceType


async def route_device_alert(han: HanContext, conn, device: Device, frame: bytes,
                             request_id: str | None) -> list[Outgoing]:
    """Deliver a device's alert (as DeviceAlertMessages) to the Users entitled to it, after the DCC's own
    processing of it (which may raise DCC Alerts)."""
    if await device_credentials(conn, han.smki, device):
        han.credentials_changed()
    decoded = gbcs.decode(frame, han.keys.store())
    han.message_log.add(request_id=request_id, direction="in", kind="gbcs-alert", body=frame.hex())
    code = rules.alert_code(decoded)
    origin = await repo.get_device(conn, decoded.originator) or device
    messages = await _process(han, conn, origin, decoded, code, request_id)
    if decoded.recipient == han.dcc_entity_id:
        acted_for = rules.acted_for(decoded, code)
        if acted_for is not None:
            recipients = [acted_for]
        else:
            parties = await premises_parties(conn, origin)
            recipients = rules.users_in_roles(parties, rules.acb_forwarded_roles(code, origin.device_type))
    else:
        parties = await premises_parties(conn, origin)
        user_exists = rules.answers_a_command(code) and await repo.get_user(conn, decoded.recipient) is not None
        recipients = [decoded.recipient] if rules.entitled(parties, origin.device_type, decoded.recipient, code,
                                                           user_exists=user_exists) else []
    for user in recipients:
        messages.extend(await admit(han, conn, device_id=origin.device_id, code=code, user_id=user, frame=frame,
                                    counter=decoded.counter, request_id=request_id))
    return messages


Processing = Callable[[HanContext, object, Device, gbcs.Message, str | None], Awaitable[list[Outgoing]]]


async def _process(han: HanContext, conn, device: Device, message: gbcs.Message, code: int,
                   request_id: str | None) -> list[Outgoing]:
    """What the DCC itself does with an alert it sees (``DCC_PROCESSING``)."""
    action = DCC_PROCESSING.get(message.message_code) or DCC_PROCESSING.get(code)
    if action is None:
        return []
    return await action(han, conn, device, message, request_id)


async def _store_chf_backup(han: HanContext, conn, device: Device, message: gbcs.Message,
                            request_id: str | None) -> list[Outgoing]:
    """CS14: keep the CHF's device log backup (for 8.12.1 Restore HAN Device Log)."""
    items = message.payload.tree["body"][0]["items"]
    backup = items[2] if len(items) > 2 and items[2].get("type") == "structure" else None
    if backup is None:
        return []
    pan, entries = backup["items"][1]["hex"], backup["items"][2]["items"]
    log = [{"device_id": e["items"][0]["hex"].upper(), "link_key_hash": e["items"][1]["hex"]} for e in entries]
    await conn.execute(
        "INSERT INTO chf_log_backup (chf_id, extended_pan_id, entries, updated_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (chf_id) DO UPDATE SET extended_pan_id = EXCLUDED.extended_pan_id, "
        "entries = EXCLUDED.entries, updated_at = EXCLUDED.updated_at", device.device_id, pan, json.dumps(log),
        han.clock.now())
    return []


async def _store_gpf_backup(han: HanContext, conn, device: Device, message: gbcs.Message,
                            request_id: str | None) -> list[Outgoing]:
    """GCS62: keep the GPF's device log backup (for 8.12.2 Restore Gas Proxy Function Device Log)."""
    try:
        fields = message.payload.fields(message_code=message.message_code, cra=message.cra)
    except gbcs.GbcsError:
        return []
    log = [{"device_id": str(e["device_id"]).upper(), "device_type": e["device_type"]}
           for e in fields.get("device_log_entries", [])]
    await conn.execute(
        "INSERT INTO gpf_log_backup (gpf_id, entries, updated_at) VALUES ($1, $2, $3) ON CONFLICT (gpf_id) "
        "DO UPDATE SET entries = EXCLUDED.entries, updated_at = EXCLUDED.updated_at", device.device_id,
        json.dumps(log), han.clock.now())
    return []


async def _firmware_activated(han: HanContext, conn, device: Device, message: gbcs.Message,
                              request_id: str | None) -> list[Outgoing]:
    """A future-dated firmware activation (0x00CA) or a PPMID's activation (CS09): the version it now runs
    against the inventory and the CPL."""
    if not response_rules.cpl_check_applies(device, han.release.firmware_cpl_alerts) \
            or rules.alert_code(message) not in (0x8F66, 0x8F8B):
        return []
    return await firmware_against_cpl(han, conn, device, response_rules.reported_firmware_version(message),
                                      requester=message.recipient, trigger="alert", request_id=request_id)


async def _auxiliary_calendar_activated(han: HanContext, conn, device: Device, message: gbcs.Message,
                                       request_id: str | None) -> list[Outgoing]:
    """N58 (release note 5.5): a future-dated auxiliary controller calendar (6.14.2 / 6.14.3) took effect on an
    ESME."""
    if device.device_type != DeviceType.ESME or not response_rules.auxiliary_calendar_activated(message):
        return []
    return await dcc_alerts.raise_dcc_alert(han, conn, "N58", device, dcc_alerts.configuration_change(device),
                                            request_id=request_id)


DCC_PROCESSING: dict[int, Processing] = {
    device_alerts.CS14: _store_chf_backup,
    device_alerts.FDA_DLMS: _auxiliary_calendar_activated,
    device_alerts.GCS62: _store_gpf_backup,
    device_alerts.FD_FIRMWARE: _firmware_activated,
    device_alerts.CS09: _firmware_activated,
}
