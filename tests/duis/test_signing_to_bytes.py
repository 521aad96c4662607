"""Signed responses are rendered as bytes (the document in canonical form, the signature as text): checked
against lxml's canonicaliser, the tree-built signature and signxml."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st
from lxml import etree

from dccsim.duis import fastdsig
from dccsim.duis.namespaces import ds
from dccsim.duis.xmldsig import DuisSigner, verify, verify_with_signxml
from dccsim.smki.authority import create_root, issue_organisation
from dccsim.smki.credentials import Usage

_CA = create_root()
_CRED = issue_organisation(_CA, "90B3D51F30000002", "03", Usage.XML_SIGNING)
SIGNER = DuisSigner(_CRED.private_key, _CRED.certificate)
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
RA = "http://www.dccinterface.co.uk/ResponseAndAlert"

texts = st.text(alphabet=st.characters(min_codepoint=9, max_codepoint=0x2FF,
                                       blacklist_categories=("Cs",), blacklist_characters="\x0b\x0c\x7f"),
                max_size=30).filter(lambda t: all(c in "\t\n\r" or c >= " " for c in t))


def _document(values: list[str], attribute: str, foreign: bool) -> etree._Element:
    root = etree.Element(f"{{{SR}}}Response", nsmap={"sr": SR})
    root.set("schemaVersion", "5.4")
    body = etree.SubElement(root, f"{{{SR}}}Body")
    for i, value in enumerate(values):
        tag = f"{{{RA}}}Value" if foreign and i % 2 else f"{{{SR}}}Value"
        element = etree.SubElement(body, tag, note=attribute)
        element.text = value
        etree.SubElement(element, f"{{{SR}}}Empty")
    return root


@settings(max_examples=80, deadline=None)
@given(st.lists(texts, min_size=1, max_size=5), texts, st.booleans())
def test_rendered_signatures_match_the_tree_and_verify_everywhere(values, attribute, foreign):
    document = _document(values, attribute, foreign)
    rendered = SIGNER.sign_to_bytes(document)
    assert rendered.startswith(b'<?xml version="1.0" encoding="UTF-8"?><sr:Response ')
    parsed = etree.fromstring(rendered)
    # The document part is the canonical form of what was signed (the document without the whitespace
    # between elements, which validators leave out), and canonicalising it changes nothing.
    unsigned = etree.fromstring(rendered)
    unsigned.remove(unsigned.find(ds("Signature")))
    compact = fastdsig.without_ignorable_whitespace(document).getroot()
    canonical = etree.tostring(compact, method="c14n", exclusive=True)
    assert etree.tostring(unsigned, method="c14n", exclusive=True) == canonical
    # Its SignedInfo is what lxml's canonicaliser makes of it, with the same digest as the tree-built one.
    signed_info = parsed.find(f"{ds('Signature')}/{ds('SignedInfo')}")
    tree_signed = SIGNER.sign(document)
    assert etree.tostring(signed_info, method="c14n", exclusive=True) == \
        etree.tostring(tree_signed.find(f"{ds('Signature')}/{ds('SignedInfo')}"), method="c14n", exclusive=True)
    verify(parsed, _CRED.certificate)
    verify_with_signxml(etree.fromstring(rendered), _CRED.certificate)
    fastdsig.verify(etree.fromstring(rendered), _CRED.certificate.public_key())
    assert document.find(ds("Signature")) is None, "the caller's tree is left unsigned"


def test_whitespace_between_elements_is_not_signed_and_the_callers_tree_is_kept():
    """Mixed whitespace before a child element (found by the property above: a value of one space) is
    left out of what is signed, as the Java validator leaves it out of what it checks."""
    document = _document([" "], "", False)
    rendered = SIGNER.sign_to_bytes(document)
    assert b"<sr:Value note=\"\"><sr:Empty></sr:Empty>" in rendered
    assert document.find(f"{{{SR}}}Body/{{{SR}}}Value").text == " "
    verify(etree.fromstring(rendered), _CRED.certificate)
    tree_signed = SIGNER.sign(document)
    verify(etree.fromstring(etree.tostring(tree_signed)), _CRED.certificate)


def test_an_issuer_name_with_markup_characters_is_escaped():
    text = fastdsig.key_info_text("CN=A&B <test>, O=\"x\"", 42)
    parsed = etree.fromstring(f'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">{text}</ds:Signature>')
    assert parsed.findtext(f".//{ds('X509IssuerName')}") == "CN=A&B <test>, O=\"x\""
