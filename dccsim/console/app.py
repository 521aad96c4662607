"""The console's web application, mounted on the admin port at ``/console/`` (never on the DUIS port): the page and
its static files, the live event stream (Server-Sent Events), and the JSON the page reads and posts."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
from aiohttp import web

from dccsim.console.estate import device_panel, premises
from dccsim.console.events import Cursor, document_code, read_events
from dccsim.console.feed import Feed
from dccsim.console.forms import form_of, variants
from dccsim.console.messages import SOURCES, message_detail
from dccsim.console.send import SendError, SendRequest, duis_base_url, send
from dccsim.runtime.json_api import json_response as _json, path_device_id
from dccsim.runtime.simulator import Simulator

__all__ = ["PREFIX", "create_console_app"]

PREFIX = "/console"
STATIC = Path(__file__).with_name("static")
_SIM: web.AppKey[Simulator] = web.AppKey("console-simulator", Simulator)
_FEED: web.AppKey[Feed] = web.AppKey("console-feed", Feed)
_HTTP: web.AppKey[aiohttp.ClientSession] = web.AppKey("console-http", aiohttp.ClientSession)
SEND_TIMEOUT = 30.0
GAP_LOOK = 0.25         # seconds between reads while a missing id holds the cursor back


async def page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def events(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: every message-log and outbox row, from the browser's ``Last-Event-ID`` (or ``?after=``)
    on; without one, from the latest rows. Each batch ends with a ``cursor`` event whose id is where to resume."""
    sim, feed = request.app[_SIM], request.app[_FEED]
    await feed.start()
    resume = request.headers.get("Last-Event-ID") or request.query.get("after")
    cursor = Cursor.parse(resume)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    first = resume is None
    try:
        while not feed.closing:
            wake = feed.waiter()
            try:
                async with sim.db.pool.acquire() as conn:
                    batch = await read_events(conn, cursor, asyncio.get_running_loop().time(), start_at_end=first)
                first = False
                for event in batch:
                    await response.write(f"event: message\ndata: {json.dumps(event, default=str)}\n\n".encode())
                await response.write(f"event: cursor\nid: {cursor}\ndata: {{}}\n\n".encode())
                if batch:
                    continue
                try:
                    await asyncio.wait_for(wake.wait(), GAP_LOOK if cursor.waiting else feed.interval)
                except asyncio.TimeoutError:
                    pass
            finally:
                feed.done(wake)
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


async def message(request: web.Request) -> web.Response:
    sim = request.app[_SIM]
    source = request.match_info["source"]
    try:
        row_id = int(request.match_info["row_id"])
    except ValueError:
        return _json({"error": "a message id is a number"}, 400)
    if source not in SOURCES:
        return _json({"error": f"messages come from {' or '.join(SOURCES)}"}, 404)
    async with sim.db.pool.acquire() as conn:
        detail = await message_detail(conn, source, row_id, sim.han.keys.store())
    if detail is None:
        return _json({"error": f"no {source} message {row_id}"}, 404)
    return _json(detail)


async def estate(request: web.Request) -> web.Response:
    sim = request.app[_SIM]
    async with sim.db.pool.acquire() as conn:
        return _json({"premises": await premises(conn), "clock": sim.clock.now().isoformat()})


async def device(request: web.Request) -> web.Response:
    sim = request.app[_SIM]
    device_id = path_device_id(request)
    async with sim.db.pool.acquire() as conn:
        panel = await device_panel(conn, sim.han, device_id)
    if panel is None:
        return _json({"error": f"no device {request.match_info['device_id']}"}, 404)
    return _json(panel)


async def catalogue(request: web.Request) -> web.Response:
    return _json({"variants": variants()})


async def form(request: web.Request) -> web.Response:
    found = form_of(request.match_info["variant"], request.app[_SIM].clock.now())
    if found is None:
        return _json({"error": f"no Service Request variant {request.match_info['variant']}"}, 404)
    return _json(found)


async def send_request(request: web.Request) -> web.Response:
    """POST {"user", "variant", "device", "values": {path: text}} or {"user", "xml"}: sign as the user and send."""
    sim = request.app[_SIM]
    try:
        ask = SendRequest.from_json(await request.json())
        answer = await send(ask, smki=sim.smki, session=request.app[_HTTP], now=sim.clock.now(),
                            duis_url=duis_base_url(sim.settings.host, sim.settings.port))
    except (SendError, json.JSONDecodeError) as exc:
        return _json({"error": str(exc)}, 400)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        return _json({"error": f"the DUIS port did not answer: {exc}"}, 502)
    return _json(answer)


_INBOX = """
SELECT o.id, o.user_id, o.request_id, o.kind, o.status, o.attempts, o.created_at, o.body
FROM outbox o JOIN dcc_user u ON u.entity_id = o.user_id
WHERE u.response_endpoint IS NULL ORDER BY o.id DESC LIMIT $1
"""


async def inbox(request: web.Request) -> web.Response:
    """Responses and alerts for Users with no endpoint registered: kept in the outbox, shown here."""
    sim = request.app[_SIM]
    rows = await sim.db.pool.fetch(_INBOX, 200)
    return _json({"messages": [{"id": r["id"], "user": r["user_id"], "request_id": r["request_id"],
                                "kind": r["kind"], "status": r["status"], "attempts": r["attempts"],
                                "at": r["created_at"].isoformat(), "code": document_code(r["body"])} for r in rows]})


async def _http_session(app: web.Application):
    app[_HTTP] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT))
    yield
    await app[_HTTP].close()


def create_console_app(sim: Simulator) -> web.Application:
    app = web.Application()
    app[_SIM] = sim
    app[_FEED] = Feed(sim.listener)
    app.on_shutdown.append(app[_FEED].close)
    app.cleanup_ctx.append(_http_session)
    app.router.add_get("/", page)
    app.router.add_static("/static", STATIC)
    app.router.add_get("/events", events)
    app.router.add_get("/api/messages/{source}/{row_id}", message)
    app.router.add_get("/api/estate", estate)
    app.router.add_get("/api/devices/{device_id}", device)
    app.router.add_get("/api/catalogue", catalogue)
    app.router.add_get("/api/catalogue/{variant}", form)
    app.router.add_post("/api/send", send_request)
    app.router.add_get("/api/inbox", inbox)
    return app
