"""DUIS Requests built from the SR catalogue's body models: the header a variant calls for, the body in XSD order."""
from __future__ import annotations

import base64
import re
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Any, Callable, Iterator, Mapping

from lxml import etree

from dccsim.catalogue.bodymodel import Choice, Complex, El, Seq, Simple
from dccsim.catalogue.spec import CATALOGUE, SRSpec
from dccsim.duis.client import COUNTERS
from dccsim.duis.ids import DCC_ENTITY_ID, RequestId, dashed, normalise_eui
from dccsim.duis.namespaces import SR, sr
from dccsim.timing.clock import parse_duration

__all__ = ["SCHEMA_VERSION", "RequestBuildError", "build_request", "default_command_variant", "example_body",
           "set_values"]

SCHEMA_VERSION = "5.4"

Value = Any
Model = Simple | Complex


class RequestBuildError(ValueError):
    """The caller asked for a request the catalogue cannot build: an unknown variant, a field its body does not
    have, a required field left out, or a value of the wrong shape. The message names the field's path."""


def default_command_variant(spec: SRSpec) -> int:
    """The CommandVariant a request is sent with: 8 for a non-device SR, 4 (transform) for a critical one,
    else 1 (send)."""
    if spec.non_device:
        return 8
    return 4 if spec.critical else 1


def build_request(variant: str, *, originator: str, device: str | None = None, body: Mapping[str, Value] | None = None,
                  command_variant: int | None = None, counter: int | None = None,
                  now: datetime | None = None) -> etree._Element:
    """The unsigned Request for ``variant``: a fresh RequestID, CommandVariant 8 (non-device), 4 (critical: the
    transform service) or 1 unless ``command_variant`` says otherwise, and the body.

    Device SRs are addressed to ``device`` (the RequestID's target); non-device SRs to the DCC, with ``device``
    as the body's DeviceID where the body has one and ``body`` leaves it out. ``body`` gives values by local
    name, as ``BodyModel.parse`` gives them back: a mapping for an element with element content, a list for a
    repeated element, ``@name`` for an attribute, ``#text`` for the text of an element that also has attributes.
    An ``index`` attribute left out is the element's position (``TOUPrice: [1000, 2000]`` gives indexes 1 and
    2). Date, time and date-time values may be relative to ``now``: ``now``, ``+1h``, ``-2d`` (any
    ``parse_duration`` span). Bytes become base64 or hex as the field's type says. Fields are written in the
    body model's order (the XSD's), whatever order they are given in."""
    spec = _spec(variant)
    values = dict(body or {})
    if spec.non_device:
        target = DCC_ENTITY_ID
        if device is not None and _takes_device_id(spec.body.type.content, values):
            values["DeviceID"] = dashed(_eui(device, "device"))
    else:
        if device is None:
            raise RequestBuildError(f"{variant} is a device Service Request: name its device")
        target = _eui(device, "device")
    cv = default_command_variant(spec) if command_variant is None else command_variant
    # A critical device SR may also go with CommandVariant 1: that is how a SMETS1 device takes it (the S1SP has
    # no Pre-Command to sign; the DCC answers E12 for a SMETS2 device).
    if cv not in spec.command_variants and not (cv == 1 and spec.critical and not spec.non_device):
        raise RequestBuildError(f"{variant} is sent with CommandVariant {sorted(spec.command_variants)}, not {cv}")
    root = etree.Element(sr("Request"), nsmap={"sr": SR})
    root.set("schemaVersion", SCHEMA_VERSION)
    header = etree.SubElement(root, sr("Header"))
    request_id = RequestId(_eui(originator, "originator"), target, COUNTERS.next() if counter is None else counter)
    for name, text in (("RequestID", str(request_id)), ("CommandVariant", str(cv)),
                       ("ServiceReference", spec.reference), ("ServiceReferenceVariant", spec.variant)):
        etree.SubElement(header, sr(name)).text = text
    element = etree.SubElement(etree.SubElement(root, sr("Body")), sr(spec.body_element))
    _Writer(now).complex(element, spec.body.type, values, spec.body_element)
    return root


