"""GBCS data protection (COSEM class 30): get_protected_attributes and its protection parameters.

A sensitive read (ECS17b, ECS19, ECS20b, ECS21a, ECS22b ...) is an action on a data protection object
whose parameters list the attributes wanted (each with an optional date restriction) and the protection
parameters: transaction id (0x04 ‖ the command's 8-byte originator counter), originator and recipient
system titles, and the key information. The meter answers with protection parameters for the response
(transaction id and titles of the response's grouping header: the same counter, originator and recipient
swapped) and the protected data: the A-XDR encoding of a structure holding each attribute's value,
encrypted (``0x31`` ‖ invocation counter ‖ ciphertext ‖ tag).

``seal`` is where that happens: it hands the values to ``gbcs`` as a protected-data placeholder, which
``gbcs.build`` encrypts with the device's keys for the response's parties (for a read the DCC sent on a
User's behalf, for the User the other-information names) and replaces with the parameters and the
protected octet string.
"""
from __future__ import annotations

from dataclasses import dataclass

import gbcs
from devices import esme_axdr as x
from devices.errors import MalformedRequest, reading
from devices.esme_axdr import Node

TRANSACTION_PREFIX = 0x04           # the KDF message kind "encryption"


@dataclass(frozen=True)
class Descriptor:
    cls: int
    obis: str
    attribute: int
    restriction: Node | None


@dataclass(frozen=True)
class Protection:
    transaction_id: bytes
    originator: bytes
    recipient: bytes
    other_information: bytes
    key_info: Node


def parse_request(data: Node) -> tuple[list[Descriptor], list[Protection]]:
    """The attribute descriptors and protection parameters of a get_protected_attributes call; a call that
    does not read as one is refused (``MalformedRequest``)."""
    if data.get("type") != "structure" or len(data.get("items", [])) != 2:
        raise MalformedRequest("get_protected_attributes takes a structure of descriptors and protection parameters")
    with reading("get_protected_attributes parameters"):
        return _parse(*data["items"])


def _parse(descriptors_node: Node, parameters_node: Node) -> tuple[list[Descriptor], list[Protection]]:
    descriptors = []
    for item in descriptors_node.get("items", []):
        cls, obis, attribute, _index, restriction = item["items"]
        restriction_value = restriction if restriction.get("type") == "structure" and \
            restriction["items"][0].get("value", 0) != 0 else None
        descriptors.append(Descriptor(cls["value"], obis["hex"].upper(), attribute["value"], restriction_value))
    parameters = []
    for item in parameters_node.get("items", []):
        options = item["items"][1]["items"]
        parameters.append(Protection(bytes.fromhex(options[0]["hex"]), bytes.fromhex(options[1]["hex"]),
                                     bytes.fromhex(options[2]["hex"]), bytes.fromhex(options[3]["hex"]), options[4]))
    return descriptors, parameters


def transaction_id(counter: int) -> bytes:
    return bytes([TRANSACTION_PREFIX]) + counter.to_bytes(8, "big")


def protection_parameters(protection: Protection) -> Node:
    return x.structure(x.enum(2), x.structure(
        x.octets(protection.transaction_id), x.octets(protection.originator), x.octets(protection.recipient),
        x.octets(protection.other_information), protection.key_info))


def agreed_key_info() -> Node:
    """Key information of GBCS protected data: an agreed key (C(0e, 2s ECC CDH)), no ciphered key."""
    return x.structure(x.enum(2), x.structure(x.octets("02"), x.octets("")))


def request_parameters(descriptors: list[Descriptor], protection: Protection) -> Node:
    """The parameters of a get_protected_attributes call (the command side)."""
    items = []
    for d in descriptors:
        restriction = d.restriction if d.restriction is not None else x.structure(x.enum(0), x.null())
        items.append(x.structure(x.long_unsigned(d.cls), x.octets(d.obis), x.integer(d.attribute),
                                 x.long_unsigned(0), restriction))
    return x.structure(x.array(items), x.array([protection_parameters(protection)]))


def date_restriction(start_hex: str, end_hex: str) -> Node:
    return x.structure(x.enum(1), x.structure(x.octets(start_hex), x.octets(end_hex)))


def seal(values: Node) -> list[Node]:
    """The protected data of an answer, as the two DLMS values it becomes when the response is built."""
    return [{"type": gbcs.protection.PLACEHOLDER, "data": values}]


def answer(values: list[Node]) -> Node:
    """The result of get_protected_attributes: protection parameters and protected data (sealed)."""
    return x.structure(*seal(x.structure(*values)))


def protected_values(node: Node) -> list[Node] | None:
    """The attribute values of an answer not yet sealed (what the meter put in), else None."""
    items = node.get("items") or []
    if len(items) == 1 and items[0].get("type") == gbcs.protection.PLACEHOLDER:
        return items[0]["data"]["items"]
    return None
