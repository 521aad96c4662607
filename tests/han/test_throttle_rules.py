"""SECMP0062 throttling decisions (``dccsim.han.throttle_rules``): storms start above the threshold, forwarded
alerts carry increasing sequence ids, counts add up to what was raised, and a quiet window ends the storm."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dccsim.han.throttle_rules import DEFAULT_POLICY, Action, ThrottlePolicy, Window, on_alert, on_window_end

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
POLICY = ThrottlePolicy(3, 60)


def _run(times: list[float], until: float) -> list[tuple[int | None, int | None]]:
    """Alerts at ``times`` (seconds after T0), windows closed on the way to ``until``: what was forwarded."""
    window: Window | None = None
    sent: list[tuple[int | None, int | None]] = []

    def close_until(moment: datetime) -> None:
        nonlocal window
        while window is not None and window.throttling and window.end <= moment:
            decision = on_window_end(window, POLICY)
            if decision.action is Action.FORWARD:
                sent.append((decision.sequence, decision.count))
            window = decision.window

    for at in times:
        moment = T0 + timedelta(seconds=at)
        close_until(moment)
        decision = on_alert(window, moment, POLICY)
        window = decision.window
        if decision.action is Action.FORWARD:
            sent.append((decision.sequence, decision.count))
    close_until(T0 + timedelta(seconds=until))
    return sent


def test_alerts_under_the_threshold_go_as_they_are():
    assert _run([0, 1, 2], until=600) == [(None, None)] * 3
    assert _run([0, 1, 2, 70, 71, 72], until=600) == [(None, None)] * 6      # a new window each minute


def test_a_storm_is_consolidated_and_nothing_is_lost():
    sent = _run([i * 0.1 for i in range(200)], until=600)
    plain = [s for s in sent if s[0] is None]
    throttled = [s for s in sent if s[0] is not None]
    assert len(plain) == 3
    assert [s[0] for s in throttled] == list(range(1, len(throttled) + 1))
    assert len(sent) + sum(s[1] or 0 for s in sent) == 200
    assert len(sent) < 200


def test_a_storm_over_several_windows_forwards_one_alert_a_window_then_ends():
    times = [i * 0.5 for i in range(400)]             # 200 s of alerts, two a second
    sent = _run(times + [900], until=1000)
    assert len(sent) + sum(s[1] or 0 for s in sent) == 401
    assert sent[-1] == (None, None)                   # after the storm, the next alert goes as it is
    sequences = [s[0] for s in sent if s[0] is not None]
    assert sequences == list(range(1, len(sequences) + 1)) and 4 <= len(sequences) <= 6


@pytest.mark.parametrize("text", ["", "50", "0/60", "50/0", "x/60", "50/-1", "50/sixty"])
def test_a_throttle_policy_that_is_not_one_says_what_is_expected(text):
    with pytest.raises(ValueError, match="COUNT/SECONDS"):
        ThrottlePolicy.parse(text)


def test_the_default_policy():
    assert DEFAULT_POLICY == ThrottlePolicy(50, 60.0)
