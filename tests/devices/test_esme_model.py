"""The ESME object model on its own: registers that advance, tariffs that activate, logs that are written
and cleared as GBCS allows, profiles over periods, prepayment, the clock, and what each variant has."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dccsim.han.commands.builder import build_command
from dccsim.inventory.models import Device
from devices import esme_axdr as x
from devices import esme_consumption as energy
from devices import esme_meter as meter
from devices.esme_variant import VARIANTS, capabilities
from gbcs import DataAccessResult
from tests.devices.esme_helpers import (DEVICE, T0, USER, action, get, later, new_state, protected,
                                        protected_values, range_of, serve, set_, utrn)

IMPORT_REGISTERS = ("00002B0208FF", (1, "00005E2C220A"))
TOU_REGISTERS = ("00002B0209FF", (1, "00005E2C2201"))
PREPAYMENT = ("00002B0201FF", (1, "00005E2C221E"))
SUCCESS, OBJECT_UNDEFINED = DataAccessResult.SUCCESS, DataAccessResult.OBJECT_UNDEFINED


def read_protected(state, obis, *targets, now=T0, period=None):
    response = serve(state, protected(obis, *targets, period=period), now=now)
    assert response["results"][0]["result"] == SUCCESS
    return protected_values(response["data"][0])


def imports(state, now):
    values = read_protected(state, *IMPORT_REGISTERS, now=now)[0]["items"]
    return values[0]["value"], values[2]["value"]


def tariff_command(body: dict, *, now: datetime, variant: str = "A", counter: int = 5000) -> dict:
    device = Device(device_id=DEVICE, device_type="ESME", status="Commissioned", esme_variant=variant)
    command = build_command("1.1.1", ("ECS01a", "GCS01a"), device, body, critical=True, now=now, originator=USER,
                            counter=counter)
    return command.payload.tree


def tou_body(prices=(1500, 3000), day=(("00:00:00", 1), ("07:00:00", 2)), execution=None) -> dict:
    body = {"ElecTariffElements": {
        "CurrencyUnits": "GBP",
        "SwitchingTable": {
            "DayProfiles": {"DayProfile": [{"DayName": "1", "ProfileSchedule": [
                {"StartTime": start, "TOUTariffAction": str(rate)} for start, rate in day]}]},
            "WeekProfiles": {"WeekProfile": [{"WeekName": "1", "ReferencedDayName": ["1"] * 7}]},
            "Seasons": {"Season": [{"SeasonName": "all", "SeasonStartDate": {
                "Year": {"NonSpecifiedYear": ""}, "Month": {"SpecifiedMonth": "1"},
                "DayOfMonth": {"SpecifiedDayOfMonth": "1"}, "DayOfWeek": {"NonSpecifiedDayOfWeek": ""}},
                "ReferencedWeekName": "1"}]}},
        "SpecialDays": "",
        "ThresholdMatrix": {"Thresholds": [{"BlockThreshold": ["4294967295"]}] * 8}},
        "PriceElements": {"ElectricityPriceElements": {
            "StandingCharge": "20000", "StandingChargeScale": "-5", "PriceScale": "-5",
            "TOUTariff": {"TOUPrice": [str(p) for p in prices]}}}}
    if execution is not None:
        body["ExecutionDateTime"] = execution.isoformat()
    return body


def block_body(thresholds=("2000", "5000", "4294967295"), prices=("1000", "2000", "4000")) -> dict:
    body = tou_body(day=(("00:00:00", 1),))
    schedule = body["ElecTariffElements"]["SwitchingTable"]["DayProfiles"]["DayProfile"][0]["ProfileSchedule"][0]
    schedule.pop("TOUTariffAction")
    schedule["BlockTariffAction"] = "1"
    body["ElecTariffElements"]["ThresholdMatrix"]["Thresholds"] = (
        [{"BlockThreshold": list(thresholds)}] + [{"BlockThreshold": ["4294967295"]}] * 7)
    body["PriceElements"]["ElectricityPriceElements"].pop("TOUTariff")
    body["PriceElements"]["ElectricityPriceElements"]["BlockTariff"] = {"BlockPrices": [{"BlockPrice": list(prices)}]}
    return body


def test_registers_advance_with_the_simulated_consumption():
    state = new_state()
    first, reactive = imports(state, T0)
    second, reactive_later = imports(state, later(T0, hours=5))
    seed = state.meter.seed
    expected = energy.energy_between(energy.import_wh, seed, x.utc_seconds(T0), x.utc_seconds(later(T0, hours=5)))
    assert expected > 500
    assert abs((second - first) - expected) <= 2
    assert reactive_later > reactive


def test_tou_registers_follow_the_active_tariff():
    state = new_state()
    midnight = T0.replace(hour=0, minute=0, second=0)
    results = serve(state, *[(s, d) for s, d in zip(*_tree_pairs(tariff_command(tou_body(), now=midnight)))],
                    now=midnight)
    assert all(r["result"] == SUCCESS for r in results["results"])
    before = read_protected(state, *TOU_REGISTERS, now=midnight)[0]["items"][0]["items"]
    after = read_protected(state, *TOU_REGISTERS, now=later(midnight, days=1))[0]["items"][0]["items"]
    seed, day = state.meter.seed, x.utc_seconds(midnight) // energy.SLOT
    night = sum(energy.import_wh(seed, s) for s in range(day, day + 14))          # 00:00 – 07:00, rate 1
    rest = sum(energy.import_wh(seed, s) for s in range(day + 14, day + 48))      # 07:00 – 24:00, rate 2
    assert abs(after[0]["value"] - before[0]["value"] - night) <= 2
    assert abs(after[1]["value"] - before[1]["value"] - rest) <= 2
    assert after[2]["value"] == before[2]["value"]


def _tree_pairs(tree):
    return tree["specs"], tree["data"]


def _apply(state, tree, now):
    response = serve(state, *zip(tree["specs"], tree["data"]), now=now)
    assert all(r["result"] == SUCCESS for r in response["results"]), response["results"]
    return response


def test_block_tariff_moves_to_the_next_block_at_its_threshold_in_wh():
    state = new_state()
    midnight = T0.replace(hour=0, minute=0, second=0)
    _apply(state, tariff_command(block_body(), now=midnight), midnight)
    serve(state, now=later(midnight, days=1))
    registers = meter.register_view(state)
    blocks = [row[0] for row in registers["block"]]          # rate 1, blocks 1..4
    assert 1999 <= blocks[0] <= 2001 and 2999 <= blocks[1] <= 3001 and blocks[2] > 0 and blocks[3] == 0
    assert registers["counter"] == registers["block"]
    # the daily read log rewinds the same blocks: nothing in them when the tariff began
    rows = x.compact_rows(read_protected(state, "00002B0205FF", (7, "0000620109FF"), now=later(midnight, days=1),
                                         period=(midnight, later(midnight, days=1)))[0])
    assert [sum(map(sum, r[3:7])) for r in rows][0] <= 1
    assert [list(b) for b in rows[1][3:7]] == [list(b) for b in registers["block"]]


def test_tariff_read_back_after_immediate_activation_and_billing_log_entry():
    state = new_state()
    _apply(state, tariff_command(tou_body(prices=(1111, 2222)), now=T0), T0)
    response = serve(state, get(113, "0000131400FF", 5), get(113, "0000131404FF", 5), now=later(T0, minutes=1))
    prices = {i["items"][0]["hex"]: i["items"][1]["value"] for i in response["data"][0]["items"][2]["items"]}
    assert prices["01"] == 1111 and prices["02"] == 2222 and prices["03"] == 0
    assert response["data"][1]["items"][2]["items"][0]["items"][1]["value"] == 20000
    entries = state.meter.logs.tariff_billing
    assert len(entries) == 1 and entries[0].at == x.utc_seconds(T0)
    assert state.meter.logs.event[-1].code == meter.COMMAND_ACTIONED


def test_future_tariff_activates_at_its_time_and_a_cancellation_drops_it():
    state = new_state()
    when = later(T0, days=2)
    _apply(state, tariff_command(tou_body(prices=(4321,), execution=when), now=T0), T0)
    price_of = lambda now: {i["items"][0]["hex"]: i["items"][1]["value"] for i in serve(  # noqa: E731
        state, get(113, "0000131400FF", 5), now=now)["data"][0]["items"][2]["items"]}["01"]
    assert price_of(later(T0, days=1)) == 20000              # factory price until the activation time
    assert price_of(later(when, minutes=1)) == 4321
    # a second future tariff, then its cancellation (DUIS execution date 3000-12-31)
    _apply(state, tariff_command(tou_body(prices=(999,), execution=later(T0, days=5)), now=later(T0, days=3),
                                 counter=5001), later(T0, days=3))
    cancel = tariff_command(tou_body(prices=(999,), execution=datetime(3000, 12, 31, tzinfo=timezone.utc)),
                            now=later(T0, days=3), counter=5002)
    assert cancel["date_time"] is None
    _apply(state, cancel, later(T0, days=3))
    assert price_of(later(T0, days=6)) == 4321


def test_twin_element_meter_has_secondary_registers_and_tariff():
    single, twin = new_state("A"), new_state("B")
    assert len(read_protected(single, *IMPORT_REGISTERS)[0]["items"]) == 4
    values = read_protected(twin, *IMPORT_REGISTERS)[0]["items"]
    assert len(values) == 5 and values[4]["type"] == "double-long-unsigned" and values[4]["value"] > 0
    tou = read_protected(twin, *TOU_REGISTERS)[0]["items"]
    assert [len(a["items"]) for a in tou] == [48, 4]
    assert serve(single, get(113, "0000131405FF", 5))["results"][0]["result"] == OBJECT_UNDEFINED
    assert serve(twin, get(113, "0000131405FF", 5))["results"][0]["result"] == SUCCESS
    before = meter.register_view(twin)["secondary"]
    serve(twin, now=later(T0, days=1))
    assert meter.register_view(twin)["secondary"] > before


def test_polyphase_meter_answers_for_three_phases():
    start, end = later(T0, days=-1), T0
    specs = [get(7, "0100201800FF", 2, range_of(start, end)), get(7, "0100341800FF", 2, range_of(start, end)),
             get(3, "010048200004", 2)]
    polyphase = serve(new_state("C"), *specs)
    assert [r["result"] for r in polyphase["results"]] == [SUCCESS] * 3
    rows = x.compact_rows(polyphase["data"][1])
    assert len(rows) == 24 and all(220 < v < 260 for _t, v in rows)
    single = serve(new_state("A"), *specs)
    assert [r["result"] for r in single["results"]] == [SUCCESS, OBJECT_UNDEFINED, OBJECT_UNDEFINED]


def test_half_hour_profile_covers_the_period_asked_and_never_the_future():
    state = new_state()
    end = later(T0, hours=3)                     # after the meter's clock: nothing beyond now
    start = later(T0, hours=-6)
    rows = x.compact_rows(serve(state, get(7, "0000630100FF", 2, range_of(start, end)))["data"][0])
    stamps = [t for t, _v in rows]
    assert stamps == list(range(-(-x.utc_seconds(start) // 1800) * 1800, x.utc_seconds(T0) + 1, 1800))
    seed = state.meter.seed
    assert all(v == energy.import_wh(seed, t // 1800 - 1) for t, v in rows)


def test_daily_read_log_agrees_with_the_registers():
    state = new_state()
    midnight = T0.replace(hour=0, minute=0, second=0)
    values = read_protected(state, "00002B0205FF", (7, "0000620109FF"), period=(later(midnight, days=-3), T0))
    rows = x.compact_rows(values[0])
    assert [r[0] for r in rows] == [x.utc_seconds(later(midnight, days=-d)) for d in (3, 2, 1, 0)]
    now_import = meter.register_view(state)["import"]
    since = energy.energy_between(energy.import_wh, state.meter.seed, x.utc_seconds(midnight), x.utc_seconds(T0))
    assert abs(rows[-1][1] + since - now_import) <= 2
    assert sum(rows[-1][2]) + sum(map(sum, rows[-1][3:7])) <= rows[-1][1]


def test_daily_consumption_is_the_sum_of_the_half_hours():
    state = new_state()
    midnight = T0.replace(hour=0, minute=0, second=0)
    daily = x.compact_rows(read_protected(state, "00002B0204FF", (7, "0000630103FF"),
                                          period=(midnight, T0))[0])
    halves = x.compact_rows(serve(state, get(7, "0000630100FF", 2, range_of(later(midnight, minutes=-1410),
                                                                              midnight)))["data"][0])
    assert daily == [(x.utc_seconds(midnight), sum(v for _t, v in halves))]


def test_event_log_is_cleared_and_the_clearing_goes_to_the_security_log():
    state = new_state()
    serve(state, action(115, "0000132800FF", 1, x.octets(utrn(100))))
    assert state.meter.logs.event
    response = serve(state, action(7, "0000636200FF", 1, x.integer(0)))
    assert response["results"][0]["result"] == SUCCESS
    assert state.meter.logs.event == []
    assert state.meter.logs.security[-1].code == meter.EVENT_LOG_CLEARED
    with pytest.raises(ValueError):
        meter.clear_log(state, "security", T0)


def test_auxiliary_controller_log_exists_only_where_there_is_an_auxiliary_controller():
    assert serve(new_state("A"), action(7, "0011636202FF", 1, x.integer(0)))["results"][0]["result"] == \
        OBJECT_UNDEFINED
    for variant in ("AD", "BDF", "AG"):
        state = new_state(variant)
        assert serve(state, action(7, "0011636202FF", 1, x.integer(0)))["results"][0]["result"] == SUCCESS
        assert state.meter.logs.security[-1].code == meter.EVENT_LOG_CLEARED


def test_top_up_credit_is_visible_and_a_utrn_counts_once():
    state = new_state()
    balance = read_protected(state, *PREPAYMENT)[0]["items"][0]["value"]
    text = utrn(1000).decode()                          # 1000 pennies, from the meter's Supplier
    token = x.octets(text.encode())
    assert serve(state, action(115, "0000132800FF", 1, token))["results"][0]["result"] == SUCCESS
    after = read_protected(state, *PREPAYMENT)[0]["items"][0]["value"]
    assert abs(after - balance - 1000 * meter.PENCE) < 100
    assert serve(state, get(112, "0000130A00FF", 2))["data"][0]["value"] == after
    assert serve(state, action(115, "0000132800FF", 1, token))["results"][0]["result"] != SUCCESS
    wrong_digit = text[:-1] + str((int(text[-1]) + 1) % 10)
    for refused in (wrong_digit.encode(), b"1234"):     # a wrong check digit, not a UTRN
        assert serve(state, action(115, "0000132800FF", 1, x.octets(refused)))["results"][0]["result"] != SUCCESS
    assert serve(state, get(112, "0000130A00FF", 2))["data"][0]["value"] == after
    assert state.meter.logs.security[-1].code == meter.UTRN_REJECTED
    credits = x.compact_rows(serve(state, get(7, "0000620105FF", 2, range_of(later(T0, days=-1), T0)))["data"][0])
    assert credits == [(x.utc_seconds(T0), 1000 * meter.PENCE)]


def test_top_up_recovers_payment_based_debt():
    state = new_state()
    serve(state)
    state.meter.prepay.payment_debt = 1_000_000
    serve(state, action(115, "0000132800FF", 1, x.octets(utrn(1000))))
    assert state.meter.prepay.payment_debt == 500_000        # half of each payment (factory setting)
    payments = x.compact_rows(serve(state, get(7, "0000620104FF", 2, range_of(later(T0, days=-1), T0)))["data"][0])
    assert payments == [(x.utc_seconds(T0), 500_000)]


def test_clock_is_set_by_ecs70_and_then_runs():
    state = new_state()
    target = datetime(2014, 12, 31, 23, 59, 10, tzinfo=timezone.utc)
    window = x.structure(x.octets("ffffffffffffffffff8000ff"), x.octets(x.date_time(target)),
                         x.octets(x.date_time(later(target, seconds=60))))
    response = serve(state, set_(8, "0000010000FF", 9, x.enum(5)), action(8, "0000010000FF", 5, window),
                     action(8, "0000010000FF", 4, x.integer(0)), get(8, "0000010000FF", 2))
    assert [r["result"] for r in response["results"]] == [SUCCESS] * 4
    assert response["data"][3]["hex"] == x.date_time(target).hex()
    read = serve(state, get(8, "0000010000FF", 2), now=later(T0, minutes=10))
    assert x.parse_date_time(read["data"][0]["hex"]) == later(target, minutes=10)
    assert state.meter.logs.security[-1].code == meter.CLOCK_ADJUSTED


def test_measured_values_cannot_be_written():
    state = new_state()
    response = serve(state, set_(3, "0100010800FF", 2, x.dlu(0)), get(3, "0100010800FF", 2))
    assert response["results"][0]["result"] == 3                    # read-write denied
    assert response["data"][1]["value"] == meter.register_view(state)["import"] > 0


def test_supply_disabled_stops_consumption():
    state = new_state()
    serve(state)
    meter.set_supply(state, "Disabled", T0)
    before = meter.register_view(state)["import"]
    serve(state, now=later(T0, hours=4))
    assert meter.register_view(state)["import"] == before
    assert state.meter.logs.event[-1].code == meter.SUPPLY_INTERRUPTED


def test_protected_data_is_encrypted_for_the_requesting_party_when_the_response_is_built():
    import gbcs
    from tests.devices.esme_rtds import plaintexts, respond
    from tests.gbcs.corpus import rtds_keys

    state = new_state()
    answer = serve(state, protected(*IMPORT_REGISTERS, counter=0x1234))
    values = protected_values(answer["data"][0])
    command = gbcs.Message(cra="command", counter=0x1234, originator=USER, recipient=DEVICE, message_code=0x0027,
                           payload=gbcs.Payload("dlms-access-request", {}))
    response = respond(command, answer, rtds_keys())
    parameters, protected_octets = response.payload.tree["data"][0]["items"]
    options = parameters["items"][0]["items"][1]["items"]
    assert [o["hex"] for o in options[:3]] == ["040000000000001234", DEVICE.lower(), USER.lower()]
    assert protected_octets["hex"].startswith("31")
    assert response.verification.decryption == "decrypted"
    assert plaintexts(response)[0]["items"] == values


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_has_its_features(variant):
    caps = capabilities(variant)
    assert caps.twin == variant.startswith("B") and caps.polyphase == variant.startswith("C")
    assert caps.alcs == ("D" in variant) and caps.boost == ("E" in variant)
    assert caps.apc == ("F" in variant or "G" in variant)
    state = new_state(variant)
    result = serve(state, action(7, "0011636202FF", 1, x.integer(0)))["results"][0]["result"]
    assert (result == SUCCESS) == caps.auxiliary_controller


def test_a_malformed_specification_is_refused_alone():
    state = new_state()
    broken = ({"choice": "get", "class": 3, "obis": "0100010800FF"}, x.null())        # no attribute
    response = serve(state, broken, protected(*IMPORT_REGISTERS), action(30, "00002B0208FF", 1, x.integer(0)))
    assert [r["result"] for r in response["results"]] == [250, SUCCESS, 250]
    assert len(protected_values(response["data"][1])) == 1
