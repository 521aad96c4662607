"""Checking a countersigned SMETS1 Response as a User does: the DCC's enveloped signature over the whole
Response (the S1SP's signature inside it included), and the S1SP's signature over its SMETS1SignedResponse,
read as the document the S1SP signed."""
from __future__ import annotations

from cryptography import x509
from lxml import etree

from dccsim.duis import fastdsig, xmldsig
from dccsim.duis.namespaces import sr
from dccsim.duis.outcomes import DuisRejection


class CountersignatureError(ValueError):
    """A SMETS1 Response whose signatures do not verify (the sender's fault)."""


def verify_smets1_response(document: bytes, dcc_certificate: x509.Certificate,
                           s1sp_certificate: x509.Certificate) -> etree._Element:
    """Verify both signatures of a countersigned SMETS1 Response; return its ``SMETS1Response``."""
    root = etree.fromstring(document)
    try:
        fastdsig.verify(root, dcc_certificate.public_key(), countersigning=True)
    except (fastdsig.Mismatch, fastdsig.Unsupported) as exc:
        raise CountersignatureError(f"the DCC's countersignature does not verify: {exc}") from None
    signed = root.find(f"{sr('Body')}/{sr('SMETS1ResponseMessage')}/{sr('SMETS1SignedResponse')}")
    if signed is None:
        raise CountersignatureError("the Response carries no SMETS1SignedResponse")
    inner = etree.fromstring(etree.tostring(signed))
    try:
        xmldsig.verify(inner, s1sp_certificate)
    except DuisRejection as exc:
        raise CountersignatureError(f"the S1SP's signature does not verify: {exc}") from None
    return inner.find(sr("SMETS1Response"))
