"""The gas meter model: consumption follows the clock and the logs agree with the registers; top-ups,
debts, tariffs, snapshots and event logs change as GBCS says."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from devices import gas_meter as meter
from devices.gas_meter import DAY, zt
from devices.gas_state import (DayEntry, DebtEntry, GasCalendar, GasData, GasEvent, Season, SpecialDay, TariffParts,
                               TopUpEntry)
from devices.state import GsmeState
from tests.devices import top_up_helpers as prepaid

NOW = datetime(2025, 3, 14, 9, 45, tzinfo=timezone.utc)
GSME = "00DB1234567890A1"


def fresh(now: datetime = NOW) -> tuple[GsmeState, GasData]:
    state = prepaid.provision(GsmeState())
    return state, meter.ensure(state, GSME, now)


def top_up(state: GsmeState, gas: GasData, utrn: str, now: int) -> tuple[int, int]:
    return meter.top_up(gas, utrn, now, state=state, entry=prepaid.entry(state, GSME))


def utrn(pennies: int, counter: int) -> str:
    return prepaid.utrn(pennies, counter=counter << 32, target=GSME)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 5 * 365 * DAY), st.integers(1, 40 * DAY))
def test_the_register_never_goes_backwards(offset, step):
    _, gas = fresh()
    start = gas.history_start + offset
    assert meter.volume(gas, start + step) >= meter.volume(gas, start)


def test_consumption_is_a_few_cubic_metres_a_day_more_in_winter():
    _, gas = fresh()
    def day(month: int) -> int:
        start = zt(datetime(2025, month, 10, tzinfo=timezone.utc))
        return meter.consumed(gas, start, start + DAY)
    winter, summer = day(1), day(7)
    assert 1000 < summer < winter < 8000       # litres


def test_each_meter_has_its_own_consumption():
    a = meter.new_meter("00DB1234567890A1", zt(NOW))
    b = meter.new_meter("00DB1234567890B1", zt(NOW))
    assert meter.volume(a, zt(NOW)) != meter.volume(b, zt(NOW))


def test_half_hour_profile_and_daily_log_add_up_to_the_register():
    _, gas = fresh()
    now = zt(NOW)
    start = meter.midnight(now) - 2 * DAY
    begin, interval, samples = meter.sampled_data(gas, meter.HALF_HOUR_PROFILE, start, 96, now)
    assert (begin, interval, len(samples)) == (start, 1800, 96)
    assert sum(samples) == meter.volume(gas, start + 2 * DAY) - meter.volume(gas, start)
    begin, interval, days = meter.sampled_data(gas, meter.DAILY_CONSUMPTION, start, 2, now)
    assert interval == 0xFFFF and days == [sum(samples[:48]), sum(samples[48:])]


def test_logs_hold_only_their_capacity_and_nothing_of_the_future():
    _, gas = fresh()
    now = zt(NOW)
    assert meter.sampled_data(gas, meter.HALF_HOUR_PROFILE, now - 800 * DAY, 48, now) is None
    assert meter.sampled_data(gas, meter.HALF_HOUR_PROFILE, now + 3600, 48, now) is None
    start, _, samples = meter.sampled_data(gas, meter.HALF_HOUR_PROFILE, now - 3 * 3600, 48, now)
    assert start + len(samples) * 1800 <= now and len(samples) == 5


def test_registers_grow_and_credit_falls_as_time_passes():
    state, gas = fresh()
    before = (meter.volume(gas, zt(NOW)), sum(gas.tiers), gas.prepayment.credit,
              gas.prepayment.bill_to_date)
    later = NOW + timedelta(hours=30)
    meter.ensure(state, GSME, later)
    litres = meter.volume(gas, zt(later)) - before[0]
    assert litres > 0
    assert sum(gas.tiers) - before[1] == litres
    assert gas.prepayment.credit < before[2] and gas.prepayment.bill_to_date > before[3]


def test_midnight_brings_a_daily_snapshot_and_time_debt_recovery():
    state, gas = fresh()
    debts = list(gas.prepayment.debts)
    meter.ensure(state, GSME, NOW + timedelta(days=1))
    midnight = meter.midnight(zt(NOW)) + DAY
    newest = meter.find_snapshots(gas, midnight, midnight, meter.GENERAL)
    assert [s.summation for s in newest] == [meter.volume(gas, midnight)]
    assert gas.prepayment.debts[0] == debts[0] - gas.prepayment.recovery_amounts[0]
    assert gas.debt_log[-2:] == [
        DebtEntry(time=midnight, amount=500_000, debt_type=0, outstanding=debts[0] - 500_000),
        DebtEntry(time=midnight, amount=200_000, debt_type=1, outstanding=debts[1] - 200_000)]


def test_billing_period_snapshots_on_the_first_of_the_month():
    state, gas = fresh(datetime(2025, 3, 31, 12, tzinfo=timezone.utc))
    meter.ensure(state, GSME, datetime(2025, 4, 1, 1, tzinfo=timezone.utc))
    first = zt(datetime(2025, 4, 1, tzinfo=timezone.utc))
    found = meter.find_snapshots(gas, first - 40 * DAY, first, meter.END_OF_BILLING_PERIOD)
    assert [s.time for s in found[:2]] == [first, zt(datetime(2025, 3, 1, tzinfo=timezone.utc))]
    assert all(s.cause == meter.END_OF_BILLING_PERIOD for s in found)


def test_the_meter_history_holds_top_ups_but_no_utrn_counter():
    state, gas = fresh()
    assert len(gas.top_ups) == 3 and all(len(t.code) == 20 for t in gas.top_ups)
    assert not state.utrn_counters      # taken before the simulator met it: no counter the cache knows


def test_a_top_up_is_applied_once_pays_its_share_of_debt_and_is_logged():
    state, gas = fresh()
    credit, debt = gas.prepayment.credit, gas.prepayment.debts[2]
    token = utrn(1500, counter=40)
    assert top_up(state, gas, token, zt(NOW)) == (meter.ACCEPTED, 1_500_000)
    share = 1_500_000 * gas.prepayment.recovery_percentage // 10000
    assert gas.prepayment.credit == credit + 1_500_000 - share
    assert gas.prepayment.debts[2] == debt - share
    assert gas.top_ups[-1] == TopUpEntry(code=token, amount=1_500_000, time=zt(NOW))
    assert gas.debt_log[-1].debt_type == 2 and gas.debt_log[-1].amount == share
    credit = gas.prepayment.credit
    assert top_up(state, gas, token, zt(NOW)) == (meter.REJECTED_DUPLICATE, -1)
    assert top_up(state, gas, "1" * 20, zt(NOW)) == (meter.REJECTED_INVALID, -1)
    # well-formed, but its tag was not made with the Supplier's prepayment key for this meter
    assert top_up(state, gas, meter.make_utrn(100, counter=41, tag=1), zt(NOW)) == (meter.REJECTED_INVALID, -1)
    assert [e.event_id for e in gas.logs.security_log[-3:]] == [meter.EVENT_DUPLICATE_UTRN,
                                                                 meter.EVENT_UTRN_NOT_AUTHENTIC,
                                                                 meter.EVENT_UTRN_NOT_AUTHENTIC]
    assert gas.prepayment.credit == credit
    # authentic, but more than the meter takes at once: refused within the meter's limits, the counter unused
    assert top_up(state, gas, utrn(8000, counter=42), zt(NOW))[0] == meter.REJECTED_TOO_LARGE
    assert top_up(state, gas, utrn(10, counter=42), zt(NOW)) == (meter.ACCEPTED, 10_000)


def test_top_up_log_keeps_the_last_five():
    state, gas = fresh()
    for n in range(7):
        top_up(state, gas, utrn(100 + n, counter=50 + n), zt(NOW) + n)
    assert [t.amount for t in gas.top_ups] == [(100 + n) * 1000 for n in range(2, 7)]


def test_clearing_the_event_log_leaves_the_security_log():
    state, gas = fresh()
    top_up(state, gas, "9" * 20, zt(NOW))
    security = list(gas.logs.security_log)
    assert gas.logs.event_log
    assert meter.clear_event_log(gas.logs, meter.SECURITY_EVENT_LOG, zt(NOW)) == 0
    assert meter.clear_event_log(gas.logs, meter.GENERAL_EVENT_LOG, zt(NOW)) == 1 << 3
    assert gas.logs.event_log == []
    assert gas.logs.security_log[:-1] == security
    assert gas.logs.security_log[-1].event_id == meter.EVENT_LOG_CLEARED


def _tou(price: int) -> TariffParts:
    return TariffParts(tou_prices=[price, price + 1, price + 2, price + 3], standing_charge=1234,
                       issuer_tariff_id=price)


def test_a_tariff_takes_effect_now_at_its_start_time_or_never():
    state, gas = fresh()
    now = zt(NOW)
    meter.stage_tariff(gas, _tou(5000), 0, now)
    assert gas.tariff.tou_prices[0] == 5000 and gas.pending is None
    meter.stage_tariff(gas, _tou(6000), now + 2 * DAY + 600, now)
    assert gas.tariff.tou_prices[0] == 5000 and gas.pending.start_time == now + 2 * DAY + 600
    meter.ensure(state, GSME, NOW + timedelta(days=1))
    assert gas.tariff.tou_prices[0] == 5000
    meter.ensure(state, GSME, NOW + timedelta(days=3))
    assert gas.tariff.tou_prices[0] == 6000 and gas.pending is None
    change = meter.find_snapshots(gas, now, now + 3 * DAY, meter.CHANGE_OF_TARIFF)
    assert [s.time for s in change] == [now + 2 * DAY + 600, now]
    assert GasEvent(event_id=meter.EVENT_FUTURE_DATED_ACTIONED, time=now + 2 * DAY + 600,
                    data=b"") in gas.logs.event_log
    assert GasEvent(event_id=meter.EVENT_DEBT_COLLECTION_COMPLETED[1], time=meter.midnight(now) + 2 * DAY,
                    data=b"") in gas.logs.event_log
    meter.stage_tariff(gas, _tou(7000), now + 10 * DAY, zt(NOW + timedelta(days=3)))
    meter.stage_tariff(gas, _tou(8000), meter.CANCELLED, zt(NOW + timedelta(days=3)))
    assert gas.pending is None


@pytest.mark.parametrize("when, tier", [("03:00", 1), ("08:00", 2), ("17:00", 3), ("20:00", 4)])
def test_tou_tier_follows_the_calendar(when, tier):
    _, gas = fresh()
    hour, minute = map(int, when.split(":"))
    moment = datetime(2025, 3, 12, hour, minute, tzinfo=timezone.utc)
    assert meter.current_tier(gas, zt(moment)) == tier


def test_special_days_and_seasons_choose_the_day_profile():
    calendar = GasCalendar(issuer_calendar_id=1, issuer_event_id=0, start_time=0, calendar_type=0, time_reference=0,
                           name="", days={1: [DayEntry(0, 1)], 2: [DayEntry(0, 2)], 3: [DayEntry(0, 3)]},
                           weeks={1: [1, 1, 1, 1, 1, 2, 2], 2: [3] * 7},
                           seasons=[Season(meter._date(None, 1, 1), 1), Season(meter._date(None, 6, 1), 2)],
                           special_days=[SpecialDay(meter._date(2025, 3, 12), 3)])
    at = lambda *d: zt(datetime(*d, 12, tzinfo=timezone.utc))  # noqa: E731
    assert calendar_values(calendar, at) == (3, 1, 2, 3)


def calendar_values(calendar, at):
    return (meter.calendar_value(calendar, at(2025, 3, 12)), meter.calendar_value(calendar, at(2025, 3, 13)),
            meter.calendar_value(calendar, at(2025, 3, 15)), meter.calendar_value(calendar, at(2025, 7, 1)))


def test_block_tariff_charges_by_the_energy_used_in_the_block_period():
    _, gas = fresh()
    tariff = gas.tariff
    tariff.tariff_type, tariff.thresholds, tariff.thresholds_in_use = 0x10, [1000, 2000, 3000], 3
    tariff.block_prices = [100, 200, 300, 400]
    gas.block_period_wh = 0
    assert meter.current_price(gas, zt(NOW)) == 100
    gas.block_period_wh = 2500
    assert meter.current_price(gas, zt(NOW)) == 300
    tariff.thresholds_in_use = 1
    assert meter.current_price(gas, zt(NOW)) == 200
