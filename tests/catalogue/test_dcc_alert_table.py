"""The DCC alert table (``dccsim.catalogue.dcc_alerts``): every code the DUIS XSD enumerates, each either raised
by a flow with a test or scenario that shows it, waiting with its rule tested, or not raised with the reason."""
from __future__ import annotations

import pytest
from lxml import etree

from dccsim.catalogue import dcc_alerts
from dccsim.catalogue.dcc_alerts import DCC_ALERTS, REQUESTER, Status
from tests.paths import DUIS_SCHEMA, REPO

XS = "http://www.w3.org/2001/XMLSchema"
ROLES = {"IS", "ES", "GS", "ED", "GT", "RSA", "OU", REQUESTER}


def _xsd_codes() -> list[str]:
    tree = etree.parse(str(DUIS_SCHEMA / "DUIS Schema V5.4.xsd"))
    element = tree.find(f".//{{{XS}}}complexType[@name='DCCAlertMessage']//{{{XS}}}element[@name='DCCAlertCode']")
    return [e.get("value") for e in element.iter(f"{{{XS}}}enumeration")]


@pytest.mark.skipif(not DUIS_SCHEMA.exists(), reason="the reference corpus (../shared) is absent")
def test_the_table_has_every_code_the_duis_xsd_enumerates_and_no_other():
    assert list(DCC_ALERTS) == _xsd_codes()


@pytest.mark.parametrize("code", sorted(DCC_ALERTS))
def test_each_entry_says_when_it_is_raised_or_why_not(code):
    entry = DCC_ALERTS[code]
    assert entry.name and entry.detail
    assert set(entry.recipients) <= ROLES
    if entry.status is not Status.NOT_RAISED:
        assert entry.recipients and entry.body


@pytest.mark.parametrize("entry", [e for e in DCC_ALERTS.values() if e.status is not Status.NOT_RAISED],
                         ids=lambda e: e.code)
def test_each_raised_alert_has_a_test_that_raises_it(entry):
    path, _, name = entry.test.partition("::")
    assert name and name in (REPO / path).read_text(), f"{entry.code}: {entry.test} does not exist"


def test_unknown_codes_are_the_callers_mistake():
    with pytest.raises(ValueError, match="not a DUIS DCC alert code"):
        dcc_alerts.spec("N66")
