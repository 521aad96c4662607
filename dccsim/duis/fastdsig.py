"""A fast path for the one XML-DSig profile DUIS uses, checked against signxml.

DUIS signs with one enveloped signature over the whole document (Reference URI=""), exclusive
canonicalisation, SHA-256 digests and ECDSA P-256/SHA-256 signatures in r‖s form. For exactly that
profile this module signs and verifies with lxml's canonicaliser and ``cryptography`` directly, which
costs a fraction of the general-purpose path. Anything outside the profile (other algorithms, several
references, InclusiveNamespaces, XPath transforms …) is reported as ``Unsupported`` so the caller falls
back to signxml, and the test suite checks both paths against each other.

What a Reference with URI="" covers is the document, not only its document element: processing
instructions before or after the document element are part of it (comments are not), so the digest is
taken over the canonical form of the whole document, as the Java validator DCC clients use takes it —
which also leaves out the whitespace between elements (``without_ignorable_whitespace``). A document the
canonicaliser cannot render (a namespace declaration with a relative URI, say) does not verify.
"""
from __future__ import annotations

import base64
import copy
import hashlib
from xml.sax.saxutils import escape

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from lxml import etree

from dccsim.duis.namespaces import DS, ds

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"

_C14N = {EXC_C14N: True, C14N_10: False}
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())

_SIGNATURE, _SIGNED_INFO_TAG, _REFERENCE = ds("Signature"), ds("SignedInfo"), ds("Reference")
_C14N_METHOD, _SIGNATURE_METHOD, _DIGEST_METHOD = ds("CanonicalizationMethod"), ds("SignatureMethod"), ds("DigestMethod")
_TRANSFORM_PATH, _DIGEST_VALUE, _SIGNATURE_VALUE = f"{ds('Transforms')}/{ds('Transform')}", ds("DigestValue"), ds("SignatureValue")
_ANY_SIGNATURE = f".//{_SIGNATURE}"


class Unsupported(Exception):
    """The signature is outside the DUIS profile this fast path handles."""


class Mismatch(Exception):
    """The signature is in the profile and does not verify."""


def _canonical(node: etree._Element | etree._ElementTree, exclusive: bool) -> bytes:
    try:
        return etree.tostring(node, method="c14n", exclusive=exclusive, with_comments=False)
    except etree.C14NError as exc:
        raise Mismatch(f"the document cannot be canonicalised ({exc})") from None


