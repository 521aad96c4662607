"""Device alerts and DCC alerts to Users: who receives which alert, and the signed DUIS document for each.

A device addresses each alert to a Remote Party (``devices.alerts.ALERT_CODES``): the entity in its cell for
the alert's role (Supplier, Network Operator), the originator of the command the alert reports on, or the
Access Control Broker. The DCC delivers an alert addressed to a User to that User when the User holds, for
the alerting device (or, for a HAN device without responsible parties, its premises), one of the DUIS roles
``USER_ROLES`` maps the alert's Remote Party role to; an alert addressed to the ACB is the DCC's, which acts
on it (``DCC_PROCESSING``: the CHF device-log backup, firmware versions against the CPL) and forwards it to
the Users ``ACB_FORWARDED`` names — by default those of the alert's roles on the device's premises (a PPMID
has no Supplier cell: its Supplier alerts reach the premises' suppliers through the DCC).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import gbcs
from devices import alerts as device_alerts
from dccsim.handlers.device_commands import dcc_keys
from dccsim.duis.ids import dashed
from dccsim.duis.responses import dcc_alert, device_alert
from dccsim.inventory import repository as repo

if TYPE_CHECKING:
    from dccsim.runtime.simulator import Simulator


@dataclass
class Outgoing:
    """A signed DUIS document for a user, with its log identity."""

    user_id: str
    kind: str
    body: bytes
    request_id: str | None
    response_id: str | None


ANY = ("IS", "ES", "GS", "ED", "GT", "RSA", "OU")
# The DUIS roles that receive an alert addressed to a Remote Party role, by the alerting device's type
# ("*": any other type, through its premises).
USER_ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    "supplier": {"ESME": ("IS",), "GSME": ("GS",), "GPF": ("GS",), "*": ("IS", "GS")},
    "network-operator": {"ESME": ("ED",), "GSME": ("GT",), "GPF": ("GT",), "*": ("ED", "GT")},
    "originator": {"*": ANY},
}
# Alerts addressed to the Access Control Broker that the DCC passes on, and to whom (DUIS roles of the
# alerting device's premises).
ACB_FORWARDED: dict[int, tuple[str, ...]] = {
    0x8F12: ("IS", "GS"),        # CS14: the CHF device log changed
    0x8071: ("GS",),             # GPF device log changed
    0x8F8A: ("IS", "GS"),        # CCS08: firmware transferred (or not) to a device
    0x8F8B: ("IS", "GS"),        # CS09: PPMID firmware activated
    0x8F72: ("IS", "GS"),        # firmware verified by a device without a Supplier cell (CHF)
}


async def route_device_alert(sim: "Simulator", conn, device, frame: bytes, request_id: str | None) -> list[Outgoing]:
    """Deliver a device's alert (as DeviceAlertMessages) to the Users entitled to it, after the DCC's own
    processing of it (which may raise DCC Alerts)."""
    decoded = gbcs.decode(frame, dcc_keys(sim))
    sim.message_log.add(request_id=request_id, direction="in", kind="gbcs-alert", body=frame.hex())
    code = alert_code(decoded)
    origin = await repo.get_device(conn, decoded.originator) or device
    messages = await _process(sim, conn, origin, decoded, code, request_id)
    if decoded.recipient == sim.dcc_entity_id:
        if code == 0x8F85 and len(decoded.other_info_extra) >= 8:
            recipients = [decoded.other_info_extra[:8].hex().upper()]     # the User the ACB acted for
        else:
            roles = ACB_FORWARDED.get(code) or user_roles(code, origin.device_type)
            recipients = await _premises_users(conn, origin, roles)
    elif await entitled(conn, origin, decoded.recipient, code):
        recipients = [decoded.recipient]
    else:
        recipients = []
    for user in recipients:
        response_id = f"{dashed(origin.device_id)}:{dashed(user)}:{decoded.counter}"
        document = device_alert(schema_version="5.4", alert_code=code, gbcs_payload=frame, response_id=response_id)
        messages.append(Outgoing(user, "device-alert", sim.signer.sign_to_bytes(document), request_id, response_id))
    return messages


def alert_code(message: gbcs.Message) -> int:
    tree = message.payload.tree
    if message.payload.kind == "dlms-data-notification":
        body = tree.get("body") or []
        if body and body[0].get("type") == "structure" and body[0]["items"]:
            first = body[0]["items"][0]
            if first.get("type") == "long-unsigned":
                return first["value"]
    if message.payload.kind == "gbz-alert":
        return tree.get("alert_code", 0)
    if message.payload.kind == "asn1" and tree and tree[0].get("children"):
        first = tree[0]["children"][0]
        if first.get("tag") == "02":
            return int(first["hex"], 16)
    return message.message_code


async def _premises_parties(conn, device) -> dict[str, list[str]]:
    """{DUIS role: users} of a meter (or GPF), or of the premises of a device without parties of its own."""
    own = device.device_type in ("ESME", "GSME", "GPF")
    candidates = [device] if own else [device, *(await repo.premises_devices(conn, device))]
    found: dict[str, list[str]] = {}
    for candidate in candidates:
        for role, entity in (await repo.parties(conn, candidate.device_id)).items():
            users = found.setdefault(role, [])
            if entity not in users:
                users.append(entity)
    return found


async def _premises_users(conn, device, roles: tuple[str, ...]) -> list[str]:
    parties = await _premises_parties(conn, device)
    found: list[str] = []
    for role in roles:
        for user in parties.get(role, []):
            if user not in found:
                found.append(user)
    return found


def user_roles(code: int, device_type: str) -> tuple[str, ...]:
    """The DUIS roles an alert code's Remote Party roles map to for a device type."""
    found: list[str] = []
    for remote_role in device_alerts.info(code).to:
        table = USER_ROLES.get(remote_role, {})
        if remote_role == "originator":
            continue
        for role in table.get(device_type, table.get("*", ())):
            if role not in found:
                found.append(role)
    return tuple(found)


