"""The one clock the DCC and every device read: the wall clock, or simulated time that moves when told to.

Every time the simulator reasons about — when a request was received, when a future-dated or DCC-held
command is due, what a meter's registers read, what a Response's CreationTime says — comes from a
``Clock``. Infrastructure timing (delivery retries, leases, the wait for a device) runs on real time
whatever the clock says, so that a simulated day passes in an instant without timing anything out.

``SimulatedClock`` stands still until it is moved; ``dccsim.timing.scheduler.Scheduler.advance_to``
moves it and runs what falls due on the way, in order. Several processes share one simulated time
through PostgreSQL (``dccsim.timing.shared_clock``).
"""
from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone
from typing import Protocol


class ClockMode(enum.StrEnum):
    WALL = "wall"
    SIMULATED = "simulated"


class Clock(Protocol):
    mode: ClockMode

    def now(self) -> datetime:
        """The current time (timezone-aware, UTC)."""
        ...


class WallClock:
    """Real time."""

    mode = ClockMode.WALL

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ClockError(ValueError):
    """A caller asked the clock for something it cannot do (turn back, move the wall clock)."""


class SimulatedClock:
    """Time that stands still until it is moved forward (never back)."""

    mode = ClockMode.SIMULATED

    def __init__(self, start: datetime):
        self._now = _utc(start)

    def now(self) -> datetime:
        return self._now

    def move_to(self, moment: datetime) -> None:
        moment = _utc(moment)
        if moment < self._now:
            raise ClockError(f"simulated time runs forward only: {moment.isoformat()} is before "
                             f"{self._now.isoformat()}")
        self._now = moment

    def follow(self, moment: datetime) -> None:
        """Another process moved the shared time: take it, unless this process is ahead already."""
        moment = _utc(moment)
        if moment > self._now:
            self._now = moment


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ClockError(f"{moment.isoformat()} has no time zone")
    return moment.astimezone(timezone.utc)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> timedelta:
    """``90``, ``90s``, ``15m``, ``+2h``, ``1d12h``: a span of time (seconds when no unit is given)."""
    body = text.strip().lstrip("+")
    if not body:
        raise ValueError("an empty duration")
    try:
        return timedelta(seconds=float(body))
    except ValueError:
        pass
    total, number = 0.0, ""
    for char in body:
        if char.isdigit() or char == ".":
            number += char
        elif char in _UNITS and number:
            total += float(number) * _UNITS[char]
            number = ""
        else:
            raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 15m, 2h, 1d)")
    if number:
        raise ValueError(f"not a duration: {text!r} (a number without a unit at the end)")
    return timedelta(seconds=total)
