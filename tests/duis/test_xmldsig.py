"""XML-DSig in the DUIS profile: the fast path and signxml agree, and tampering is always caught."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from lxml import etree

from dccsim.duis import fastdsig
from dccsim.duis.outcomes import DuisRejection
from dccsim.duis.xmldsig import DuisSigner, verify, verify_with_signxml
from dccsim.smki.authority import create_root, issue_organisation
from dccsim.smki.credentials import Usage, read_folders
from tests.paths import CONFORMANCE, KEYS_ZAZ1

_CA = create_root()
_CRED = issue_organisation(_CA, "90B3D51F30010000", "02", Usage.XML_SIGNING)
SIGNER = DuisSigner(_CRED.private_key, _CRED.certificate)
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"

texts = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_characters="\x7f"),
                max_size=40)


def _document(values: list[str], attribute: str) -> etree._Element:
    root = etree.Element(f"{{{SR}}}Request", nsmap={"sr": SR, "ra": "http://www.dccinterface.co.uk/ResponseAndAlert"})
    root.set("schemaVersion", "5.4")
    body = etree.SubElement(root, f"{{{SR}}}Body", note=attribute)
    for value in values:
        etree.SubElement(body, f"{{{SR}}}Item").text = value
    return root


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=1, max_size=5), texts)
def test_fast_signatures_verify_with_signxml_and_back(values, attribute):
    document = _document(values, attribute)
    fast = SIGNER.sign(document)
    verify_with_signxml(etree.fromstring(etree.tostring(fast)), _CRED.certificate)
    by_signxml = SIGNER.sign_with_signxml(document)
    fastdsig.verify(etree.fromstring(etree.tostring(by_signxml)), _CRED.certificate.public_key())


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=1, max_size=5), texts, st.data())
def test_any_change_to_the_signed_content_is_caught(values, attribute, data):
    signed = etree.tostring(SIGNER.sign(_document(values, attribute)))
    body_end = signed.index(b"<ds:Signature")
    position = data.draw(st.integers(min_value=signed.index(b"<sr:Body"), max_value=body_end - 1))
    original = signed[position:position + 1]
    replacement = b"Z" if original != b"Z" else b"Y"
    tampered = signed[:position] + replacement + signed[position + 1:]
    try:
        root = etree.fromstring(tampered)
    except etree.XMLSyntaxError:
        return
    with pytest.raises(DuisRejection):
        verify(root, _CRED.certificate)


def test_a_real_dcc_response_verifies_on_the_fast_path():
    path = CONFORMANCE / "duis-samples" / "readfw-response.xml"
    if not path.exists():
        pytest.skip("../shared/conformance/duis-samples is not available")
    root = etree.parse(str(path)).getroot()
    serial = int(root.findtext(".//{*}X509SerialNumber"))
    cert = next(c for c in read_folders([KEYS_ZAZ1]).credentials if c.serial == serial).certificate
    fastdsig.verify(root, cert.public_key())
    verify_with_signxml(root, cert)


def test_signatures_outside_the_profile_fall_back_to_signxml():
    document = SIGNER.sign(_document(["a"], "b"))
    reference = document.find(".//{http://www.w3.org/2000/09/xmldsig#}Reference")
    reference.set("URI", "#elsewhere")
    with pytest.raises(fastdsig.Unsupported):
        fastdsig.verify(document, _CRED.certificate.public_key())
    with pytest.raises(DuisRejection):
        verify(document, _CRED.certificate)
