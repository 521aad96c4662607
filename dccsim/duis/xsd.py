"""The DUIS XML Schema used to validate requests: the project's own by default, or one supplied."""
from __future__ import annotations

from pathlib import Path

from lxml import etree

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


def validate(schema: etree.XMLSchema, root: etree._Element) -> None:
    """Raise ``DuisRejection('HTTP-400-SCHEMA')`` with the first schema error if ``root`` is invalid."""
    if schema.validate(root):
        return
    error = schema.error_log.last_error
    first = schema.error_log[0] if len(schema.error_log) else error
    message = first.message if first is not None else "schema validation failed"
    line = f" (line {first.line})" if first is not None and first.line else ""
    raise DuisRejection(HTTP_400_SCHEMA, f"XML schema validation failed{line}: {message}")
