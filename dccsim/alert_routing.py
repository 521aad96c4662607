"""Device alerts and DCC alerts to users: who is entitled to an alert, and the signed DUIS document for each."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import gbcs
from dccsim.device_requests import dcc_keys
from dccsim.duis.ids import dashed
from dccsim.duis.responses import dcc_alert, device_alert
from dccsim.inventory import repository as repo

if TYPE_CHECKING:
    from dccsim.runtime import Simulator


@dataclass
class Outgoing:
    """A signed DUIS document for a user, with its log identity."""

    user_id: str
    kind: str
    body: bytes
    request_id: str | None
    response_id: str | None


async def route_device_alert(sim: "Simulator", conn, device, frame: bytes, request_id: str | None) -> list[Outgoing]:
    """A device's alert goes, as a DeviceAlertMessage, to the suppliers responsible for it (or its premises)."""
    decoded = gbcs.decode(frame, dcc_keys(sim))
    sim.message_log.add(request_id=request_id, direction="in", kind="gbcs-alert", body=frame.hex())
    alert_code = _alert_code(decoded)
    recipients = await responsible_suppliers(conn, device)
    messages = []
    for user in recipients:
        response_id = f"{dashed(device.device_id)}:{dashed(user)}:{decoded.counter}"
        document = device_alert(schema_version="5.4", alert_code=alert_code, gbcs_payload=frame,
                                response_id=response_id)
        messages.append(Outgoing(user, "device-alert", sim.signer.sign_to_bytes(document), request_id, response_id))
    return messages


def _alert_code(message: gbcs.Message) -> int:
    tree = message.payload.tree
    if message.payload.kind == "dlms-data-notification":
        body = tree.get("body") or []
        if body and body[0].get("type") == "structure" and body[0]["items"]:
            first = body[0]["items"][0]
            if first.get("type") == "long-unsigned":
                return first["value"]
    if message.payload.kind == "gbz-alert":
        return tree.get("alert_code", 0)
    return message.message_code


async def responsible_suppliers(conn, device) -> list[str]:
    """IS / GS of the device, else of the meters on its premises."""
    found: list[str] = []
    for candidate in [device, *(await repo.premises_devices(conn, device))]:
        parties = await repo.parties(conn, candidate.device_id)
        for role in ("IS", "GS"):
            if role in parties and parties[role] not in found:
                found.append(parties[role])
        if found:
            break
    return found


async def dcc_alert_to(sim: "Simulator", user: str, code: str, fill, *, request_id: str | None = None) -> Outgoing:
    stamp = int(datetime.now(timezone.utc).timestamp() * 1_000_000)
    response_id = f"{dashed(sim.dcc_entity_id)}:{dashed(user)}:{stamp}"
    document = dcc_alert(schema_version="5.4", alert_code=code, fill=fill, response_id=response_id)
    return Outgoing(user, "dcc-alert", sim.signer.sign_to_bytes(document), request_id, response_id)
