"""Parse untrusted XML safely: no DTD, no entity expansion, no network, bounded size; UTF-8 only.

``parse_untrusted`` is the safe parse every XML service of the simulator uses (DUIS here, the SMKI repository
service in ``dccsim.smki.service``); ``parse_request`` adds what DUIS asks of its root element.

DUIS messages are UTF-8. A request in any other encoding — a byte-order mark of UTF-16 or UTF-32, an XML
declaration naming another encoding, or a NUL byte, which no UTF-8 XML document holds — is refused as
malformed (HTTP 400) before it is parsed; bytes that are not valid UTF-8 fail the parse the same way.

Processing instructions and comments are kept while the request is parsed, because the signature covers
what they are part of (``dccsim.duis.fastdsig``); once it is verified, ``content_only`` takes them out so
that what the DCC reads of an element is its whole text.
"""
from __future__ import annotations

import re

from lxml import etree

from dccsim.duis.namespaces import SR
from dccsim.duis.outcomes import HTTP_400_MALFORMED, DuisRejection

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_pis=False,
    collect_ids=False,
)

# A DOCTYPE is never legitimate in what the simulator's services take; refuse it before the parser sees it.
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")


_OTHER_ENCODINGS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_DECLARED = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml\s[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_UTF8_NAMES = {b"utf-8", b"utf8"}


class UnsafeXml(ValueError):
    """The sender's document is not one the simulator parses: not UTF-8, not well-formed, or it uses a DTD or
    entities. The message says which."""


def _check_utf8(body: bytes) -> None:
    if body.startswith(_OTHER_ENCODINGS) or b"\x00" in body:
        raise UnsafeXml("requests are UTF-8; this one is in another encoding (UTF-16 or UTF-32)")
    declared = _DECLARED.match(body)
    if declared and declared.group(1).lower() not in _UTF8_NAMES:
        raise UnsafeXml(f"requests are UTF-8; the XML declaration names "
                        f"{declared.group(1).decode('ascii', 'replace')!r}")


def parse_untrusted(body: bytes) -> etree._Element:
    """The root element of an untrusted UTF-8 document, or ``UnsafeXml`` saying what is wrong with it."""
    if not body.strip():
        raise UnsafeXml("empty request body")
    _check_utf8(body)
    for marker in _FORBIDDEN:
        if marker in body:
            raise UnsafeXml("DTDs and entity declarations are not accepted")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"not well-formed XML: {exc.msg}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise UnsafeXml("DTDs are not accepted")
    return root


def content_only(root: etree._Element) -> None:
    """Take the processing instructions and comments out of a verified request (their text tails stay)."""
    etree.strip_elements(root, etree.PI, etree.Comment, with_tail=False)


def parse_request(body: bytes) -> etree._Element:
    """Return the root ``sr:Request`` element or raise ``DuisRejection(HTTP_400_MALFORMED)``."""
    try:
        root = parse_untrusted(body)
    except UnsafeXml as exc:
        raise DuisRejection(HTTP_400_MALFORMED, str(exc)) from None
    if root.tag != f"{{{SR}}}Request":
        raise DuisRejection(
            HTTP_400_MALFORMED,
            f"root element is {root.tag!r}, expected Request in namespace {SR}",
        )
    return root
