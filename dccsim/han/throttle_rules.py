"""SECMP0062 Alert Storm Protection, decided without I/O: when the DCC forwards a device's alert to a User, when it
holds one back, and the ``ThrottledAlertSequenceId`` / ``ThrottledAlertCount`` a forwarded one carries.

The DCC counts the alerts of one code from one device for one User in windows of ``ThrottlePolicy.seconds`` on the
simulator's clock. While no more than ``count`` arrive in a window each is forwarded as it is. The one that goes
over the threshold starts throttling: it is forwarded with sequence id 1 and count 0, and every later one is held
back (consolidated). When a window closes, the last alert held back is forwarded with the next sequence id and
the number of the others held back since the previous forwarded one, so that the forwarded alerts plus the counts
they carry always add up to the alerts the device raised. A window that closes with no more than ``count`` alerts
in it ends the storm: throttling stops and the next alert is forwarded as it is, its sequence starting again.

The release note (DUIS V4.0, SECMP0062) defines the two data items and says when they are present; it gives no
threshold. The default, 50 alerts of one code from one device in 60 seconds, is this project's own choice
(``serve --alert-throttle COUNT/SECONDS`` sets another).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

DEFAULT_POLICY_TEXT = "50/60"


@dataclass(frozen=True)
class ThrottlePolicy:
    """More than ``count`` alerts of one code from one device within ``seconds`` are a storm."""

    count: int
    seconds: float

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.seconds)

    @classmethod
    def parse(cls, text: str) -> ThrottlePolicy:
        """``COUNT/SECONDS``, e.g. ``50/60``; a user's mistake is a ValueError that says what is expected."""
        count, slash, seconds = str(text).partition("/")
        try:
            policy = cls(int(count), float(seconds))
        except ValueError:
            policy = None
        if not slash or policy is None or policy.count < 1 or policy.seconds <= 0:
            raise ValueError(f"an alert throttle is COUNT/SECONDS with COUNT >= 1 and SECONDS > 0 "
                             f"(e.g. {DEFAULT_POLICY_TEXT}), not {text!r}")
        return policy


DEFAULT_POLICY = ThrottlePolicy.parse(DEFAULT_POLICY_TEXT)


@dataclass(frozen=True)
class Window:
    """What the DCC keeps of one (device, alert code, User): the current window and the storm, if any."""

    start: datetime
    end: datetime
    raised: int = 0                  # alerts raised in this window
    throttling: bool = False
    sequence: int = 0                # the ThrottledAlertSequenceId last forwarded
    consolidated: int = 0            # alerts held back since the last one forwarded (the held one included)


class Action(enum.Enum):
    FORWARD = "forward"              # forward this alert now
    HOLD = "hold"                    # keep this alert back: it is the one forwarded when the window closes


@dataclass(frozen=True)
class Decision:
    action: Action
    window: Window | None            # what to keep from now on (None: nothing, the storm is over)
    sequence: int | None = None      # ThrottledAlertSequenceId of the alert forwarded
    count: int | None = None         # ThrottledAlertCount of the alert forwarded


def on_alert(window: Window | None, now: datetime, policy: ThrottlePolicy) -> Decision:
    """An alert arrives at ``now`` (a window that has closed is closed first, with ``on_window_end``)."""
    if window is None or (not window.throttling and now >= window.end):
        return Decision(Action.FORWARD, Window(now, now + policy.window, raised=1))
    raised = window.raised + 1
    if window.throttling:
        return Decision(Action.HOLD, replace(window, raised=raised, consolidated=window.consolidated + 1))
    if raised <= policy.count:
        return Decision(Action.FORWARD, replace(window, raised=raised))
    return Decision(Action.FORWARD, replace(window, raised=raised, throttling=True, sequence=1), sequence=1, count=0)


def on_window_end(window: Window, policy: ThrottlePolicy) -> Decision | None:
    """A throttling window closes: the alert held back (if any) goes, carrying the count of the others; the
    storm goes on in a new window while alerts keep coming above the threshold, else it ends."""
    goes_on = window.raised > policy.count
    following = Window(window.end, window.end + policy.window, throttling=True, sequence=window.sequence) \
        if goes_on else None
    if window.consolidated == 0:
        return Decision(Action.HOLD, following)
    sequence = window.sequence + 1
    if following is not None:
        following = replace(following, sequence=sequence)
    return Decision(Action.FORWARD, following, sequence=sequence, count=window.consolidated - 1)
