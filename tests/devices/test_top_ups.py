"""Top-ups: a meter credits only a UTRN that authenticates under its Supplier's prepayment cell and passes the
UTRN counter rule; anything else (wrong tag, made for another meter, a replay, a stale counter, a wrong check
digit) is refused with the answer RTDS shows for a refused top-up, and credits nothing."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

import gbcs
from devices import esme_meter, gas_meter, top_ups
from devices.device import handle_command
from devices.state import EsmeState
from gbcs import Payload, zcl
from tests.devices import top_up_helpers as prepaid
from tests.devices.world import ACB, OTHER_SUPPLIER, SUPPLIER, World
from tests.paths import GBCS_RTDS

ESME, GSME, OTHER_METER = "00DB1234567890A0", "00DB1234567890A1", "00DB1234567890B0"
NOW = datetime(2030, 1, 15, 8, 0, tzinfo=timezone.utc)
CS01A, CS01B = 0x0007, 0x0097
Refusal = top_ups.Refusal
rtds = pytest.mark.skipif(not GBCS_RTDS.exists(), reason="RTDS vectors not available")


def meter() -> EsmeState:
    return prepaid.provision(EsmeState(device_id=ESME))


def check(state: EsmeState, text: str, **entry) -> top_ups.Verdict:
    return top_ups.check(state, text, prepaid.entry(state, ESME, **entry))


def accept(state: EsmeState, text: str, **entry) -> top_ups.Verdict:
    verdict = check(state, text, **entry)
    assert verdict.accepted, verdict.refusal
    top_ups.record(state, verdict.top_up)
    return verdict


# --- the checks, for either meter ------------------------------------------------------------------------

def test_a_utrn_from_the_meter_supplier_is_accepted_once():
    state = meter()
    text = prepaid.utrn(1234, counter=3 << 32, target=ESME)
    verdict = accept(state, text)
    assert (verdict.pennies, verdict.top_up.counter) == (1234, 3 << 32)
    assert top_ups.cache(state) == [3]
    assert check(state, text).refusal is Refusal.DUPLICATE


@pytest.mark.parametrize("made, refusal", [
    # another supplier's prepayment key, the supplier's ordinary key-agreement role aside: the tag fails
    (lambda: prepaid.utrn(500, counter=1 << 32, target=ESME, key=prepaid.meter_key("another key")),
     Refusal.NOT_AUTHENTIC),
    # made by the meter's supplier for another meter
    (lambda: prepaid.utrn(500, counter=1 << 32, target=OTHER_METER), Refusal.NOT_AUTHENTIC),
    # well-formed, with a made-up tag
    (lambda: gas_meter.make_utrn(500, counter=1, tag=0xC0FFEE), Refusal.NOT_AUTHENTIC),
    # a digit changed: the check digit catches it
    (lambda: (lambda t: t[:5] + str((int(t[5]) + 1) % 10) + t[6:])(
        prepaid.utrn(500, counter=1 << 32, target=ESME)), Refusal.MALFORMED),
    (lambda: "12345678910121314156", Refusal.MALFORMED),          # the RTDS error scenario's made-up number
    (lambda: "1234", Refusal.MALFORMED),
])
def test_a_utrn_that_does_not_authenticate_is_refused(made, refusal):
    state = meter()
    assert check(state, made()).refusal is refusal
    assert top_ups.cache(state) == []


def test_a_meter_without_a_prepayment_cell_or_keys_accepts_nothing():
    text = prepaid.utrn(500, counter=1 << 32, target=ESME)
    bare = EsmeState(device_id=ESME)
    assert top_ups.check(bare, text, prepaid.entry(bare, ESME)).refusal is Refusal.NOT_AUTHENTIC
    assert top_ups.check(meter(), text, top_ups.Entry(ESME)).refusal is Refusal.NOT_AUTHENTIC
    other_supplier = prepaid.provision(EsmeState(), supplier=OTHER_SUPPLIER)
    assert top_ups.check(other_supplier, text, prepaid.entry(other_supplier, ESME)).refusal is Refusal.NOT_AUTHENTIC


def test_utrns_may_be_entered_out_of_order_until_the_cache_is_full_then_stale_ones_are_refused():
    state = meter()
    assert check(state, prepaid.utrn(1, counter=0, target=ESME)).refusal is Refusal.STALE   # zero: never above
    for n in range(10, 10 + top_ups.CACHE_SIZE, 2):       # every other counter, 10 … 208
        accept(state, prepaid.utrn(n, counter=n << 32, target=ESME))
    accept(state, prepaid.utrn(5, counter=5 << 32, target=ESME))           # older, never used: taken
    assert top_ups.lowest(state) == 0 and len(top_ups.cache(state)) == 51
    for n in range(210, 210 + 49):
        accept(state, prepaid.utrn(n, counter=n << 32, target=ESME))
    assert len(top_ups.cache(state)) == top_ups.CACHE_SIZE and top_ups.lowest(state) == 5
    assert check(state, prepaid.utrn(4, counter=4 << 32, target=ESME)).refusal is Refusal.STALE
    assert check(state, prepaid.utrn(5, counter=5 << 32, target=ESME)).refusal is Refusal.DUPLICATE
    accept(state, prepaid.utrn(11, counter=11 << 32, target=ESME))        # a gap above the lowest: taken
    assert top_ups.lowest(state) == 10 and len(top_ups.cache(state)) == top_ups.CACHE_SIZE
    assert check(state, prepaid.utrn(5, counter=5 << 32, target=ESME)).refusal is Refusal.STALE


def test_the_counter_is_the_supplier_command_s_or_deduced_from_the_highest_held():
    state = meter()
    big = 0x0006_4DF2 << 32                 # a supplier whose counters run high (RequestID-like)
    text = prepaid.utrn(700, counter=big, target=ESME)
    # keyed in, or sent by the ACB for the supplier: the 10 bits are read near zero, the tag fails
    assert check(state, text).refusal is Refusal.NOT_AUTHENTIC
    assert check(state, text, originator=ACB, counter=big).refusal is Refusal.NOT_AUTHENTIC
    # in the supplier's own command under that counter: the command says which counter it is
    assert accept(state, text, originator=SUPPLIER, counter=big).top_up.counter == big
    # from then on the next ones are deduced near it, whoever brings them
    following = prepaid.utrn(10, counter=big + (300 << 32), target=ESME)
    assert accept(state, following, originator=ACB, counter=77).top_up.counter == big + (300 << 32)
    too_far = prepaid.utrn(10, counter=big + (2000 << 32), target=ESME)
    assert check(state, too_far).refusal is Refusal.NOT_AUTHENTIC
    # a command counter that is not the UTRN's does not stand for it
    assert check(state, too_far, originator=SUPPLIER, counter=big + (2000 << 32) + 1).refusal is \
        Refusal.NOT_AUTHENTIC


# --- the meters, end to end through the device -------------------------------------------------------------

def _cs01a(text: str) -> Payload:
    return Payload("dlms-access-request", {"invoke_id": "20000000", "date_time": None, "specs": [
        {"choice": "action", "class": 115, "obis": "0000132800FF", "method": 1}],
        "data": [{"type": "octet-string", "hex": text.encode().hex()}]})


def _cs01b(text: str) -> Payload:
    return Payload("gbz", {"count": 1, "components": [
        {"control": 1, "cluster": zcl.PREPAYMENT, "frame_control": 1, "sequence": 0, "command": 4,
         "payload": (bytes([0x00, len(text)]) + text.encode()).hex()}]})


def _rtds_response(name: str) -> dict:
    return gbcs.decode(bytes.fromhex(next(GBCS_RTDS.glob(f"*/{name}")).read_text().strip())).payload.tree


class Meter:
    """A meter in a small HAN: top-ups sent as the DCC sends them, answers decoded by the Supplier."""

    def __init__(self, device_id: str, device_type: str):
        self.world = World()
        self.device_id, self.device_type = device_id, device_type
        self.identity, self.state = self.world.device(device_id, device_type)
        self.world.device(OTHER_METER, device_type)          # another meter of the same supplier

    def utrn(self, pennies: int, counter: int, *, supplier: str = SUPPLIER, target: str | None = None) -> str:
        return gbcs.utrn.build(pennies, originator=supplier, target=target or self.device_id, counter=counter,
                               keys=self.world.keys())

    def send(self, text: str, *, counter: int | None = None, originator: str = SUPPLIER) -> gbcs.Message:
        code, payload = (CS01A, _cs01a(text)) if self.device_type == "ESME" else (CS01B, _cs01b(text))
        frame = self.world.command(self.device_id, code, payload, originator=originator, counter=counter)
        reply = handle_command(self.identity, self.state, frame, NOW)
        assert reply.response is not None, reply.refused
        response = gbcs.decode(reply.response, self.world.keys())
        assert response.verification.mac == "verified"
        return response

    def balance(self) -> int:
        if self.device_type == "ESME":
            return self.state.meter.prepay.balance
        return self.state.gas.prepayment.credit


def _accepted(meter_: Meter, response: gbcs.Message) -> bool:
    if meter_.device_type == "ESME":
        return response.payload.tree["results"] == [{"choice": "action", "result": 0}]
    answer = zcl.decode_command(zcl.PREPAYMENT, 0x03, True,
                                bytes.fromhex(response.payload.tree["components"][0]["payload"]))
    return answer["result_type"] == gas_meter.ACCEPTED


@pytest.mark.parametrize("device_id, device_type", [(ESME, "ESME"), (GSME, "GSME")])
def test_a_meter_credits_its_supplier_s_utrns_and_refuses_the_rest(device_id, device_type):
    meter_ = Meter(device_id, device_type)
    good = meter_.utrn(1500, 7 << 32)
    meter_.send(meter_.utrn(1, 1 << 32))           # the meter's first contact (state created, debts taken)
    before = meter_.balance()
    assert _accepted(meter_, meter_.send(good))
    credited = meter_.balance() - before
    assert 0 < credited <= 1500 * (esme_meter.PENCE if device_type == "ESME" else gas_meter.PENNY)
    refusals = [
        good,                                                                  # replayed
        meter_.utrn(100, 8 << 32, target=OTHER_METER),                         # for another meter
        meter_.utrn(100, 9 << 32, supplier=OTHER_SUPPLIER),                    # another supplier's key
        good[:-1] + str((int(good[-1]) + 3) % 10),                             # check digit
    ]
    for text in refusals:
        assert not _accepted(meter_, meter_.send(text)), text
    assert meter_.balance() == before + credited
    assert top_ups.cache(meter_.state) == [1, 7]


@rtds
@pytest.mark.parametrize("device_id, device_type, error", [
    (ESME, "ESME", "CS01a_2.2_ERROR_RESPONSE_GBCS.HEX"), (GSME, "GSME", "CS01b_2.2_ERROR_RESPONSE_GBCS.HEX")])
def test_a_refused_top_up_is_answered_as_rtds_answers_one(device_id, device_type, error):
    meter_ = Meter(device_id, device_type)
    expected = _rtds_response(error)
    made_up = gas_meter.make_utrn(1000, counter=5, tag=0x1234)
    for text in (made_up, "12345678910121314156", meter_.utrn(1000, 5 << 32, target=OTHER_METER)):
        assert meter_.send(text).payload.tree == expected
    assert meter_.send(meter_.utrn(1000, 5 << 32)).payload.tree != expected


def test_the_meters_log_why_a_top_up_was_refused():
    esme, gsme = Meter(ESME, "ESME"), Meter(GSME, "GSME")
    for meter_ in (esme, gsme):
        good = meter_.utrn(100, 2 << 32)
        meter_.send(good)
        meter_.send(good)
        meter_.send(gas_meter.make_utrn(100, counter=3, tag=1))
    assert [e.code for e in esme.state.meter.logs.event[-1:]] == [top_ups.DUPLICATE_UTRN]
    assert [e.code for e in esme.state.meter.logs.security[-1:]] == [top_ups.UTRN_NOT_AUTHENTIC]
    assert [e.event_id for e in gsme.state.gas.logs.security_log[-2:]] == [top_ups.DUPLICATE_UTRN,
                                                                               top_ups.UTRN_NOT_AUTHENTIC]
