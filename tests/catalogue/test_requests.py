"""Requests built from the SR catalogue: valid against the project's DUIS XSD (and the official one, where the
reference corpus is at hand) for every variant, fields in XSD order whatever order they are given in, the
header the variant calls for, relative times, indexes, and errors that name the field at fault."""
from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest
from lxml import etree

from dccsim.catalogue import CATALOGUE
from dccsim.catalogue.requests import RequestBuildError, build_request, example_body, set_values
from dccsim.duis.ids import RequestId
from dccsim.duis.namespaces import sr
from dccsim.duis.xsd import load_schema
from dccsim.handlers.table import HANDLERS
from dccsim.runtime.settings import DEFAULT_DUIS_XSD
from tests.paths import DUIS_SCHEMA

OURS = load_schema(DEFAULT_DUIS_XSD)
OFFICIAL_XSD = DUIS_SCHEMA / "DUIS Schema V5.4.xsd"
SUPPLIER, ESME = "90-B3-D5-1F-30-01-00-00", "00-DB-12-34-56-78-90-A0"
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)


def _valid(root: etree._Element, schema=OURS) -> None:
    assert schema.validate(root), f"{schema.error_log.last_error}\n{etree.tostring(root).decode()}"


def _body(root: etree._Element) -> etree._Element:
    return root.find(sr("Body"))[0]


def _names(element: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in element]


@pytest.mark.parametrize("variant", sorted(HANDLERS))
def test_every_handled_variant_builds_a_valid_request(variant):
    spec = CATALOGUE.get(variant)
    root = build_request(variant, originator=SUPPLIER, device=ESME, body=example_body(variant))
    _valid(root)
    header = root.find(sr("Header"))
    assert header.findtext(sr("ServiceReferenceVariant")) == variant
    assert header.findtext(sr("ServiceReference")) == spec.reference
    expected_cv = 8 if spec.non_device else 4 if spec.critical else 1
    assert header.findtext(sr("CommandVariant")) == str(expected_cv)
    request_id = RequestId.parse(header.findtext(sr("RequestID")))
    assert request_id.originator == "90B3D51F30010000"
    assert request_id.target == ("90B3D51F30000002" if spec.non_device else "00DB1234567890A0")
    assert etree.QName(_body(root)).localname == spec.body_element


def _invalid_under(schema) -> list[tuple[str, str]]:
    """The variants whose smallest request the schema refuses, with why."""
    invalid = []
    for spec in CATALOGUE.all():
        root = build_request(spec.variant, originator=SUPPLIER, device=ESME, body=example_body(spec.variant))
        if not schema.validate(root):
            invalid.append((spec.variant, str(schema.error_log.last_error)))
    return invalid


def test_every_catalogue_variant_builds_a_valid_request():
    assert _invalid_under(OURS) == []


@pytest.mark.skipif(not OFFICIAL_XSD.exists(), reason="the official DUIS XSD (../shared) is not available")
def test_built_requests_are_valid_under_the_official_schema():
    assert _invalid_under(load_schema(OFFICIAL_XSD)) == []


def test_fields_are_written_in_xsd_order_whatever_order_they_are_given_in():
    body = {"FirmwareVersion": "00000002", "ESMEVariant": "ADF", "DeviceModel": "00020001",
            "DeviceManufacturer": "1234", "DeviceType": "ESME"}
    root = build_request("12.2", originator=SUPPLIER, device="00-DB-12-34-56-78-91-E0", body=body)
    _valid(root)
    written = _names(_body(root))
    declared = list(CATALOGUE.get("12.2").body.type.elements())
    assert written == sorted(written, key=declared.index) and set(written) == {"DeviceID", *body}
    assert written != ["DeviceID", *body]
    assert _body(root).findtext(sr("DeviceID")) == "00-DB-12-34-56-78-91-E0"


def test_a_non_device_request_names_its_device_in_the_body_unless_another_choice_is_given():
    by_device = build_request("8.2", originator=SUPPLIER, device=ESME)
    assert _names(_body(by_device)) == ["DeviceID"]
    by_mpxn = build_request("8.2", originator=SUPPLIER, device=ESME, body={"MPxN": "1312345678111"})
    assert _names(_body(by_mpxn)) == ["MPxN"]
    _valid(by_device)
    _valid(by_mpxn)


def test_relative_times_follow_the_clock_and_the_field_type():
    root = build_request("4.6.1", originator=SUPPLIER, device=ESME, now=NOW, body={
        "ExecutionDateTime": "+1h", "ReadLogPeriod": {"StartDateTime": "-2d", "EndDateTime": "now"}})
    _valid(root)
    body = _body(root)
    assert body.findtext(sr("ExecutionDateTime")) == "2027-03-01T13:00:00Z"
    assert body.findtext(f"{sr('ReadLogPeriod')}/{sr('StartDateTime')}") == "2027-02-27T12:00:00Z"
    schedule = build_request("5.1", originator=SUPPLIER, device=ESME, now=NOW, body={
        "ScheduleFrequency": "Daily", "ScheduleStartDate": "+1d", "ScheduleExecutionStartTime": "+30m",
        "DSPScheduledServiceReference": "4.6", "DSPScheduledServiceReferenceVariant": "4.6.1",
        "DSPRetrieveImportDailyReadLog": {"StartDateOffset": -1, "StartTime": "00:00:00", "EndDateOffset": 0,
                                          "EndTime": "00:00:00"}})
    _valid(schedule)
    assert _body(schedule).findtext(sr("ScheduleStartDate")) == "2027-03-02"
    assert _body(schedule).findtext(sr("ScheduleExecutionStartTime")) == "12:30:00"
    # A negative number in an integer field is a number, not a time.
    assert _body(schedule).findtext(f".//{sr('StartDateOffset')}") == "-1"
    with pytest.raises(RequestBuildError, match="ExecutionDateTime.*relative to the clock"):
        build_request("4.1.1", originator=SUPPLIER, device=ESME, body={"ExecutionDateTime": "+1h"})


