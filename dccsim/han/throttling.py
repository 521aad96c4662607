"""SECMP0062 alert throttling as the DCC applies it: each device alert passed to a User goes through the User's
window for that device and alert code (``alert_throttle`` in PostgreSQL, locked in the alerting device's
transaction, so every worker counts the same storm); ``close_due_windows`` forwards what a closing window held
back. The decisions are ``dccsim.han.throttle_rules``; under a release without SECMP0062 every alert goes as it is.
"""
from __future__ import annotations

from dccsim.han import throttle_rules as rules
from dccsim.han.context import HanContext
from dccsim.han.documents import Outgoing, device_alert_to
from dccsim.han.store import save

_LOCK = """SELECT window_start, window_end, raised, throttling, sequence, consolidated FROM alert_throttle
           WHERE device_id = $1 AND alert_code = $2 AND user_id = $3 FOR UPDATE"""
_KEEP = """
INSERT INTO alert_throttle (device_id, alert_code, user_id, window_start, window_end, raised, throttling, sequence,
                            consolidated, held_frame, held_counter, held_request_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (device_id, alert_code, user_id) DO UPDATE SET window_start = EXCLUDED.window_start,
    window_end = EXCLUDED.window_end, raised = EXCLUDED.raised, throttling = EXCLUDED.throttling,
    sequence = EXCLUDED.sequence, consolidated = EXCLUDED.consolidated,
    held_frame = COALESCE(EXCLUDED.held_frame, alert_throttle.held_frame),
    held_counter = COALESCE(EXCLUDED.held_counter, alert_throttle.held_counter),
    held_request_id = COALESCE(EXCLUDED.held_request_id, alert_throttle.held_request_id)
"""
_FORGET = "DELETE FROM alert_throttle WHERE device_id = $1 AND alert_code = $2 AND user_id = $3"
_DUE = """SELECT device_id, alert_code, user_id FROM alert_throttle WHERE throttling AND window_end <= $1
          ORDER BY window_end LIMIT 100 FOR UPDATE SKIP LOCKED"""
_HELD = "SELECT held_frame, held_counter, held_request_id FROM alert_throttle " \
        "WHERE device_id = $1 AND alert_code = $2 AND user_id = $3"


def _window(row) -> rules.Window | None:
    if row is None:
        return None
    return rules.Window(row["window_start"], row["window_end"], row["raised"], row["throttling"], row["sequence"],
                        row["consolidated"])


async def _keep(conn, key: tuple[str, str, str], window: rules.Window | None,
                held: tuple[bytes, int, str | None] | None = None) -> None:
    if window is None:
        await conn.execute(_FORGET, *key)
        return
    frame, counter, request_id = held if held is not None else (None, None, None)
    await conn.execute(_KEEP, *key, window.start, window.end, window.raised, window.throttling, window.sequence,
                       window.consolidated, frame, counter, request_id)


async def _close(han: HanContext, conn, key: tuple[str, str, str], window: rules.Window) -> list[Outgoing]:
    """Close a throttling window that has ended (and the empty ones after it, up to the clock's time)."""
    sent: list[Outgoing] = []
    now = han.clock.now()
    current: rules.Window | None = window
    while current is not None and current.throttling and current.end <= now:
        decision = rules.on_window_end(current, han.alert_throttle)
        if decision.action is rules.Action.FORWARD:
            held = await conn.fetchrow(_HELD, *key)
            device_id, code, user_id = key
            sent.append(device_alert_to(han.signer, user_id=user_id, device_id=device_id, alert_code=int(code, 16),
                                        frame=bytes(held["held_frame"]), counter=held["held_counter"],
                                        request_id=held["held_request_id"], moment=current.end,
                                        throttled=(decision.sequence, decision.count)))
        current = decision.window
    await _keep(conn, key, current)
    return sent


async def admit(han: HanContext, conn, *, device_id: str, code: int, user_id: str, frame: bytes, counter: int,
                request_id: str | None) -> list[Outgoing]:
    """The DeviceAlertMessages a device alert for ``user_id`` turns into now: itself, with throttling fields
    while a storm is throttled, nothing (it is held back), and what a window that has just closed held back."""
    moment = han.clock.now()
    if not han.release.alert_throttling:
        return [device_alert_to(han.signer, user_id=user_id, device_id=device_id, alert_code=code, frame=frame,
                                counter=counter, request_id=request_id, moment=moment)]
    key = (device_id, f"{code:04X}", user_id)
    window = _window(await conn.fetchrow(_LOCK, *key))
    sent: list[Outgoing] = []
    if window is not None and window.throttling and window.end <= moment:
        sent.extend(await _close(han, conn, key, window))
        window = _window(await conn.fetchrow(_LOCK, *key))
    decision = rules.on_alert(window, moment, han.alert_throttle)
    if decision.action is rules.Action.HOLD:
        await _keep(conn, key, decision.window, (frame, counter, request_id))
        return sent
    await _keep(conn, key, decision.window)
    throttled = (decision.sequence, decision.count) if decision.sequence is not None else None
    sent.append(device_alert_to(han.signer, user_id=user_id, device_id=device_id, alert_code=code, frame=frame,
                                counter=counter, request_id=request_id, moment=moment, throttled=throttled))
    return sent


async def close_due_windows(han: HanContext) -> int:
    """Close every throttling window the clock has reached, forwarding what each held back; return how many."""
    closed = 0
    async with han.db.pool.acquire() as conn:
        async with conn.transaction():
            for row in await conn.fetch(_DUE, han.clock.now()):
                key = (row["device_id"], row["alert_code"], row["user_id"])
                window = _window(await conn.fetchrow(_LOCK, *key))
                if window is None:
                    continue
                messages = await _close(han, conn, key, window)
                if messages:
                    await save(conn, row["device_id"], None, messages, delivers_here=han.delivers_here)
                closed += 1
    return closed
