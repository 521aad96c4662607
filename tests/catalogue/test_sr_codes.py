"""The table of 6.x / 8.5 / 8.12 SR-specific codes: every code the official schema enumerates for those
Service Requests is in it, a code it says the simulator produces is in the outcome table (and so nameable),
and one it says is not produced is not."""
from __future__ import annotations

import re

import pytest

from dccsim.catalogue.sr_codes import SR_CODES, Status
from dccsim.duis import codes
from tests.paths import DUIS_SCHEMA

SCHEMA = DUIS_SCHEMA / "DUIS Schema V5.4.xsd"
SCOPE = re.compile(r"^E(06\d{4}|0805\d{2}|0812\d{2})$")


@pytest.mark.skipif(not SCHEMA.exists(), reason="../shared/conformance/duis-schema not available")
def test_every_schema_code_of_these_service_requests_is_in_the_table():
    enumerated = set(re.findall(r'<xs:enumeration value="(E\d{6})"/>', SCHEMA.read_text()))
    assert {code for code in enumerated if SCOPE.match(code)} == set(SR_CODES)


def test_produced_codes_are_the_outcome_tables_and_the_others_are_not():
    for code, row in SR_CODES.items():
        assert row.why
        assert hasattr(codes, code) == (row.status is Status.PRODUCED), code
