"""The DUIS XML Schema used to validate requests: the project's own by default, or one supplied."""
from __future__ import annotations

from pathlib import Path

from lxml import etree

from dccsim.duis.fastdsig import XML_SPACE
from dccsim.duis.namespaces import ds
from dccsim.duis.outcomes import HTTP_400_SCHEMA, DuisRejection

_XS = "{http://www.w3.org/2001/XMLSchema}"


def load_schema(path: Path) -> etree.XMLSchema:
    """Compile an XSD once. Imports are resolved next to the file (names with spaces included)."""
    path = Path(path).resolve()
    parser = etree.XMLParser(no_network=True, load_dtd=True, resolve_entities=True)
    doc = etree.parse(str(path), parser)
    # libxml2 will not follow a relative schemaLocation containing spaces (the official
    # "MMC Schema V5.4.xsd"), so point every import/include at an absolute file URI.
    for node in doc.getroot().iter(f"{_XS}import", f"{_XS}include"):
        location = node.get("schemaLocation")
        if location and "://" not in location:
            node.set("schemaLocation", (path.parent / location).as_uri())
    return etree.XMLSchema(doc)


# The XML-DSig schema's elements whose content is elements only (the published DUIS schema imports it; the
# project's own takes ds:Signature's content unchecked and leaves this rule to ``validate``).
_ELEMENT_ONLY = tuple(ds(name) for name in ("Signature", "SignedInfo", "Reference", "Transforms", "X509Data",
                                            "X509IssuerSerial", "Manifest", "SignatureProperties"))


def _text_in_element_only(root: etree._Element) -> etree._Element | None:
    """The first XML-DSig element of the document with text in its element-only content, if any."""
    for element in root.iter(*_ELEMENT_ONLY):
        if (element.text or "").strip(XML_SPACE) or any((child.tail or "").strip(XML_SPACE) for child in element):
            return element
    return None


def validate(schema: etree.XMLSchema, root: etree._Element) -> None:
    """Raise ``DuisRejection('HTTP-400-SCHEMA')`` with the first schema error if ``root`` is invalid."""
    if schema.validate(root):
        mixed = _text_in_element_only(root)
        if mixed is not None:
            raise DuisRejection(HTTP_400_SCHEMA, f"XML schema validation failed (line {mixed.sourceline}): "
                                                 f"text in ds:{etree.QName(mixed).localname}, whose content is "
                                                 f"elements only")
        return
    error = schema.error_log.last_error
    first = schema.error_log[0] if len(schema.error_log) else error
    message = first.message if first is not None else "schema validation failed"
    line = f" (line {first.line})" if first is not None and first.line else ""
    raise DuisRejection(HTTP_400_SCHEMA, f"XML schema validation failed{line}: {message}")
