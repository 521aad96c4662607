"""Parse untrusted XML safely: no DTD, no entity expansion, no network, bounded size."""
from __future__ import annotations

from lxml import etree

from dccsim.duis.namespaces import SR
from dccsim.duis.outcomes import HTTP_400_MALFORMED, DuisRejection

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_pis=True,
    collect_ids=False,
)

# A DOCTYPE is never legitimate in DUIS; refuse it before the parser sees it.
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")


def parse_request(body: bytes) -> etree._Element:
    """Return the root ``sr:Request`` element or raise ``DuisRejection('HTTP-400-MALFORMED')``."""
    if not body.strip():
        raise DuisRejection(HTTP_400_MALFORMED, "empty request body")
    for marker in _FORBIDDEN:
        if marker in body:
            raise DuisRejection(HTTP_400_MALFORMED, "DTDs and entity declarations are not accepted")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise DuisRejection(HTTP_400_MALFORMED, f"not well-formed XML: {exc.msg}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise DuisRejection(HTTP_400_MALFORMED, "DTDs are not accepted")
    if root.tag != f"{{{SR}}}Request":
        raise DuisRejection(
            HTTP_400_MALFORMED,
            f"root element is {root.tag!r}, expected Request in namespace {SR}",
        )
    return root
