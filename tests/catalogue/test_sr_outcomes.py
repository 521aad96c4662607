"""The table of SR-specific outcomes of the supply, prepayment, tariff, price, display and auxiliary controller
Service Requests covers every code the official DUIS schema enumerates for them, each produced by a test or
said not to arise, with the reason."""
from __future__ import annotations

import re

import pytest

from dccsim.catalogue import CATALOGUE
from dccsim.catalogue.sr_outcomes import LIMIT_APC_LEVEL_SENDERS, SR_OUTCOMES
from dccsim.duis import codes
from tests.paths import DUIS_SCHEMA, REPO

# The Service References of the table (3.3 is not among them).
REFERENCES = ("1.1", "1.2", "1.5", "1.6", "1.7", "2.1", "2.3", "2.5", "3.1", "3.2", "3.4", "3.5", "7.", "9.1", "14.1")
XSD = DUIS_SCHEMA / "DUIS Schema V5.4.xsd"


def _reference(code: str) -> str:
    """E010201 → 1.2 (the Service Reference the code's digits name)."""
    return f"{int(code[1:3])}.{int(code[3:5])}"


@pytest.mark.skipif(not XSD.exists(), reason="../shared/conformance/duis-schema is not available")
def test_every_sr_specific_code_of_these_service_requests_is_in_the_table():
    enumerated = set(re.findall(r'<xs:enumeration value="(E\d{6})"/>', XSD.read_text()))
    in_scope = {code for code in enumerated if _reference(code).startswith(REFERENCES)
                and _reference(code) != "3.3"}
    assert in_scope == {"E010101", "E010102", "E010201"}
    assert in_scope <= {row.code for row in SR_OUTCOMES}
    assert {row.code for row in SR_OUTCOMES} <= enumerated | {"E2", "E11"}


def test_each_row_is_produced_by_a_test_or_says_why_it_cannot_arise():
    for row in SR_OUTCOMES:
        assert row.why and all(CATALOGUE.get(v) is not None for v in row.variants), row
        if row.produced:
            assert hasattr(codes, row.code), row.code
            assert (REPO / row.shown_by.split("::")[0].split(" ")[0]).exists(), row.shown_by
        else:
            assert not row.shown_by


def test_no_user_role_may_limit_an_apc_over_duis():
    assert not CATALOGUE.get("7.16").roles and LIMIT_APC_LEVEL_SENDERS == ()
