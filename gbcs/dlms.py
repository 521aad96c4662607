"""DLMS COSEM data values in A-XDR, as the JSON nodes DLMS payload trees hold (``{"type": "long", "value": -2}``).

``decode_data`` reads one value that is the whole of its bytes (``MalformedMessage`` for bytes that are not),
``encode_data`` writes a node back (``UsageError`` for a node that is not a data value). The constructors
(``dlu``, ``structure``, ``octets`` …) make the nodes a command or an answer is built of; ``compact`` and
``compact_rows`` write and read a GBCS compact array, whose time stamps are UTC seconds since 2000
(``utc_seconds``). The COSEM facts GBCS commands rely on are here too: which attributes hold an activation
date-time (``ACTIVATION_ATTRIBUTES``) and the index layout of the ESME's charge tables
(``charge_table_indices``).
"""
from __future__ import annotations

from typing import Any, Iterable

from gbcs._reader import read_whole
from gbcs.compact_array import contents_of, entries as compact_entries
from gbcs.dlms_datetime import decode_date_time, encode_date_time
from gbcs.errors import SHAPE_ERRORS, MalformedMessage, UsageError
from gbcs.payload import dlms as codec
from gbcs.times import from_zigbee_time, zigbee_time

__all__ = [
    "AUXILIARY_CONTROLLER_SCRIPTS", "AUXILIARY_DURATIONS", "AUXILIARY_INPUT", "AUXILIARY_OUTPUT",
    "AUXILIARY_SWITCH_ACTIONS",
    "LOAD_CONTROLLER_SCRIPTS", "auxiliary_level_period", "auxiliary_level_script", "auxiliary_switch_script",
    "BLOCKS", "BLOCK_RATES", "SECONDARY_TOU_RATES", "TOU_RATES",
    "ACTIVATION_ATTRIBUTES", "TARIFF_ACTIVATION_ATTRIBUTES", "DL", "DLU", "Node", "array", "bits", "boolean", "charge_table_indices", "compact",
    "compact_rows", "date_time", "decode_data", "dl", "dlu", "encode_data", "enum", "from_utc_seconds", "integer",
    "long", "long_unsigned", "null", "octets", "parse_date_time", "scaler_unit", "shape", "structure", "t",
    "t_array", "t_structure", "unsigned", "utc_seconds",
]


def decode_data(data: bytes) -> dict[str, Any]:
    """The node of the data value that ``data`` holds."""
    return read_whole(data, codec.decode_data, "a DLMS data value")


def encode_data(node: dict[str, Any]) -> bytes:
    """The A-XDR bytes of a data value node."""
    try:
        return codec.encode_data(node)
    except UsageError:
        raise
    except SHAPE_ERRORS as exc:
        raise UsageError(f"cannot encode the DLMS data value: {exc!r}") from exc


Node = dict[str, Any]

DLU, DL = "double-long-unsigned", "double-long"


def dlu(value: int) -> Node:
    return {"type": DLU, "value": max(0, min(int(value), 0xFFFFFFFF))}


def dl(value: int) -> Node:
    return {"type": DL, "value": max(-0x80000000, min(int(value), 0x7FFFFFFF))}


def long_unsigned(value: int) -> Node:
    return {"type": "long-unsigned", "value": int(value) & 0xFFFF}


def long(value: int) -> Node:
    return {"type": "long", "value": max(-0x8000, min(int(value), 0x7FFF))}


def unsigned(value: int) -> Node:
    return {"type": "unsigned", "value": int(value) & 0xFF}


def integer(value: int) -> Node:
    return {"type": "integer", "value": max(-128, min(int(value), 127))}


def enum(value: int) -> Node:
    return {"type": "enum", "value": int(value) & 0xFF}


def boolean(value: bool) -> Node:
    return {"type": "boolean", "value": 255 if value else 0}


def octets(value: bytes | str) -> Node:
    return {"type": "octet-string", "hex": value.hex() if isinstance(value, bytes) else value.lower()}


def bits(count: int, value: str) -> Node:
    return {"type": "bit-string", "bits": count, "hex": value}


def null() -> Node:
    return {"type": "null"}


def structure(*items: Node) -> Node:
    return {"type": "structure", "items": list(items)}


def array(items: Iterable[Node]) -> Node:
    return {"type": "array", "items": list(items)}


def scaler_unit(scaler: int, unit: int) -> Node:
    return structure(integer(scaler), enum(unit))


# --- type descriptions and compact arrays -------------------------------------------------------

def t(kind: str) -> Node:
    """A simple type description."""
    return {"type": kind}


def t_array(count: int, of: Node) -> Node:
    return {"type": "array", "count": count, "of": of}


def t_structure(*items: Node) -> Node:
    return {"type": "structure", "items": list(items)}


def compact(description: Node, rows: Iterable[Any]) -> Node:
    """A compact-array node: every row packed by ``description`` (a structure row is a tuple)."""
    return {"type": "compact-array", "description": description,
            "contents": contents_of(description, list(rows)).hex()}


def _rows(description: Node, value: Any) -> Any:
    if description["type"] == "structure":
        return tuple(_rows(part, item) for part, item in zip(description["items"], value))
    if description["type"] == "array":
        return [_rows(description["of"], item) for item in value]
    return value


