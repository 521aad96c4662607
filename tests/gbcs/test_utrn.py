"""UTRNs: the RTDS top-ups verify with the RTDS supplier's prepayment key; built ones round-trip."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings, strategies as st
from lxml import etree

import gbcs
from gbcs import utrn
from tests.gbcs.corpus import AVAILABLE, SUPPLIER, decoded, rtds_keys
from tests.paths import DUIS_TEMPLATES

ESME, GSME = "00DB1234567890A0", "00DB1234567890A1"
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"


def _utrn_in(message: gbcs.Message) -> str:
    """The UTRN a CS01a (DLMS action argument) or CS01b/PCS01 (ZCL consumer top-up) command carries."""
    if message.payload.kind == "dlms-access-request":
        return bytes.fromhex(message.payload.tree["data"][0]["hex"]).decode("ascii")
    payload = bytes.fromhex(message.payload.tree["components"][0]["payload"])
    originating_device, length = payload[0], payload[1]     # ZCL: enum8 originating device, octet string
    assert originating_device in (0x00, 0x02) and length == len(payload) - 2
    return payload[2:].decode("ascii")


@pytest.mark.skipif(not AVAILABLE, reason="RTDS vectors not available")
def test_the_rtds_top_up_commands_carry_utrns_that_verify_with_the_supplier_prepayment_key():
    keys = rtds_keys()
    seen = {}
    for path, _data, message in decoded():
        if message.use_case not in ("CS01a", "CS01b", "PCS01") or message.cra != "command":
            continue
        text = _utrn_in(message)
        seen[path.name] = text
        if path.name == "CS01b_2.2_ERROR_COMMAND_GBCS.HEX":
            # The error scenario enters a made-up number: its check digit is wrong.
            with pytest.raises(gbcs.MalformedMessage, match="check digit"):
                utrn.parse(text)
            continue
        fields = utrn.parse(text)
        if message.use_case == "PCS01":
            # The PPMID scenario's top-up is a placeholder (counter 0, tag 0): it parses, it does not verify.
            assert (fields.pennies, fields.counter_field, fields.tag) == (2025, 0, bytes(4))
            with pytest.raises(gbcs.VerificationError):
                utrn.verify(text, originator=SUPPLIER, target=message.recipient, keys=keys)
            continue
        top_up = utrn.verify(text, originator=message.originator, target=message.recipient, keys=keys,
                             counter=message.counter)
        assert top_up.counter == message.counter and utrn.counter_matches(text, message.counter)
        assert utrn.verify(text, originator=message.originator, target=message.recipient, keys=keys).counter == \
            message.counter
        assert utrn.build(fields.value, value_class=fields.value_class, originator=message.originator,
                          target=message.recipient, counter=message.counter, keys=keys) == text
        with pytest.raises(gbcs.VerificationError):     # not for another meter
            utrn.verify(text, originator=message.originator, target=GSME if message.recipient == ESME else ESME,
                        keys=keys, counter=message.counter)
    assert {utrn.parse(t).pennies for n, t in seen.items() if n.startswith("CS01") and "ERROR" not in n} == \
        {1000, 1250}
    assert len(seen) == 5


@pytest.mark.skipif(not DUIS_TEMPLATES.exists(), reason="DUIS templates not available")
@pytest.mark.parametrize("name, target, pennies", [("CS01a_2.2_SUCCESS_REQUEST_DUIS.XML", ESME, 1000),
                                                   ("CS01b_2.2_SUCCESS_REQUEST_DUIS.XML", GSME, 1250)])
def test_the_top_up_device_templates_carry_utrns_for_their_request_counter(name, target, pennies):
    root = etree.parse(str(DUIS_TEMPLATES / name), etree.XMLParser(resolve_entities=False, no_network=True))
    text = root.findtext(f".//{{{SR}}}UTRN")
    originator, device, counter = root.findtext(f".//{{{SR}}}RequestID").split(":")
    originator, device, counter = originator.replace("-", ""), device.replace("-", ""), int(counter)
    assert device == target and utrn.counter_matches(text, counter)
    top_up = utrn.verify(text, originator=originator, target=device, keys=rtds_keys(), counter=counter)
    assert top_up.pennies == pennies


SUPPLIER_PP = ec.generate_private_key(ec.SECP256R1())
METER = ec.generate_private_key(ec.SECP256R1())
SUPPLIER_SIDE = gbcs.StaticKeyStore()
SUPPLIER_SIDE.add(SUPPLIER, gbcs.PREPAYMENT, private=SUPPLIER_PP)
SUPPLIER_SIDE.add(ESME, gbcs.KEY_AGREEMENT, public=METER.public_key())
METER_SIDE = gbcs.StaticKeyStore()
METER_SIDE.add(ESME, gbcs.KEY_AGREEMENT, private=METER)
METER_SIDE.add(SUPPLIER, gbcs.PREPAYMENT, public=SUPPLIER_PP.public_key())


@settings(max_examples=80, deadline=None)
@given(st.integers(0, utrn.MAX_VALUE), st.sampled_from(["pennies", "pounds"]), st.integers(0, 2**32 - 1))
def test_a_supplier_built_utrn_verifies_on_the_meter(value, value_class, high):
    counter = high << 32
    text = utrn.build(value, value_class=value_class, originator=SUPPLIER, target=ESME, counter=counter,
                      keys=SUPPLIER_SIDE)
    assert len(text) == utrn.LENGTH and text.isdigit()
    fields = utrn.parse(text)
    assert (fields.value, fields.value_class, fields.counter_field) == (value, value_class, high & 0x3FF)
    assert fields.text == text and str(fields) == text
    top_up = utrn.verify(text, originator=SUPPLIER, target=ESME, keys=METER_SIDE, near=max(0, counter - 5))
    assert top_up.counter == counter
    assert top_up.pennies == value * (100 if value_class == "pounds" else 1)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 19), st.integers(1, 9))
def test_any_single_digit_change_is_caught(high, position, delta):
    text = utrn.build(5, originator=SUPPLIER, target=ESME, counter=high << 32, keys=SUPPLIER_SIDE)
    changed = text[:position] + str((int(text[position]) + delta) % 10) + text[position + 1:]
    with pytest.raises((gbcs.MalformedMessage, gbcs.VerificationError)):
        utrn.verify(changed, originator=SUPPLIER, target=ESME, keys=METER_SIDE, counter=high << 32)


@pytest.mark.parametrize("text", ["", "7394614433204021731", "739461443320402173150", "7394614433204021731X",
                                  "73946144332040217316", "00000000000000000000", "99999999999999999990", 12345])
def test_malformed_utrns_are_refused(text):
    with pytest.raises(gbcs.MalformedMessage):
        utrn.parse(text)


@pytest.mark.parametrize("kwargs", [{"value": 8192}, {"value": -1}, {"counter": 1}, {"counter": 2**64},
                                    {"value_class": "euros"}, {"target": "00DB"}])
def test_impossible_top_ups_are_refused(kwargs):
    arguments = {"value": 1, "originator": SUPPLIER, "target": ESME, "counter": 1 << 32, "keys": SUPPLIER_SIDE,
                 **kwargs}
    with pytest.raises(gbcs.UsageError):
        utrn.build(arguments.pop("value"), **arguments)


def test_without_a_prepayment_key_nothing_is_built_or_verified():
    with pytest.raises(gbcs.UsageError):
        utrn.build(1, originator=SUPPLIER, target=ESME, counter=1 << 32, keys=gbcs.StaticKeyStore())
    with pytest.raises(gbcs.UsageError):
        utrn.build(1, originator=SUPPLIER, target=ESME, counter=1 << 32, keys=None)
    text = utrn.build(1, originator=SUPPLIER, target=ESME, counter=1 << 32, keys=SUPPLIER_SIDE)
    with pytest.raises(gbcs.UsageError):
        utrn.verify(text, originator=SUPPLIER, target=ESME, keys=gbcs.StaticKeyStore())
    with pytest.raises(gbcs.VerificationError):
        utrn.verify(text, originator=SUPPLIER, target=ESME, keys=METER_SIDE, counter=2 << 32)


def test_the_check_digit_is_the_gbcs_variant():
    assert utrn.check_digit("7394614433204021731") == "5"
    assert utrn.check_digit("7395006788710517860") == "5"
    with pytest.raises(gbcs.UsageError):
        utrn.check_digit("12a")


def test_the_counter_is_deduced_as_gbcs_table_27_works_it():
    # GBCS's worked example: highest UTRN counter 2,458,896,167 in the cache, truncated counter 812.
    assert utrn.deduce_counter(812, 2_458_896_167) == 10_560_878_642_999_590_912
    assert utrn.deduce_counter(812, 2_458_896_167) >> 32 == 2_458_896_172
    assert utrn.deduce_counter(3, 0) == 3 << 32
    assert utrn.deduce_counter(900, 0) is None                     # 124 below zero
    assert utrn.deduce_counter(1023, 1024) == 1023 << 32           # just below
    assert utrn.deduce_counter(5, 1020) == 1029 << 32              # over the 10-bit wrap
    assert utrn.deduce_counter(1020, 1029) == 1020 << 32           # back over it
    assert utrn.deduce_counter(0, 2**32 - 1) is None               # past the top
    with pytest.raises(gbcs.UsageError):
        utrn.deduce_counter(1024, 0)
    with pytest.raises(gbcs.UsageError):
        utrn.deduce_counter(1, 2**32)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(-511, 511))
def test_a_counter_less_than_512_from_the_highest_is_deduced_from_its_10_bits(highest, distance):
    wanted = highest + distance
    deduced = utrn.deduce_counter(wanted & utrn.COUNTER_FIELD_MASK, highest)
    assert deduced == (wanted << 32 if 0 <= wanted < 2**32 else None)
