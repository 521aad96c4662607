"""The project's DUIS XSD: current with the catalogue, accepts every shared template, agrees with the
official schema on mutated requests of the modelled Service Requests."""
from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings, strategies as st
from lxml import etree

from dccsim.catalogue.bodies import BODY_MODELS
from dccsim.catalogue.xsdgen import generate
from dccsim.config import DEFAULT_DUIS_XSD
from dccsim.duis.xsd import load_schema
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
        if etree.QName(_body(root)).localname not in BODY_MODELS:
            continue
        for description, doc in _mutations(root):
            ours, official = OURS.validate(doc), OFFICIAL.validate(doc)
            checked += 1
            if ours != official:
                disagreements.append(f"{path.name}: {description}: ours={ours} official={official}")
    with capsys.disabled():
        print(f"\nXSD agreement on {checked} mutated requests: {checked - len(disagreements)} agree")
        for line in disagreements[:20]:
            print("  " + line)
    assert checked > 200
    assert len(disagreements) <= checked // 50


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789ABCDEFabcdefg-:x ", max_size=30))
def test_device_ids_accepted_exactly_as_the_official_schema_does(value):
    root = etree.parse(str(DUIS_TEMPLATES / "8.3_DECOMMISSION_DEVICE_REQUEST_DUIS.XML")).getroot()
    _body(root)[0].text = value
    if OFFICIAL is not None:
        assert OURS.validate(root) == OFFICIAL.validate(root)
