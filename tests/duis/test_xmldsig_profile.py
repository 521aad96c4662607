"""DUIS has one signature profile: one enveloped signature over the whole document. Signature-wrapping
documents — a reference to part of the document, a second reference or signature, a signature moved
inside the body, a ds:Object — are refused even where the cryptography checks out."""
from __future__ import annotations

import copy

import pytest
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner

from dccsim.duis import fastdsig
from dccsim.duis.namespaces import DS, ds
from dccsim.duis.outcomes import DuisRejection
from dccsim.duis.xmldsig import DuisSigner, key_info_for, verify, verify_with_signxml
from dccsim.smki.authority import create_root, issue_organisation
from dccsim.smki.credentials import Usage

_CA = create_root()
_CRED = issue_organisation(_CA, "90B3D51F30010000", "02", Usage.XML_SIGNING)
SIGNER = DuisSigner(_CRED.private_key, _CRED.certificate)
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"


def _request() -> etree._Element:
    root = etree.Element(f"{{{SR}}}Request", nsmap={"sr": SR})
    root.set("schemaVersion", "5.4")
    header = etree.SubElement(root, f"{{{SR}}}Header", Id="header")
    etree.SubElement(header, f"{{{SR}}}RequestID").text = "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1"
    body = etree.SubElement(root, f"{{{SR}}}Body")
    etree.SubElement(body, f"{{{SR}}}Item").text = "what the user signed"
    return root


def _signxml(reference_uri) -> XMLSigner:
    signer = XMLSigner(signature_algorithm=SignatureMethod.ECDSA_SHA256, digest_algorithm=DigestAlgorithm.SHA256,
                       c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    signer.namespaces = {"ds": DS}
    return signer


def _rejected(root: etree._Element, fragment: str) -> None:
    reparsed = etree.fromstring(etree.tostring(root))
    with pytest.raises(DuisRejection) as caught:
        verify(reparsed, _CRED.certificate)
    assert caught.value.outcome.key == "HTTP-401-SIGNATURE"
    assert fragment in str(caught.value.detail)


def test_the_profile_signature_verifies():
    verify(etree.fromstring(etree.tostring(SIGNER.sign(_request()))), _CRED.certificate)


def test_a_reference_to_part_of_the_document_is_refused_even_though_it_verifies():
    # The classic wrapping attack: the signature covers the header only, the body is the attacker's.
    signed = _signxml("#header").sign(_request(), key=_CRED.private_key, reference_uri="#header",
                                      key_info=key_info_for(_CRED.certificate), id_attribute="Id")
    signed.find(f"{{{SR}}}Body/{{{SR}}}Item").text = "what the attacker wants"
    _rejected(signed, 'URI=""')


def test_a_second_reference_is_refused():
    signed = SIGNER.sign(_request())
    reference = signed.find(f"{ds('Signature')}/{ds('SignedInfo')}/{ds('Reference')}")
    second = copy.deepcopy(reference)
    second.set("URI", "#header")
    reference.addnext(second)
    _rejected(signed, "exactly one Reference")


def test_a_second_signature_is_refused():
    signed = SIGNER.sign(_request())
    decoy = copy.deepcopy(signed.find(ds("Signature")))
    signed.find(f"{{{SR}}}Body").append(decoy)
    _rejected(signed, "2 ds:Signature")


def test_a_signature_inside_the_body_is_not_enveloped():
    root = _request()
    body = root.find(f"{{{SR}}}Body")
    fastdsig.sign(body, _CRED.private_key, key_info_for(_CRED.certificate))
    _rejected(root, "not enveloped")


def test_an_object_wrapped_in_the_signature_is_refused():
    signed = SIGNER.sign(_request())
    wrapped = etree.SubElement(signed.find(ds("Signature")), ds("Object"))
    wrapped.append(copy.deepcopy(signed.find(f"{{{SR}}}Body")))
    _rejected(signed, "ds:Object")


def test_signxml_path_checks_that_what_it_verified_is_the_document():
    # signxml alone accepts the header-only signature; the check on the data it returns does not.
    signed = _signxml("#header").sign(_request(), key=_CRED.private_key, reference_uri="#header",
                                      key_info=key_info_for(_CRED.certificate), id_attribute="Id")
    with pytest.raises(DuisRejection) as caught:
        verify_with_signxml(etree.fromstring(etree.tostring(signed)), _CRED.certificate)
    assert "not the document" in str(caught.value.detail)
