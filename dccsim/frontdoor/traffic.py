"""Service Request Traffic Management (SECMP0067) and the RequestID counter rule, in one statement.

Sources (public):

- DUIS V4.0 release note, §2.2 "SECMP0067 Service Request Traffic Management" (the seed's
  ``duis-4.0-release-note.txt``): new HTTP response code 429 "Too Many Requests", and in Table 8 (general
  error handling): "When the volume of Service Requests into the DCC System exceeds the system capacity,
  then the Service Request Traffic Management system will reject non-Priority Service Requests from a User
  that is exceeding their capacity allocation", answered with 429; the User re-sends after at least the
  RETRY-AFTER delay.
- The SEC modification page for SECMP0067
  (https://smartenergycodecompany.co.uk/modifications/service-request-traffic-management/): a maximum
  system capacity, an operating threshold and per-User allocations; traffic management becomes active
  when the DCC System reaches the threshold, and Users above their allocation are throttled.

How the simulator models it:

- Each User may have an allocation (``capacity_rps`` with a burst), a token bucket in ``rate_bucket``.
- ``Settings.system_capacity_rps`` is the DCC System's capacity (the operating threshold) across all
  Users, a bucket of its own that every Service Request draws on. While it has tokens the system is
  within capacity and nobody is throttled; once it is exhausted, non-priority requests from Users whose
  own bucket is empty get 429. Without a system capacity (the default) the system is taken to be at its
  threshold all the time, so every allocation is enforced: a User can rehearse its 429 handling without
  first generating system-wide load.
- Which Service Requests are priority is part of the SR catalogue (``priority=`` in
  ``dccsim/catalogue/matrix.py``: 1.5 Update Meter Balance, 2.2 Top Up Device, 2.5 Activate Emergency
  Credit, 7.1 Enable Supply, 7.3 Arm Supply — the requests that restore or keep a consumer's supply).
  Neither source above lists the priority Service Requests; that list is the project's reading of the
  modification's intent and is pinned by a test so that a change to it is deliberate.

The bucket rows, the allocation (read from ``dcc_user`` in the same call, so a change made with
``dccsim users set-capacity`` applies to the very next request in every worker) and the originator's
RequestID counter are all handled by one SQL function, ``admit_requests``
(``schemas/migrations/0013_admit_requests.sql``): any number of workers sharing the database keep each User
within its allocation, and a throttled request does not consume its RequestID counter, so the same signed
request can be sent again after Retry-After. The requests that reach a process's front door at the same
moment are decided in one call of it — one round trip, one transaction — each exactly as it would be alone.

A request may also ask for its target device to be read in that round trip (``repo.device_read_sql``, joined to
the call's rows): a device Service Request for a device the process's inventory cache does not hold, which
would otherwise read it in a round trip of its own once admitted.
"""
from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

import asyncpg

from dccsim.duis.outcomes import HTTP_400_REQUEST_ID, HTTP_429_TOO_MANY, DuisRejection
from dccsim.inventory import repository as repo

SYSTEM_BUCKET = "*system*"
_ADMIT_CALL = "admit_requests($1::text[], $2::numeric[], $3::boolean[], $4::boolean[], $5, $6, $7)"
_ADMIT_GROUP = f"SELECT * FROM {_ADMIT_CALL}"
# The same, with the devices asked for ($8, by place in the group: NULL for none) read beside the verdicts.
_ADMIT_GROUP_READING = (f"SELECT a.*, r.* FROM {_ADMIT_CALL} a LEFT JOIN LATERAL ("
                        + repo.device_read_sql("($8::text[])[a.place]") + ") r ON true")
MAX_GROUP = 256


def burst_of(rps: float, burst: int | None) -> float:
    return float(burst) if burst else max(1.0, float(math.ceil(rps)))


@dataclass(frozen=True)
class _Asking:
    originator: str
    counter: int
    managed: bool
    advance_counter: bool
    device: str | None = None


