"""The shape of a request body element in an XSD, in a canonical form that two schemas can be compared in.

Named and anonymous types, type derivation (complexContent extensions, simple-type restriction chains) and
nested one-off sequences are resolved away, so that what remains is what a validator checks: element names
in order, occurrences, sequences and choices, attributes, and each leaf's built-in type with its facets.
``differences`` lists where two shapes part, with the path to the spot.
"""
from __future__ import annotations

from pathlib import Path
from decimal import Decimal
from typing import Any

from lxml import etree

XS = "http://www.w3.org/2001/XMLSchema"
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"


def _x(tag: str) -> str:
    return f"{{{XS}}}{tag}"


def _occurs(node: etree._Element) -> tuple[int, int | None]:
    high = node.get("maxOccurs", "1")
    return int(node.get("minOccurs", "1")), None if high == "unbounded" else int(high)


class SchemaShapes:
    """Canonical shapes of the body elements of one DUIS request schema file."""

    def __init__(self, path: Path):
        self.root = etree.parse(str(path)).getroot()
        self.types: dict[tuple[str, str], etree._Element] = {}
        for node in self.root:
            if isinstance(node.tag, str) and node.get("name"):
                self.types[(etree.QName(node).localname, node.get("name"))] = node
        body = self.root.xpath("//xs:element[@name='Body']", namespaces={"xs": XS})[0]
        choice = body.find(f"{_x('complexType')}/{_x('choice')}")
        self.bodies = {e.get("name"): e for e in choice if isinstance(e.tag, str) and e.tag == _x("element")}

    def body(self, name: str) -> Any:
        return self._element_type(self.bodies[name])

    # --- types --------------------------------------------------------------------------------------
    def _named(self, qname: str) -> etree._Element | None:
        local = qname.split(":", 1)[1]
        found = self.types.get(("complexType", local))
        return found if found is not None else self.types.get(("simpleType", local))

    def _type_ref(self, qname: str) -> Any:
        if qname.startswith("xs:"):
            return ("simple", qname, ())
        node = self._named(qname)
        if node is None:
            raise KeyError(qname)
        return self._simple(node) if etree.QName(node).localname == "simpleType" else self._complex(node)

    def _element_type(self, element: etree._Element) -> Any:
        if element.get("type"):
            return self._type_ref(element.get("type"))
        for child in element:
            if child.tag == _x("simpleType"):
                return self._simple(child)
            if child.tag == _x("complexType"):
                return self._complex(child)
        return ("anyType",)

    def _simple(self, node: etree._Element) -> Any:
        restriction = node.find(_x("restriction"))
        if restriction is None:
            raise ValueError(f"unsupported simple type {etree.tostring(node)[:200]!r}")
        base = restriction.get("base")
        if base is None:
            inner = self._simple(restriction.find(_x("simpleType")))
            builtin, facets = inner[1], dict(inner[2])
        elif base.startswith("xs:"):
            builtin, facets = base, {}
        else:
            _, builtin, inherited = self._type_ref(base)
            facets = dict(inherited)
        own: dict[str, Any] = {}
        for facet in restriction:
            if not isinstance(facet.tag, str) or facet.tag == _x("simpleType"):
                continue
            kind = etree.QName(facet).localname
            if kind == "enumeration":
                own.setdefault(kind, set()).add(facet.get("value"))
            elif kind == "pattern":
                own.setdefault(kind, []).append(facet.get("value"))
            else:
                own[kind] = _number(facet.get("value"))
        if "pattern" in own and "pattern" in facets:
            own["pattern"] = list(facets["pattern"]) + own["pattern"]
        facets.update(own)
        if "length" in facets:        # length n is minLength n with maxLength n
            facets["minLength"] = facets["maxLength"] = facets.pop("length")
        return ("simple", builtin, tuple(sorted(
            (k, tuple(sorted(v)) if isinstance(v, set) else tuple(v) if isinstance(v, list) else v)
            for k, v in facets.items())))

    def _complex(self, node: etree._Element) -> Any:
        particles: list[Any] = []
        attributes: list[Any] = []
        simple = None
        for child in node:
            if not isinstance(child.tag, str):
                continue
            kind = etree.QName(child).localname
            if kind in ("sequence", "choice"):
                particles.append(self._particle(child))
            elif kind == "attribute":
                attributes.append(self._attribute(child))
            elif kind == "complexContent":
                extension = child.find(_x("extension"))
                if extension is None:
                    raise ValueError("complexContent restriction is not supported")
                base = self._type_ref(extension.get("base"))
                if base[0] != "complex":
                    raise ValueError(f"extension of {extension.get('base')}")
                if base[1] is not None:
                    particles.append(base[1])
                attributes.extend(base[2])
                for item in extension:
                    if not isinstance(item.tag, str):
                        continue
                    if item.tag in (_x("sequence"), _x("choice")):
                        particles.append(self._particle(item))
                    elif item.tag == _x("attribute"):
                        attributes.append(self._attribute(item))
            elif kind == "simpleContent":
                extension = child.find(_x("extension"))
                base = self._type_ref(extension.get("base"))
                if base[0] == "complex":
                    simple = base[3]
                    attributes.extend(base[2])
                else:
                    simple = base
                attributes.extend(self._attribute(a) for a in extension if a.tag == _x("attribute"))
        content = _normalise(("seq", 1, 1, tuple(particles))) if particles else None
        return ("complex", content, tuple(sorted(attributes)), simple)

    def _attribute(self, node: etree._Element) -> Any:
        if node.get("type"):
            kind = self._type_ref(node.get("type"))
        else:
            kind = self._simple(node.find(_x("simpleType")))
        return ("attr", node.get("name"), node.get("use", "optional") == "required", kind)

    def _particle(self, node: etree._Element) -> Any:
        kind = etree.QName(node).localname
        low, high = _occurs(node)
        if kind == "element":
            if node.get("ref"):
                raise ValueError("element references are not supported")
            return ("el", node.get("name"), low, high, self._element_type(node))
        if kind == "any":
            return ("any", node.get("namespace", "##any"), node.get("processContents", "strict"), low, high)
        children = tuple(self._particle(c) for c in node if isinstance(c.tag, str)
                         and etree.QName(c).localname in ("element", "sequence", "choice", "any"))
        return ("seq" if kind == "sequence" else "choice", low, high, children)


