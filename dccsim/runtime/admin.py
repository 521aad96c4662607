"""The admin API, on its own port (never the DUIS one): message log, outbox, users' endpoints, device faults,
events, state and re-keying, the clock, what is pending, the keys as one zip, health; and the training console."""
from __future__ import annotations

import json
from datetime import datetime

from aiohttp import web

from dccsim.console.app import PREFIX as CONSOLE, create_console_app
from dccsim.db.cache import DEVICE_FAULTS
from dccsim.delivery import outbox
from dccsim.delivery.message_log import messages_for
from dccsim.duis.ids import normalise_eui
from dccsim.han.device_events import NoSuchDevice, catalogue_of, cause_event
from dccsim.han.rekeying import reissue_device_certificate
from dccsim.han.store import set_faults
from dccsim.inventory import repository as repo
from dccsim.runtime.json_api import json_response as _json, path_device_id
from dccsim.runtime.simulator import Simulator
from dccsim.smki import repository as smki_repo
from dccsim.smki.credentials import Usage
from dccsim.smki.folders import export_zip
from dccsim.timing.clock import ClockError, ClockMode, parse_duration

SIMULATOR: web.AppKey[Simulator] = web.AppKey("simulator", Simulator)


async def messages(request: web.Request) -> web.Response:
    request_id = request.query.get("request_id")
    if not request_id:
        return _json({"error": "request_id is required"}, 400)
    sim = request.app[SIMULATOR]
    await sim.message_log.flush()
    return _json({"request_id": request_id, "messages": await messages_for(sim.db.pool, request_id)})


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


async def users(request: web.Request) -> web.Response:
    """Every user with its roles and the endpoint its Responses and alerts are POSTed to."""
    sim = request.app[SIMULATOR]
    async with sim.db.pool.acquire() as conn:
        listed = await repo.list_users(conn)
    return _json({"users": [{"entity_id": u.entity_id, "name": u.name, "roles": [str(r) for r in u.roles],
                             "endpoint": u.response_endpoint} for u in listed]})


async def user_endpoint(request: web.Request) -> web.Response:
    """PUT {"url": "http://..."} (or null): where a user's Responses and alerts are POSTed from now on."""
    sim = request.app[SIMULATOR]
    try:
        entity_id = normalise_eui(request.match_info["entity_id"])
        body = await request.json() if request.can_read_body else {}
        url = body.get("url") if isinstance(body, dict) else None
        if url is not None and not str(url).startswith(("http://", "https://")):
            raise ValueError(f"an endpoint is an http(s) URL, not {url!r}")
    except (ValueError, TypeError) as exc:
        return _json({"error": str(exc)}, 400)
    async with sim.db.pool.acquire() as conn:
        if not await repo.set_endpoint(conn, entity_id, url):
            return _json({"error": f"no user {request.match_info['entity_id']}"}, 404)
    return _json({"entity_id": entity_id, "endpoint": url})


async def pending(request: web.Request) -> web.Response:
    """What the simulator has still to do at the clock's time: device jobs due and messages undelivered. Both
    zero means every consequence of what it was sent so far has been delivered."""
    sim = request.app[SIMULATOR]
    async with sim.db.pool.acquire() as conn:
        jobs = await sim.han.jobs.due_pending(conn, sim.clock.now())
        messages = await outbox.pending_count(conn)
    return _json({"device_jobs": jobs, "outbox": messages})


async def device_faults(request: web.Request) -> web.Response:
    """POST {"offline": bool, "latency_ms": number, "loss": 0..1}: change a device's HAN faults at run time."""
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
    sim.caches.changed(DEVICE_FAULTS)
    return _json({"device_id": device_id, "offline": faults.offline, "latency_ms": faults.latency_ms,
                  "loss": faults.loss})


MAX_EVENT_COUNT = 10_000


async def device_event(request: web.Request) -> web.Response:
    """POST {"event": "power-outage", "count": 1}: a physical event happens to the device (its alerts follow)."""
    sim = request.app[SIMULATOR]
    device_id = path_device_id(request)
    try:
        body = await request.json() if request.can_read_body else {}
        if not isinstance(body, dict) or not isinstance(body.get("event"), str):
            raise ValueError('give {"event": NAME, "count": N}; GET this path lists the events of the device')
        count = body.get("count", 1)
        if isinstance(count, str) and count.isdigit():       # a scenario's values are text
            count = int(count)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_EVENT_COUNT:
            raise ValueError(f"count is a whole number from 1 to {MAX_EVENT_COUNT}, not {count!r}")
        outcome = await cause_event(sim.han, device_id, body["event"], count)
    except NoSuchDevice as exc:
        return _json({"error": str(exc)}, 404)
    except (ValueError, TypeError) as exc:
        return _json({"error": str(exc)}, 400)
    return _json(outcome.view())


async def device_event_list(request: web.Request) -> web.Response:
    """The events a device supports, each with the device alert codes (and DCC alerts) it can lead to."""
    sim = request.app[SIMULATOR]
    device = await sim.inventory.device(path_device_id(request))
    if device is None:
        return _json({"error": f"no device {request.match_info['device_id']}"}, 404)
    return _json({"device_id": device.device_id, "device_type": device.device_type,
                  "events": catalogue_of(device.device_type)})


