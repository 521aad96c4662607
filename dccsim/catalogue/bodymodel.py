"""A small language for DUIS body models: elements, simple types with facets, sequences, choices.

A model does two jobs from one declaration: it becomes XSD (``xsdgen``) and it parses a validated body
element into plain Python values for the handlers (``Complex.parse``).
"""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Union

from lxml import etree

SR = "http://www.dccinterface.co.uk/ServiceUserGateway"


def _datetime(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text.replace("Z", ""))


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "xs:string": str, "xs:token": str, "xs:normalizedString": str,
    "xs:boolean": lambda t: t.strip() in ("true", "1"),
    "xs:int": int, "xs:integer": int, "xs:long": int, "xs:short": int, "xs:byte": int,
    "xs:unsignedInt": int, "xs:unsignedLong": int, "xs:unsignedShort": int, "xs:unsignedByte": int,
    "xs:nonNegativeInteger": int, "xs:positiveInteger": int, "xs:nonPositiveInteger": int,
    "xs:negativeInteger": int,
    "xs:decimal": Decimal,
    "xs:dateTime": _datetime, "xs:date": dt.date.fromisoformat, "xs:time": _time,
    "xs:hexBinary": bytes.fromhex, "xs:base64Binary": lambda t: base64.b64decode("".join(t.split())),
}


@dataclass(frozen=True)
class Simple:
    """A simple type: an XSD base type with facets; ``name`` makes it a named (shared) type."""

    base: str
    name: str | None = None
    pattern: str | None = None
    enumeration: tuple[str, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    length: int | None = None
    min_inclusive: int | Decimal | None = None
    max_inclusive: int | Decimal | None = None
    total_digits: int | None = None
    fraction_digits: int | None = None

    def convert(self, text: str | None) -> Any:
        base = self.base if self.base in _CONVERTERS else "xs:string"
        return _CONVERTERS[base]((text or "").strip() if base != "xs:string" else (text or ""))

    def facets(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.pattern is not None:
            out.append(("pattern", self.pattern))
        out.extend(("enumeration", value) for value in self.enumeration)
        for facet, value in (("length", self.length), ("minLength", self.min_length),
                             ("maxLength", self.max_length), ("minInclusive", self.min_inclusive),
                             ("maxInclusive", self.max_inclusive), ("totalDigits", self.total_digits),
                             ("fractionDigits", self.fraction_digits)):
            if value is not None:
                out.append((facet, str(value)))
        return out


@dataclass(frozen=True)
class Attr:
    name: str
    type: Simple
    required: bool = True


@dataclass(frozen=True)
class El:
    """An element of a content model."""

    name: str
    type: Union[Simple, "Complex"]
    min: int = 1
    max: int | None = 1          # None = unbounded

    @property
    def repeated(self) -> bool:
        return self.max is None or self.max > 1


@dataclass(frozen=True)
class Seq:
    items: tuple
    min: int = 1
    max: int | None = 1

    def __init__(self, *items, min: int = 1, max: int | None = 1):  # noqa: A002 - XSD vocabulary
        object.__setattr__(self, "items", tuple(items))
        object.__setattr__(self, "min", min)
        object.__setattr__(self, "max", max)


@dataclass(frozen=True)
class Choice:
    items: tuple
    min: int = 1
    max: int | None = 1

    def __init__(self, *items, min: int = 1, max: int | None = 1):  # noqa: A002
        object.__setattr__(self, "items", tuple(items))
        object.__setattr__(self, "min", min)
        object.__setattr__(self, "max", max)


@dataclass(frozen=True)
class AnyContent:
    """Content not modelled yet: any elements of the DUIS namespace, parsed generically."""


@dataclass(frozen=True)
class Complex:
    """A complex type: element content (or none) and attributes; ``name`` makes it a shared type."""

    content: Seq | Choice | AnyContent | None = None
    name: str | None = None
    attributes: tuple[Attr, ...] = ()
    simple_content: Simple | None = None   # text content with attributes

    def elements(self) -> dict[str, El]:
        found: dict[str, El] = {}

        def walk(node) -> None:
            if isinstance(node, El):
                found[node.name] = node
            elif isinstance(node, (Seq, Choice)):
                for item in node.items:
                    walk(item)

        walk(self.content)
        return found

    def parse(self, element: etree._Element) -> dict[str, Any]:
        """Element children as ``{local name: value}``; repeated elements give lists."""
        return _parse_complex(self, element)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_complex(model: Complex, element: etree._Element) -> dict[str, Any]:
    result: dict[str, Any] = {f"@{a.name}": a.type.convert(element.get(a.name))
                              for a in model.attributes if element.get(a.name) is not None}
    if isinstance(model.content, AnyContent):
        result.update(_parse_generic(element))
        return result
    if model.simple_content is not None:
        result["#text"] = model.simple_content.convert(element.text)
    known = model.elements()
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = _local(child.tag)
        declared = known.get(name)
        value = _value(declared.type, child) if declared else _generic_value(child)
        if declared is not None and declared.repeated:
            result.setdefault(name, []).append(value)
        else:
            result[name] = value
    return result


def _value(model: Simple | Complex, element: etree._Element) -> Any:
    if isinstance(model, Simple):
        return model.convert(element.text)
    return _parse_complex(model, element)


def _parse_generic(element: etree._Element) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = _local(child.tag)
        value = _generic_value(child)
        if name in result:
            if not isinstance(result[name], list):
                result[name] = [result[name]]
            result[name].append(value)
        else:
            result[name] = value
    return result


def _generic_value(element: etree._Element) -> Any:
    if len(element):
        return _parse_generic(element)
    return element.text or ""


@dataclass(frozen=True)
class BodyModel:
    """The model of one body element (the child of sr:Body)."""

    element: str
    type: Complex = field(default_factory=lambda: Complex(AnyContent()))

    @property
    def modelled(self) -> bool:
        return not isinstance(self.type.content, AnyContent)

    def parse(self, element: etree._Element) -> dict[str, Any]:
        return self.type.parse(element)
