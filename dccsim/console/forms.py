"""The Send panel's forms, generated from the SR catalogue: each variant's body model as a list of fields (path,
type, facets, whether required), prefilled with the catalogue's example request."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator

from lxml import etree

from dccsim.catalogue.bodymodel import Choice, Complex, El, Seq, Simple
from dccsim.catalogue.requests import RequestBuildError, build_request, example_body
from dccsim.catalogue.spec import CATALOGUE, SRSpec
from dccsim.duis.ids import DCC_ENTITY_ID
from dccsim.duis.namespaces import sr

__all__ = ["form_of", "variants"]

MAX_DEPTH = 6          # body models nest; a form goes this deep


def variants() -> list[dict[str, Any]]:
    """Every Service Request variant a User may send, for the variant picker."""
    return [{"variant": s.variant, "name": s.name, "critical": s.critical, "non_device": s.non_device,
             "roles": sorted(str(r) for r in s.roles), "device_types": sorted(str(t) for t in s.device_types),
             "use_cases": list(s.gbcs_use_cases)}
            for s in CATALOGUE.all() if s.roles]


def _fields(node: El | Seq | Choice | None, prefix: str, required: bool, depth: int) -> Iterator[dict[str, Any]]:
    if node is None or depth > MAX_DEPTH:
        return
    if isinstance(node, El):
        path = f"{prefix}{node.name}"
        needed = required and node.min > 0
        if isinstance(node.type, Simple):
            yield _simple(path, node.type, needed)
        elif isinstance(node.type, Complex):
            if node.type.simple_content is not None:
                yield _simple(path, node.type.simple_content, needed)
            yield from _fields(node.type.content, f"{path}/", needed, depth + 1)
        return
    in_choice = isinstance(node, Choice) and len(node.items) > 1
    for item in node.items:
        yield from _fields(item, prefix, required and node.min > 0 and not in_choice, depth)


def _simple(path: str, model: Simple, required: bool) -> dict[str, Any]:
    return {"path": path, "type": model.base, "enumeration": list(model.enumeration), "pattern": model.pattern,
            "required": required}


def _example_texts(spec: SRSpec, now: datetime) -> dict[str, str]:
    """The text of each leaf of the catalogue's example request, by path below the body element."""
    try:
        root = build_request(spec.variant, originator=DCC_ENTITY_ID, device=None if spec.non_device else DCC_ENTITY_ID,
                             body=example_body(spec.variant), counter=1, now=now)
    except RequestBuildError:
        return {}
    body = root.find(sr("Body"))[0]
    texts = {}
    for element in body.iter():
        if element is body or not isinstance(element.tag, str) or len(element):
            continue
        path = "/".join(etree.QName(e).localname for e in reversed(list(element.iterancestors()))
                        if e is not body and e.getparent() is not None and body in e.iterancestors())
        name = etree.QName(element).localname
        texts.setdefault(f"{path}/{name}" if path else name, element.text or "")
    return texts


def form_of(variant: str, now: datetime) -> dict[str, Any] | None:
    """The form of one variant (None: no such variant)."""
    spec = CATALOGUE.get(variant)
    if spec is None:
        return None
    examples = _example_texts(spec, now)
    fields = [{**field, "example": examples.get(field["path"])} for field in
              _fields(spec.body.type.content, "", True, 0)]
    return {"variant": spec.variant, "name": spec.name, "critical": spec.critical, "non_device": spec.non_device,
            "body_element": spec.body_element, "use_cases": list(spec.gbcs_use_cases), "fields": fields}