class Admissions:
    """Traffic management and the RequestID counter rule for one process's front door.

    Requests that ask at the same moment (in one turn of the event loop, or while the previous group is in
    the database) are decided together in one round trip; each gets the verdict it would have got alone."""

    def __init__(self, pool: asyncpg.Pool, system_rps: float | None):
        self._pool = pool
        self._system_rps = system_rps
        self._system_burst = burst_of(system_rps, None) if system_rps else None
        self._waiting: list[tuple[_Asking, asyncio.Future]] = []
        self._drainer: asyncio.Task | None = None

    async def admit(self, *, originator: str, counter: int, managed: bool, advance_counter: bool,
                    device: str | None = None) -> repo.DeviceRead | None:
        """Apply traffic management (when ``managed``: the release has it and the request is not a priority
        one) and the RequestID counter rule to one request; with ``device``, read that device in the same round
        trip and return it.

        Raises ``DuisRejection(HTTP_429_TOO_MANY)`` with a Retry-After when the originator is throttled
        (its counter is then left alone), ``DuisRejection(HTTP_400_REQUEST_ID)`` when the counter does not
        increase."""
        loop = asyncio.get_running_loop()
        verdict = loop.create_future()
        self._waiting.append((_Asking(originator, counter, managed, advance_counter, device), verdict))
        if self._drainer is None:
            self._drainer = loop.create_task(self._drain())
        row = await verdict
        _judge(originator, counter, advance_counter, row)
        return repo.device_read(row) if device is not None else None

    async def _drain(self) -> None:
        """Decide the waiting groups one after another on one connection, held while there are any."""
        try:
            async with self._pool.acquire() as conn:
                while self._waiting:
                    group, self._waiting = self._waiting[:MAX_GROUP], self._waiting[MAX_GROUP:]
                    if not await self._decide(conn, group):
                        break                  # the next groups go on a fresh connection
        except asyncio.CancelledError:
            left, self._waiting = self._waiting, []     # the process is stopping
            for _, verdict in left:
                verdict.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - no connection to be had: those waiting get the error
            left, self._waiting = self._waiting, []
            for _, verdict in left:
                if not verdict.done():
                    verdict.set_exception(exc)
        finally:
            self._drainer = None
            if self._waiting:
                self._drainer = asyncio.get_running_loop().create_task(self._drain())

    async def _decide(self, conn: asyncpg.Connection, group: list[tuple[_Asking, asyncio.Future]]) -> bool:
        """One group in one round trip; False when it failed (its requests then get the error)."""
        arguments = ([a.originator for a, _ in group], [a.counter for a, _ in group], [a.managed for a, _ in group],
                     [a.advance_counter for a, _ in group], self._system_rps, self._system_burst, SYSTEM_BUCKET)
        devices = [a.device for a, _ in group]
        try:
            if any(devices):
                rows = await conn.fetch(_ADMIT_GROUP_READING, *arguments, devices)
            else:
                rows = await conn.fetch(_ADMIT_GROUP, *arguments)
        except asyncio.CancelledError:
            for _, verdict in group:
                verdict.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - every request of the group gets the error
            for _, verdict in group:
                if not verdict.done():
                    verdict.set_exception(exc)
            return False
        for row in rows:
            verdict = group[row["place"] - 1][1]
            if not verdict.done():
                verdict.set_result(row)
        return True


def _judge(originator: str, counter: int, advance_counter: bool, row: asyncpg.Record) -> None:
    if row["throttled"]:
        rps, level = row["rps"], row["level"] or 0.0
        wait = max(1, math.ceil((1.0 - level) / rps)) if rps > 0 else 60
        raise DuisRejection(
            HTTP_429_TOO_MANY,
            f"User {originator} exceeds its capacity allocation of {rps:g} requests/s (burst {row['burst']:g})",
            headers={"Retry-After": str(wait)},
        )
    if advance_counter and not row["advanced"]:
        last = row["last_counter"]
        raise DuisRejection(HTTP_400_REQUEST_ID, f"RequestID counter {counter} is not greater than "
                                                   f"{int(last) if last is not None else last}, the last "
                                                   f"accepted from {originator}")


async def set_capacity(conn, user_id: str, rps: float | None, burst: int | None) -> bool:
    """Set (or with ``rps`` None clear) a user's allocation; it applies to the user's next request."""
    result = await conn.execute(
        "UPDATE dcc_user SET capacity_rps = $2, capacity_burst = $3 WHERE entity_id = $1", user_id, rps, burst)
    await conn.execute("DELETE FROM rate_bucket WHERE user_id = $1", user_id)
    return result.endswith(" 1")
