"""The Send panel's forms from the SR catalogue, and the requests built from what a user changed in them."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dccsim.catalogue import CATALOGUE
from dccsim.console.forms import form_of, variants
from dccsim.console.send import SendError, SendRequest, _request
from dccsim.duis.namespaces import sr

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
SUPPLIER = "90B3D51F30010000"
ESME = "00DB1234567890A0"


def test_the_variants_offered_are_those_a_user_may_send():
    offered = {v["variant"] for v in variants()}
    assert "4.1.1" in offered and "1.1.1" in offered
    assert offered == {s.variant for s in CATALOGUE.all() if s.roles}


def test_a_form_has_the_body_models_fields_with_the_catalogues_example():
    form = form_of("2.2", NOW)
    utrn = next(f for f in form["fields"] if f["path"] == "UTRN")
    assert utrn["required"] and utrn["pattern"] and len(utrn["example"]) == 20
    tariff = form_of("1.1.1", NOW)
    assert tariff["critical"]
    assert any(f["path"] == "ElecTariffElements/CurrencyUnits" and f["enumeration"] for f in tariff["fields"])
    assert form_of("99.9", NOW) is None


def test_a_request_is_the_catalogues_example_with_the_changed_fields():
    root = _request(SendRequest(user=SUPPLIER, variant="2.2", device=ESME,
                                values={"UTRN": "12345678901234567890"}), NOW)
    assert root.findtext(f".//{sr('UTRN')}") == "12345678901234567890"
    # A field of another choice than the example's is built without the example's choice.
    root = _request(SendRequest(user=SUPPLIER, variant="8.4", device=ESME,
                                values={"UpdateDeviceDetails/FirmwareVersion": "00000002"}), NOW)
    assert root.findtext(f".//{sr('UpdateDeviceDetails')}/{sr('FirmwareVersion')}") == "00000002"


def test_what_cannot_be_sent_is_said():
    with pytest.raises(SendError, match="user"):
        SendRequest.from_json({"variant": "4.1.1"})
    with pytest.raises(SendError):
        SendRequest.from_json({"user": "not an eui", "variant": "4.1.1"})
    with pytest.raises(SendError):
        _request(SendRequest(user=SUPPLIER, variant="99.9", device=ESME), NOW)
    with pytest.raises(SendError, match="not a DUIS request"):
        _request(SendRequest(user=SUPPLIER, xml="<!DOCTYPE x [<!ENTITY e 'x'>]><x>&e;</x>"), NOW)
