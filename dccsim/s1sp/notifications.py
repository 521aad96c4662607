"""N57: the DCC tells the Gas Supplier of a SMETS1 installation that its hub's or PPMID's firmware is being
updated (11.1 accepted) or was activated (11.3), built as every DCC alert is
(``dccsim.han.documents.dcc_alert_to``)."""
from __future__ import annotations

from datetime import datetime

from dccsim.duis.ids import dashed
from dccsim.duis.responses import add
from dccsim.duis.xmldsig import DuisSigner
from dccsim.han.documents import Outgoing, dcc_alert_to
from dccsim.inventory import repository as repo
from dccsim.inventory.models import Device
from dccsim.s1sp import rules
from dccsim.s1sp.alert_codes import S1_DCC_ALERTS, FirmwareNotification, S1DccAlert


async def firmware_notification(conn, signer: DuisSigner, *, dcc_entity_id: str, device: Device, version: str,
                                status: FirmwareNotification, moment: datetime,
                                request_id: str | None) -> list[Outgoing]:
    """N57 for each Gas Supplier of a GSME on the device's SMETS1 CH (none for a meter's own firmware)."""
    if not rules.notifies_gas_supplier(device):
        return []
    premises = await repo.premises_devices(conn, device)
    parties_of = {d.device_id: await repo.parties(conn, d.device_id) for d in premises}
    body = S1_DCC_ALERTS[S1DccAlert.N57].body

    def fill(alert):
        notification = add(alert, body)
        add(notification, "DeviceID", dashed(device.device_id))
        add(notification, "FirmwareVersion", version)
        add(notification, "FirmwareVersionUpdateStatus", status.value)

    return [dcc_alert_to(signer, dcc_entity_id=dcc_entity_id, user_id=user, code=S1DccAlert.N57.value, fill=fill,
                         moment=moment, request_id=request_id)
            for user in rules.gas_suppliers(premises, parties_of)]