def set_values(root: etree._Element, values: Mapping[str, Value], *, now: datetime | None = None) -> None:
    """Set fields of a Request's body by local name (or a ``Parent/Child`` path). A single value sets every
    element the name finds, a list sets them in order; a field the request lacks is added where the body model
    puts it (its parent must be there, and only one element may take it); ``None`` removes the field."""
    body_element = _body_element(root)
    spec = CATALOGUE.by_body_element(etree.QName(body_element).localname)
    if not spec:
        raise RequestBuildError(f"{etree.QName(body_element).localname} is not a Service Request body")
    models = dict(_models_of(body_element, spec[0].body.type))
    writer = _Writer(now)
    for path, value in values.items():
        found = _find(body_element, path)
        if value is None:
            for element in found:
                element.getparent().remove(element)
            continue
        if not found:
            found = [_insert(body_element, models, path)]
            models.update(_models_of(found[0], _declared(models[found[0].getparent()], found[0], path)))
        items = value if isinstance(value, list) else [value] * len(found)
        if len(items) != len(found):
            raise RequestBuildError(f"{path}: {len(items)} values for the {len(found)} elements the request has")
        for element, item in zip(found, items):
            model = models.get(element)
            if model is None:
                raise RequestBuildError(f"{path}: the body model does not declare this element")
            for child in list(element):
                element.remove(child)
            if isinstance(model, Simple):
                element.text = writer.text(model, item, path)
            else:
                element.text = None
                kept = {f"@{name}": value for name, value in element.attrib.items()}
                writer.complex(element, model, {**kept, **(item if isinstance(item, Mapping) else {"#text": item})},
                               path)
                models.update(_models_of(element, model))


def example_body(variant: str) -> dict[str, Value]:
    """The smallest body of ``variant`` the schema accepts: every required field with the least value its type
    allows, optional fields left out, the first choice taken."""
    value = _example_complex(_spec(variant).body.type)
    return value if isinstance(value, dict) else {}


# --- writing values ------------------------------------------------------------------------------------

def _spec(variant: str) -> SRSpec:
    spec = CATALOGUE.get(variant)
    if spec is None:
        raise RequestBuildError(f"no Service Request variant {variant!r} in the catalogue")
    return spec


def _eui(value: object, what: str) -> str:
    try:
        return normalise_eui(str(value))
    except ValueError:
        raise RequestBuildError(f"the {what} {value!r} is not an EUI-64") from None


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# The text of a typed value, by the XSD base type of the field it goes to.
_TIME_TEXT: dict[str, Callable[[datetime], str]] = {
    "xs:dateTime": _utc_text,
    "xs:date": lambda moment: moment.astimezone(timezone.utc).date().isoformat(),
    "xs:time": lambda moment: moment.astimezone(timezone.utc).strftime("%H:%M:%S"),
}
_BYTES_TEXT: dict[str, Callable[[bytes], str]] = {
    "xs:base64Binary": lambda data: base64.b64encode(data).decode(),
    "xs:hexBinary": lambda data: data.hex().upper(),
}
_RELATIVE = re.compile(r"^(now|[+-]\s*\S+)$")


