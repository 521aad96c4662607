"""The ZCL shape of a GBZ payload, to compare a gas device's answer with an RTDS response vector.

A component's shape is its cluster, frame type and direction, its command and what the payload holds:
attribute ids, statuses and ZCL types for attribute responses; field names and types (and snapshot payload
types) for cluster-specific commands; the command and status of a Default Response. Repeated groups may
differ in length (they follow the request and the meter's state). For log reads, an entry the RTDS meter
had and ours has not (or the reverse) shows as the Publish command in one and a Default Response
NOT_FOUND in the other: ``equivalent`` accepts that, position by position.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import gbcs
from gbcs import zcl
from tests.gbcs.corpus import rtds_keys
from tests.paths import GBCS_RTDS

Shape = tuple

# The RTDS folders of the gas use cases of the issue-5 Service Requests.
GAS_FOLDERS = ("1.1.1_GCS01a", "2.2_CS01b", "3.3_CS11", "4.1.1_GCS13a", "4.1.2_GCS13c", "4.1.4_GCS13b", "4.3_GCS14",
               "4.4.2_GCS15b", "4.4.3_GCS15c", "4.4.4_GCS15d", "4.4.5_GCS15e", "4.6.1_GCS16a", "4.14_GCS16b",
               "4.8.1_GCS17", "4.10_GCS18", "4.11.1_GCS21f", "4.13_GCS21b", "4.17_GCS61", "4.18_GCS60",
               "4.18_GCS60a", "11.2_GCS38")


def _layout_shape(layout: zcl.CommandLayout) -> tuple:
    return tuple((f.name, tuple((g.name, g.type_id) for g in f.fields)) if isinstance(f, zcl.Repeat)
                 else (f.name, f.type_id) for f in layout.fields)


def component_shape(component: dict[str, Any], payload: bytes) -> Shape:
    cluster, command, fc = component["cluster"], component["command"], component["frame_control"]
    head = (cluster, fc & zcl.FRAME_TYPE_CLUSTER_SPECIFIC, fc & zcl.SERVER_TO_CLIENT, command)
    if not fc & zcl.FRAME_TYPE_CLUSTER_SPECIFIC:
        if command == zcl.READ_ATTRIBUTES_RESPONSE:
            return head + tuple((r.attribute, r.status, r.value.type_id if r.value else None)
                                for r in zcl.decode_read_attributes_response(payload))
        if command == zcl.READ_ATTRIBUTES:
            return head + tuple(zcl.decode_read_attributes(payload))
        if command == zcl.DEFAULT_RESPONSE:
            return head + zcl.decode_default_response(payload)
        return head + (payload.hex(),)
    layout = zcl.command_layout(cluster, command, bool(fc & zcl.SERVER_TO_CLIENT))
    assert layout is not None, f"no layout for 0x{cluster:04x}/{command}"
    fields = zcl.decode_fields(layout, payload)
    extra: tuple = ()
    if "snapshot_payload_type" in fields:
        sub = zcl.SNAPSHOT_PAYLOADS[(cluster, fields["snapshot_payload_type"])]
        zcl.decode_fields(sub, fields["snapshot_payload"])
        extra = (fields["snapshot_payload_type"], _layout_shape(sub))
    return head + (_layout_shape(layout),) + extra


def plaintext_components(message: gbcs.Message) -> list[tuple[dict[str, Any], bytes]]:
    """(component, ZCL payload) of a decoded GBZ message, encrypted payloads decrypted."""
    plaintexts = iter(message.decrypted)
    found = []
    for component in message.payload.tree.get("components", []):
        if component["control"] & 0x02:
            found.append((component, bytes.fromhex(next(plaintexts))))
        else:
            found.append((component, bytes.fromhex(component["payload"])))
    return found


def shapes(message: gbcs.Message) -> list[tuple[int, Shape]]:
    """(sequence number of the request answered, shape) of each component."""
    return [(c["sequence"], component_shape(c, p)) for c, p in plaintext_components(message)]


def rtds_message(name: str) -> gbcs.Message:
    """An RTDS vector by file name (its folder is found from the name)."""
    path = next(GBCS_RTDS.glob(f"*/{name}"))
    return gbcs.decode(bytes.fromhex(Path(path).read_text().strip()), rtds_keys())


def _is_not_found(shape: Shape) -> bool:
    return shape[3] == zcl.DEFAULT_RESPONSE and not shape[1] and shape[-1] == zcl.NOT_FOUND


def equivalent(ours: list[tuple[int, Shape]], theirs: list[tuple[int, Shape]]) -> list[str]:
    """Differences between two answers (empty: the same ZCL structure). The answers to each request are
    compared; several answers of one kind to one request (a Publish Day Profile per day) count as one, and
    a Publish answer and a NOT_FOUND Default Response may stand for each other."""
    mine, rtds = _by_request(ours), _by_request(theirs)
    if list(mine) != list(rtds):
        return [f"answers requests {list(mine)}, RTDS answers {list(rtds)}"]
    problems = []
    for sequence in mine:
        if mine[sequence] == rtds[sequence]:
            continue
        alone = [kinds for kinds in (mine[sequence], rtds[sequence]) if len(kinds) == 1 and _is_not_found(kinds[0])]
        if alone and mine[sequence][0][0] == rtds[sequence][0][0]:
            continue
        problems.append(f"request {sequence}: {mine[sequence]} != RTDS {rtds[sequence]}")
    return problems


def _by_request(answers: list[tuple[int, Shape]]) -> dict[int, list[Shape]]:
    grouped: dict[int, list[Shape]] = {}
    for sequence, shape in answers:
        kinds = grouped.setdefault(sequence, [])
        if shape not in kinds:
            kinds.append(shape)
    return grouped


def has_data(answers: list[tuple[int, Shape]]) -> bool:
    """Whether an answer carries data (not only Default Responses)."""
    return any(s[3] != zcl.DEFAULT_RESPONSE or s[1] for _, s in answers)