def _number(text: str) -> Any:
    try:
        return Decimal(text)
    except ArithmeticError:
        return text


def _normalise(particle: Any) -> Any:
    """Splice one-off sequences into their parent sequence; drop empty groups; unwrap single-item groups."""
    if particle[0] not in ("seq", "choice"):
        if particle[0] == "el":
            return particle[:4] + (_normalise_type(particle[4]),)
        return particle
    kind, low, high, children = particle
    flat: list[Any] = []
    for child in (_normalise(c) for c in children):
        if child is None:
            continue
        if kind == "seq" and child[0] == "seq" and child[1:3] == (1, 1):
            flat.extend(child[3])
        else:
            flat.append(child)
    if not flat:
        return None
    if len(flat) == 1:
        only = flat[0]
        if (low, high) == (1, 1):
            return only
        if only[0] in ("seq", "choice") and only[1:3] == (1, 1):
            return (only[0], low, high, only[3])
        if only[0] == "el" and only[2:4] == (1, 1):
            return only[:2] + (low, high) + only[4:]
    return (kind, low, high, tuple(flat))


def _normalise_type(kind: Any) -> Any:
    if kind[0] == "complex" and kind[1] is not None:
        content = _normalise(kind[1])
        return ("complex", content, kind[2], kind[3])
    return kind


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Where two canonical shapes differ (empty when they are the same)."""
    if ours == theirs:
        return []
    if ours is None or theirs is None or ours[0] != theirs[0]:
        return [f"{path}: ours {_brief(ours)} / official {_brief(theirs)}"]
    kind = ours[0]
    if kind == "el":
        if ours[1:4] != theirs[1:4]:
            return [f"{path}/{ours[1]}: ours {ours[1:4]} / official {theirs[1:4]}"]
        return differences(ours[4], theirs[4], f"{path}/{ours[1]}")
    if kind in ("seq", "choice"):
        found = []
        if ours[1:3] != theirs[1:3]:
            found.append(f"{path}/{kind}: occurs ours {ours[1:3]} / official {theirs[1:3]}")
        if len(ours[3]) != len(theirs[3]):
            found.append(f"{path}/{kind}: ours {[_brief(c) for c in ours[3]]} / "
                         f"official {[_brief(c) for c in theirs[3]]}")
            return found
        for a, b in zip(ours[3], theirs[3]):
            found.extend(differences(a, b, path))
        return found
    if kind == "complex":
        found = differences(ours[1], theirs[1], path) if ours[1] != theirs[1] else []
        if ours[2] != theirs[2]:
            found.append(f"{path}@: ours {ours[2]} / official {theirs[2]}")
        if ours[3] != theirs[3]:
            found.append(f"{path}#text: ours {ours[3]} / official {theirs[3]}")
        return found
    return [f"{path}: ours {ours} / official {theirs}"]


def _brief(shape: Any) -> str:
    if shape is None:
        return "nothing"
    if shape[0] == "el":
        return f"{shape[1]}{list(shape[2:4]) if shape[2:4] != (1, 1) else ''}"
    if shape[0] in ("seq", "choice"):
        return f"{shape[0]}({', '.join(_brief(c) for c in shape[3])})"
    return str(shape)[:80]
