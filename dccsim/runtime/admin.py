"""The admin API, on its own port (never the DUIS one): message log, outbox, health."""
from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from dccsim.delivery import outbox
from dccsim.inventory import repository as repo

if TYPE_CHECKING:
    from dccsim.runtime.simulator import Simulator

SIMULATOR: web.AppKey = web.AppKey("simulator")


def _json(value, status: int = 200) -> web.Response:
    return web.json_response(value, status=status, dumps=_dumps)


def _dumps(value) -> str:
    import json

    return json.dumps(value, default=str)


async def messages(request: web.Request) -> web.Response:
    request_id = request.query.get("request_id")
    if not request_id:
        return _json({"error": "request_id is required"}, 400)
    sim = request.app[SIMULATOR]
    await sim.message_log.flush()
    return _json({"request_id": request_id, "messages": await repo.messages_for(sim.db.pool, request_id)})


async def outbox_list(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    async with sim.db.pool.acquire() as conn:
        return _json({"messages": await outbox.pending_and_undeliverable(conn)})


async def outbox_resend(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    try:
        message_id = int(request.match_info["message_id"])
    except ValueError:
        return _json({"error": "message id must be a number"}, 400)
    async with sim.db.pool.acquire() as conn:
        if not await outbox.resend(conn, message_id):
            return _json({"error": f"no outbox message {message_id}"}, 404)
    return _json({"resent": message_id})


async def device_faults(request: web.Request) -> web.Response:
    """POST {"offline": bool, "latency_ms": number, "loss": 0..1}: change a device's HAN faults at run time."""
    from dccsim.duis.ids import normalise_eui
    from dccsim.han.store import set_faults

    sim = request.app[SIMULATOR]
    try:
        device_id = normalise_eui(request.match_info["device_id"])
        body = await request.json() if request.can_read_body else {}
        loss = body.get("loss")
        if loss is not None and not 0 <= float(loss) <= 1:
            raise ValueError("loss must be between 0 and 1")
    except (ValueError, TypeError) as exc:
        return _json({"error": str(exc)}, 400)
    async with sim.db.pool.acquire() as conn:
        faults = await set_faults(conn, device_id, offline=body.get("offline"), latency_ms=body.get("latency_ms"),
                                  loss=loss)
    sim.faults.invalidate()
    return _json({"device_id": device_id, "offline": faults.offline, "latency_ms": faults.latency_ms,
                  "loss": faults.loss})


async def device_state(request: web.Request) -> web.Response:
    from dccsim.duis.ids import normalise_eui

    sim = request.app[SIMULATOR]
    try:
        device_id = normalise_eui(request.match_info["device_id"])
    except ValueError as exc:
        return _json({"error": str(exc)}, 400)
    row = await sim.db.pool.fetchrow("SELECT state FROM device_state WHERE device_id = $1", device_id)
    import json

    return _json({"device_id": device_id, "state": json.loads(row["state"]) if row else None})


async def health(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    await sim.db.pool.fetchval("SELECT 1")
    return _json({"status": "ok", "release": sim.release.name})


def create_admin_app(sim: "Simulator") -> web.Application:
    app = web.Application()
    app[SIMULATOR] = sim
    app.router.add_get("/admin/messages", messages)
    app.router.add_get("/admin/outbox", outbox_list)
    app.router.add_post("/admin/outbox/{message_id}/resend", outbox_resend)
    app.router.add_get("/admin/health", health)
    app.router.add_post("/admin/devices/{device_id}/faults", device_faults)
    app.router.add_get("/admin/devices/{device_id}", device_state)
    return app
