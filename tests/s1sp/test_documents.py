"""SMETS1 Responses and Alerts as documents: every outcome the S1SP answers with is valid against the official
DUIS XSD once signed by the S1SP and countersigned by the DCC, and the two signatures are checked apart —
a change to the S1SP's content breaks both, a change to the DCC's envelope only the DCC's."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from lxml import etree

from devices import smets1
from dccsim.duis.namespaces import sr
from dccsim.duis.xmldsig import DuisSigner
from dccsim.duis.xsd import load_schema
from dccsim.s1sp.documents import countersigned, s1sp_alert, s1sp_response
from dccsim.s1sp.routes import S1_ROUTES
from dccsim.s1sp.verification import CountersignatureError, verify_smets1_response
from dccsim.smki import authority
from dccsim.smki.credentials import Usage
from tests.paths import DUIS_SCHEMA

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
DEVICE, USER = "00DB1234567891B1", "90B3D51F30010000"
REQUEST_ID = "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-91-B1:1000"
TARIFF = smets1.S1Tariff(prices=(1000, 2000, 3000), thresholds_kwh=(5, 10), standing_charge=200, since=NOW)
pytestmark = pytest.mark.skipif(not DUIS_SCHEMA.exists(), reason="the official DUIS XSD is not available")


@pytest.fixture(scope="module")
def keys():
    organisations = authority.create_issuing(authority.create_root(), "test organisations")
    dcc = authority.issue_organisation(organisations, "90B3D51F30000002", "04", Usage.DSP_XML_SIGNING)
    s1sp = authority.issue_organisation(organisations, "90B3D51F30000051", "S1SP", Usage.XML_SIGNING)
    return (DuisSigner(dcc.private_key, dcc.certificate), DuisSigner(s1sp.private_key, s1sp.certificate))


@pytest.fixture(scope="module")
def schema():
    return load_schema(DUIS_SCHEMA / "DUIS Schema V5.4.xsd")


OUTCOMES = [
    ("4.1.1", smets1.Outcome(True, register=smets1.Register(4200, "Wh"))),
    ("4.1.1", smets1.Outcome(True, register=smets1.Register(Decimal("1.100"), "m3"))),
    ("4.6.1", smets1.Outcome(True, log=smets1.LogReading(((NOW, 10080),), gas=False))),
    ("4.6.1", smets1.Outcome(True, log=smets1.LogReading(((NOW, Decimal("2.640")),), gas=True))),
    ("4.8.1", smets1.Outcome(True, log=smets1.LogReading(((NOW, 210), (NOW, 210)), gas=False))),
    ("4.8.1", smets1.Outcome(True, log=smets1.LogReading(((NOW, Decimal("0.055")),), gas=True))),
    ("4.11.1", smets1.Outcome(True, tariff=smets1.TariffReading(TARIFF, 2, 2000, gas=False))),
    ("4.11.1", smets1.Outcome(True, tariff=smets1.TariffReading(TARIFF, 1, 1000, gas=True))),
    ("4.11.1", smets1.Outcome(True, tariff=smets1.TariffReading(None, 1, None, gas=False))),
    ("7.4", smets1.Outcome(True, supply=smets1.SupplyState.ARMED)),
    ("11.2", smets1.Outcome(True, firmware_version="00000002")),
    ("11.3", smets1.Outcome(True, firmware_version="00000002")),
    ("1.1.1", smets1.Outcome(True)),
    ("2.2", smets1.Outcome(False, error="the UTRN has been applied already")),
    ("6.7", smets1.Outcome(True)),
    ("7.1", smets1.Outcome(True)),
    ("8.11", smets1.Outcome(True)),
    ("11.1", smets1.Outcome(True)),
]


def _countersigned(keys, variant: str, outcome: smets1.Outcome) -> bytes:
    dcc, s1sp = keys
    signed = s1sp.sign_to_bytes(s1sp_response(device_id=DEVICE, user_id=USER, counter=1000,
                                              route=S1_ROUTES[variant], reference=variant.rsplit(".", 1)[0]
                                              if variant.count(".") == 2 else variant, outcome=outcome, moment=NOW))
    return countersigned(dcc, user_id=USER, request_id=REQUEST_ID, response_id=REQUEST_ID, code="I0",
                         reference=variant.rsplit(".", 1)[0] if variant.count(".") == 2 else variant,
                         variant=variant, signed_by_s1sp=signed, moment=NOW).body


@pytest.mark.parametrize("variant, outcome", OUTCOMES)
def test_every_smets1_response_is_valid_duis(keys, schema, variant, outcome):
    document = _countersigned(keys, variant, outcome)
    schema.assertValid(etree.fromstring(document))
    response = verify_smets1_response(document, keys[0].certificate, keys[1].certificate)
    assert response.find(sr("Body")) is not None


def test_a_smets1_alert_is_valid_duis(keys, schema):
    dcc, s1sp = keys
    alert = smets1.S1Alert(smets1.FIRMWARE_RECEIVED, "Firmware Verification Successful", 0x4001, "ab" * 32)
    signed = s1sp.sign_to_bytes(s1sp_alert(device_id=DEVICE, user_id=USER, alert=alert, moment=NOW))
    document = countersigned(dcc, user_id=USER, request_id=None, response_id="00-DB-12-34-56-78-91-B1:"
                             "90-B3-D5-1F-30-01-00-00:16385", code="I0", signed_by_s1sp=signed, moment=NOW).body
    schema.assertValid(etree.fromstring(document))
    verify_smets1_response(document, dcc.certificate, s1sp.certificate)


def test_the_two_signatures_are_checked_apart(keys):
    dcc, s1sp = keys
    document = _countersigned(keys, "4.1.1", OUTCOMES[0][1])
    with pytest.raises(CountersignatureError, match="DCC"):
        verify_smets1_response(document.replace(b">4200<", b">4300<"), dcc.certificate, s1sp.certificate)
    with pytest.raises(CountersignatureError, match="DCC"):
        verify_smets1_response(document, s1sp.certificate, s1sp.certificate)
    with pytest.raises(CountersignatureError, match="S1SP"):
        verify_smets1_response(document, dcc.certificate, dcc.certificate)
    # The S1SP's answer changed and countersigned afresh: the DCC's signature holds, the S1SP's does not.
    inner = etree.tostring(etree.fromstring(document).find(f".//{sr('SMETS1SignedResponse')}"))
    forged = countersigned(dcc, user_id=USER, request_id=REQUEST_ID, response_id=REQUEST_ID, code="I0",
                           reference="4.1", variant="4.1.1", signed_by_s1sp=inner.replace(b">4200<", b">4300<"),
                           moment=NOW).body
    with pytest.raises(CountersignatureError, match="S1SP"):
        verify_smets1_response(forged, dcc.certificate, s1sp.certificate)
