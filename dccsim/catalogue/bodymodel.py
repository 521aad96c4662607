"""A small language for DUIS body models: elements, simple types with facets, sequences, choices.

A model does two jobs from one declaration: it becomes XSD (``xsdgen``) and it parses a validated body
element into plain Python values for the handlers (``Complex.parse``).
"""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Union

from lxml import etree

SR = "http://www.dccinterface.co.uk/ServiceUserGateway"


def _datetime(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text.replace("Z", "+00:00"))


def _date(text: str) -> dt.date:
    """An xs:date; its optional time zone does not change the day it names."""
    return dt.date.fromisoformat(text[:10])


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "xs:string": str, "xs:token": str, "xs:normalizedString": str,
    "xs:boolean": lambda t: t.strip() in ("true", "1"),
    "xs:int": int, "xs:integer": int, "xs:long": int, "xs:short": int, "xs:byte": int,
    "xs:unsignedInt": int, "xs:unsignedLong": int, "xs:unsignedShort": int, "xs:unsignedByte": int,
    "xs:nonNegativeInteger": int, "xs:positiveInteger": int, "xs:nonPositiveInteger": int,
    "xs:negativeInteger": int,
    "xs:decimal": Decimal,
    "xs:dateTime": _datetime, "xs:date": _date, "xs:time": _time,
    # hexBinary stays hex text: the handlers put it into GBCS octet strings as it is written.
    "xs:hexBinary": lambda t: "".join(t.split()),
    "xs:base64Binary": lambda t: base64.b64decode("".join(t.split())),
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
    min_exclusive: int | Decimal | None = None
    max_exclusive: int | Decimal | None = None
    total_digits: int | None = None
    fraction_digits: int | None = None

    def convert(self, text: str | None) -> Any:
        """The typed value of a schema-valid text (lexical forms Python cannot read, such as a time of
        24:00:00, stay text)."""
        base = self.base if self.base in _CONVERTERS else "xs:string"
        if base == "xs:string":
            return text or ""
        stripped = (text or "").strip()
        try:
            return _CONVERTERS[base](stripped)
        except ValueError:
            return stripped

    def facets(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.pattern is not None:
            out.append(("pattern", self.pattern))
        out.extend(("enumeration", value) for value in self.enumeration)
        for facet, value in (("length", self.length), ("minLength", self.min_length),
                             ("maxLength", self.max_length), ("minInclusive", self.min_inclusive),
                             ("maxInclusive", self.max_inclusive), ("minExclusive", self.min_exclusive),
                             ("maxExclusive", self.max_exclusive), ("totalDigits", self.total_digits),
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
class Complex:
    """A complex type: element content (or none) and attributes; ``name`` makes it a shared type."""

    content: Seq | Choice | None = None
    name: str | None = None
    attributes: tuple[Attr, ...] = ()
    simple_content: Simple | None = None   # text content with attributes

    def elements(self) -> dict[str, tuple[El, bool]]:
        """Each child element by name, with whether it may occur more than once (by itself or because
        a group around it repeats)."""
        found: dict[str, tuple[El, bool]] = {}

        def walk(node, repeats: bool) -> None:
            if isinstance(node, El):
                if node.name in found and found[node.name][0].type != node.type:
                    raise ValueError(f"two different types for element {node.name}")
                found[node.name] = (node, repeats or node.repeated or node.name in found)
            elif isinstance(node, (Seq, Choice)):
                for item in node.items:
                    walk(item, repeats or node.max is None or node.max > 1)

        walk(self.content, False)
        return found

    def parse(self, element: etree._Element) -> dict[str, Any]:
        """Element children as ``{local name: value}``; repeated elements give lists."""
        return _parse_complex(self, element)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_complex(model: Complex, element: etree._Element) -> dict[str, Any]:
    result: dict[str, Any] = {f"@{a.name}": a.type.convert(element.get(a.name))
                              for a in model.attributes if element.get(a.name) is not None}
    if model.simple_content is not None:
        result["#text"] = model.simple_content.convert(element.text)
    known = model.elements()
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = _local(child.tag)
        declared, repeated = known.get(name, (None, False))
        value = _value(declared.type, child) if declared else _generic_value(child)
        if repeated:
            result.setdefault(name, []).append(value)
        else:
            result[name] = value
    return result


def _value(model: Simple | Complex, element: etree._Element) -> Any:
    if isinstance(model, Simple):
        return model.convert(element.text)
    return _parse_complex(model, element)


def _generic_value(element: etree._Element) -> Any:
    """An element the model does not declare (possible only under another XSD, see ``--duis-xsd``)."""
    if not len(element):
        return element.text or ""
    result: dict[str, Any] = {}
    for child in element:
        if isinstance(child.tag, str):
            name, value = _local(child.tag), _generic_value(child)
            if name in result:
                result[name] = [*(result[name] if isinstance(result[name], list) else [result[name]]), value]
            else:
                result[name] = value
    return result


@dataclass(frozen=True)
class BodyModel:
    """The model of one body element (the child of sr:Body)."""

    element: str
    type: Complex

    def parse(self, element: etree._Element) -> dict[str, Any]:
        return self.type.parse(element)