async def entitled(conn, device, user: str, code: int) -> bool:
    """Whether ``user`` may receive this alert from this device: it holds a DUIS role the alert's Remote
    Party roles map to (any role of the device, for an alert answering the User's own command)."""
    info = device_alerts.info(code)
    parties = await _premises_parties(conn, device)
    for remote_role in info.to:
        table = USER_ROLES.get(remote_role, {})
        roles = table.get(device.device_type, table.get("*", ()))
        if remote_role == "originator":
            if await repo.get_user(conn, user) is not None:
                return True
        elif any(user in parties.get(role, []) for role in roles):
            return True
    return False


async def _process(sim: "Simulator", conn, device, message: gbcs.Message, code: int,
                   request_id: str | None) -> list[Outgoing]:
    """What the DCC itself does with an alert it sees (``DCC_PROCESSING``)."""
    action = DCC_PROCESSING.get(message.message_code) or DCC_PROCESSING.get(code)
    if action is None:
        return []
    return await action(sim, conn, device, message, request_id)


async def _store_chf_backup(sim, conn, device, message: gbcs.Message, request_id) -> list[Outgoing]:
    """CS14: keep the CHF's device log backup (for 8.12.1 Restore HAN Device Log)."""
    items = message.payload.tree["body"][0]["items"]
    backup = items[2] if len(items) > 2 and items[2].get("type") == "structure" else None
    if backup is None:
        return []
    pan, entries = backup["items"][1]["hex"], backup["items"][2]["items"]
    log = [{"device_id": e["items"][0]["hex"].upper(), "link_key_hash": e["items"][1]["hex"]} for e in entries]
    await conn.execute(
        "INSERT INTO chf_log_backup (chf_id, extended_pan_id, entries, updated_at) VALUES ($1, $2, $3, now()) "
        "ON CONFLICT (chf_id) DO UPDATE SET extended_pan_id = EXCLUDED.extended_pan_id, "
        "entries = EXCLUDED.entries, updated_at = now()", device.device_id, pan, json.dumps(log))
    return []


async def _firmware_activated(sim, conn, device, message: gbcs.Message, request_id) -> list[Outgoing]:
    """A future-dated firmware activation (0x00CA) or a PPMID's activation (CS09): the version it now runs
    against the inventory and the CPL."""
    from dccsim.han.processing import firmware_against_cpl, reported_firmware_version

    if not sim.release.firmware_cpl_alerts or alert_code(message) not in (0x8F66, 0x8F8B):
        return []
    return await firmware_against_cpl(sim, conn, device, reported_firmware_version(message), requester=message.recipient,
                                      trigger="alert", request_id=request_id)


DCC_PROCESSING = {
    device_alerts.CS14: _store_chf_backup,
    device_alerts.FD_FIRMWARE: _firmware_activated,
    device_alerts.CS09: _firmware_activated,
}


async def dcc_alert_to(sim: "Simulator", user: str, code: str, fill, *, request_id: str | None = None) -> Outgoing:
    stamp = int(datetime.now(timezone.utc).timestamp() * 1_000_000)
    response_id = f"{dashed(sim.dcc_entity_id)}:{dashed(user)}:{stamp}"
    document = dcc_alert(schema_version="5.4", alert_code=code, fill=fill, response_id=response_id)
    return Outgoing(user, "dcc-alert", sim.signer.sign_to_bytes(document), request_id, response_id)
