"""XML-DSig as DUIS uses it: enveloped, exclusive c14n, ECDSA-SHA256, KeyInfo by issuer and serial."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    InvalidInput,
    InvalidSignature,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
)
from signxml.exceptions import InvalidCertificate, InvalidDigest
from signxml.verifier import SignatureConfiguration

from dccsim.duis import fastdsig
from dccsim.duis.namespaces import DS, ds
from dccsim.duis.outcomes import HTTP_401_SIGNATURE, DuisRejection

_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'

_VERIFY_CONFIG = SignatureConfiguration(
    require_x509=False,
    expect_references=1,
    ignore_ambiguous_key_info=True,
    signature_methods=frozenset({SignatureMethod.ECDSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
    # A Reference with only the enveloped-signature transform (as DCC test tools sign) is digested
    # with the XML-DSig default, inclusive C14N 1.0.
    default_reference_c14n_method=CanonicalizationMethod.CANONICAL_XML_1_0,
)


@dataclass(frozen=True)
class SignerIdentity:
    """Issuer and serial named in a signature's KeyInfo."""

    issuer: str
    serial: int


def key_info_for(cert: x509.Certificate) -> etree._Element:
    """``<ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial>…`` naming ``cert``."""
    key_info = etree.Element(ds("KeyInfo"), nsmap={"ds": DS})
    data = etree.SubElement(key_info, ds("X509Data"))
    issuer_serial = etree.SubElement(data, ds("X509IssuerSerial"))
    etree.SubElement(issuer_serial, ds("X509IssuerName")).text = cert.issuer.rfc4514_string()
    etree.SubElement(issuer_serial, ds("X509SerialNumber")).text = str(cert.serial_number)
    return key_info


