"""Assertions every DUIS answer must satisfy: official XSD, DSP signature, schemaVersion echo."""
from __future__ import annotations

from cryptography import x509
from lxml import etree

from dccsim.duis import xmldsig
from tests.integration.harness import Answer, official_schema
from tests.paths import KEYS_ZAZ1

_DSP_CERT = None


def zaz1_dsp_certificate() -> x509.Certificate:
    global _DSP_CERT
    if _DSP_CERT is None:
        _DSP_CERT = x509.load_pem_x509_certificate(
            (KEYS_ZAZ1 / "dsp-xml-sign-90B3D51F30000002-ds.pem").read_bytes())
    return _DSP_CERT


def assert_duis_answer(answer: Answer, *, code: str, schema_version: str = "5.4") -> etree._Element:
    """A signed DUIS Response with ``code``, valid against the official XSD, signed by the DSP key."""
    assert answer.status == 200, answer.body[:500]
    assert answer.content_type == "application/xml"
    root = answer.root
    schema = official_schema()
    assert schema.validate(root), schema.error_log
    assert root.get("schemaVersion") == schema_version
    assert root.findtext(".//{*}ResponseCode") == code, answer.body[:800]
    assert b"\n" not in answer.body.split(b"?>", 1)[1], "responses are sent compact"
    xmldsig.verify(root, zaz1_dsp_certificate())
    return root


def assert_rejected(answer: Answer, status: int, fragment: str = "") -> None:
    """An HTTP-level rejection: the status, a one-line plain-text reason, never a traceback."""
    assert answer.status == status, (answer.status, answer.body[:300])
    assert answer.content_type == "text/plain"
    text = answer.body.decode()
    assert "Traceback" not in text and text.count("\n") <= 1
    assert fragment.lower() in text.lower(), text
