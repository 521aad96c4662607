"""ZCL (ZigBee Cluster Library) content of GBZ components: data types, profile-wide commands, and the
Smart Energy cluster commands GBCS uses.

Everything here is a pure, lossless codec: ``decode`` then ``encode`` gives back the same bytes for every
valid input. Multi-byte integers are little-endian, as ZCL specifies. Malformed input raises
``MalformedMessage``; a value that cannot be encoded (wrong Python type, out of range, unknown type id)
raises ``UsageError``.

Three layers:

* data types: ``decode_value`` / ``encode_value`` turn one typed value into a ``ZclValue`` and back;
* profile-wide ("general") commands: Read / Write Attributes and their responses, Report Attributes,
  Default Response, each with a decode / encode pair working on ``AttributeRecord``;
* cluster-specific commands: ``COMMANDS`` maps (cluster, command id, server-to-client?) to a
  ``CommandLayout`` (named fields with their ZCL types, repeated groups), and ``decode_command`` /
  ``encode_command`` turn a payload into a dict of plain values and back. ``SNAPSHOT_PAYLOADS`` does the
  same for the snapshot sub-payloads of Publish Snapshot / Publish Prepay Snapshot, and
  ``EVENT_CONFIGURATION_PAYLOADS`` for the event configuration payload of Set Event Configuration.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence, Union

from gbcs.errors import MalformedMessage, UsageError

# --- frame control, clusters, statuses ------------------------------------------------------------

FRAME_TYPE_CLUSTER_SPECIFIC = 0x01
MANUFACTURER_SPECIFIC = 0x04
SERVER_TO_CLIENT = 0x08
DISABLE_DEFAULT_RESPONSE = 0x10

BASIC = 0x0000
TIME = 0x000A
OTA_UPGRADE = 0x0019
PRICE = 0x0700
METERING = 0x0702
MESSAGING = 0x0703
PREPAYMENT = 0x0705
CALENDAR = 0x0707
DEVICE_MANAGEMENT = 0x0708
EVENTS = 0x0709

CLUSTER_NAMES: Mapping[int, str] = {
    BASIC: "Basic", TIME: "Time", OTA_UPGRADE: "OTA Upgrade", PRICE: "Price", METERING: "Metering",
    MESSAGING: "Messaging", PREPAYMENT: "Prepayment", CALENDAR: "Calendar",
    DEVICE_MANAGEMENT: "Device Management", EVENTS: "Events",
}

SUCCESS = 0x00
FAILURE = 0x01
NOT_AUTHORIZED = 0x7E
MALFORMED_COMMAND = 0x80
UNSUP_CLUSTER_COMMAND = 0x81
UNSUP_GENERAL_COMMAND = 0x82
UNSUP_MANUF_CLUSTER_COMMAND = 0x83
UNSUP_MANUF_GENERAL_COMMAND = 0x84
INVALID_FIELD = 0x85
UNSUPPORTED_ATTRIBUTE = 0x86
INVALID_VALUE = 0x87
READ_ONLY = 0x88
INSUFFICIENT_SPACE = 0x89
NOT_FOUND = 0x8B
INVALID_DATA_TYPE = 0x8D
ACTION_DENIED = 0x93
HARDWARE_FAILURE = 0xC0
SOFTWARE_FAILURE = 0xC1
UNSUPPORTED_CLUSTER = 0xC3

STATUS_NAMES: Mapping[int, str] = {
    SUCCESS: "SUCCESS", FAILURE: "FAILURE", NOT_AUTHORIZED: "NOT_AUTHORIZED", 0x7F: "RESERVED_FIELD_NOT_ZERO",
    MALFORMED_COMMAND: "MALFORMED_COMMAND", UNSUP_CLUSTER_COMMAND: "UNSUP_CLUSTER_COMMAND",
    UNSUP_GENERAL_COMMAND: "UNSUP_GENERAL_COMMAND", UNSUP_MANUF_CLUSTER_COMMAND: "UNSUP_MANUF_CLUSTER_COMMAND",
    UNSUP_MANUF_GENERAL_COMMAND: "UNSUP_MANUF_GENERAL_COMMAND", INVALID_FIELD: "INVALID_FIELD",
    UNSUPPORTED_ATTRIBUTE: "UNSUPPORTED_ATTRIBUTE", INVALID_VALUE: "INVALID_VALUE", READ_ONLY: "READ_ONLY",
    INSUFFICIENT_SPACE: "INSUFFICIENT_SPACE", 0x8A: "DUPLICATE_EXISTS", NOT_FOUND: "NOT_FOUND",
    0x8C: "UNREPORTABLE_ATTRIBUTE", INVALID_DATA_TYPE: "INVALID_DATA_TYPE", 0x8E: "INVALID_SELECTOR",
    0x8F: "WRITE_ONLY", 0x90: "INCONSISTENT_STARTUP_STATE", 0x91: "DEFINED_OUT_OF_BAND", 0x92: "INCONSISTENT",
    ACTION_DENIED: "ACTION_DENIED", 0x94: "TIMEOUT", 0x95: "ABORT", 0x96: "INVALID_IMAGE",
    0x97: "WAIT_FOR_DATA", 0x98: "NO_IMAGE_AVAILABLE", 0x99: "REQUIRE_MORE_IMAGE", 0x9A: "NOTIFICATION_PENDING",
    HARDWARE_FAILURE: "HARDWARE_FAILURE", SOFTWARE_FAILURE: "SOFTWARE_FAILURE", 0xC2: "CALIBRATION_ERROR",
    UNSUPPORTED_CLUSTER: "UNSUPPORTED_CLUSTER",
}

# --- data types -----------------------------------------------------------------------------------

NODATA, BOOL, ENUM8, ENUM16 = 0x00, 0x10, 0x30, 0x31
BITMAP8, BITMAP16, BITMAP32 = 0x18, 0x19, 0x1B
UINT8, UINT16, UINT24, UINT32, UINT48 = 0x20, 0x21, 0x22, 0x23, 0x25
INT8, INT16, INT24, INT32 = 0x28, 0x29, 0x2A, 0x2B
OCTSTR, STRING, OCTSTR16, STRING16 = 0x41, 0x42, 0x43, 0x44
ARRAY, STRUCT, SET, BAG = 0x48, 0x4C, 0x50, 0x51
TIME_OF_DAY, DATE, UTC = 0xE0, 0xE1, 0xE2
EUI64, KEY128, UNKNOWN = 0xF0, 0xF1, 0xFF

# kind, width in bytes (None: variable)
_TYPES: dict[int, tuple[str, str, int | None]] = {NODATA: ("nodata", "none", 0), UNKNOWN: ("unk", "none", 0)}
for _n in range(8):
    _TYPES[0x08 + _n] = (f"data{8 * (_n + 1)}", "raw", _n + 1)
    _TYPES[0x18 + _n] = (f"bitmap{8 * (_n + 1)}", "uint", _n + 1)
    _TYPES[0x20 + _n] = (f"uint{8 * (_n + 1)}", "uint", _n + 1)
    _TYPES[0x28 + _n] = (f"int{8 * (_n + 1)}", "int", _n + 1)
_TYPES.update({
    BOOL: ("bool", "bool", 1), ENUM8: ("enum8", "uint", 1), ENUM16: ("enum16", "uint", 2),
    0x38: ("semi", "raw", 2), 0x39: ("single", "raw", 4), 0x3A: ("double", "raw", 8),
    OCTSTR: ("octstr", "octets", 1), STRING: ("string", "text", 1),
    OCTSTR16: ("octstr16", "octets", 2), STRING16: ("string16", "text", 2),
    ARRAY: ("array", "array", None), STRUCT: ("struct", "struct", None), SET: ("set", "array", None),
    BAG: ("bag", "array", None),
    TIME_OF_DAY: ("ToD", "uint", 4), DATE: ("date", "uint", 4), UTC: ("UTC", "uint", 4),
    0xE8: ("clusterId", "uint", 2), 0xE9: ("attribId", "uint", 2), 0xEA: ("bacOID", "uint", 4),
    EUI64: ("EUI64", "uint", 8), KEY128: ("key128", "raw", 16),
})

TYPE_NAMES: Mapping[int, str] = {type_id: spec[0] for type_id, spec in sorted(_TYPES.items())}

Value = Union[int, bool, bytes, str, None, tuple]


@dataclass(frozen=True)
class ZclValue:
    """A typed ZCL value.

    ``value`` is an int for integers, enumerations, bitmaps, times and dates (signed for intN); a bool for
    boolean 0/1 (any other byte stays an int); bytes for octet strings and for the opaque types (dataN,
    floats, key128); str (latin-1) for character strings; None for nodata / unk and for the 'invalid'
    length of a string or collection. An array, set or bag holds ``(element type id, tuple of ZclValue)``;
    a structure holds a tuple of ZclValue.
    """

    type_id: int
    value: Value = None


def _spec(type_id: int) -> tuple[str, str, int | None]:
    spec = _TYPES.get(type_id)
    if spec is None:
        raise MalformedMessage(f"unknown ZCL data type 0x{type_id:02x}")
    return spec


def type_kind(type_id: int) -> str:
    """How a type's values look: "none", "uint", "int", "bool", "raw", "octets", "text", "array" (also set and
    bag) or "struct" (``MalformedMessage`` for an unknown type id)."""
    return _spec(type_id)[1]


def _take(data: bytes, offset: int, n: int, what: str) -> bytes:
    if offset < 0 or offset + n > len(data):
        raise MalformedMessage(f"truncated ZCL {what}: {n} bytes wanted at offset {offset}, "
                               f"{max(0, len(data) - offset)} left")
    return data[offset:offset + n]


MAX_NESTING = 16   # collections inside collections: deeper input is refused as malformed


def decode_value(type_id: int, data: bytes, offset: int = 0) -> tuple[ZclValue, int]:
    """Decode one value of ``type_id`` at ``offset``; return it and the offset after it."""
    return _decode(type_id, data, offset, 0)


def _decode(type_id: int, data: bytes, offset: int, depth: int) -> tuple[ZclValue, int]:
    name, kind, width = _spec(type_id)
    if kind in ("array", "struct") and depth >= MAX_NESTING:
        raise MalformedMessage(f"ZCL collections nested more than {MAX_NESTING} deep")
    if kind == "none":
        return ZclValue(type_id, None), offset
    if kind in ("uint", "int", "bool", "raw"):
        raw = _take(data, offset, width, name)
        offset += width
        if kind == "raw":
            return ZclValue(type_id, raw), offset
        number = int.from_bytes(raw, "little", signed=kind == "int")
        if kind == "bool" and number in (0, 1):
            return ZclValue(type_id, bool(number)), offset
        return ZclValue(type_id, number), offset
    if kind in ("octets", "text"):
        length = int.from_bytes(_take(data, offset, width, name), "little")
        offset += width
        if length == (1 << (8 * width)) - 1:
            return ZclValue(type_id, None), offset
        raw = _take(data, offset, length, name)
        return ZclValue(type_id, raw if kind == "octets" else raw.decode("latin-1")), offset + length
    if kind == "array":
        element = _take(data, offset, 1, name)[0]
        count = int.from_bytes(_take(data, offset + 1, 2, name), "little")
        offset += 3
        _spec(element)
        if count == 0xFFFF:
            return ZclValue(type_id, (element, None)), offset
        items = []
        for _ in range(count):
            item, offset = _decode(element, data, offset, depth + 1)
            items.append(item)
        return ZclValue(type_id, (element, tuple(items))), offset
    # structure
    count = int.from_bytes(_take(data, offset, 2, name), "little")
    offset += 2
    if count == 0xFFFF:
        return ZclValue(type_id, None), offset
    items = []
    for _ in range(count):
        element = _take(data, offset, 1, name)[0]
        item, offset = _decode(element, data, offset + 1, depth + 1)
        items.append(item)
    return ZclValue(type_id, tuple(items)), offset


def encode_value(value: ZclValue) -> bytes:
    """The bytes of a typed value (without its type id)."""
    return _encode(value, 0)


def _encode(value: ZclValue, depth: int) -> bytes:
    if not isinstance(value, ZclValue):
        raise UsageError(f"{value!r} is not a ZclValue")
    spec = _TYPES.get(value.type_id)
    if spec is None:
        raise UsageError(f"unknown ZCL data type {value.type_id!r}")
    name, kind, width = spec
    if kind in ("array", "struct") and depth >= MAX_NESTING:
        raise UsageError(f"ZCL collections nested more than {MAX_NESTING} deep")
    v = value.value
    if kind == "none":
        if v is not None:
            raise UsageError(f"ZCL {name} carries no value")
        return b""
    if kind == "raw":
        if not isinstance(v, (bytes, bytearray)) or len(v) != width:
            raise UsageError(f"ZCL {name} needs {width} bytes")
        return bytes(v)
    if kind in ("uint", "int", "bool"):
        if not isinstance(v, int):
            raise UsageError(f"ZCL {name} needs an integer, not {type(v).__name__}")
        try:
            return int(v).to_bytes(width, "little", signed=kind == "int")
        except OverflowError as exc:
            raise UsageError(f"{v} does not fit in ZCL {name}") from exc
    if kind in ("octets", "text"):
        limit = (1 << (8 * width)) - 1
        if v is None:
            return limit.to_bytes(width, "little")
        if kind == "octets" and not isinstance(v, (bytes, bytearray)):
            raise UsageError(f"ZCL {name} needs bytes")
        if kind == "text":
            if not isinstance(v, str):
                raise UsageError(f"ZCL {name} needs a str")
            try:
                v = v.encode("latin-1")
            except UnicodeEncodeError as exc:
                raise UsageError(f"ZCL {name} holds latin-1 text only") from exc
        if len(v) >= limit:
            raise UsageError(f"ZCL {name} of {len(v)} bytes is too long")
        return len(v).to_bytes(width, "little") + bytes(v)
    if kind == "array":
        if not (isinstance(v, tuple) and len(v) == 2):
            raise UsageError(f"ZCL {name} needs (element type, items)")
        element, items = v
        if not isinstance(element, int) or element not in _TYPES:
            raise UsageError(f"unknown ZCL element type {element!r}")
        if items is None:
            return bytes([element]) + b"\xff\xff"
        if len(items) >= 0xFFFF:
            raise UsageError(f"ZCL {name} of {len(items)} elements is too long")
        out = bytearray([element]) + len(items).to_bytes(2, "little")
        for item in items:
            if not isinstance(item, ZclValue) or item.type_id != element:
                raise UsageError(f"ZCL {name} elements must all be of type 0x{element:02x}")
            out += _encode(item, depth + 1)
        return bytes(out)
    if v is None:
        return b"\xff\xff"
    if not isinstance(v, tuple) or len(v) >= 0xFFFF or not all(isinstance(i, ZclValue) for i in v):
        raise UsageError(f"ZCL {name} needs a tuple of ZclValue")
    return len(v).to_bytes(2, "little") + b"".join(bytes([i.type_id]) + _encode(i, depth + 1) for i in v)


def decode_typed(data: bytes, offset: int = 0) -> tuple[ZclValue, int]:
    """A type id followed by its value."""
    type_id = _take(data, offset, 1, "data type")[0]
    return decode_value(type_id, data, offset + 1)


def encode_typed(value: ZclValue) -> bytes:
    return bytes([value.type_id]) + encode_value(value)


# --- profile-wide commands ------------------------------------------------------------------------

READ_ATTRIBUTES = 0x00
READ_ATTRIBUTES_RESPONSE = 0x01
WRITE_ATTRIBUTES = 0x02
WRITE_ATTRIBUTES_UNDIVIDED = 0x03
WRITE_ATTRIBUTES_RESPONSE = 0x04
WRITE_ATTRIBUTES_NO_RESPONSE = 0x05
REPORT_ATTRIBUTES = 0x0A
DEFAULT_RESPONSE = 0x0B

GENERAL_COMMAND_NAMES: Mapping[int, str] = {
    READ_ATTRIBUTES: "Read Attributes", READ_ATTRIBUTES_RESPONSE: "Read Attributes Response",
    WRITE_ATTRIBUTES: "Write Attributes", WRITE_ATTRIBUTES_UNDIVIDED: "Write Attributes Undivided",
    WRITE_ATTRIBUTES_RESPONSE: "Write Attributes Response",
    WRITE_ATTRIBUTES_NO_RESPONSE: "Write Attributes No Response", REPORT_ATTRIBUTES: "Report Attributes",
    DEFAULT_RESPONSE: "Default Response",
}


@dataclass(frozen=True)
class AttributeRecord:
    attribute: int
    status: int | None = None      # read / write responses
    value: ZclValue | None = None  # read responses (status 0), write requests, reports


def _uint16(data: bytes, offset: int, what: str) -> int:
    return int.from_bytes(_take(data, offset, 2, what), "little")


def _attribute_id(attribute: int) -> bytes:
    if not isinstance(attribute, int) or not 0 <= attribute <= 0xFFFF:
        raise UsageError(f"attribute id {attribute!r} is not a 16-bit integer")
    return attribute.to_bytes(2, "little")


def _status(status: int) -> bytes:
    if not isinstance(status, int) or not 0 <= status <= 0xFF:
        raise UsageError(f"status {status!r} is not an 8-bit integer")
    return bytes([status])


def decode_read_attributes(payload: bytes) -> list[int]:
    if len(payload) % 2:
        raise MalformedMessage(f"Read Attributes payload of odd length {len(payload)}")
    return [int.from_bytes(payload[i:i + 2], "little") for i in range(0, len(payload), 2)]


def encode_read_attributes(attributes: Sequence[int]) -> bytes:
    return b"".join(_attribute_id(a) for a in attributes)


def decode_read_attributes_response(payload: bytes) -> list[AttributeRecord]:
    records, offset = [], 0
    while offset < len(payload):
        attribute = _uint16(payload, offset, "attribute id")
        status = _take(payload, offset + 2, 1, "status")[0]
        offset += 3
        if status == SUCCESS:
            value, offset = decode_typed(payload, offset)
            records.append(AttributeRecord(attribute, status, value))
        else:
            records.append(AttributeRecord(attribute, status))
    return records


def encode_read_attributes_response(records: Sequence[AttributeRecord]) -> bytes:
    out = bytearray()
    for record in records:
        status = SUCCESS if record.status is None and record.value is not None else record.status
        if status is None:
            raise UsageError(f"attribute 0x{record.attribute:04x} has neither status nor value")
        out += _attribute_id(record.attribute) + _status(status)
        if status == SUCCESS:
            if record.value is None:
                raise UsageError(f"attribute 0x{record.attribute:04x} read successfully needs a value")
            out += encode_typed(record.value)
    return bytes(out)


def decode_write_attributes(payload: bytes) -> list[AttributeRecord]:
    """Write Attributes (and its Undivided / No Response forms, and Report Attributes): id, type, value."""
    records, offset = [], 0
    while offset < len(payload):
        attribute = _uint16(payload, offset, "attribute id")
        value, offset = decode_typed(payload, offset + 2)
        records.append(AttributeRecord(attribute, value=value))
    return records


def encode_write_attributes(records: Sequence[AttributeRecord]) -> bytes:
    out = bytearray()
    for record in records:
        if record.value is None:
            raise UsageError(f"attribute 0x{record.attribute:04x} written without a value")
        out += _attribute_id(record.attribute) + encode_typed(record.value)
    return bytes(out)


decode_report_attributes = decode_write_attributes
encode_report_attributes = encode_write_attributes


def decode_write_attributes_response(payload: bytes) -> list[AttributeRecord]:
    """Status records of the attributes not written; a lone SUCCESS byte (all written) is ``[]``."""
    if payload == bytes([SUCCESS]):
        return []
    if not payload or len(payload) % 3:
        raise MalformedMessage(f"Write Attributes Response payload of {len(payload)} bytes")
    return [AttributeRecord(int.from_bytes(payload[i + 1:i + 3], "little"), payload[i])
            for i in range(0, len(payload), 3)]


def encode_write_attributes_response(records: Sequence[AttributeRecord]) -> bytes:
    if not records:
        return bytes([SUCCESS])
    out = bytearray()
    for record in records:
        if record.status is None:
            raise UsageError(f"attribute 0x{record.attribute:04x} needs a write status")
        out += _status(record.status) + _attribute_id(record.attribute)
    return bytes(out)


def decode_default_response(payload: bytes) -> tuple[int, int]:
    """(command id the response is to, status)."""
    if len(payload) != 2:
        raise MalformedMessage(f"Default Response payload of {len(payload)} bytes, not 2")
    return payload[0], payload[1]


def encode_default_response(command: int, status: int) -> bytes:
    if not isinstance(command, int) or not 0 <= command <= 0xFF:
        raise UsageError(f"command id {command!r} is not an 8-bit integer")
    return bytes([command]) + _status(status)


# --- cluster-specific commands --------------------------------------------------------------------

REST = -1   # pseudo type: every remaining byte, as bytes


@dataclass(frozen=True)
class Field:
    name: str
    type_id: int


@dataclass(frozen=True)
class Repeat:
    """A group of fields repeated ``count`` times: an int, the name of an earlier field of the same level
    holding the count, or None for 'until the end of the payload'."""

    name: str
    fields: tuple[Field, ...]
    count: int | str | None = None


@dataclass(frozen=True)
class CommandLayout:
    name: str
    fields: tuple[Field | Repeat, ...]


def _layout(name: str, *spec: Field | Repeat | tuple[str, int]) -> CommandLayout:
    return CommandLayout(name, tuple(Field(*s) if isinstance(s, tuple) else s for s in spec))


def _group(name: str, *fields: tuple[str, int], count: int | str | None = None) -> Repeat:
    return Repeat(name, tuple(Field(*f) for f in fields), count)


_PROVIDER = ("provider_id", UINT32)
_EVENT = ("issuer_event_id", UINT32)
_CALENDAR = ("issuer_calendar_id", UINT32)
_SNAPSHOT_QUERY = (("earliest_start_time", UTC), ("latest_end_time", UTC), ("snapshot_offset", UINT8),
                   ("snapshot_cause", BITMAP32))
_SNAPSHOT_HEAD = (("snapshot_id", UINT32), ("snapshot_time", UTC), ("total_snapshots_found", UINT8),
                  ("command_index", UINT8), ("total_number_of_commands", UINT8), ("snapshot_cause", BITMAP32),
                  ("snapshot_payload_type", ENUM8), ("snapshot_payload", REST))

# (cluster, command id, server to client) -> layout
COMMANDS: dict[tuple[int, int, bool], CommandLayout] = {
    # Price
    (PRICE, 0x00, False): _layout("Get Current Price", ("command_options", BITMAP8)),
    (PRICE, 0x0B, False): _layout("Get Billing Period", ("earliest_start_time", UTC), ("min_issuer_event_id", UINT32),
                                  ("number_of_commands", UINT8), ("tariff_type", BITMAP8)),
    (PRICE, 0x00, True): _layout(
        "Publish Price", _PROVIDER, ("rate_label", OCTSTR), _EVENT, ("current_time", UTC),
        ("unit_of_measure", ENUM8), ("currency", UINT16), ("price_trailing_digit_and_price_tier", BITMAP8),
        ("number_of_price_tiers_and_register_tier", BITMAP8), ("start_time", UTC), ("duration_in_minutes", UINT16),
        ("price", UINT32), ("optional_fields", REST)),
    (PRICE, 0x01, True): _layout(
        "Publish Block Period", _PROVIDER, _EVENT, ("block_period_start_time", UTC),
        ("block_period_duration", UINT24), ("block_period_control", BITMAP8),
        ("block_period_duration_type", BITMAP8), ("tariff_type", BITMAP8), ("tariff_resolution_period", ENUM8)),
    (PRICE, 0x02, True): _layout("Publish Conversion Factor", _EVENT, ("start_time", UTC),
                                 ("conversion_factor", UINT32), ("conversion_factor_trailing_digit", BITMAP8)),
    (PRICE, 0x03, True): _layout("Publish Calorific Value", _EVENT, ("start_time", UTC), ("calorific_value", UINT32),
                                 ("calorific_value_unit", ENUM8), ("calorific_value_trailing_digit", BITMAP8)),
    (PRICE, 0x04, True): _layout(
        "Publish Tariff Information", _PROVIDER, _EVENT, ("issuer_tariff_id", UINT32), ("start_time", UTC),
        ("tariff_type_charging_scheme", BITMAP8), ("tariff_label", OCTSTR), ("number_of_price_tiers_in_use", UINT8),
        ("number_of_block_thresholds_in_use", UINT8), ("unit_of_measure", ENUM8), ("currency", UINT16),
        ("price_trailing_digit", BITMAP8), ("standing_charge", UINT32), ("tier_block_mode", UINT8),
        ("block_threshold_multiplier", UINT24), ("block_threshold_divisor", UINT24)),
    (PRICE, 0x05, True): _layout(
        "Publish Price Matrix", _PROVIDER, _EVENT, ("start_time", UTC), ("issuer_tariff_id", UINT32),
        ("command_index", UINT8), ("total_number_of_commands", UINT8), ("sub_payload_control", BITMAP8),
        _group("prices", ("tier_block_id", UINT8), ("price", UINT32))),
    (PRICE, 0x06, True): _layout(
        "Publish Block Thresholds", _PROVIDER, _EVENT, ("start_time", UTC), ("issuer_tariff_id", UINT32),
        ("command_index", UINT8), ("total_number_of_commands", UINT8), ("sub_payload_control", BITMAP8),
        ("tier_and_number_of_block_thresholds", BITMAP8), _group("thresholds", ("threshold", UINT48))),
    (PRICE, 0x09, True): _layout(
        "Publish Billing Period", _PROVIDER, _EVENT, ("billing_period_start_time", UTC),
        ("billing_period_duration", UINT24), ("billing_period_duration_type", BITMAP8), ("tariff_type", BITMAP8)),
    # Metering
    (METERING, 0x06, False): _layout("Get Snapshot", *_SNAPSHOT_QUERY),
    (METERING, 0x07, False): _layout("Start Sampling", _EVENT, ("start_sampling_time", UTC), ("sample_type", ENUM8),
                                     ("sample_request_interval", UINT16), ("max_number_of_samples", UINT16)),
    (METERING, 0x08, False): _layout("Get Sampled Data", ("sample_id", UINT16), ("earliest_sample_time", UTC),
                                     ("sample_type", ENUM8), ("number_of_samples", UINT16)),
    (METERING, 0x0B, False): _layout(
        "Change Supply", _PROVIDER, _EVENT, ("request_date_time", UTC), ("implementation_date_time", UTC),
        ("proposed_supply_status", ENUM8), ("supply_control_bits", BITMAP8)),
    (METERING, 0x0D, False): _layout(
        "Set Supply Status", _EVENT, ("supply_tamper_state", ENUM8), ("supply_depletion_state", ENUM8),
        ("supply_uncontrolled_flow_state", ENUM8), ("load_limit_supply_state", ENUM8)),
    (METERING, 0x0E, False): _layout(
        "Set Uncontrolled Flow Threshold", _PROVIDER, _EVENT, ("uncontrolled_flow_threshold", UINT16),
        ("unit_of_measure", ENUM8), ("multiplier", UINT16), ("divisor", UINT16), ("stabilisation_period", UINT8),
        ("measurement_period", UINT16)),
    (METERING, 0x06, True): _layout("Publish Snapshot", *_SNAPSHOT_HEAD),
    (METERING, 0x07, True): _layout(
        "Get Sampled Data Response", ("sample_id", UINT16), ("sample_start_time", UTC), ("sample_type", ENUM8),
        ("sample_request_interval", UINT16), ("number_of_samples", UINT16), _group("samples", ("sample", UINT24))),
    (METERING, 0x0C, True): _layout("Supply Status Response", _PROVIDER, _EVENT,
                                    ("implementation_date_time", UTC), ("supply_status", ENUM8)),
    (METERING, 0x0D, True): _layout("Start Sampling Response", ("sample_id", UINT16)),
    # Prepayment
    (PREPAYMENT, 0x00, False): _layout("Select Available Emergency Credit", ("command_issue_date_time", UTC),
                                       ("originating_device", ENUM8)),
    (PREPAYMENT, 0x02, False): _layout(
        "Change Debt", _EVENT, ("debt_label", OCTSTR), ("debt_amount", INT32), ("debt_recovery_method", ENUM8),
        ("debt_amount_type", ENUM8), ("debt_recovery_start_time", UTC), ("debt_recovery_collection_time", UINT16),
        ("debt_recovery_frequency", ENUM8), ("debt_recovery_amount", INT32),
        ("debt_recovery_balance_percentage", UINT16)),
    (PREPAYMENT, 0x03, False): _layout("Emergency Credit Setup", _EVENT, ("start_time", UTC),
                                       ("emergency_credit_limit", UINT32), ("emergency_credit_threshold", UINT32)),
    (PREPAYMENT, 0x04, False): _layout("Consumer Top Up", ("originating_device", ENUM8), ("top_up_code", OCTSTR)),
    (PREPAYMENT, 0x05, False): _layout("Credit Adjustment", _EVENT, ("start_time", UTC),
                                       ("credit_adjustment_type", ENUM8), ("credit_adjustment_value", INT32)),
    (PREPAYMENT, 0x06, False): _layout(
        "Change Payment Mode", _PROVIDER, _EVENT, ("implementation_date_time", UTC),
        ("proposed_payment_control_configuration", BITMAP16), ("cut_off_value", INT32)),
    (PREPAYMENT, 0x07, False): _layout("Get Prepay Snapshot", *_SNAPSHOT_QUERY),
    (PREPAYMENT, 0x08, False): _layout("Get Top Up Log", ("latest_end_time", UTC), ("number_of_records", UINT8)),
    (PREPAYMENT, 0x09, False): _layout("Set Low Credit Warning Level", ("low_credit_warning_level", UINT32)),
    (PREPAYMENT, 0x0A, False): _layout("Get Debt Repayment Log", ("latest_end_time", UTC),
                                       ("number_of_debts", UINT8), ("debt_type", ENUM8)),
    (PREPAYMENT, 0x0B, False): _layout(
        "Set Maximum Credit Limit", _PROVIDER, _EVENT, ("implementation_date_time", UTC),
        ("maximum_credit_level", UINT32), ("maximum_credit_per_top_up", UINT32)),
    (PREPAYMENT, 0x0C, False): _layout("Set Overall Debt Cap", _PROVIDER, _EVENT,
                                       ("implementation_date_time", UTC), ("overall_debt_cap", INT32)),
    (PREPAYMENT, 0x01, True): _layout("Publish Prepay Snapshot", *_SNAPSHOT_HEAD),
    (PREPAYMENT, 0x02, True): _layout(
        "Change Payment Mode Response", ("friendly_credit", BITMAP8), ("friendly_credit_calendar_id", UINT32),
        ("emergency_credit_limit", UINT32), ("emergency_credit_threshold", UINT32)),
    (PREPAYMENT, 0x03, True): _layout("Consumer Top Up Response", ("result_type", ENUM8), ("top_up_value", INT32),
                                      ("source_of_top_up", ENUM8), ("credit_remaining", INT32)),
    (PREPAYMENT, 0x05, True): _layout(
        "Publish Top Up Log", ("command_index", UINT8), ("total_number_of_commands", UINT8),
        _group("top_ups", ("top_up_code", OCTSTR), ("top_up_amount", INT32), ("top_up_time", UTC))),
    (PREPAYMENT, 0x06, True): _layout(
        "Publish Debt Log", ("command_index", UINT8), ("total_number_of_commands", UINT8),
        _group("debts", ("collection_time", UTC), ("amount_collected", UINT32), ("debt_type", ENUM8),
               ("outstanding_debt", UINT32))),
    # Calendar
    (CALENDAR, 0x01, False): _layout("Get Day Profiles", _PROVIDER, _CALENDAR, ("start_day_id", UINT8),
                                     ("number_of_days", UINT8)),
    (CALENDAR, 0x02, False): _layout("Get Week Profiles", _PROVIDER, _CALENDAR, ("start_week_id", UINT8),
                                     ("number_of_weeks", UINT8)),
    (CALENDAR, 0x03, False): _layout("Get Seasons", _PROVIDER, _CALENDAR),
    (CALENDAR, 0x04, False): _layout("Get Special Days", ("start_time", UTC), ("number_of_events", UINT8),
                                     ("calendar_type", ENUM8), _PROVIDER, _CALENDAR),
    (CALENDAR, 0x00, True): _layout(
        "Publish Calendar", _PROVIDER, _EVENT, _CALENDAR, ("start_time", UTC), ("calendar_type", ENUM8),
        ("calendar_time_reference", UINT8), ("calendar_name", OCTSTR), ("number_of_seasons", UINT8),
        ("number_of_week_profiles", UINT8), ("number_of_day_profiles", UINT8)),
    (CALENDAR, 0x01, True): _layout(
        "Publish Day Profile", _PROVIDER, _EVENT, _CALENDAR, ("day_id", UINT8),
        ("total_number_of_schedule_entries", UINT8), ("command_index", UINT8), ("total_number_of_commands", UINT8),
        ("calendar_type", ENUM8), _group("entries", ("start_time", UINT16), ("value", UINT8))),
    (CALENDAR, 0x02, True): _layout("Publish Week Profile", _PROVIDER, _EVENT, _CALENDAR, ("week_id", UINT8),
                                    _group("day_id_refs", ("day_id", UINT8), count=7)),
    (CALENDAR, 0x03, True): _layout(
        "Publish Seasons", _PROVIDER, _EVENT, _CALENDAR, ("command_index", UINT8), ("total_number_of_commands", UINT8),
        _group("seasons", ("season_start_date", DATE), ("week_id", UINT8))),
    (CALENDAR, 0x04, True): _layout(
        "Publish Special Days", _PROVIDER, _EVENT, _CALENDAR, ("start_time", UTC), ("calendar_type", ENUM8),
        ("total_number_of_special_days", UINT8), ("command_index", UINT8), ("total_number_of_commands", UINT8),
        _group("special_days", ("date", DATE), ("day_id", UINT8))),
    # Messaging
    (MESSAGING, 0x00, True): _layout(
        "Display Message", ("message_id", UINT32), ("message_control", BITMAP8), ("start_time", UTC),
        ("duration_in_minutes", UINT16), ("message", OCTSTR), ("extended_message_control", REST)),
    # Device Management
    (DEVICE_MANAGEMENT, 0x04, False): _layout(
        "Report Event Configuration", ("command_index", UINT8), ("total_commands", UINT8),
        _group("events", ("event_id", UINT16), ("event_configuration", BITMAP8))),
    (DEVICE_MANAGEMENT, 0x00, True): _layout(
        "Publish Change of Tenancy", _PROVIDER, _EVENT, ("tariff_type", BITMAP8), ("implementation_date_time", UTC),
        ("proposed_tenancy_change_control", BITMAP32)),
    (DEVICE_MANAGEMENT, 0x01, True): _layout(
        "Publish Change of Supplier", ("current_provider_id", UINT32), _EVENT, ("tariff_type", BITMAP8),
        ("proposed_provider_id", UINT32), ("provider_change_implementation_time", UTC),
        ("provider_change_control", BITMAP32), ("proposed_provider_name", OCTSTR),
        ("proposed_provider_contact_details", OCTSTR)),
    (DEVICE_MANAGEMENT, 0x02, True): _layout(
        "Request New Password Response", _EVENT, ("implementation_date_time", UTC), ("duration_in_minutes", UINT16),
        ("password_type", ENUM8), ("password", OCTSTR)),
    (DEVICE_MANAGEMENT, 0x03, True): _layout("Update Site ID", _EVENT, ("site_id_time", UTC), _PROVIDER,
                                             ("site_id", OCTSTR)),
    (DEVICE_MANAGEMENT, 0x04, True): _layout(
        "Set Event Configuration", _EVENT, ("start_date_time", UTC), ("event_configuration", BITMAP8),
        ("configuration_control", ENUM8), ("event_configuration_payload", REST)),
    (DEVICE_MANAGEMENT, 0x05, True): _layout("Get Event Configuration", ("event_id", UINT16)),
    (DEVICE_MANAGEMENT, 0x06, True): _layout("Update CIN", _EVENT, ("cin_implementation_time", UTC), _PROVIDER,
                                             ("customer_id_number", OCTSTR)),
    # Events
    (EVENTS, 0x00, False): _layout(
        "Get Event Log", ("event_control_log_id", BITMAP8), ("event_id", UINT16), ("start_time", UTC),
        ("end_time", UTC), ("number_of_events", UINT8), ("event_offset", UINT16)),
    (EVENTS, 0x01, False): _layout("Clear Event Log Request", ("log_id", BITMAP8)),
    (EVENTS, 0x01, True): _layout(
        "Publish Event Log", ("total_number_of_events", UINT16), ("command_index", UINT8),
        ("total_commands", UINT8), ("log_payload_control", BITMAP8),
        _group("events", ("log_id", ENUM8), ("event_id", UINT16), ("event_time", UTC), ("event_data", OCTSTR))),
    (EVENTS, 0x02, True): _layout("Clear Event Log Response", ("cleared_event_logs", BITMAP8)),
}

# Snapshot sub-payloads by (cluster, snapshot payload type), as GBCS fills them.
SNAPSHOT_PAYLOADS: dict[tuple[int, int], CommandLayout] = {
    (METERING, 0x06): _layout(
        "TOU and Block Information Set Delivered", ("current_summation_delivered", UINT48),
        ("number_of_tiers_in_use", UINT8),
        _group("tier_summations", ("summation", UINT48), count="number_of_tiers_in_use"),
        ("number_of_tiers_and_block_thresholds_in_use", BITMAP8),
        _group("block_summations", ("summation", UINT48))),
    (PREPAYMENT, 0x00): _layout(
        "Debt / Credit Status", ("accumulated_debt", INT32), ("type1_debt_remaining", UINT32),
        ("type2_debt_remaining", UINT32), ("type3_debt_remaining", UINT32), ("emergency_credit_remaining", INT32),
        ("credit_remaining", INT32)),
}

# The event configuration payload of Set Event Configuration, by its configuration control (apply by list,
# by event group, by log type, by configuration match).
EVENT_CONFIGURATION_PAYLOADS: dict[int, CommandLayout] = {
    0x00: _layout("Apply by List", ("number_of_events", UINT8),
                  _group("event_ids", ("event_id", UINT16), count="number_of_events")),
    0x01: _layout("Apply by Event Group", ("event_group_id", UINT16)),
    0x02: _layout("Apply by Log Type", ("log_id", ENUM8)),
    0x03: _layout("Apply by Configuration Match", ("configuration_value_match", BITMAP8)),
}


def command_layout(cluster: int, command: int, server_to_client: bool) -> CommandLayout | None:
    return COMMANDS.get((cluster, command, bool(server_to_client)))


def _decode_fields(fields: Sequence[Field | Repeat], data: bytes, offset: int) -> tuple[dict[str, Any], int]:
    values: dict[str, Any] = {}
    for field in fields:
        if isinstance(field, Repeat):
            if field.count is None:
                count = None
            elif isinstance(field.count, int):
                count = field.count
            else:
                count = values[field.count]
            group = []
            while (offset < len(data)) if count is None else (len(group) < count):
                item, offset = _decode_fields(field.fields, data, offset)
                group.append(item)
            values[field.name] = group
        elif field.type_id == REST:
            values[field.name] = data[offset:]
            offset = len(data)
        else:
            value, offset = decode_value(field.type_id, data, offset)
            values[field.name] = value.value
    return values, offset


def _encode_fields(fields: Sequence[Field | Repeat], values: Mapping[str, Any], out: bytearray,
                   *, trailing: bool) -> None:
    for index, field in enumerate(fields):
        if field.name not in values:
            raise UsageError(f"missing field {field.name!r}")
        value = values[field.name]
        if isinstance(field, Repeat):
            if not isinstance(value, (list, tuple)):
                raise UsageError(f"{field.name!r} needs a list")
            if isinstance(field.count, int) and len(value) != field.count:
                raise UsageError(f"{field.name!r} needs {field.count} entries")
            if isinstance(field.count, str) and len(value) != values[field.count]:
                raise UsageError(f"{field.name!r} has {len(value)} entries, {field.count} says {values[field.count]}")
            if field.count is None and not (trailing and index == len(fields) - 1):
                raise UsageError(f"{field.name!r} repeats to the end but is not last")
            for item in value:
                if not isinstance(item, Mapping):
                    raise UsageError(f"entries of {field.name!r} are mappings")
                _encode_fields(field.fields, item, out, trailing=False)
        elif field.type_id == REST:
            if not isinstance(value, (bytes, bytearray)):
                raise UsageError(f"{field.name!r} needs bytes")
            out += value
        else:
            out += encode_value(ZclValue(field.type_id, value))


def decode_fields(layout: CommandLayout, payload: bytes) -> dict[str, Any]:
    """Decode a payload laid out as ``layout`` into {field name: plain value}; repeats are lists of dicts."""
    values, offset = _decode_fields(layout.fields, payload, 0)
    if offset != len(payload):
        raise MalformedMessage(f"{len(payload) - offset} bytes after the {layout.name} fields")
    return values


def encode_fields(layout: CommandLayout, values: Mapping[str, Any]) -> bytes:
    out = bytearray()
    _encode_fields(layout.fields, values, out, trailing=True)
    return bytes(out)


def decode_command(cluster: int, command: int, server_to_client: bool, payload: bytes) -> dict[str, Any]:
    """The fields of a cluster-specific command (``UsageError`` if the command is not in ``COMMANDS``)."""
    layout = command_layout(cluster, command, server_to_client)
    if layout is None:
        raise UsageError(f"no layout for command 0x{command:02x} of cluster 0x{cluster:04x}")
    return decode_fields(layout, payload)


def encode_command(cluster: int, command: int, server_to_client: bool, values: Mapping[str, Any]) -> bytes:
    layout = command_layout(cluster, command, server_to_client)
    if layout is None:
        raise UsageError(f"no layout for command 0x{command:02x} of cluster 0x{cluster:04x}")
    return encode_fields(layout, values)