def test_indexes_left_out_are_positions_and_bytes_take_the_field_encoding():
    body = example_body("1.1.1")
    body["PriceElements"] = {"ElectricityPriceElements": {
        "StandingCharge": 10, "StandingChargeScale": -2, "PriceScale": -3, "TOUTariff": {"TOUPrice": [1111, 2222]}}}
    root = build_request("1.1.1", originator=SUPPLIER, device=ESME, body=body)
    _valid(root)
    prices = root.findall(f".//{sr('TOUPrice')}")
    assert [(p.get("index"), p.text) for p in prices] == [("1", "1111"), ("2", "2222")]
    image = bytes(range(40))
    firmware = build_request("11.1", originator=SUPPLIER, body={
        "FirmwareImage": image, "FirmwareVersion": "00000002", "DeviceIDList": ESME})
    _valid(firmware)
    assert base64.b64decode(_body(firmware).findtext(sr("FirmwareImage"))) == image
    activate = build_request("11.3", originator=SUPPLIER, device=ESME, body={"FirmwareHash": bytes(32)})
    assert _body(activate).findtext(sr("FirmwareHash")) == "00" * 32


@pytest.mark.parametrize("variant, body, message", [
    ("12.2", {"DeviceType": "ESME"}, "DevicePrenotification/DeviceManufacturer is required"),
    ("4.1.1", {"Colour": "blue"}, "ReadInstantaneousImportRegisters has no field Colour"),
    ("8.2", {"MPxN": "1", "UPRN": 1}, "give one of UPRN | DeviceID | MPxN | PropertyFilter, not several"),
    ("2.2", {"UTRN": ["1", "2"]}, "TopUpDevice/UTRN occurs once, not as a list"),
    ("1.1.1", {"ElecTariffElements": "cheap"}, "ElecTariffElements: give the fields of this element as a mapping"),
    ("99.9", {}, "no Service Request variant '99.9'"),
])
def test_mistakes_are_named_with_the_field_path(variant, body, message):
    with pytest.raises(RequestBuildError) as caught:
        build_request(variant, originator=SUPPLIER, device=ESME, body=body)
    assert message in str(caught.value)


def test_the_command_variant_must_be_one_the_variant_accepts():
    assert build_request("4.1.1", originator=SUPPLIER, device=ESME, command_variant=3) is not None
    with pytest.raises(RequestBuildError, match="CommandVariant"):
        build_request("4.1.1", originator=SUPPLIER, device=ESME, command_variant=4)
    # A critical SR as a SMETS1 device takes it: CommandVariant 1, no transform.
    sent = build_request("7.1", originator=SUPPLIER, device=ESME, command_variant=1)
    assert sent.find(sr("Header")).findtext(sr("CommandVariant")) == "1"
    with pytest.raises(RequestBuildError, match="CommandVariant"):
        build_request("7.1", originator=SUPPLIER, device=ESME, command_variant=3)
    with pytest.raises(RequestBuildError, match="name its device"):
        build_request("4.1.1", originator=SUPPLIER)


def test_set_values_changes_adds_in_model_order_and_removes_fields():
    root = build_request("8.11", originator=SUPPLIER, device="00-DB-12-34-56-78-90-A2", body={
        "DeviceID": ESME, "RequestType": "Add", "AddDeviceToCHFWhitelist": {"JoinTimePeriod": 60,
                                                                        "InstallCode": "00" * 16}})
    set_values(root, {"ExecutionDateTime": "+1d", "InstallCode": "11" * 16, "ImportMPxN": "1312345678111"}, now=NOW)
    _valid(root)
    body = _body(root)
    assert _names(body) == ["ExecutionDateTime", "DeviceID", "RequestType", "AddDeviceToCHFWhitelist"]
    assert body.findtext(sr("ExecutionDateTime")) == "2027-03-02T12:00:00Z"
    assert _names(body.find(sr("AddDeviceToCHFWhitelist"))) == ["JoinTimePeriod", "InstallCode", "ImportMPxN"]
    set_values(root, {"AddDeviceToCHFWhitelist/InstallCode": "22" * 16, "ImportMPxN": None})
    assert body.findtext(f".//{sr('InstallCode')}") == "22" * 16 and body.find(f".//{sr('ImportMPxN')}") is None
    _valid(root)


def test_set_values_fills_repeated_elements_in_order_and_refuses_what_the_body_cannot_take():
    body = example_body("1.1.1")
    body["PriceElements"] = {"ElectricityPriceElements": {
        "StandingCharge": 10, "StandingChargeScale": -2, "PriceScale": -3, "TOUTariff": {"TOUPrice": [1, 2, 3]}}}
    root = build_request("1.1.1", originator=SUPPLIER, device=ESME, body=body)
    set_values(root, {"TOUPrice": [7, 8, 9], "StandingCharge": 99})
    assert [p.text for p in root.iter(sr("TOUPrice"))] == ["7", "8", "9"]
    assert [p.get("index") for p in root.iter(sr("TOUPrice"))] == ["1", "2", "3"]
    _valid(root)
    with pytest.raises(RequestBuildError, match="2 values for the 3 elements"):
        set_values(root, {"TOUPrice": [1, 2]})
    with pytest.raises(RequestBuildError, match="Colour: the request has no such field"):
        set_values(root, {"Colour": "blue"})
