"""The request path's shortcuts give what the long way gives: the one-pass whitespace check, and the 8.2
inventory entries copied from those rendered before."""
from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings, strategies as st
from lxml import etree

from dccsim.duis import fastdsig
from dccsim.duis.responses import service_response
from dccsim.handlers import inventory_srs
from dccsim.inventory.models import Device, DeviceStatus, DeviceType

_PIECES = st.sampled_from(["<a>", "</a>", "<b/>", " ", "\n\t", "x", " y ", "<!--c-->", "<?p q?>",
                           "<![CDATA[ ]]>", "<![CDATA[z]]>", "&#32;", "&#160;"])


def _well_formed(pieces: list[str]) -> bytes | None:
    try:
        text = "<r>" + "".join(pieces) + "</r>"
        etree.fromstring(text.encode())
        return text.encode()
    except etree.XMLSyntaxError:
        return None


def _element_by_element(root: etree._Element) -> bool:
    return any(fastdsig._ignorable(e) for e in root.iter() if isinstance(e.tag, str))


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=12))
def test_the_one_pass_whitespace_check_finds_what_the_element_walk_finds(pieces):
    text = _well_formed(pieces)
    if text is None:
        return
    for parser in (etree.XMLParser(), etree.XMLParser(strip_cdata=False)):
        root = etree.fromstring(text, parser)
        walked = _element_by_element(root)
        # Never less (that would sign whitespace the validators leave out); more only next to kept CDATA.
        assert fastdsig._has_ignorable_whitespace(root) >= walked
        if b"CDATA" not in text:
            assert fastdsig._has_ignorable_whitespace(root) == walked


def _device(n: int, **changes) -> Device:
    values = dict(device_id=f"00DB1234567890{n:02X}", device_type=DeviceType("ESME"),
                  status=DeviceStatus("Commissioned"), manufacturer="1234", model="5678", firmware_version="0102",
                  gbcs_version="4.0", esme_variant="A", import_mpxn="1012345678901", uprn="12345678",
                  postcode="AB1 2CD", address_identifier="1 High Street", csp_region="Central",
                  date_commissioned=datetime.date(2024, 1, 1), attributes={"note": ["unhashable"]})
    values.update(changes)
    return Device(**values)


def _response(devices: list[tuple[Device, str | None]]) -> bytes:
    def fill(message):
        inventory = inventory_srs.add(message, "DSPInventory")
        for device, status in devices:
            inventory_srs.inventory_entry(inventory, device, status)

    root = service_response(schema_version="5.4", code="I0", service_reference="8.2", service_reference_variant="8.2",
                            moment=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc), fill=fill)
    return etree.tostring(root, method="c14n", exclusive=True)


def _rendered_afresh(devices: list[tuple[Device, str | None]]) -> bytes:
    inventory_srs._entries.clear()
    return _response(devices)


@pytest.mark.parametrize("changes", [{}, {"status": DeviceStatus("Suspended")}, {"firmware_version": None},
                                     {"esme_variant": "B"}, {"postcode": None}, {"connectivity": "Mesh"}])
def test_an_inventory_entry_copied_from_the_cache_is_the_entry_rendered_afresh(changes):
    first = [(_device(n), "Active") for n in range(3)]
    again = [(_device(n, **changes), "Active" if n else "Withdrawn") for n in range(3)]
    assert _rendered_afresh(first) == _response(first)              # the second time from the cache
    fresh = _rendered_afresh(again)
    _response(first)
    assert _response(again) == fresh                                # a changed device is not the cached one
    assert fresh != _rendered_afresh(first)
    assert b"xmlns" not in _response(first).split(b"<sr:Device>", 1)[1]