class _Writer:
    """Writes values into elements, reading relative times against ``now``."""

    def __init__(self, now: datetime | None):
        self.now = now

    def text(self, model: Simple, value: Value, path: str) -> str:
        if isinstance(value, (Mapping, list)):
            raise RequestBuildError(f"{path}: a {model.base} value, not {type(value).__name__}")
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, bytes):
            if model.base not in _BYTES_TEXT:
                raise RequestBuildError(f"{path}: bytes for a {model.base} field")
            return _BYTES_TEXT[model.base](value)
        if isinstance(value, datetime):
            return _TIME_TEXT.get(model.base, _utc_text)(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, time):
            return value.strftime("%H:%M:%S")
        text = str(value)
        if model.base in _TIME_TEXT and _RELATIVE.match(text.strip()):
            return _TIME_TEXT[model.base](self.relative(text.strip(), path))
        return text

    def relative(self, text: str, path: str) -> datetime:
        if self.now is None:
            raise RequestBuildError(f"{path}: {text!r} is relative to the clock, and no clock time was given")
        if text == "now":
            return self.now
        sign = -1 if text.startswith("-") else 1
        try:
            return self.now + sign * parse_duration(text[1:])
        except ValueError as exc:
            raise RequestBuildError(f"{path}: {exc}") from None

    def complex(self, element: etree._Element, model: Complex, values: Mapping[str, Value], path: str) -> None:
        if not isinstance(values, Mapping):
            if model.content is None and model.simple_content is None and values in (None, "", {}):
                return
            raise RequestBuildError(f"{path}: give the fields of this element as a mapping, not {values!r}")
        for attribute in model.attributes:
            key = f"@{attribute.name}"
            if key in values:
                element.set(attribute.name, self.text(attribute.type, values[key], f"{path}/{key}"))
            elif attribute.required:
                raise RequestBuildError(f"{path}: the attribute {attribute.name} is required")
        if model.simple_content is not None:
            if "#text" not in values:
                raise RequestBuildError(f"{path}: the element's value (#text) is required")
            element.text = self.text(model.simple_content, values["#text"], path)
        elif model.content is not None:
            self.particle(element, model.content, values, path, required=True)
        known = {f"@{a.name}" for a in model.attributes} | set(model.elements())
        if model.simple_content is not None:
            known.add("#text")
        unknown = sorted(set(values) - known)
        if unknown:
            raise RequestBuildError(f"{path} has no field {', '.join(unknown)} (it has: "
                                    f"{', '.join(sorted(known)) or 'none'})")

    def particle(self, parent: etree._Element, node: El | Seq | Choice, values: Mapping[str, Value], path: str,
                 *, required: bool) -> bool:
        """Write what ``values`` give for ``node``; True when anything was written."""
        if isinstance(node, El):
            return self.element(parent, node, values, path, required=required)
        if node.max != 1:
            return self.element(parent, _repeated_group(node, path), values, path, required=required and node.min > 0)
        if isinstance(node, Seq):
            if not _mentions(node, values) and (not required or node.min == 0):
                return False
            for item in node.items:
                self.particle(parent, item, values, path, required=True)
            return True
        chosen = [item for item in node.items if _mentions(item, values)]
        if len(chosen) > 1:
            raise RequestBuildError(f"{path}: give one of {_alternatives(node)}, not several")
        if not chosen:
            if required and node.min > 0 and not any(_optional(item) for item in node.items):
                raise RequestBuildError(f"{path}: one of {_alternatives(node)} is required")
            return False
        return self.particle(parent, chosen[0], values, path, required=True)

    def element(self, parent: etree._Element, node: El, values: Mapping[str, Value], path: str, *,
                required: bool) -> bool:
        where = f"{path}/{node.name}"
        if node.name not in values:
            if required and node.min > 0:
                raise RequestBuildError(f"{where} is required")
            return False
        given = values[node.name]
        items = given if isinstance(given, list) else [given]
        if not isinstance(given, list) and node.repeated and given is None:
            items = []
        if isinstance(given, list) and not node.repeated:
            raise RequestBuildError(f"{where} occurs once, not as a list")
        high = "unbounded" if node.max is None else node.max
        if len(items) < node.min or (node.max is not None and len(items) > node.max):
            raise RequestBuildError(f"{where}: {len(items)} given, {node.min}..{high} allowed")
        for position, item in enumerate(items, start=1):
            child = etree.SubElement(parent, sr(node.name))
            label = f"{where}[{position}]" if node.repeated else where
            if isinstance(node.type, Simple):
                child.text = self.text(node.type, item, label)
                continue
            if node.type.simple_content is not None and not isinstance(item, Mapping):
                item = {"#text": item}
            if _indexed(node.type) and (item is None or isinstance(item, Mapping) and "@index" not in item):
                item = {"@index": position, **(item or {})}
            self.complex(child, node.type, item, label)
        return True


