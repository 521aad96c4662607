"""The transform route as a User takes it: the Pre-Command the DCC answers a critical request (CV 4) with, signed
with the User's GBCS signing key and put back into the request as its Signed Pre-Command, same RequestID."""
from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

import gbcs
from dccsim.duis.namespaces import sr

__all__ = ["TRANSFORM_VARIANT", "TransformError", "to_signed_precommand"]

TRANSFORM_VARIANT = 4          # the CommandVariant of a request sent to the transform service


class TransformError(ValueError):
    """The DCC's transform answer carries no Pre-Command to sign (the DCC's answer is at fault)."""


def to_signed_precommand(root: etree._Element, transform_answer: bytes, signing_key: ec.EllipticCurvePrivateKey,
                         command_variant: int) -> None:
    """Turn the unsigned request ``root`` (sent as CV 4) into its Signed Pre-Command request, in place: the body
    becomes ``SignedPreCommand`` (the ExecutionDateTime kept) with the Pre-Command of ``transform_answer`` signed
    with ``signing_key``, and the CommandVariant becomes ``command_variant`` (5, 6 or 7)."""
    payload = etree.fromstring(transform_answer).findtext(f".//{sr('PreCommand')}/{sr('GBCSPayload')}")
    if not payload:
        raise TransformError("the transform answer (I0) carries no Pre-Command")
    signed = gbcs.sign_precommand(base64.b64decode(payload), signing_key)
    header = root.find(sr("Header"))
    body = root.find(sr("Body"))
    original = body[0]
    execution = original.find(sr("ExecutionDateTime"))
    body.remove(original)
    precommand = etree.SubElement(body, sr("SignedPreCommand"))
    if execution is not None:
        precommand.append(execution)
    etree.SubElement(precommand, sr("GBCSPayload")).text = base64.b64encode(signed).decode()
    header.find(sr("CommandVariant")).text = str(command_variant)
