"""The SR catalogue agrees with the DUIS request matrix and covers every body element of DUIS."""
from __future__ import annotations

import json

import pytest
from lxml import etree

from dccsim.catalogue import CATALOGUE, CV_WEB_SERVICE
from dccsim.catalogue.bodies import BODY_MODELS
from tests.paths import DUIS_SCHEMA, DUIS_TEMPLATES, REFERENCE

MATRIX = REFERENCE / "duis-request-matrix.json"
pytestmark = pytest.mark.skipif(not MATRIX.exists(), reason="../shared/reference is not available")

# The published matrix writes the Service Reference of 6.20.1 / 6.20.2 as "6.2" (a number that lost its
# trailing zero); DUIS and the industry samples say "6.20". It names no eligible role for 8.5 / 8.6, which
# DUIS gives to the Import and Gas Suppliers (see dccsim/catalogue/matrix.py).
KNOWN_MATRIX_SLIPS = {("6.20.1", "reference"): "6.20", ("6.20.2", "reference"): "6.20",
                      ("8.5", "roles"): frozenset({"IS", "GS"}), ("8.6", "roles"): frozenset({"IS", "GS"})}


def test_every_matrix_variant_is_in_the_catalogue_with_the_same_facts():
    rows = json.loads(MATRIX.read_text())
    assert len(rows) == len(CATALOGUE.all()) == 129
    for row in rows:
        spec = CATALOGUE.get(row["Service Reference Variant"])
        assert spec is not None, row["Service Reference Variant"]
        expected_reference = KNOWN_MATRIX_SLIPS.get((spec.variant, "reference"), row["Service Reference"])
        assert spec.reference == expected_reference
        assert spec.critical == (row["Critical"] == "Yes")
        assert spec.on_demand == (row["On Demand"] == "Yes")
        assert spec.future_dated == row["Future Dated Response Pattern"]
        assert spec.dcc_scheduled == (row["DCC Scheduled"] == "Yes")
        assert spec.non_device == (row["Non-Device Request"] == "Yes")
        assert spec.roles == KNOWN_MATRIX_SLIPS.get((spec.variant, "roles"), frozenset(row["Eligible User Roles"]))
        assert " ".join(row["Service Request Name"].split()).startswith(spec.name)


def test_command_variants_follow_the_duis_rules():
    for spec in CATALOGUE.all():
        if spec.non_device:
            assert spec.command_variants == {8}
        elif spec.critical:
            assert spec.command_variants == {4, 5, 6, 7}
        else:
            assert spec.command_variants == {1, 2, 3}
        assert all(cv in CV_WEB_SERVICE for cv in spec.command_variants)
        if not spec.non_device:
            assert spec.device_types, spec.variant


def test_every_official_body_element_is_in_the_catalogue():
    schema = etree.parse(str(DUIS_SCHEMA / "DUIS Schema V5.4.xsd"))
    ns = {"xs": "http://www.w3.org/2001/XMLSchema"}
    request = schema.find(".//xs:complexType[@name='Request']", ns)
    choice = request.find(".//xs:element[@name='Body']/xs:complexType/xs:choice", ns)
    official = {e.get("name") for e in choice.findall("xs:element", ns)}
    ours = set(CATALOGUE.body_element_names()) | {"SignedPreCommand"}
    assert official == ours


def test_templates_name_the_body_element_of_their_variant():
    mismatches = []
    for path in sorted(DUIS_TEMPLATES.glob("*.XML")):
        root = etree.parse(str(path)).getroot()
        variant = root.findtext(".//{*}ServiceReferenceVariant")
        body = next(c for c in root.find("{*}Body") if isinstance(c.tag, str))
        spec = CATALOGUE.get(variant)
        if spec is None or etree.QName(body).localname != spec.body_element:
            mismatches.append(path.name)
    assert mismatches == []


def test_modelled_bodies_parse_into_plain_values():
    parsed = 0
    for path in sorted(DUIS_TEMPLATES.glob("*.XML")):
        root = etree.parse(str(path)).getroot()
        body = next(c for c in root.find("{*}Body") if isinstance(c.tag, str))
        name = etree.QName(body).localname
        if name not in BODY_MODELS:
            continue
        values = BODY_MODELS[name].parse(body)
        declared = BODY_MODELS[name].type.elements()
        present = {etree.QName(c).localname for c in body if isinstance(c.tag, str)}
        assert present <= set(values) and present <= set(declared), name
        parsed += 1
    assert parsed >= 15


def test_parse_gives_typed_values():
    body = etree.fromstring(
        b'<sr:CreateSchedule xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway">'
        b"<sr:ScheduleFrequency>Daily</sr:ScheduleFrequency><sr:ScheduleStartDate>2026-01-02</sr:ScheduleStartDate>"
        b"<sr:ScheduleExecutionStartTime>01:30:00</sr:ScheduleExecutionStartTime>"
        b"<sr:DSPScheduledServiceReference>4.6</sr:DSPScheduledServiceReference>"
        b"<sr:DSPScheduledServiceReferenceVariant>4.6.1</sr:DSPScheduledServiceReferenceVariant>"
        b"<sr:DeviceID>00-DB-12-34-56-78-90-A0</sr:DeviceID>"
        b"<sr:DSPRetrieveImportDailyReadLog><sr:StartDateOffset>-2</sr:StartDateOffset><sr:StartTime>00:00:00"
        b"</sr:StartTime><sr:EndDateOffset>0</sr:EndDateOffset><sr:EndTime>00:00:00</sr:EndTime>"
        b"</sr:DSPRetrieveImportDailyReadLog></sr:CreateSchedule>")
    values = CATALOGUE.get("5.1").body.parse(body)
    import datetime as dt

    assert values["ScheduleStartDate"] == dt.date(2026, 1, 2)
    assert values["ScheduleExecutionStartTime"] == dt.time(1, 30)
    assert values["DSPRetrieveImportDailyReadLog"]["StartDateOffset"] == -2
