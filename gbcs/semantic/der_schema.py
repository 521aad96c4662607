"""Shapes of ASN.1 DER values with named members, read from and written to the generic TLV tree.

A shape knows its tag (hex, as the tree writes it; context tags for IMPLICIT tagging are passed in) and reads
only a node of exactly its form: INTEGERs must be minimal, BIT STRINGs of named bits DER-minimal, and so on.
``read`` raises ``Mismatch`` for anything else, so a view either names every octet or is not used.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from gbcs.errors import MalformedMessage
from gbcs.payload import asn1
from gbcs.semantic.common import Mismatch, Names, eui, expect, field, hex_bytes, integer


class Der:
    tag = ""

    def matches(self, node: dict[str, Any]) -> bool:
        return node.get("tag") == self.tag

    def read(self, node: dict[str, Any]) -> Any:
        raise NotImplementedError

    def write(self, value: Any) -> dict[str, Any]:
        raise NotImplementedError

    def _primitive(self, node: dict[str, Any]) -> bytes:
        expect(self.matches(node) and "hex" in node, f"expected a primitive with tag {self.tag}")
        return bytes.fromhex(node["hex"])


def _int_octets(value: int) -> bytes:
    return value.to_bytes(max(1, (value + (value < 0)).bit_length() // 8 + 1), "big", signed=True)


class Int(Der):
    """INTEGER or ENUMERATED (tag 0a), with names; ``show``/``parse`` turn the number into another form."""

    def __init__(self, names: Names | None = None, tag: str = "02", show: Callable[[int], Any] | None = None,
                 parse: Callable[[Any], int] | None = None):
        self.names, self.tag, self.show, self.parse = names, tag, show, parse

    def read(self, node: dict[str, Any]) -> Any:
        raw = self._primitive(node)
        expect(len(raw) > 0, "empty INTEGER")
        value = int.from_bytes(raw, "big", signed=True)
        expect(_int_octets(value) == raw, "INTEGER not in its minimal form")
        if self.show:
            return self.show(value)
        return self.names.name(value) if self.names else value

    def write(self, value: Any) -> dict[str, Any]:
        if self.parse:
            number = self.parse(value)
        else:
            number = self.names.code(value) if self.names else value
        if isinstance(number, bool) or not isinstance(number, int):
            raise MalformedMessage(f"expected an integer, got {value!r}")
        return {"tag": self.tag, "hex": _int_octets(number).hex()}


class Octets(Der):
    def __init__(self, tag: str = "04", size: int | None = None, show: Callable[[bytes], Any] = bytes.hex,
                 parse: Callable[[Any], bytes] = hex_bytes):
        self.tag, self.size, self.show, self.parse = tag, size, show, parse

    def read(self, node: dict[str, Any]) -> Any:
        raw = self._primitive(node)
        expect(self.size is None or len(raw) == self.size, f"expected {self.size} octets")
        return self.show(raw)

    def write(self, value: Any) -> dict[str, Any]:
        raw = self.parse(value)
        if self.size is not None and len(raw) != self.size:
            raise MalformedMessage(f"expected {self.size} octets, got {len(raw)}")
        return {"tag": self.tag, "hex": raw.hex()}


def Eui(tag: str = "04") -> Octets:
    """An 8-octet entity identifier, as 16 upper-case hex digits."""
    return Octets(tag, 8, eui)


class Null(Der):
    """NULL, present: ``true``."""

    def __init__(self, tag: str = "05"):
        self.tag = tag

    def read(self, node: dict[str, Any]) -> bool:
        expect(self._primitive(node) == b"", "NULL with content")
        return True

    def write(self, value: Any) -> dict[str, Any]:
        if value is not True:
            raise MalformedMessage(f"a NULL member is true when present, got {value!r}")
        return {"tag": self.tag, "hex": ""}


_TIME = re.compile(r"^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$")
_ISO = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$")


class GeneralizedTime(Der):
    """GeneralizedTime ``YYYYMMDDhhmmssZ`` shown as ``YYYY-MM-DDThh:mm:ssZ``."""

    tag = "18"

    def read(self, node: dict[str, Any]) -> str:
        match = _TIME.match(self._primitive(node).decode("ascii", "replace"))
        expect(match is not None, "GeneralizedTime not in YYYYMMDDhhmmssZ form")
        year, month, day, hour, minute, second = match.groups()
        return f"{year}-{month}-{day}T{hour}:{minute}:{second}Z"

    def write(self, value: Any) -> dict[str, Any]:
        match = _ISO.match(value) if isinstance(value, str) else None
        if not match:
            raise MalformedMessage(f"expected YYYY-MM-DDThh:mm:ssZ, got {value!r}")
        return {"tag": self.tag, "hex": ("".join(match.groups()) + "Z").encode("ascii").hex()}


class NamedBits(Der):
    """A BIT STRING of named bits (bit 0 first), as the list of the names of the bits that are set."""

    def __init__(self, names: Names, tag: str = "03"):
        self.names, self.tag = names, tag

    @staticmethod
    def octets(bits: list[int]) -> bytes:
        if not bits:
            return b"\x00"
        length = max(bits) + 1
        value = bytearray((length + 7) // 8)
        for bit in bits:
            value[bit // 8] |= 0x80 >> (bit % 8)
        return bytes([len(value) * 8 - length]) + bytes(value)

    def read(self, node: dict[str, Any]) -> list[Any]:
        raw = self._primitive(node)
        expect(len(raw) >= 1, "empty BIT STRING")
        bits = [i for i in range((len(raw) - 1) * 8) if raw[1 + i // 8] & (0x80 >> (i % 8))]
        expect(self.octets(bits) == raw, "BIT STRING not in its DER form")
        return [self.names.name(bit) for bit in bits]

    def write(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, list):
            raise MalformedMessage(f"expected a list of bit names, got {value!r}")
        bits = sorted({integer(self.names.code(name), "bit", 0, 1023) for name in value})
        return {"tag": self.tag, "hex": self.octets(bits).hex()}


class Encoded(Der):
    """Any one DER value (a certificate, a certification request) as the hex of its encoding."""

    def __init__(self, tag: str = "30"):
        self.tag = tag

    def read(self, node: dict[str, Any]) -> str:
        expect(self.matches(node), f"expected tag {self.tag}")
        return asn1.encode_node(node).hex()

    def write(self, value: Any) -> dict[str, Any]:
        nodes = asn1.decode(hex_bytes(value, "DER value"))
        if len(nodes) != 1 or nodes[0]["tag"] != self.tag:
            raise MalformedMessage(f"expected one DER value with tag {self.tag}")
        return nodes[0]


class Seq(Der):
    """SEQUENCE (or an IMPLICIT-tagged one) of named members; optional members are told apart by tag."""

    def __init__(self, *members: tuple[str, Der] | tuple[str, Der, bool], tag: str = "30"):
        self.members = [(m[0], m[1], len(m) > 2 and m[2]) for m in members]
        self.tag = tag

    def read(self, node: dict[str, Any]) -> dict[str, Any]:
        expect(self.matches(node) and "children" in node, f"expected a constructed {self.tag}")
        children, position, out = node["children"], 0, {}
        for name, shape, optional in self.members:
            if position < len(children) and shape.matches(children[position]):
                out[name] = shape.read(children[position])
                position += 1
            else:
                expect(optional, f"missing {name}")
        expect(position == len(children), "members left over")
        return out

    def write(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise MalformedMessage(f"expected an object with {', '.join(m[0] for m in self.members)}")
        children = []
        for name, shape, optional in self.members:
            if optional and name not in value:
                continue
            children.append(shape.write(field(value, name)))
        return {"tag": self.tag, "children": children}


class SeqOf(Der):
    def __init__(self, item: Der, tag: str = "30"):
        self.item, self.tag = item, tag

    def read(self, node: dict[str, Any]) -> list[Any]:
        expect(self.matches(node) and "children" in node, f"expected a constructed {self.tag}")
        return [self.item.read(child) for child in node["children"]]

    def write(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, list):
            raise MalformedMessage(f"expected a list, got {value!r}")
        return {"tag": self.tag, "children": [self.item.write(item) for item in value]}


class Choice(Der):
    """CHOICE: ``{alternative: value}``; the node's tag picks the alternative."""

    def __init__(self, *alternatives: tuple[str, Der]):
        self.alternatives = alternatives

    def matches(self, node: dict[str, Any]) -> bool:
        return any(shape.matches(node) for _, shape in self.alternatives)

    def read(self, node: dict[str, Any]) -> dict[str, Any]:
        for name, shape in self.alternatives:
            if shape.matches(node):
                return {name: shape.read(node)}
        raise Mismatch("no alternative matches")

    def write(self, value: Any) -> dict[str, Any]:
        if isinstance(value, dict) and len(value) == 1:
            (name, inner), = value.items()
            for alternative, shape in self.alternatives:
                if alternative == name:
                    return shape.write(inner)
        raise MalformedMessage(f"expected one of {', '.join(n for n, _ in self.alternatives)}")
