"""Who is on whose HAN, for the HAN bus: the route to a device through its Communications Hub, from the
inventory (which hub, which Gas Proxy) and the hub's own device log (``devices.queries.device_log`` of its
state, saved beside it).

A HAN device reaches the DCC only while it is on its CHF's device log (CCS01 puts it there, CCS02 takes it
off); a gas meter's traffic goes through its GPF. A hub never contacted yet has the log the inventory gives it
(``dccsim.han.installation.initial_chf_log``): every HAN device the inventory puts on that hub. One query
per frame.
"""
from __future__ import annotations

from devices.device_types import kind_of
from devices.han import Route
from dccsim.han.installation import initial_chf_log

_ROUTE = """
SELECT d.device_type, d.gpf_id, d.chf_id, s.hub_device_log AS log, s.device_id IS NOT NULL AS contacted
FROM device d LEFT JOIN device_state s ON s.device_id = $2
WHERE d.device_id = $1
"""


class PgHanDirectory:
    def __init__(self, pool):
        self.pool = pool

    async def route(self, device_id: str, hub_id: str | None) -> Route:
        if not hub_id or hub_id == device_id:
            return Route((device_id,))
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(_ROUTE, device_id, hub_id)
            if row is None:
                return Route((hub_id, device_id), reason=f"{device_id} is not in the inventory")
            hops = (hub_id, row["gpf_id"], device_id) if row["device_type"] == "GSME" and row["gpf_id"] \
                else (hub_id, device_id)
            if not kind_of(row["device_type"]).on_chf_log:
                return Route(hops)
            if not row["contacted"]:
                if row["chf_id"] == hub_id:
                    return Route(hops)
                log = [entry["device_id"] for entry in await initial_chf_log(conn, hub_id)]
            else:
                log = row["log"] or []
        if device_id not in log:
            return Route(hops, reason=f"{device_id} is not on the device log of CHF {hub_id}")
        return Route(hops)
