"""The project's DUIS XSD: current with the catalogue, models every body field by field with the same shape
as the official schema, accepts every shared template, and agrees with the official schema on mutated
requests (every leaf and attribute of every template, and the facets the release note cares about)."""
from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings, strategies as st
from lxml import etree

from dccsim.catalogue import CATALOGUE
from dccsim.catalogue.bodies import BODY_MODELS
from dccsim.catalogue.xsdgen import generate
from dccsim.runtime.settings import DEFAULT_DUIS_XSD
from dccsim.duis.xsd import load_schema
from dccsim.handlers.device_commands import DEVICE_VARIANTS
from dccsim.handlers.table import HANDLERS
from tests.catalogue.xsd_shape import SchemaShapes, differences
from tests.paths import DUIS_SCHEMA, DUIS_TEMPLATES

pytestmark = pytest.mark.skipif(not DUIS_TEMPLATES.exists(), reason="../shared/conformance is not available")

OURS = load_schema(DEFAULT_DUIS_XSD)
OFFICIAL = load_schema(DUIS_SCHEMA / "DUIS Schema V5.4.xsd") if DUIS_SCHEMA.exists() else None
TEMPLATES = sorted(DUIS_TEMPLATES.glob("*.XML"))
SR = "{http://www.dccinterface.co.uk/ServiceUserGateway}"


def test_committed_schema_is_current():
    assert DEFAULT_DUIS_XSD.read_bytes() == generate(), "run python -m dccsim.catalogue.xsdgen"


def test_every_template_is_valid():
    invalid = [p.name for p in TEMPLATES if not OURS.validate(etree.parse(str(p)))]
    assert len(TEMPLATES) == 252 and invalid == []


def test_every_handled_variant_has_a_modelled_body():
    """A body the official schema gives content has a model with content; the rest are empty by DUIS."""
    handled = [CATALOGUE.get(v) for v in HANDLERS]
    assert len(handled) >= 55 and set(DEVICE_VARIANTS) <= set(HANDLERS)
    official = SchemaShapes(DUIS_SCHEMA / "DUIS Schema V5.4.xsd")
    for element in [spec.body_element for spec in handled] + ["SignedPreCommand"]:
        model = BODY_MODELS[element]
        assert (model.type.content is not None) == (official.body(element)[1] is not None), element


@pytest.mark.skipif(OFFICIAL is None, reason="official DUIS XSD not available")
def test_every_body_has_the_shape_of_the_official_schema():
    """Element names and order, occurrences, choices, attributes, types and facets, body by body."""
    ours = SchemaShapes(DEFAULT_DUIS_XSD)
    official = SchemaShapes(DUIS_SCHEMA / "DUIS Schema V5.4.xsd")
    assert set(ours.bodies) == set(official.bodies) == set(BODY_MODELS)
    found = {name: differences(ours.body(name), official.body(name)) for name in sorted(official.bodies)}
    assert {name: diff for name, diff in found.items() if diff} == {}


def test_shape_comparison_sees_a_changed_facet(tmp_path):
    """The comparison above is not blind: one changed occurrence in the generated XSD is reported."""
    text = DEFAULT_DUIS_XSD.read_text().replace('name="ProfileSchedule" maxOccurs="48"',
                                                 'name="ProfileSchedule" maxOccurs="47"', 1)
    assert 'maxOccurs="47"' in text
    (tmp_path / "changed.xsd").write_text(text)
    changed = SchemaShapes(tmp_path / "changed.xsd")
    official = SchemaShapes(DUIS_SCHEMA / "DUIS Schema V5.4.xsd")
    assert any("ProfileSchedule" in d for d in differences(changed.body("UpdateImportTariffPrimaryElement"),
                                                           official.body("UpdateImportTariffPrimaryElement")))


def _body(root):
    return next(c for c in root.find(f"{SR}Body") if isinstance(c.tag, str))


def _mutations(root):
    """(description, mutated document) pairs for one template."""
    def leaves(doc):
        return [e for e in _body(doc).iter() if isinstance(e.tag, str) and len(e) == 0 and e is not _body(doc)]

    for i, leaf in enumerate(leaves(root)):
        name = etree.QName(leaf).localname
        for label, value in (("empty", ""), ("device-id-like", "00-DB-12-34-56-78-90"),
                             ("huge number", "999999999999999999999"), ("negative", "-1"),
                             ("text", "not a value"), ("date", "2026-02-30")):
            doc = copy.deepcopy(root)
            leaves(doc)[i].text = value
            yield f"{name} <- {label}", doc
        doc = copy.deepcopy(root)
        target = leaves(doc)[i]
        target.getparent().remove(target)
        yield f"{name} removed", doc
    attributed = [e for e in _body(root).iter() if isinstance(e.tag, str) and e.attrib]
    for i, element in enumerate(attributed):
        for attribute in element.attrib:
            for label, value in (("zero", "0"), ("too big", "49"), ("text", "x")):
                doc = copy.deepcopy(root)
                [e for e in _body(doc).iter() if isinstance(e.tag, str) and e.attrib][i].set(attribute, value)
                yield f"{etree.QName(element).localname}@{attribute} <- {label}", doc
            doc = copy.deepcopy(root)
            del [e for e in _body(doc).iter() if isinstance(e.tag, str) and e.attrib][i].attrib[attribute]
            yield f"{etree.QName(element).localname}@{attribute} removed", doc
    doc = copy.deepcopy(root)
    etree.SubElement(_body(doc), f"{SR}Unexpected").text = "x"
    yield "unknown element", doc
    children = [c for c in _body(root) if isinstance(c.tag, str)]
    if len(children) > 1:
        doc = copy.deepcopy(root)
        b = _body(doc)
        first = [c for c in b if isinstance(c.tag, str)][0]
        b.remove(first)
        b.append(first)
        yield "reordered", doc


