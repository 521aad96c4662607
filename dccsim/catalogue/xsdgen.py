"""Generate the project's DUIS request XSD from the SR catalogue's body models.

``python -m dccsim.catalogue.xsdgen`` rewrites ``schemas/duis/dccsim-duis.xsd``; ``--check`` exits non-zero
when the committed file is not what the catalogue produces now.
"""
from __future__ import annotations

import argparse
import sys

from lxml import etree

from dccsim.catalogue.bodymodel import SR, Attr, Choice, Complex, El, Seq, Simple
from dccsim.catalogue.bodies import BODY_MODELS
from dccsim.catalogue.spec import CATALOGUE
from dccsim.catalogue.types import REQUEST_ID
from dccsim.runtime.settings import DEFAULT_DUIS_XSD

XS = "http://www.w3.org/2001/XMLSchema"
DS = "http://www.w3.org/2000/09/xmldsig#"


def _xs(tag: str) -> str:
    return f"{{{XS}}}{tag}"


class _Writer:
    def __init__(self, root: etree._Element):
        self.root = root
        self.named: dict[str, Simple | Complex] = {}
        self.pending: list[Simple | Complex] = []

    def ref(self, model: Simple | Complex) -> str | None:
        """The QName of a named type (emitted once), or None for an anonymous one."""
        if isinstance(model, Simple) and model.name is None and not model.facets():
            return model.base
        if model.name is None:
            return None
        known = self.named.get(model.name)
        if known is None:
            self.named[model.name] = model
            self.pending.append(model)
        elif known != model:
            raise ValueError(f"two different types named {model.name}")
        return f"sr:{model.name}"

    def element(self, parent: etree._Element, el: El) -> None:
        node = etree.SubElement(parent, _xs("element"), name=el.name)
        _occurs(node, el.min, el.max)
        qname = self.ref(el.type)
        if qname is not None:
            node.set("type", qname)
        elif isinstance(el.type, Simple):
            self.simple_body(node, el.type)
        else:
            self.complex_body(node, el.type)

    def particle(self, parent: etree._Element, item) -> None:
        if isinstance(item, El):
            self.element(parent, item)
            return
        node = etree.SubElement(parent, _xs("sequence" if isinstance(item, Seq) else "choice"))
        _occurs(node, item.min, item.max)
        for child in item.items:
            self.particle(node, child)

    def simple_body(self, parent: etree._Element, model: Simple) -> None:
        node = etree.SubElement(parent, _xs("simpleType"))
        restriction = etree.SubElement(node, _xs("restriction"), base=model.base)
        for facet, value in model.facets():
            etree.SubElement(restriction, _xs(facet), value=value)

    def complex_body(self, parent: etree._Element, model: Complex) -> None:
        node = etree.SubElement(parent, _xs("complexType"))
        if model.simple_content is not None:
            content = etree.SubElement(node, _xs("simpleContent"))
            ext = etree.SubElement(content, _xs("extension"), base=self.ref(model.simple_content) or "xs:string")
            self.attributes(ext, model.attributes)
            return
        if isinstance(model.content, (Seq, Choice)):
            self.particle(node, model.content)
        self.attributes(node, model.attributes)

    def attributes(self, parent: etree._Element, attributes: tuple[Attr, ...]) -> None:
        for attr in attributes:
            node = etree.SubElement(parent, _xs("attribute"), name=attr.name,
                                    use="required" if attr.required else "optional")
            qname = self.ref(attr.type)
            if qname:
                node.set("type", qname)
            else:
                self.simple_body(node, attr.type)

    def flush(self) -> None:
        done = 0
        while done < len(self.pending):
            model = self.pending[done]
            done += 1
            holder = etree.Element("holder")
            if isinstance(model, Simple):
                self.simple_body(holder, model)
            else:
                self.complex_body(holder, model)
            definition = holder[0]
            definition.set("name", model.name)
            self.root.append(definition)


def _occurs(node: etree._Element, low: int, high: int | None) -> None:
    if low != 1:
        node.set("minOccurs", str(low))
    if high != 1:
        node.set("maxOccurs", "unbounded" if high is None else str(high))


def generate() -> bytes:
    root = etree.Element(_xs("schema"), nsmap={"xs": XS, "sr": SR},
                         targetNamespace=SR, elementFormDefault="qualified")
    root.append(etree.Comment(
        " dccsim DUIS request schema, generated from the SR catalogue (dccsim/catalogue) by "
        "`python -m dccsim.catalogue.xsdgen`; do not edit by hand. "))
    writer = _Writer(root)
    etree.SubElement(root, _xs("element"), name="Request", type="sr:Request")
    request = etree.SubElement(root, _xs("complexType"), name="Request")
    sequence = etree.SubElement(request, _xs("sequence"))
    header = etree.SubElement(etree.SubElement(sequence, _xs("element"), name="Header"), _xs("complexType"))
    header_seq = etree.SubElement(header, _xs("sequence"))
    for el in (
        El("RequestID", REQUEST_ID),
        El("FirstInSequence", Simple("xs:boolean"), min=0),
        El("PrecedingServiceRequestID", REQUEST_ID, min=0),
        El("CommandVariant", Simple("xs:positiveInteger", name="CommandVariant", min_inclusive=1, max_inclusive=8)),
        El("ServiceReference", Simple("xs:string", name="ServiceReference", pattern=r"[0-9]{1,2}\.[0-9]{1,2}")),
        El("ServiceReferenceVariant", Simple("xs:string", name="ServiceReferenceVariant",
                                             pattern=r"[0-9]{1,2}\.[0-9]{1,2}(\.[0-9]{1,2})?")),
    ):
        writer.element(header_seq, el)
    body = etree.SubElement(etree.SubElement(sequence, _xs("element"), name="Body"), _xs("complexType"))
    choice = etree.SubElement(body, _xs("choice"))
    seen: set[str] = set()
    models = [spec.body for spec in CATALOGUE.all()]
    models.append(BODY_MODELS["SignedPreCommand"])
    for model in models:
        if model.element in seen:
            continue
        seen.add(model.element)
        writer.element(choice, El(model.element, model.type))
    etree.SubElement(sequence, _xs("any"), namespace=DS, processContents="skip", minOccurs="0")
    etree.SubElement(request, _xs("attribute"), name="schemaVersion", type="xs:decimal", use="required")
    writer.flush()
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only check the committed schema is current")
    args = parser.parse_args(argv)
    produced = generate()
    if args.check:
        current = DEFAULT_DUIS_XSD.read_bytes() if DEFAULT_DUIS_XSD.exists() else b""
        if current != produced:
            print(f"{DEFAULT_DUIS_XSD} is out of date; run python -m dccsim.catalogue.xsdgen", file=sys.stderr)
            return 1
        return 0
    DEFAULT_DUIS_XSD.parent.mkdir(parents=True, exist_ok=True)
    DEFAULT_DUIS_XSD.write_bytes(produced)
    print(f"wrote {DEFAULT_DUIS_XSD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
