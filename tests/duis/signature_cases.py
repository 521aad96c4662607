"""Signed requests changed in the ways that matter to an XML signature — processing instructions, comments,
whitespace, namespace declarations, encodings — each with the verdict of the Java validator DCC test
clients use (``@smartdcc/duis-sign-wrap`` 0.1.2, its ``Validate``: "passed" / "failed signature check").

The documents are made afresh from a shared template and a ZAZ1 key each time (the corpus is the recipe,
not copies of the template); ``tests/integration/test_java_interop.py`` checks the recorded verdicts
against the Java tool itself wherever it can run.
"""
from __future__ import annotations

from typing import Callable

from lxml import etree

from dccsim.duis import client
from dccsim.duis.xmldsig import DuisSigner

DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
PASS, FAIL = "pass", "fail"


def signed_request(template: bytes, signer: DuisSigner, *, prepare: Callable[[bytes], bytes] = lambda d: d) -> bytes:
    """The template with a fresh RequestID, changed by ``prepare`` before it is signed, signed compact."""
    root = client.prepare(template)
    document = prepare(etree.tostring(root))
    return client.sign(etree.fromstring(document), signer)


def _after(marker: bytes, insert: bytes) -> Callable[[bytes], bytes]:
    def change(document: bytes) -> bytes:
        at = document.index(marker) + len(marker)
        return document[:at] + insert + document[at:]
    return change


def _before_end(insert: bytes) -> Callable[[bytes], bytes]:
    def change(document: bytes) -> bytes:
        at = document.rindex(b"</sr:Request>")
        return document[:at] + insert + document[at:]
    return change


def _declared(declaration: bytes) -> Callable[[bytes], bytes]:
    return lambda document: declaration + document.removeprefix(DECLARATION)


def _utf16(document: bytes) -> bytes:
    return (b"<?xml version='1.0' encoding='UTF-16'?>" + document.removeprefix(DECLARATION)).decode().encode("utf-16")


# name → (change made to the signed bytes, the Java validator's verdict)
CHANGES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "as signed": (lambda d: d, PASS),
    "no declaration": (lambda d: d.removeprefix(DECLARATION), PASS),
    "declaration turned into a PI (x_l)": (_declared(b"<?x_l version='1.0' encoding='UTF-8'?>"), FAIL),
    "declaration turned into a PI (yml)": (_declared(b"<?yml version='1.0' encoding='UTF-8'?>"), FAIL),
    "declaration in single quotes": (_declared(b"<?xml version='1.0' encoding='UTF-8'?>"), PASS),
    "PI after the declaration": (_after(DECLARATION, b"<?note hello?>"), FAIL),
    "PI after the document element": (lambda d: d + b"<?note hello?>", FAIL),
    "PI in the header": (_after(b"<sr:Header>", b"<?note hello?>"), FAIL),
    "comment before the document element": (_after(DECLARATION, b"<!-- a note -->"), PASS),
    "comment in the body": (_after(b"<sr:Body>", b"<!-- a note -->"), PASS),
    "newline after the declaration": (_after(DECLARATION, b"\n"), PASS),
    "newline after the document element": (lambda d: d + b"\n", PASS),
    "whitespace between elements": (_after(b"<sr:Header>", b"\n  "), PASS),
    "whitespace before the end tag": (_before_end(b"\n"), PASS),
    "whitespace inside a value": (lambda d: d.replace(b"<sr:CommandVariant>8", b"<sr:CommandVariant> 8", 1), PASS),
    "unused namespace declaration added": (
        lambda d: d.replace(b"<sr:Request ", b'<sr:Request xmlns:x="urn:x" ', 1), PASS),
    "namespace declaration with a relative URI": (
        lambda d: d.replace(b"<sr:Request ", b'<sr:Request xmlns:xsi="httpz//www.w3.org/2001/XMLSchema-instance" ', 1),
        FAIL),
    "attribute in single quotes": (lambda d: d.replace(b'schemaVersion="5.4"', b"schemaVersion='5.4'", 1), PASS),
    "character reference for a digit": (
        lambda d: d.replace(b"<sr:CommandVariant>8", b"<sr:CommandVariant>&#56;", 1), PASS),
    "a value changed": (lambda d: d.replace(b"<sr:CommandVariant>8", b"<sr:CommandVariant>9", 1), FAIL),
    "declared ISO-8859-1": (_declared(b"<?xml version='1.0' encoding='ISO-8859-1'?>"), PASS),
    "UTF-16": (_utf16, PASS),
}

# Requests made differently before they were signed: name → (change before signing, Java's verdict).
SIGNED_AS: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "PI inside the body, signed over": (_after(b"<sr:Body>", b"<?note hello?>"), PASS),
    "comment inside the header, signed over": (_after(b"<sr:Header>", b"<!-- a note -->"), PASS),
}

# What the front door refuses before it looks at the signature, though the Java validator would check it:
# DUIS requests are UTF-8 (dccsim.duis.safexml).
REFUSED_AS_NOT_UTF8 = frozenset({"declared ISO-8859-1", "UTF-16"})

# Where the simulator's verdict differs from the Java validator's, and why.
STRICTER: dict[str, str] = {
    "whitespace inside a value": "the Java validator checks the schema-normalised value of an element (the DUIS "
                                 "schema collapses the whitespace of a CommandVariant); the simulator checks the "
                                 "characters that were sent, so a value re-spaced after signing is refused",
}