class DuisSigner:
    """Signs DUIS documents with one key; reusable and cheap per call."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate):
        self._key = private_key
        self.certificate = certificate
        self._key_info = key_info_for(certificate)
        self._key_info_text = fastdsig.key_info_text(certificate.issuer.rfc4514_string(), certificate.serial_number)
        self._signer = XMLSigner(
            signature_algorithm=SignatureMethod.ECDSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
        )
        self._signer.namespaces = {"ds": DS}

    def sign(self, root: etree._Element) -> etree._Element:
        """Return a signed copy of ``root`` (enveloped signature appended as its last child)."""
        signed = copy.deepcopy(root)
        fastdsig.sign(signed, self._key, copy.deepcopy(self._key_info))
        return signed

    def sign_with_signxml(self, root: etree._Element) -> etree._Element:
        """The same signature through signxml (the reference implementation the fast path is checked
        against)."""
        return self._signer.sign(
            root,
            key=self._key,
            key_info=copy.deepcopy(self._key_info),
        )

    def sign_to_bytes(self, root: etree._Element) -> bytes:
        """Sign and serialise compactly with an XML declaration, as DCC systems send it (the document in
        its canonical form; ``root`` itself is left unsigned)."""
        return _DECLARATION + fastdsig.sign_to_bytes(root, self._key, self._key_info_text)

    def sign_canonical_to_bytes(self, document: bytes) -> bytes:
        """``sign_to_bytes`` for a document written in its exclusive canonical form, without whitespace
        between elements (``dccsim.duis.responses.service_response_bytes``)."""
        return _DECLARATION + fastdsig.sign_canonical(document, self._key, self._key_info_text)


_SIGNATURE = ds("Signature")
_ISSUER_SERIAL = f"{ds('KeyInfo')}/{ds('X509Data')}/{ds('X509IssuerSerial')}"
_ISSUER_NAME, _SERIAL_NUMBER = ds("X509IssuerName"), ds("X509SerialNumber")


def signer_identity(root: etree._Element) -> SignerIdentity:
    """Read issuer and serial from the enveloped signature, or reject the request."""
    signature = root.find(_SIGNATURE)
    if signature is None:
        raise DuisRejection(HTTP_401_SIGNATURE, "the request carries no enveloped ds:Signature")
    issuer_serial = signature.find(_ISSUER_SERIAL)
    issuer = issuer_serial.findtext(_ISSUER_NAME) if issuer_serial is not None else None
    serial = issuer_serial.findtext(_SERIAL_NUMBER) if issuer_serial is not None else None
    if not issuer or not serial or not serial.strip().isdigit():
        raise DuisRejection(HTTP_401_SIGNATURE, "the signature's KeyInfo does not name an X509IssuerSerial")
    return SignerIdentity(issuer.strip(), int(serial.strip()))


def _reject(detail: str) -> DuisRejection:
    return DuisRejection(HTTP_401_SIGNATURE, f"XML signature does not verify: {detail}")


def check_profile(root: etree._Element) -> etree._Element:
    """The one shape of signature DUIS uses, or a rejection: exactly one ds:Signature in the document, a
    child of the document element (enveloped), whose SignedInfo has exactly one Reference, to the whole
    document (URI=""), transformed first by the enveloped-signature transform, and no ds:Object.

    Anything else (a second signature, a reference to part of the document or to something wrapped in
    the signature) is how signature-wrapping attacks get a verifying signature over content other than
    what the DCC acts on, so it is refused before any cryptography."""
    signatures = list(root.iter(ds("Signature")))
    if len(signatures) != 1:
        raise _reject(f"the document carries {len(signatures)} ds:Signature elements, not one")
    signature = signatures[0]
    if signature.getparent() is not root:
        raise _reject("the ds:Signature is not enveloped (a child of the document element)")
    if signature.find(ds("Object")) is not None:
        raise _reject("a ds:Object is not part of the DUIS signature profile")
    signed_info = signature.find(ds("SignedInfo"))
    references = signed_info.findall(ds("Reference")) if signed_info is not None else []
    if len(references) != 1 or references[0].get("URI") != "":
        raise _reject('the signature must have exactly one Reference, to the whole document (URI="")')
    transforms = [t.get("Algorithm") for t in references[0].iterfind(f"{ds('Transforms')}/{ds('Transform')}")]
    if not transforms or transforms[0] != fastdsig.ENVELOPED:
        raise _reject("the Reference is not transformed by the enveloped-signature transform first")
    return signature


def verify(root: etree._Element, certificate: x509.Certificate, *, detach: bool = False) -> None:
    """Verify the enveloped signature of ``root`` with ``certificate`` or reject the request.

    The signature must be in the DUIS profile (``check_profile``). Its usual algorithms take the fast
    path; the rest (other canonicalisations, transform parameters) go through signxml. With ``detach`` the
    caller has no further use for the signature, which may then be taken out of ``root`` itself.
    """
    check_profile(root)
    public_key = certificate.public_key()
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        try:
            fastdsig.verify(root, public_key, detach=detach)
            return
        except fastdsig.Mismatch as exc:
            raise DuisRejection(HTTP_401_SIGNATURE, f"XML signature does not verify: {exc}") from None
        except fastdsig.Unsupported:
            pass
    verify_with_signxml(root, certificate)


def verify_with_signxml(root: etree._Element, certificate: x509.Certificate) -> None:
    """Verify through signxml, whatever the signature's algorithms, and check that what signxml verified
    is the whole document without its signature (the content the DCC acts on), nothing less or else.

    signxml digests the document element only; a processing instruction outside it, which the signature
    covers (``dccsim.duis.fastdsig``), is beyond what it checks, so such a document is refused here."""
    if _outside_the_document_element(root):
        raise _reject("a processing instruction outside the document element is covered by the signature, "
                      "and this signature's algorithms are checked without it")
    root = fastdsig.without_ignorable_whitespace(root).getroot()
    try:
        result = XMLVerifier().verify(root, x509_cert=certificate, expect_config=_VERIFY_CONFIG,
                                      validate_schema=False)
    except (InvalidSignature, InvalidDigest, InvalidCertificate, InvalidInput, etree.C14NError) as exc:
        raise _reject(str(exc) or type(exc).__name__) from None
    unsigned = copy.deepcopy(root)
    for signature in unsigned.findall(ds("Signature")):
        unsigned.remove(signature)
    verified = result.signed_xml
    if verified is None or _exclusive(verified) != _exclusive(unsigned):
        raise _reject("the signed content is not the document")


def _outside_the_document_element(root: etree._Element) -> bool:
    return any(isinstance(node, etree._ProcessingInstruction)
               for node in (*root.itersiblings(preceding=True), *root.itersiblings()))


def _exclusive(element: etree._Element) -> bytes:
    try:
        return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)
    except etree.C14NError as exc:
        raise _reject(f"the document cannot be canonicalised ({exc})") from None


CertificateLookup = Callable[[SignerIdentity], "x509.Certificate | None"]