def compact_rows(node: Node) -> list[Any]:
    """The rows of a compact-array node (the inverse of :func:`compact`; a structure row is a tuple)."""
    entries = compact_entries(node["description"], bytes.fromhex(node["contents"]))
    if entries is None:
        raise MalformedMessage("compact array contents that do not read as whole rows")
    return [_rows(node["description"], entry) for entry in entries]


def shape(node: Node) -> Any:
    """The structure of a value without its data: types, nesting, and compact-array descriptions.
    Array lengths are left out (logs and profiles are as long as the period read)."""
    kind = node.get("type")
    if kind == "structure":
        return ("structure", tuple(shape(i) for i in node["items"]))
    if kind == "array":
        inner = {repr(shape(i)) for i in node["items"]}
        return ("array", tuple(sorted(inner)))
    if kind == "compact-array":
        return ("compact-array", repr(node["description"]))
    return kind


# --- time stamps ---------------------------------------------------------------------------------

utc_seconds = zigbee_time              # the time stamp of GBCS compact arrays and range selections
from_utc_seconds = from_zigbee_time
date_time = encode_date_time
parse_date_time = decode_date_time


# --- COSEM facts GBCS commands rely on -----------------------------------------------------------

# (class id, attribute) of the attributes that hold the activation date-time of passive values: the activity
# calendar (20/10), the charge (113/7), the GBCS extended data object (9000/6) and the account (111/13).
ACTIVATION_ATTRIBUTES = frozenset({(20, 10), (113, 7), (9000, 6), (111, 13)})
# Those of a tariff (calendar, charges, GBCS extended data); the account's is its payment mode's.
TARIFF_ACTIVATION_ATTRIBUTES = ACTIVATION_ATTRIBUTES - {(111, 13)}
TOU_RATES, BLOCKS, BLOCK_RATES, SECONDARY_TOU_RATES = 48, 4, 8, 4


def charge_table_indices(element: int) -> list[str]:
    """The indices of an ESME charge table: TOU rates 1..48 then blocks a..d of block rates 1..8 (the primary
    element), or the secondary element's 4 TOU rates."""
    if element == 2:
        return [f"{n:02x}" for n in range(1, SECONDARY_TOU_RATES + 1)]
    return [f"{n:02x}" for n in range(1, TOU_RATES + 1)] + [f"{0xA + b:x}{r}" for b in range(BLOCKS)
                                                            for r in range(1, BLOCK_RATES + 1)]


# --- auxiliary controller scripts (ECS47, ECS47a, ECS47e) ------------------------------------------------
# The script ids of the auxiliary controller script table, as the RTDS commands carry them: ECS47 names a switch
# and an action (``switch << 8 | action``), its duration in "Auxiliary Controller State 1" (activate) or
# "... State Setting 2" (deactivate); ECS47a and, on the Load Controller's script table, ECS47e name a controller,
# the side it is commanded on and a level (``(side << 4 | controller) << 8 | level``), the period in the
# "State Timing" (output), "State" (an output commanded to 0) or "State Setting" (input) date-times.

AUXILIARY_CONTROLLER_SCRIPTS, LOAD_CONTROLLER_SCRIPTS = "00000A0067FF", "00000A006BFF"
AUXILIARY_SWITCH_ACTIONS = {"activate": 0x11, "deactivate": 0x12, "reset": 0x20}
AUXILIARY_DURATIONS = {"activate": "00005E2C7501", "deactivate": "00005E2C7702"}
AUXILIARY_OUTPUT, AUXILIARY_INPUT = 1, 2
_LEVEL_PERIODS = {
    (AUXILIARY_CONTROLLER_SCRIPTS, AUXILIARY_OUTPUT, False): ("00005E2C7901", "00005E2C7902"),
    (AUXILIARY_CONTROLLER_SCRIPTS, AUXILIARY_OUTPUT, True): ("00005E2C7501", "00005E2C7502"),
    (AUXILIARY_CONTROLLER_SCRIPTS, AUXILIARY_INPUT, False): ("00005E2C7701", "00005E2C7702"),
    (LOAD_CONTROLLER_SCRIPTS, AUXILIARY_OUTPUT, False): ("00005E2C7903", "00005E2C7904"),
    (LOAD_CONTROLLER_SCRIPTS, AUXILIARY_INPUT, False): ("00005E2C7703", "00005E2C7704"),
}


def auxiliary_switch_script(switch: int, action: str) -> int:
    """ECS47's script id: ``switch`` (1–5) activated, deactivated or reset."""
    return switch << 8 | AUXILIARY_SWITCH_ACTIONS[action]


def auxiliary_level_script(controller: int, level: int, side: int) -> int:
    """ECS47a's / ECS47e's script id: ``controller`` (1–5) at ``level`` % on its output or input."""
    return (side << 4 | controller) << 8 | level


def auxiliary_level_period(table: str, side: int, level: int) -> tuple[str, str]:
    """The OBIS codes of the start and end date-times of a commanded level's period."""
    zero = level == 0 and side == AUXILIARY_OUTPUT and table == AUXILIARY_CONTROLLER_SCRIPTS
    return _LEVEL_PERIODS[(table, side, zero)]
