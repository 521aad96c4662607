"""The ESME's side of GBCS data protection (COSEM class 30): reading a get_protected_attributes call and
sealing its answer.

A sensitive read (ECS17b, ECS19, ECS20b, ECS21a, ECS22b ...) is an action on a data protection object whose
parameters (``gbcs.protection.read_protected_attributes_request``) list the attributes wanted, each with an
optional date restriction, and the protection parameters. The meter answers with protection parameters for
the response (transaction id and titles of the response's grouping header: the same counter, originator and
recipient swapped) and the protected data: the A-XDR encoding of a structure holding each attribute's value,
encrypted (``0x31`` ‖ invocation counter ‖ ciphertext ‖ tag).

``seal`` is where that happens: it hands the values to ``gbcs`` as a protected-data placeholder, which
``gbcs.build`` encrypts with the device's keys for the response's parties (for a read the DCC sent on a
User's behalf, for the User the other-information names) and replaces with the parameters and the
protected octet string.
"""
from __future__ import annotations

import gbcs
from devices.errors import MalformedRequest
from gbcs import dlms as x
from gbcs.dlms import Node
from gbcs.protection import AttributeDescriptor, ProtectionParameters, read_protected_attributes_request


def parse_request(data: Node) -> tuple[list[AttributeDescriptor], list[ProtectionParameters]]:
    """The attribute descriptors and protection parameters of a get_protected_attributes call; a call that
    does not read as one is refused (``MalformedRequest``)."""
    try:
        return read_protected_attributes_request(data)
    except gbcs.MalformedMessage as exc:
        raise MalformedRequest(str(exc)) from exc


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
