"""Who is on whose HAN, for the HAN bus: the route to a device through its Communications Hub, from the
inventory (which hub, which Gas Proxy) and the hub's own device log (``devices.queries.device_log`` of its
state, saved beside it).

A HAN device reaches the DCC only while it is on its CHF's device log (CCS01 puts it there, CCS02 takes it
off); a gas meter's traffic goes through its GPF. A hub never contacted yet has the log the inventory gives it
(``dccsim.han.installation.initial_chf_log``): every HAN device the inventory puts on that hub. One query
per frame; none when the log is left to the device's transaction (``deferred_log``: the hops come from the
process's inventory cache, and ``off_the_log`` is the check the store makes with the log it reads).
"""
from __future__ import annotations

from devices import kind_of
from devices import Route
from dccsim.han.installation import initial_chf_log
from dccsim.inventory.cached import Inventory

_ROUTE = """
SELECT d.device_type, d.gpf_id, d.chf_id, s.hub_device_log AS log, s.device_id IS NOT NULL AS contacted
FROM device d LEFT JOIN device_state s ON s.device_id = $2
WHERE d.device_id = $1
"""


def _not_in_inventory(device_id: str, hub_id: str) -> Route:
    return Route((hub_id, device_id), reason=f"{device_id} is not in the inventory")


def _hops(device_type: str, gpf_id: str | None, device_id: str, hub_id: str) -> tuple[str, ...]:
    return (hub_id, gpf_id, device_id) if device_type == "GSME" and gpf_id else (hub_id, device_id)


async def off_the_log(conn, device_id: str, chf_id: str | None, hub_id: str, contacted: bool,
                      log: list[str] | None) -> str | None:
    """Why a device (whose inventory hub is ``chf_id``) is not on the device log of ``hub_id`` — None if it
    is — given what the hub's state row says: whether it has one (``contacted``) and the log saved beside it."""
    if not contacted:
        if chf_id == hub_id:
            return None
        log = [entry["device_id"] for entry in await initial_chf_log(conn, hub_id)]
    if device_id not in (log or []):
        return f"{device_id} is not on the device log of CHF {hub_id}"
    return None


class PgHanDirectory:
    def __init__(self, pool, inventory: Inventory | None = None):
        self.pool = pool
        self.inventory = inventory

    async def route(self, device_id: str, hub_id: str | None, *, deferred_log: bool = False) -> Route:
        if not hub_id or hub_id == device_id:
            return Route((device_id,))
        if deferred_log and self.inventory is not None:
            device = await self.inventory.device(device_id)
            if device is None:
                return _not_in_inventory(device_id, hub_id)
            hops = _hops(device.device_type, device.gpf_id, device_id, hub_id)
            return Route(hops, on_log_of=hub_id if kind_of(device.device_type).on_chf_log else None)
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(_ROUTE, device_id, hub_id)
            if row is None:
                return _not_in_inventory(device_id, hub_id)
            hops = _hops(row["device_type"], row["gpf_id"], device_id, hub_id)
            if not kind_of(row["device_type"]).on_chf_log:
                return Route(hops)
            reason = await off_the_log(conn, device_id, row["chf_id"], hub_id, row["contacted"], row["log"])
        return Route(hops, reason=reason)