# The credentials a device can be given anew, by the names DUIS 6.24.2 (CredentialType) gives them.
REKEYABLE = {"Digital Signature": Usage.GBCS_SIGNING, "Key Agreement": Usage.GBCS_KEY_AGREEMENT}


async def rekey_device(request: web.Request) -> web.Response:
    """POST {"credential": "Digital Signature" | "Key Agreement"}: the test PKI gives the device a new key pair and
    certificate, held by the device alone until the DCC learns of it (6.24.2 certificate tracking)."""
    sim = request.app[SIMULATOR]
    try:
        device_id = normalise_eui(request.match_info["device_id"])
        body = await request.json() if request.can_read_body else {}
        usage = REKEYABLE.get(body.get("credential") if isinstance(body, dict) else None)
        if usage is None:
            raise ValueError(f"credential is one of {', '.join(REKEYABLE)}")
    except (ValueError, TypeError) as exc:
        return _json({"error": str(exc)}, 400)
    async with sim.db.pool.acquire() as conn:
        if await repo.get_device(conn, device_id) is None:
            return _json({"error": f"no device {request.match_info['device_id']}"}, 404)
        credential = await reissue_device_certificate(conn, sim.han, device_id, usage)
    return _json({"device_id": device_id, "credential": body["credential"],
                  "serial": format(credential.certificate.serial_number, "x")})


async def device_state(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    device_id = path_device_id(request)
    row = await sim.db.pool.fetchrow("SELECT state FROM device_state WHERE device_id = $1", device_id)
    return _json({"device_id": device_id, "state": json.loads(row["state"]) if row else None})


def _clock_view(sim: Simulator) -> dict[str, str]:
    return {"mode": sim.clock.mode.value, "now": sim.clock.now().isoformat()}


async def clock(request: web.Request) -> web.Response:
    return _json(_clock_view(request.app[SIMULATOR]))


async def advance_clock(request: web.Request) -> web.Response:
    """POST {"duration": "2h"} or {"to": "2027-01-01T00:00:00Z"}: move simulated time forward, running what
    falls due on the way; answers the clock as it then stands."""
    sim = request.app[SIMULATOR]
    if sim.clock.mode is not ClockMode.SIMULATED:
        return _json({"error": "the clock is the wall clock; start the simulator with --clock simulated"}, 409)
    try:
        body = await request.json() if request.can_read_body else {}
        if "duration" in body:
            await sim.advance_clock_by(parse_duration(str(body["duration"])))
        elif "to" in body:
            await sim.advance_clock(datetime.fromisoformat(str(body["to"]).replace("Z", "+00:00")))
        else:
            raise ValueError('give "duration" (such as 90s, 15m, 2h, 1d) or "to" (an ISO time)')
    except (ValueError, TypeError, ClockError) as exc:
        return _json({"error": str(exc)}, 400)
    return _json(_clock_view(sim))


async def keys_zip(request: web.Request) -> web.Response:
    """The credentials ``dccsim keys export`` writes, as one zip in the same naming, as the database now holds
    them (under this simulator's validity rule and clock)."""
    sim = request.app[SIMULATOR]
    async with sim.db.pool.acquire() as conn:
        store = await smki_repo.load_store(conn, strict_validity=sim.settings.strict_validity, clock=sim.clock.now,
                                           quiet=True)
    return web.Response(body=export_zip(store, sim.clock.now()), content_type="application/zip",
                        headers={"Content-Disposition": 'attachment; filename="dccsim-keys.zip"'})


async def health(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    await sim.db.pool.fetchval("SELECT 1")
    view = {"status": "ok", "release": sim.release.name, "clock": _clock_view(sim)}
    if sim.balance is not None:
        view["duis_connections"] = sim.balance.held()
    return _json(view)


async def console_redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{CONSOLE}/")


def create_admin_app(sim: Simulator) -> web.Application:
    app = web.Application()
    app[SIMULATOR] = sim
    app.router.add_get("/admin/messages", messages)
    app.router.add_get("/admin/outbox", outbox_list)
    app.router.add_post("/admin/outbox/{message_id}/resend", outbox_resend)
    app.router.add_get("/admin/users", users)
    app.router.add_put("/admin/users/{entity_id}/endpoint", user_endpoint)
    app.router.add_get("/admin/pending", pending)
    app.router.add_get("/admin/health", health)
    app.router.add_get("/admin/keys.zip", keys_zip)
    app.router.add_post("/admin/devices/{device_id}/faults", device_faults)
    app.router.add_post("/admin/devices/{device_id}/events", device_event)
    app.router.add_get("/admin/devices/{device_id}/events", device_event_list)
    app.router.add_get("/admin/devices/{device_id}", device_state)
    app.router.add_post("/admin/devices/{device_id}/rekey", rekey_device)
    app.router.add_get("/admin/clock", clock)
    app.router.add_post("/admin/clock/advance", advance_clock)
    app.router.add_get(CONSOLE, console_redirect)
    app.add_subapp(CONSOLE, create_console_app(sim))
    return app