def _takes_device_id(node: El | Seq | Choice | None, values: Mapping[str, Value]) -> bool:
    """Whether a body's top level has a DeviceID the values leave out and no alternative to it is given."""
    if "DeviceID" in values or node is None:
        return False
    if isinstance(node, El):
        return node.name == "DeviceID"
    for item in node.items:
        if _takes_device_id(item, values):
            if isinstance(node, Choice):
                return not any(_mentions(other, values) for other in node.items if other is not item)
            return True
    return False


def _repeated_group(node: Seq | Choice, path: str) -> El:
    """A group repeated as a whole, read as the one element it holds repeated (DUIS has no other kind)."""
    if len(node.items) != 1 or not isinstance(node.items[0], El):
        raise RequestBuildError(f"{path}: a repeated group of several elements cannot be written from values")
    inner = node.items[0]
    high = None if node.max is None or inner.max is None else node.max * inner.max
    return El(inner.name, inner.type, min=node.min * inner.min, max=high)


def _indexed(model: Complex) -> bool:
    return any(a.name == "index" and a.required for a in model.attributes)


def _names(node: El | Seq | Choice | None) -> Iterator[str]:
    if isinstance(node, El):
        yield node.name
    elif isinstance(node, (Seq, Choice)):
        for item in node.items:
            yield from _names(item)


def _mentions(node: El | Seq | Choice, values: Mapping[str, Value]) -> bool:
    return any(name in values for name in _names(node))


def _optional(node: El | Seq | Choice) -> bool:
    """Whether ``node`` may be left out entirely (nothing in it is required)."""
    if node.min == 0:
        return True
    if isinstance(node, Seq):
        return all(_optional(item) for item in node.items)
    if isinstance(node, Choice):
        return any(_optional(item) for item in node.items)
    return False


def _alternatives(node: Choice) -> str:
    return " | ".join("+".join(_names(item)) for item in node.items)


# --- editing an existing request ---------------------------------------------------------------------

def _body_element(root: etree._Element) -> etree._Element:
    body = root.find(sr("Body"))
    element = next((child for child in body if isinstance(child.tag, str)), None) if body is not None else None
    if element is None:
        raise RequestBuildError("the request has no Body element")
    return element


def _models_of(element: etree._Element, model: Model) -> Iterator[tuple[etree._Element, Model]]:
    """Each element of the tree under ``element`` (itself included) with the model that declares it."""
    yield element, model
    if not isinstance(model, Complex):
        return
    declared = model.elements()
    for child in element:
        if not isinstance(child.tag, str):
            continue
        entry = declared.get(etree.QName(child).localname)
        if entry is not None:
            yield from _models_of(child, entry[0].type)


def _declared(parent_model: Model, element: etree._Element, path: str) -> Model:
    if not isinstance(parent_model, Complex):
        raise RequestBuildError(f"{path}: its parent has no element content")
    return parent_model.elements()[etree.QName(element).localname][0].type


def _find(body_element: etree._Element, path: str) -> list[etree._Element]:
    found = [body_element]
    for part in path.strip("/").split("/"):
        found = [element for parent in found for element in parent.iter(sr(part)) if element is not parent]
    return found