def _signed_info_template() -> etree._Element:
    signed_info = etree.Element(ds("SignedInfo"), nsmap={"ds": DS})
    etree.SubElement(signed_info, ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(signed_info, ds("SignatureMethod"), Algorithm=ECDSA_SHA256)
    reference = etree.SubElement(signed_info, ds("Reference"), URI="")
    transforms = etree.SubElement(reference, ds("Transforms"))
    etree.SubElement(transforms, ds("Transform"), Algorithm=ENVELOPED)
    etree.SubElement(transforms, ds("Transform"), Algorithm=EXC_C14N)
    etree.SubElement(reference, ds("DigestMethod"), Algorithm=SHA256)
    etree.SubElement(reference, ds("DigestValue"))
    return signed_info


def sign(root: etree._Element, key: ec.EllipticCurvePrivateKey, key_info: etree._Element) -> None:
    """Append an enveloped ds:Signature to ``root`` (in place), dropping the whitespace between elements
    first: the validators leave it out of what they check (``without_ignorable_whitespace``)."""
    _drop_ignorable_whitespace(root)
    digest = base64.b64encode(hashlib.sha256(_canonical(root, True)).digest()).decode()
    signature = etree.SubElement(root, ds("Signature"), nsmap={"ds": DS})
    signed_info = _signed_info_template()
    signed_info.find(f"{ds('Reference')}/{ds('DigestValue')}").text = digest
    signature.append(signed_info)
    der = key.sign(_canonical(signed_info, True), _ECDSA_SHA256)
    r, s = decode_dss_signature(der)
    etree.SubElement(signature, ds("SignatureValue")).text = base64.b64encode(
        r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()
    signature.append(key_info)


_NS_DS = f' xmlns:ds="{DS}"'
# SignedInfo exactly as exclusive C14N renders it (``{ns}`` is the ds declaration the canonical form carries
# and the document, where the enclosing ds:Signature declares it, leaves out).
_SIGNED_INFO = (
    '<ds:SignedInfo{ns}><ds:CanonicalizationMethod Algorithm="' + EXC_C14N + '"></ds:CanonicalizationMethod>'
    '<ds:SignatureMethod Algorithm="' + ECDSA_SHA256 + '"></ds:SignatureMethod><ds:Reference URI="">'
    '<ds:Transforms><ds:Transform Algorithm="' + ENVELOPED + '"></ds:Transform><ds:Transform Algorithm="'
    + EXC_C14N + '"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="' + SHA256 + '"></ds:DigestMethod>'
    '<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>')


def signed_info(digest: str) -> str:
    """The canonical form of the profile's SignedInfo for a document whose digest is ``digest`` (base64):
    the bytes its SignatureValue signs."""
    return _SIGNED_INFO.format(ns=_NS_DS, digest=digest)


def key_info_text(issuer: str, serial: int) -> str:
    """``<ds:KeyInfo>`` naming a certificate by issuer and serial, as text for ``sign_to_bytes``."""
    return ("<ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial><ds:X509IssuerName>" + escape(issuer)
            + "</ds:X509IssuerName><ds:X509SerialNumber>" + str(serial)
            + "</ds:X509SerialNumber></ds:X509IssuerSerial></ds:X509Data></ds:KeyInfo>")


def sign_to_bytes(root: etree._Element, key: ec.EllipticCurvePrivateKey, key_info: str) -> bytes:
    """The signed document's bytes (without XML declaration), rendered rather than built as a tree.

    The document is serialised once, in its exclusive canonical form, which is both what the Reference
    digests and what is sent (canonical XML is well-formed XML, and canonicalising it again gives the same
    bytes); the signature, whose canonical form is fixed but for the digest, is written as text before the
    document element's end tag. Whitespace between elements, which the validators leave out of what they
    check, is left out of what is signed and sent. ``root`` is not changed."""
    if _has_ignorable_whitespace(root):
        root = without_ignorable_whitespace(root).getroot()
    return sign_canonical(_canonical(root, True), key, key_info)


def sign_canonical(document: bytes, key: ec.EllipticCurvePrivateKey, key_info: str) -> bytes:
    """``sign_to_bytes`` for a document already in its exclusive canonical form, with no whitespace between
    elements (its bytes are digested and sent as they are)."""
    digest = base64.b64encode(hashlib.sha256(document).digest()).decode()
    der = key.sign(signed_info(digest).encode(), _ECDSA_SHA256)
    r, s = decode_dss_signature(der)
    value = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()
    signature = (f'<ds:Signature{_NS_DS}>' + _SIGNED_INFO.format(ns="", digest=digest)
                 + f"<ds:SignatureValue>{value}</ds:SignatureValue>{key_info}</ds:Signature>").encode()
    end = document.rindex(b"</")
    return document[:end] + signature + document[end:]


def without_ignorable_whitespace(root: etree._Element) -> etree._ElementTree:
    """A copy of the document without the whitespace between elements.

    The Java validator DCC clients use parses against the DUIS schema, which gives every element that has
    child elements element-only content, so the whitespace between elements is not part of what it
    canonicalises; checked that way, a signature over compact XML verifies however the XML was indented
    on its way, and one over indented XML does not."""
    document = copy.deepcopy(root.getroottree())
    if _has_ignorable_whitespace(document.getroot()):
        _drop_ignorable_whitespace(document.getroot())
    return document


def _ignorable(element: etree._Element) -> list[etree._Element]:
    """The nodes of ``element`` whose text (the element's own) or tail (its children's) is ignorable
    whitespace: only in elements with child elements."""
    if not any(isinstance(child.tag, str) for child in element):
        return []
    found = [element] if element.text is not None and not element.text.strip(XML_SPACE) else []
    return found + [child for child in element if child.tail is not None and not child.tail.strip(XML_SPACE)]


# Whitespace-only text in an element with child elements, asked of libxml2 in one pass (normalize-space strips
# exactly the XML space characters). It finds whatever ``_ignorable`` finds; it may also find a whitespace text
# node that lxml joins to a CDATA section next to it (only in trees parsed keeping CDATA), which costs a copy
# and changes nothing, since what is dropped is still what ``_ignorable`` decides.
_ANY_IGNORABLE = etree.XPath("boolean(descendant-or-self::*[*]/text()[not(normalize-space())])")


def _has_ignorable_whitespace(root: etree._Element) -> bool:
    return bool(_ANY_IGNORABLE(root))


def _drop_ignorable_whitespace(root: etree._Element) -> None:
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for node in _ignorable(element):
            if node is element:
                element.text = None
            else:
                node.tail = None


XML_SPACE = " \t\r\n"      # what XML counts as whitespace


def verify(root: etree._Element, public_key: ec.EllipticCurvePublicKey, *, countersigning: bool = False,
           detach: bool = False) -> None:
    """Verify the enveloped signature; raise ``Mismatch`` if wrong, ``Unsupported`` if outside the profile.

    With ``countersigning`` the document may carry signatures deeper down (a signed document it embeds, as a
    SMETS1 Response does): they are part of what the enveloped signature covers. With ``detach`` the caller
    has no further use for the signature: once the profile is checked (``Unsupported`` leaves the document as
    it was) it is taken out of ``root`` itself instead of out of a copy, when nothing else is to be taken out."""
    signatures = root.findall(_SIGNATURE)
    if len(signatures) != 1 or (not countersigning and root.find(_ANY_SIGNATURE) is not signatures[0]):
        raise Unsupported("not exactly one enveloped signature")
    # The transforms work on a copy of the whole document: taking the signature out of the caller's tree
    # and putting it back would let lxml re-map its namespace prefixes onto the document's declarations.
    if detach and not _has_ignorable_whitespace(root):
        document = root.getroottree()
    else:
        document = without_ignorable_whitespace(root)
    signature = document.getroot().find(_SIGNATURE)
    signed_info = signature.find(_SIGNED_INFO_TAG)
    if signed_info is None:
        raise Unsupported("no SignedInfo")
    c14n = signed_info.find(_C14N_METHOD)
    method = signed_info.find(_SIGNATURE_METHOD)
    references = signed_info.findall(_REFERENCE)
    if (c14n is None or c14n.get("Algorithm") not in _C14N or len(c14n) or method is None
            or method.get("Algorithm") != ECDSA_SHA256 or len(references) != 1):
        raise Unsupported("algorithms outside the DUIS profile")
    reference = references[0]
    if reference.get("URI") != "":
        raise Unsupported("reference is not the whole document")
    transform_elements = reference.findall(_TRANSFORM_PATH)
    transforms = [t.get("Algorithm") for t in transform_elements]
    if any(len(t) for t in transform_elements):
        raise Unsupported("parameterised transform")
    if not transforms or transforms[0] != ENVELOPED or len(transforms) > 2 or \
            (len(transforms) == 2 and transforms[1] not in _C14N):
        raise Unsupported("transforms outside the DUIS profile")
    digest_method = reference.find(_DIGEST_METHOD)
    if digest_method is None or digest_method.get("Algorithm") != SHA256:
        raise Unsupported("digest outside the DUIS profile")
    exclusive = _C14N[transforms[1]] if len(transforms) == 2 else False
    signed_info_c14n = _canonical(signed_info, _C14N[c14n.get("Algorithm")])
    expected = _b64(reference.findtext(_DIGEST_VALUE))
    value = _b64(signature.findtext(_SIGNATURE_VALUE))
    document.getroot().remove(signature)
    digest = hashlib.sha256(_canonical(document, exclusive)).digest()
    if digest != expected:
        raise Mismatch("Digest mismatch for the document")
    if len(value) != 64:
        raise Mismatch("SignatureValue is not a P-256 r||s pair")
    der = encode_dss_signature(int.from_bytes(value[:32], "big"), int.from_bytes(value[32:], "big"))
    try:
        public_key.verify(der, signed_info_c14n, _ECDSA_SHA256)
    except InvalidSignature:
        raise Mismatch("Signature verification failed") from None


def _b64(text: str | None) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except ValueError:
        raise Mismatch("not base64") from None
