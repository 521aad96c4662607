"""The estate as the console shows it: premises (a Communications Hub and the devices on its HAN) and, per device,
its inventory entry, its HAN faults and its state as ``devices.queries.view`` gives it."""
from __future__ import annotations

from typing import Any

from devices import queries
from dccsim.han.context import HanContext
from dccsim.han.installation import provisioned_state
from dccsim.inventory import repository as repo

__all__ = ["device_panel", "premises"]

_DEVICES = """
SELECT device_id, device_type, status, chf_id, gpf_id, esme_variant, import_mpxn, postcode
FROM device ORDER BY coalesce(chf_id, device_id), (device_type = 'CHF') DESC, device_id
"""


async def premises(conn) -> list[dict[str, Any]]:
    """Every premises: its hub's id and its devices (a device with no hub is a premises of its own)."""
    found: dict[str, dict[str, Any]] = {}
    for row in await conn.fetch(_DEVICES):
        hub = row["chf_id"] or row["device_id"]
        place = found.setdefault(hub, {"hub": hub, "postcode": None, "devices": []})
        place["postcode"] = place["postcode"] or row["postcode"]
        place["devices"].append({"device_id": row["device_id"], "device_type": row["device_type"],
                                 "status": row["status"], "mpxn": row["import_mpxn"]})
    return list(found.values())


async def device_panel(conn, han: HanContext, device_id: str) -> dict[str, Any] | None:
    """One device's panel (None: not in the inventory). Its state is as stored, or as the device would be
    installed at its first contact when nothing has reached it yet."""
    device = await repo.get_device(conn, device_id)
    if device is None:
        return None
    stored = await conn.fetchval("SELECT state FROM device_state WHERE device_id = $1", device_id)
    state = await provisioned_state(conn, device, stored, han.identities)
    faults = await han.faults.faults(device_id)
    return {"device_id": device.device_id, "device_type": str(device.device_type), "status": str(device.status),
            "chf_id": device.chf_id, "gpf_id": device.gpf_id, "contacted": stored is not None,
            "faults": {"offline": faults.offline, "latency_ms": faults.latency_ms, "loss": faults.loss},
            "state": queries.view(state)}