@pytest.mark.skipif(OFFICIAL is None, reason="official DUIS XSD not available")
def test_agrees_with_the_official_schema_on_mutations_of_modelled_bodies(capsys):
    checked, disagreements = 0, []
    for path in TEMPLATES:
        root = etree.parse(str(path)).getroot()
        for description, doc in _mutations(root):
            ours, official = OURS.validate(doc), OFFICIAL.validate(doc)
            checked += 1
            if ours != official:
                disagreements.append(f"{path.name}: {description}: ours={ours} official={official}")
    with capsys.disabled():
        print(f"\nXSD agreement on {checked} mutated requests: {checked - len(disagreements)} agree")
        for line in disagreements[:20]:
            print("  " + line)
    assert checked > 20000
    assert disagreements == []


def _template(name: str):
    return etree.parse(str(DUIS_TEMPLATES / name)).getroot()


def _set(root, local: str, value: str):
    for element in _body(root).iter(f"{SR}{local}"):
        element.text = value
    return root


def _whitelist_add(install_code: str):
    root = _set(_template("CCS02_8.11_SUCCESS_REQUEST_DUIS.XML"), "RequestType", "Add")
    add = etree.SubElement(_body(root), f"{SR}AddDeviceToCHFWhitelist")
    etree.SubElement(add, f"{SR}JoinTimePeriod").text = "60"
    etree.SubElement(add, f"{SR}InstallCode").text = install_code
    return root


# Facets that carry release-note rules or are easy to get wrong, with the answer both schemas must give.
FACET_CASES = [
    ("gas threshold 2^48-1", lambda: _set(_template("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML"),
                                          "BlockThreshold", "281474976710655"), True),
    ("gas threshold 2^48", lambda: _set(_template("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML"),
                                        "BlockThreshold", "281474976710656"), False),
    ("electricity threshold 2^32", lambda: _set(_template("ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML"),
                                                "BlockThreshold", "4294967296"), False),
    ("install code 16 octets", lambda: _whitelist_add("00112233445566778899AABBCCDDEEFF"), True),
    ("install code 6 octets", lambda: _whitelist_add("001122334455"), True),
    ("install code 5 octets", lambda: _whitelist_add("0011223344"), False),
    ("install code 17 octets", lambda: _whitelist_add("00112233445566778899AABBCCDDEEFF00"), False),
    ("install code odd length", lambda: _whitelist_add("00112233445566778899AABBCCDDEEF"), False),
    ("install code not hex", lambda: _whitelist_add("00112233445566778899AABBCCDDEEFG"), False),
    *[(f"8.4 ESMEVariant {v}", (lambda v=v: _esme_variant_update(v)), ok)
      for v, ok in (("F", False), ("AF", True), ("ADEF", True), ("AG", True), ("ADEG", True), ("AEG", True),
                    ("G", False), ("AH", False), ("a", False))],
    *[(f"12.2 ESMEVariant {v}", (lambda v=v: _set(_template("12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML"),
                                                   "ESMEVariant", v)), ok)
      for v, ok in (("CDEF", True), ("AG", True), ("AEF", True), ("ABG", False))],
    ("UTRN 19 digits", lambda: _set(_template("CS01a_2.2_SUCCESS_REQUEST_DUIS.XML"), "UTRN", "1" * 19), False),
    ("UTRN 20 digits", lambda: _set(_template("CS01a_2.2_SUCCESS_REQUEST_DUIS.XML"), "UTRN", "1" * 20), True),
    ("RequestID counter 2^64-1", lambda: _set(_template("8.13_RETURN_LOCAL_COMMAND_RESPONSE_CS06_REQUEST_DUIS.XML"),
                                              "OriginalRequestID",
                                              "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:18446744073709551615"),
     True),
    ("RequestID counter 2^64", lambda: _set(_template("8.13_RETURN_LOCAL_COMMAND_RESPONSE_CS06_REQUEST_DUIS.XML"),
                                            "OriginalRequestID",
                                            "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:18446744073709551616"),
     False),
]


def _esme_variant_update(variant: str):
    root = _template("8.4_UPDATE_INVENTORY_REQUEST_DUIS.XML")
    body = _body(root)
    for child in list(body)[1:]:
        body.remove(child)
    details = etree.SubElement(body, f"{SR}UpdateDeviceDetails")
    etree.SubElement(details, f"{SR}ESMEVariant").text = variant
    return root


@pytest.mark.parametrize("label, build, valid", FACET_CASES, ids=[c[0] for c in FACET_CASES])
def test_facets_that_matter(label, build, valid):
    doc = build()
    assert OURS.validate(doc) is valid, OURS.error_log
    if OFFICIAL is not None:
        assert OFFICIAL.validate(doc) is valid


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789ABCDEFabcdefg-:x ", max_size=30))
def test_device_ids_accepted_exactly_as_the_official_schema_does(value):
    root = etree.parse(str(DUIS_TEMPLATES / "8.3_DECOMMISSION_DEVICE_REQUEST_DUIS.XML")).getroot()
    _body(root)[0].text = value
    if OFFICIAL is not None:
        assert OURS.validate(root) == OFFICIAL.validate(root)