def _insert(body_element: etree._Element, models: dict[etree._Element, Model], path: str) -> etree._Element:
    """Add the element ``path`` names under the one existing element whose model declares it, in model order."""
    *parents, name = path.strip("/").split("/")
    holders = _find(body_element, "/".join(parents)) if parents else list(models)
    candidates = [element for element in holders
                  if isinstance(models.get(element), Complex) and name in models[element].elements()]
    if len(candidates) != 1:
        where = "no element of this request" if not candidates else f"{len(candidates)} elements"
        raise RequestBuildError(f"{path}: the request has no such field, and {where} can take it")
    parent = candidates[0]
    order = list(models[parent].elements())
    position = order.index(name)
    new = etree.Element(sr(name))
    for sibling in parent:
        if isinstance(sibling.tag, str) and etree.QName(sibling).localname in order \
                and order.index(etree.QName(sibling).localname) > position:
            sibling.addprevious(new)
            return new
    parent.append(new)
    return new


# --- the smallest valid body ---------------------------------------------------------------------------

# Candidate values for patterned strings, the first one matching the pattern and the length facets is used.
_PATTERN_EXAMPLES = ("00-00-00-00-00-00-00-00", "0" * 20, "0", "A")
_NUMBER_BASES = {"xs:int", "xs:integer", "xs:long", "xs:short", "xs:byte", "xs:unsignedInt", "xs:unsignedLong",
                 "xs:unsignedShort", "xs:unsignedByte", "xs:nonNegativeInteger", "xs:decimal"}
_FIXED_EXAMPLES = {
    "xs:positiveInteger": "1", "xs:negativeInteger": "-1", "xs:nonPositiveInteger": "0", "xs:boolean": "false",
    "xs:dateTime": "2030-01-01T00:00:00Z", "xs:date": "2030-01-01", "xs:time": "00:00:00",
}


def _example_simple(model: Simple) -> Value:
    if model.enumeration:
        return model.enumeration[0]
    if model.base in _NUMBER_BASES or model.base in ("xs:positiveInteger", "xs:negativeInteger",
                                                      "xs:nonPositiveInteger"):
        step = Decimal(1).scaleb(-(model.fraction_digits or 1)) if model.base == "xs:decimal" else 1
        low = model.min_inclusive if model.min_inclusive is not None else \
            model.min_exclusive + step if model.min_exclusive is not None else None
        if low is not None:
            return str(Decimal(low))
    if model.base in _FIXED_EXAMPLES:
        return _FIXED_EXAMPLES[model.base]
    if model.base in _NUMBER_BASES:
        return "0"
    octets = model.length or model.min_length or 0
    if model.base in _BYTES_TEXT:
        return bytes(octets)
    if model.pattern is not None:
        for candidate in _PATTERN_EXAMPLES:
            if re.fullmatch(model.pattern, candidate) and _fits_length(model, candidate):
                return candidate
        raise RequestBuildError(f"no example value for the pattern {model.pattern}")
    return "A" * max(octets, 1 if model.min_length else 0) or "A"


def _fits_length(model: Simple, text: str) -> bool:
    return (model.length is None or len(text) == model.length) and \
        (model.min_length is None or len(text) >= model.min_length) and \
        (model.max_length is None or len(text) <= model.max_length)


def _example_complex(model: Complex) -> Value:
    values: dict[str, Value] = {f"@{a.name}": _example_simple(a.type) for a in model.attributes
                                if a.required and a.name != "index"}
    if model.simple_content is not None:
        values["#text"] = _example_simple(model.simple_content)
    elif model.content is not None:
        _example_particle(model.content, values)
    if not values and model.content is None and model.simple_content is None:
        return None
    return values


def _example_particle(node: El | Seq | Choice, values: dict[str, Value]) -> None:
    if node.min == 0:
        return
    if isinstance(node, El):
        one = _example_simple(node.type) if isinstance(node.type, Simple) else _example_complex(node.type)
        values[node.name] = [one] * node.min if node.repeated else one
    elif node.max != 1:
        inner = _repeated_group(node, "")
        _example_particle(inner, values)
    elif isinstance(node, Seq):
        for item in node.items:
            _example_particle(item, values)
    else:
        _example_particle(node.items[0], values)

