"""Named fields of a ZCL payload (the part of a GBZ component after its command id), and back to bytes.

Profile-wide commands read as attribute records: Read Attributes lists ``attributes``; Read Attributes
Response, Write Attributes (and its Undivided / No Response forms) and Report Attributes give ``records``
(``attribute_id`` as four hex digits with the ``attribute`` name of its cluster beside it, the ZCL ``status``
by name, the value's ZCL ``type`` by name and its ``value``); Write Attributes Response gives the records
not written (none when all were); Default Response the ``command_id`` it answers (with the ``command``
name) and its ``status``. Cluster-specific commands read as the fields of their layout in
``gbcs.zcl`` (snapshot and event-configuration sub-payloads by their own layouts).

Values: UTC times as ISO text (``2015-01-01T00:00:00Z``); ZCL dates as ``YYYY-MM-DD`` with ``*`` for
unspecified parts and ``/d`` for a specified day of week; octet strings as hex, or as text for the fields
of ``zcl_names.TEXT_FIELDS`` when printable (else ``{"hex": ...}``); the enumerations of
``zcl_names.FIELD_NAMES`` by name; event ids as four hex digits with the alert name beside them.
``describe`` returns None when a payload does not read as its command
or would not rebuild byte-exact; the caller then keeps the payload as hex.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from gbcs.errors import GbcsError, MalformedMessage, UsageError
from gbcs import zcl
from gbcs.zcl import AttributeRecord, CommandLayout, Repeat, ZclValue
from gbcs.semantic.common import Names, field, hex_bytes, integer, utc_seconds, utc_seconds_text
from gbcs.semantic.alerts import ALERT_NAMES
from gbcs.semantic.zcl_names import (
    CLUSTER_COMMANDS,
    CODE_FIELDS,
    FIELD_NAMES,
    STATUSES,
    TEXT_FIELDS,
    TYPES,
    attribute_name,
)

_DATE = re.compile(r"^(\d{4}|\*{4})-(\d\d|\*\*)-(\d\d|\*\*)(?:/(\d))?$")
_PRINTABLE = frozenset(range(0x20, 0x7F))


# --- values ---------------------------------------------------------------------------------------

def date_text(value: int) -> str | int:
    """A ZCL date (year - 1900, month, day, day of week; 0xFF unspecified) as text, or the number if odd."""
    year, month, day, weekday = value.to_bytes(4, "little")
    if not (month == 0xFF or 1 <= month <= 12) or not (day == 0xFF or 1 <= day <= 31) \
            or not (weekday == 0xFF or 1 <= weekday <= 7):
        return value
    text = ("****" if year == 0xFF else f"{1900 + year:04d}") + "-" + ("**" if month == 0xFF else f"{month:02d}") \
        + "-" + ("**" if day == 0xFF else f"{day:02d}")
    return text if weekday == 0xFF else f"{text}/{weekday}"


def date_value(text: Any, what: str) -> int:
    if isinstance(text, int) and not isinstance(text, bool):
        return integer(text, what, 0, 0xFFFFFFFF)
    match = _DATE.match(text) if isinstance(text, str) else None
    if not match:
        raise MalformedMessage(f"{what}: expected a date YYYY-MM-DD[/d], got {text!r}")
    year = 0xFF if match[1].startswith("*") else int(match[1]) - 1900
    month = 0xFF if match[2].startswith("*") else int(match[2])
    day = 0xFF if match[3].startswith("*") else int(match[3])
    weekday = 0xFF if match[4] is None else int(match[4])
    if not 0 <= year <= 0xFE and year != 0xFF:
        raise MalformedMessage(f"{what}: year out of range in {text!r}")
    value = bytes([year, month, day, weekday])
    number = int.from_bytes(value, "little")
    if date_text(number) != text:
        raise MalformedMessage(f"{what}: not a valid ZCL date: {text!r}")
    return number


def _text(raw: bytes) -> Any:
    if raw and set(raw) <= _PRINTABLE:
        return raw.decode("ascii")
    return {"hex": raw.hex()}


def _text_bytes(value: Any, what: str) -> bytes:
    if isinstance(value, str):
        try:
            raw = value.encode("ascii")
        except UnicodeEncodeError as exc:
            raise MalformedMessage(f"{what}: text is ASCII, got {value!r}") from exc
        if not raw or not set(raw) <= _PRINTABLE:
            raise MalformedMessage(f"{what}: text is printable ASCII; give other octets as {{\"hex\": ...}}")
        return raw
    if isinstance(value, dict) and set(value) == {"hex"}:
        return hex_bytes(value["hex"], what)
    raise MalformedMessage(f"{what}: expected text or {{\"hex\": ...}}, got {value!r}")


def show(type_id: int, value: Any, name: str = "") -> Any:
    """A plain value of a ZCL type (as ``gbcs.zcl`` decodes it) in its readable form."""
    if value is None:
        return None
    if type_id == zcl.UTC:
        return utc_seconds_text(value)
    if type_id == zcl.DATE:
        return date_text(value)
    if isinstance(value, (bytes, bytearray)):
        return _text(bytes(value)) if name in TEXT_FIELDS else bytes(value).hex()
    if name in FIELD_NAMES and isinstance(value, int) and not isinstance(value, bool):
        return FIELD_NAMES[name].name(value)
    return value


def parse(type_id: int, value: Any, name: str = "") -> Any:
    """The plain value of a readable one (the inverse of ``show``)."""
    what = name or zcl.TYPE_NAMES.get(type_id, str(type_id))
    if value is None:
        return None
    if type_id == zcl.UTC:
        return utc_seconds(value, what)
    if type_id == zcl.DATE:
        return date_value(value, what)
    kind = zcl.type_kind(type_id) if type_id in zcl.TYPE_NAMES else "raw"
    if kind in ("octets", "raw"):
        return _text_bytes(value, what) if name in TEXT_FIELDS else hex_bytes(value, what)
    if name in FIELD_NAMES and isinstance(value, str):
        return FIELD_NAMES[name].code(value)
    return value


def typed(value: ZclValue) -> dict[str, Any]:
    """A typed ZCL value: ``{"type": name, "value": ...}`` (arrays and structures nest)."""
    return {"type": TYPES.name(value.type_id), "value": _inner(value)}


def _inner(value: ZclValue) -> Any:
    kind = zcl.type_kind(value.type_id)
    if kind == "array":
        element, items = value.value
        return {"element_type": TYPES.name(element),
                "items": None if items is None else [_inner(item) for item in items]}
    if kind == "struct":
        return None if value.value is None else [typed(item) for item in value.value]
    return show(value.type_id, value.value)


def untyped(fields: Any, what: str = "value") -> ZclValue:
    """The ZCL value of ``{"type": ..., "value": ...}`` (the inverse of ``typed``)."""
    type_id = _type_id(field(fields, "type"))
    return _value(type_id, field(fields, "value"), what)


def _type_id(name: Any) -> int:
    type_id = TYPES.code(name)
    if type_id not in zcl.TYPE_NAMES:
        raise MalformedMessage(f"unknown ZCL data type {name!r}")
    return type_id


def _value(type_id: int, inner: Any, what: str) -> ZclValue:
    kind = zcl.type_kind(type_id)
    if kind == "array":
        element = _type_id(field(inner, "element_type"))
        items = field(inner, "items")
        if items is None:
            return ZclValue(type_id, (element, None))
        if not isinstance(items, list):
            raise MalformedMessage(f"{what}: items is a list")
        return ZclValue(type_id, (element, tuple(_value(element, item, what) for item in items)))
    if kind == "struct":
        if inner is None:
            return ZclValue(type_id, None)
        if not isinstance(inner, list):
            raise MalformedMessage(f"{what}: a structure is a list of typed values")
        return ZclValue(type_id, tuple(untyped(item, what) for item in inner))
    if kind == "text" and inner is not None and not isinstance(inner, str):
        raise MalformedMessage(f"{what}: a character string is text")
    return ZclValue(type_id, parse(type_id, inner))


# --- profile-wide commands ------------------------------------------------------------------------

def _attribute(cluster: int, attribute: int) -> dict[str, Any]:
    out: dict[str, Any] = {"attribute_id": f"{attribute:04X}"}
    name = attribute_name(cluster, attribute)
    if name:
        out["attribute"] = name
    return out


def _attribute_id(fields: Any) -> int:
    text = field(fields, "attribute_id")
    if not isinstance(text, str) or len(text) != 4:
        raise MalformedMessage(f"attribute_id is four hex digits, not {text!r}")
    try:
        return int(text, 16)
    except ValueError as exc:
        raise MalformedMessage(f"attribute_id is four hex digits, not {text!r}") from exc


def _describe_record(cluster: int, record: AttributeRecord, *, status: bool) -> dict[str, Any]:
    out = _attribute(cluster, record.attribute)
    if status:
        out["status"] = STATUSES.name(record.status if record.status is not None else zcl.SUCCESS)
    if record.value is not None:
        out.update(typed(record.value))
    return out


def _build_record(fields: Any, *, status: bool) -> AttributeRecord:
    attribute = _attribute_id(fields)
    code = integer(STATUSES.code(field(fields, "status")), "status", 0, 255) if status else None
    value = untyped(fields) if "type" in fields else None
    return AttributeRecord(attribute, code, value)


def _command_names(cluster: int, server_to_client: bool) -> Names | None:
    return CLUSTER_COMMANDS.get((cluster, server_to_client))


def _describe_general(cluster: int, server_to_client: bool, command: int, payload: bytes) -> dict[str, Any] | None:
    if command == zcl.READ_ATTRIBUTES:
        return {"attributes": [_attribute(cluster, a) for a in zcl.decode_read_attributes(payload)]}
    if command == zcl.READ_ATTRIBUTES_RESPONSE:
        return {"records": [_describe_record(cluster, r, status=True)
                            for r in zcl.decode_read_attributes_response(payload)]}
    if command in (zcl.WRITE_ATTRIBUTES, zcl.WRITE_ATTRIBUTES_UNDIVIDED, zcl.WRITE_ATTRIBUTES_NO_RESPONSE,
                   zcl.REPORT_ATTRIBUTES):
        return {"records": [_describe_record(cluster, r, status=False) for r in zcl.decode_write_attributes(payload)]}
    if command == zcl.WRITE_ATTRIBUTES_RESPONSE:
        return {"records": [_describe_record(cluster, r, status=True)
                            for r in zcl.decode_write_attributes_response(payload)]}
    if command == zcl.DEFAULT_RESPONSE:
        answered, status = zcl.decode_default_response(payload)
        out: dict[str, Any] = {"command_id": answered}
        # The answered command went the other way; some devices flag their answer with the command's own
        # direction, so that table is the fallback.
        for names in (_command_names(cluster, not server_to_client), _command_names(cluster, server_to_client)):
            if names is not None and isinstance(names.name(answered), str):
                out["command"] = names.name(answered)
                break
        out["status"] = STATUSES.name(status)
        return out
    return None


def _build_general(command: int, fields: Mapping[str, Any]) -> bytes:
    if command == zcl.READ_ATTRIBUTES:
        return zcl.encode_read_attributes([_attribute_id(a) for a in _list(fields, "attributes")])
    if command == zcl.READ_ATTRIBUTES_RESPONSE:
        return zcl.encode_read_attributes_response([_build_record(r, status=True) for r in _list(fields, "records")])
    if command in (zcl.WRITE_ATTRIBUTES, zcl.WRITE_ATTRIBUTES_UNDIVIDED, zcl.WRITE_ATTRIBUTES_NO_RESPONSE,
                   zcl.REPORT_ATTRIBUTES):
        return zcl.encode_write_attributes([_build_record(r, status=False) for r in _list(fields, "records")])
    if command == zcl.WRITE_ATTRIBUTES_RESPONSE:
        return zcl.encode_write_attributes_response([_build_record(r, status=True) for r in _list(fields, "records")])
    if command == zcl.DEFAULT_RESPONSE:
        return zcl.encode_default_response(integer(field(fields, "command_id"), "command_id", 0, 255),
                                           integer(STATUSES.code(field(fields, "status")), "status", 0, 255))
    raise MalformedMessage(f"no named fields for profile-wide command 0x{command:02x}: give the payload as hex")


def _list(fields: Mapping[str, Any], key: str) -> list:
    value = field(fields, key)
    if not isinstance(value, list):
        raise MalformedMessage(f"{key} must be a list")
    return value


# --- cluster-specific commands --------------------------------------------------------------------

# Sub-payloads read by their own layouts: field → (the field that selects the layout, layouts by its value).
def _sub_layouts(cluster: int) -> dict[str, tuple[str, Mapping[int, CommandLayout]]]:
    return {"snapshot_payload": ("snapshot_payload_type",
                                 {kind: layout for (c, kind), layout in zcl.SNAPSHOT_PAYLOADS.items() if c == cluster}),
            "event_configuration_payload": ("configuration_control", zcl.EVENT_CONFIGURATION_PAYLOADS)}


def _show_fields(layout_fields: tuple, values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in layout_fields:
        value = values[item.name]
        if isinstance(item, Repeat):
            out[item.name] = [_show_fields(item.fields, entry) for entry in value]
        elif item.name in CODE_FIELDS and isinstance(value, int) and item.type_id == zcl.UINT16:
            out[item.name] = f"{value:04X}"
            if value in ALERT_NAMES:
                out[CODE_FIELDS[item.name]] = ALERT_NAMES[value]
        else:
            out[item.name] = show(item.type_id, value, item.name)
    return out


def _parse_fields(layout_fields: tuple, fields: Any) -> dict[str, Any]:
    if not isinstance(fields, Mapping):
        raise MalformedMessage(f"expected an object with {', '.join(f.name for f in layout_fields)}")
    values: dict[str, Any] = {}
    for item in layout_fields:
        value = field(fields, item.name)
        if isinstance(item, Repeat):
            if not isinstance(value, list):
                raise MalformedMessage(f"{item.name} must be a list")
            values[item.name] = [_parse_fields(item.fields, entry) for entry in value]
        elif item.name in CODE_FIELDS and item.type_id == zcl.UINT16 and isinstance(value, str):
            if len(value) != 4:
                raise MalformedMessage(f"{item.name} is four hex digits, not {value!r}")
            try:
                values[item.name] = int(value, 16)
            except ValueError as exc:
                raise MalformedMessage(f"{item.name} is four hex digits, not {value!r}") from exc
        else:
            values[item.name] = parse(item.type_id, value, item.name)
    return values


def _describe_specific(cluster: int, layout: CommandLayout, payload: bytes) -> dict[str, Any]:
    values = zcl.decode_fields(layout, payload)
    out = _show_fields(layout.fields, values)
    for name, (selector, layouts) in _sub_layouts(cluster).items():
        sub = layouts.get(values.get(selector)) if name in values else None
        if sub is None or not values[name]:
            continue
        try:
            sub_values = zcl.decode_fields(sub, values[name])
        except MalformedMessage:
            continue
        if zcl.encode_fields(sub, sub_values) == values[name]:
            out[name] = _show_fields(sub.fields, sub_values)
    return out


def _build_specific(cluster: int, layout: CommandLayout, fields: Mapping[str, Any]) -> bytes:
    if not isinstance(fields, Mapping):
        raise MalformedMessage(f"the fields of {layout.name} are an object")
    subs = {name: fields[name] for name in _sub_layouts(cluster) if isinstance(fields.get(name), Mapping)}
    plain = {k: v for k, v in fields.items() if k not in subs}
    for name in subs:
        plain[name] = ""
    values = _parse_fields(layout.fields, plain)
    for name, sub_fields in subs.items():
        selector, layouts = _sub_layouts(cluster)[name]
        sub = layouts.get(values.get(selector))
        if sub is None:
            raise MalformedMessage(f"no layout of {name} for {selector} {values.get(selector)!r}")
        values[name] = zcl.encode_fields(sub, _parse_fields(sub.fields, sub_fields))
    return zcl.encode_fields(layout, values)


# --- entry points ---------------------------------------------------------------------------------

def describe(cluster: int, frame_control: int, command: int, payload: bytes) -> dict[str, Any] | None:
    """The named fields of a ZCL payload, or None if it cannot be named and rebuilt byte-exact."""
    server_to_client = bool(frame_control & zcl.SERVER_TO_CLIENT)
    try:
        if frame_control & 0x03 == 0:
            fields = _describe_general(cluster, server_to_client, command, payload)
        elif frame_control & 0x03 == zcl.FRAME_TYPE_CLUSTER_SPECIFIC:
            layout = zcl.command_layout(cluster, command, server_to_client)
            fields = _describe_specific(cluster, layout, payload) if layout else None
        else:
            fields = None
        if fields is None or build(cluster, frame_control, command, fields) != payload:
            return None
        return fields
    except (GbcsError, ValueError, OverflowError):
        return None


def build(cluster: int, frame_control: int, command: int, fields: Any) -> bytes:
    """The ZCL payload of named fields (the inverse of ``describe``)."""
    if not isinstance(fields, Mapping):
        raise MalformedMessage("the ZCL fields of a component are an object")
    try:
        if frame_control & 0x03 == 0:
            return _build_general(command, fields)
        layout = zcl.command_layout(cluster, command, bool(frame_control & zcl.SERVER_TO_CLIENT))
        if frame_control & 0x03 != zcl.FRAME_TYPE_CLUSTER_SPECIFIC or layout is None:
            raise MalformedMessage(f"no named fields for command 0x{command:02x} of cluster 0x{cluster:04x}: "
                                   "give the payload as hex")
        return _build_specific(cluster, layout, fields)
    except UsageError as exc:
        raise MalformedMessage(f"cannot build the ZCL payload: {exc}") from exc
