"""The admin API, on its own port (never the DUIS one): message log, outbox, health."""
from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from dccsim import outbox
from dccsim.inventory import repository as repo

if TYPE_CHECKING:
    from dccsim.runtime import Simulator

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
    return app
