"""Named fields of the DLMS COSEM payloads: access requests, access responses and alerts (data-notifications).

Every request names its service, interface class, object (OBIS code and GBCS name), attribute or method;
every response names its result. Values are the typed values of ``dlms_values``, with a few structures
named: the data-protection (class 30) ``get_protected_attributes`` parameters and the protected attributes
that answer it (``protection_parameters``: transaction id, originator and recipient system titles, key
information …), the range of a selective-access read, and the use-case payloads of the DLMS alerts.
Numbers are authoritative where a name is shown beside them (``class_id`` and ``class``, ``message_code``
and ``use_case`` …): building reads the numbers and recomputes the names.
"""
from __future__ import annotations

from typing import Any, Callable

from gbcs.catalogue import lookup
from gbcs.errors import MalformedMessage
from gbcs.semantic.alerts import INTEGRITY_ISSUES, alert_code, alert_fields
from gbcs.semantic.axdr_schema import ANY, DATE_TIME, EUI, HEX, OBIS, Array, Number, Octets, Shape, Struct
from gbcs.semantic.common import Mismatch, Names, eui, expect, field, hex_bytes, integer
from gbcs.semantic.cosem_objects import (
    ACTION_RESULTS,
    CLASSES,
    DATA_ACCESS_RESULTS,
    class_name,
    object_name,
    obis_octets,
    obis_text,
)
from gbcs.semantic.dlms_time import date_time_octets, date_time_text
from gbcs.semantic.dlms_values import node_of, value_of

PROTECTION_TYPES = Names({0: "authentication", 1: "encryption", 2: "authentication-and-encryption",
                          3: "digital-signature"})
KEY_INFO_TYPES = Names({0: "identified-key", 1: "wrapped-key", 2: "agreed-key"})
CRA = Names({1: "command", 2: "response", 3: "alert"})
RESTRICTION_TYPES = Names({0: "none", 1: "by-date", 2: "by-entry"})

PROTECTION_PARAMETERS = Struct(
    ("protection_type", Number("enum", PROTECTION_TYPES)),
    ("protection_options", Struct(
        ("transaction_id", HEX), ("originator_system_title", EUI), ("recipient_system_title", EUI),
        ("other_information", HEX),
        ("key_info", Struct(("key_info_type", Number("enum", KEY_INFO_TYPES)),
                            ("agreed_key_info", Struct(("key_parameters", HEX), ("key_ciphered_data", HEX))))))))


class _ObjectDefinition(Shape):
    """class id, logical name, attribute index, data index [, restriction]: an object as data names it."""

    def __init__(self, *extra: tuple[str, Shape]):
        self.struct = Struct(("class_id", Number("long-unsigned")), ("obis", OBIS), ("attribute_id", Number("integer")),
                             ("data_index", Number("long-unsigned")), *extra)

    def read(self, node: dict[str, Any]) -> dict[str, Any]:
        fields = self.struct.read(node)
        return _named_object(fields, bytes.fromhex(node["items"][1]["hex"]))

    def write(self, value: Any) -> dict[str, Any]:
        return self.struct.write(value)


def _named_object(fields: dict[str, Any], obis: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {"class_id": fields["class_id"]}
    if class_name(fields["class_id"]):
        out["class"] = class_name(fields["class_id"])
    out["obis"] = fields["obis"]
    if object_name(fields["class_id"], obis):
        out["object"] = object_name(fields["class_id"], obis)
    interface = CLASSES.get(fields["class_id"])
    out["attribute_id"] = fields["attribute_id"]
    if interface and isinstance(interface.attributes.name(fields["attribute_id"]), str):
        out["attribute"] = interface.attributes.name(fields["attribute_id"])
    for key, value in fields.items():
        out.setdefault(key, value)
    return out


GET_PROTECTED_ATTRIBUTES = Struct(
    ("objects", Array(_ObjectDefinition(("restriction", Struct(("restriction_type", Number("enum", RESTRICTION_TYPES)),
                                                               ("restriction_value", ANY)))))),
    ("protection_parameters", Array(PROTECTION_PARAMETERS)))


class _Ciphered(Shape):
    """Protected attributes: security control (0x31), invocation counter (4), ciphertext and 12-octet tag."""

    def read(self, node: dict[str, Any]) -> dict[str, Any]:
        expect(node.get("type") == "octet-string", "expected an octet-string")
        raw = bytes.fromhex(node["hex"])
        expect(len(raw) >= 17 and raw[0] == 0x31, "not protected data")
        return {"security_control": "31", "invocation_counter": int.from_bytes(raw[1:5], "big"),
                "ciphertext": raw[5:-12].hex(), "tag": raw[-12:].hex()}

    def write(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise MalformedMessage("protected attributes want security_control, invocation_counter, ciphertext, tag")
        control = hex_bytes(field(value, "security_control"), "security_control")
        counter = integer(field(value, "invocation_counter"), "invocation_counter", 0, 0xFFFFFFFF)
        tag = hex_bytes(field(value, "tag"), "tag")
        if control != b"\x31" or len(tag) != 12:
            raise MalformedMessage("protected attributes have security control 31 and a 12-octet tag")
        raw = control + counter.to_bytes(4, "big") + hex_bytes(field(value, "ciphertext"), "ciphertext") + tag
        return {"type": "octet-string", "hex": raw.hex()}


PROTECTED_ATTRIBUTES = Struct(("protection_parameters", Array(PROTECTION_PARAMETERS)),
                              ("protected_attributes", _Ciphered()))
RANGE = Struct(("restricting_object", _ObjectDefinition()), ("from", ANY), ("to", ANY),
               ("selected_values", Array(_ObjectDefinition())))

# Named data views: one-key objects whose key is not a DLMS type name.
NAMED_DATA: dict[str, Shape] = {"get_protected_attributes": GET_PROTECTED_ATTRIBUTES,
                                "get_protected_attributes_response": PROTECTED_ATTRIBUTES, "range": RANGE}


def _named(view: str, node: dict[str, Any]) -> Any:
    try:
        return {view: NAMED_DATA[view].read(node)}
    except Mismatch:
        return value_of(node)


def data_node(value: Any) -> dict[str, Any]:
    """The tree node of a value that is either typed (``dlms_values``) or one of the named data views."""
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if key in NAMED_DATA:
            return NAMED_DATA[key].write(inner)
    return node_of(value)


# --- descriptors --------------------------------------------------------------------------------

def _describe_spec(spec: dict[str, Any]) -> dict[str, Any]:
    class_id, raw_obis = spec["class"], bytes.fromhex(spec["obis"])
    out: dict[str, Any] = {"service": spec["choice"], "class_id": class_id}
    interface = CLASSES.get(class_id)
    if interface:
        out["class"] = interface.name
    out["obis"] = obis_text(raw_obis)
    if object_name(class_id, raw_obis):
        out["object"] = object_name(class_id, raw_obis)
    member, names = ("method", interface.methods if interface else None) if spec["choice"] == "action" else \
        ("attribute", interface.attributes if interface else None)
    number = spec[member]
    out[f"{member}_id"] = number
    if names and isinstance(names.name(number), str):
        out[member] = names.name(number)
    if "selector" in spec:
        out["selector"] = spec["selector"]
        out["selection"] = _named("range", spec["parameters"]) if spec["selector"] == 1 else \
            value_of(spec["parameters"])
    return out


def _build_spec(fields: dict[str, Any]) -> dict[str, Any]:
    service = field(fields, "service")
    if service not in ("get", "set", "action", "get-with-selection", "set-with-selection"):
        raise MalformedMessage(f"unknown access service {service!r}")
    class_id = integer(field(fields, "class_id"), "class_id", 0, 0xFFFF)
    member = "method" if service == "action" else "attribute"
    spec: dict[str, Any] = {"choice": service, "class": class_id, "obis": obis_octets(field(fields, "obis")).hex().upper(),
                            member: integer(field(fields, f"{member}_id"), f"{member}_id", 0, 0xFF)}
    if service.endswith("with-selection"):
        spec["selector"] = integer(field(fields, "selector"), "selector", 0, 0xFF)
        spec["parameters"] = data_node(field(fields, "selection"))
    return spec


def _describe_apdu_time(value: str | None) -> Any:
    if value is None:
        return None
    readable = date_time_text(bytes.fromhex(value))
    return readable if readable is not None else {"hex": value}


def _build_apdu_time(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict) and "hex" in value:
        raw = hex_bytes(value["hex"], "date_time")
        if not 0 < len(raw) < 256:
            raise MalformedMessage("an APDU date-time is 1 to 255 octets")
        return raw.hex()
    return date_time_octets(value).hex()


def _invoke_id(fields: dict[str, Any]) -> str:
    raw = hex_bytes(field(fields, "invoke_id"), "invoke_id")
    if len(raw) != 4:
        raise MalformedMessage("invoke_id is 4 octets")
    return raw.hex()


# --- access request -----------------------------------------------------------------------------

def describe_access_request(tree: dict[str, Any]) -> dict[str, Any]:
    expect(len(tree["specs"]) == len(tree["data"]), "as many data as requests")
    requests = []
    for spec, data in zip(tree["specs"], tree["data"]):
        request = _describe_spec(spec)
        if data.get("type") != "null":
            protected = spec["choice"] == "action" and spec["class"] == 30 and spec["method"] == 1
            request["data"] = _named("get_protected_attributes", data) if protected else value_of(data)
        requests.append(request)
    return {"invoke_id": tree["invoke_id"], "date_time": _describe_apdu_time(tree["date_time"]), "requests": requests}


def build_access_request(fields: dict[str, Any]) -> dict[str, Any]:
    requests = field(fields, "requests")
    if not isinstance(requests, list):
        raise MalformedMessage("requests must be a list")
    return {"invoke_id": _invoke_id(fields), "date_time": _build_apdu_time(fields.get("date_time")),
            "specs": [_build_spec(r) for r in requests], "data": [data_node(r.get("data")) for r in requests]}


# --- access response ----------------------------------------------------------------------------

def _describe_result(result: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    names = ACTION_RESULTS if result["choice"] == "action" else DATA_ACCESS_RESULTS
    out: dict[str, Any] = {"service": result["choice"], "result": names.name(result["result"])}
    if data.get("type") != "null":
        out["data"] = _named("get_protected_attributes_response", data)
    return out


def describe_access_response(tree: dict[str, Any]) -> dict[str, Any]:
    expect(len(tree["data"]) == len(tree["results"]), "as many data as results")
    out: dict[str, Any] = {"invoke_id": tree["invoke_id"], "date_time": _describe_apdu_time(tree["date_time"])}
    if "request_specs" in tree:
        out["requests"] = [_describe_spec(spec) for spec in tree["request_specs"]]
    out["responses"] = [_describe_result(r, d) for r, d in zip(tree["results"], tree["data"])]
    return out


def build_access_response(fields: dict[str, Any]) -> dict[str, Any]:
    responses = field(fields, "responses")
    if not isinstance(responses, list):
        raise MalformedMessage("responses must be a list")
    tree: dict[str, Any] = {"invoke_id": _invoke_id(fields), "date_time": _build_apdu_time(fields.get("date_time"))}
    if "requests" in fields:
        tree["request_specs"] = [_build_spec(spec) for spec in fields["requests"]]
    results, data = [], []
    for response in responses:
        service = field(response, "service")
        if service not in ("get", "set", "action"):
            raise MalformedMessage(f"unknown access response service {service!r}")
        names = ACTION_RESULTS if service == "action" else DATA_ACCESS_RESULTS
        results.append({"choice": service, "result": integer(names.code(field(response, "result")), "result", 0, 255)})
        data.append(data_node(response.get("data")))
    tree["data"], tree["results"] = data, results
    return tree


# --- alerts (data-notification) -----------------------------------------------------------------

def _message_code_fields(raw: bytes) -> dict[str, Any]:
    code = int.from_bytes(raw, "big")
    out: dict[str, Any] = {"message_code": f"{code:04X}"}
    info = lookup(code)
    if info:
        out["use_case"] = info.use_case
    return out


def _message_code(value: Any) -> bytes:
    try:
        code = int(str(value), 16)
    except ValueError:
        raise MalformedMessage(f"a message code is four hex digits, not {value!r}") from None
    return integer(code, "message_code", 0, 0xFFFF).to_bytes(2, "big")


class _Packed(Shape):
    """An octet-string packing fixed-size fields: (name, size, show, parse) each."""

    def __init__(self, *parts: tuple[str, int, Callable[[bytes], Any], Callable[[Any], bytes]]):
        self.parts = parts
        self.size = sum(size for _, size, _, _ in parts)

    def read(self, node: dict[str, Any]) -> dict[str, Any]:
        expect(node.get("type") == "octet-string", "expected an octet-string")
        raw = bytes.fromhex(node["hex"])
        expect(len(raw) == self.size, f"expected {self.size} octets")
        out: dict[str, Any] = {}
        position = 0
        for _name, size, show, _parse in self.parts:
            out.update(show(raw[position:position + size]))
            position += size
        return out

    def write(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise MalformedMessage(f"expected an object with {', '.join(p[0] for p in self.parts)}")
        raw = b""
        for name, size, _show, parse in self.parts:
            part = parse(field(value, name))
            if len(part) != size:
                raise MalformedMessage(f"{name} is {size} octets")
            raw += part
        return {"type": "octet-string", "hex": raw.hex()}


def _counter(name: str) -> tuple[str, int, Callable[[bytes], Any], Callable[[Any], bytes]]:
    return (name, 8, lambda raw: {name: int.from_bytes(raw, "big")},
            lambda value: integer(value, name, 0, 2**64 - 1).to_bytes(8, "big"))


def _eui_part(name: str) -> tuple[str, int, Callable[[bytes], Any], Callable[[Any], bytes]]:
    return (name, 8, lambda raw: {name: eui(raw)}, lambda value: hex_bytes(value, name))


_MESSAGE_CODE = ("message_code", 2, _message_code_fields, _message_code)


def _attribute_descriptor(raw: bytes) -> dict[str, Any]:
    class_id = int.from_bytes(raw[:2], "big")
    return _named_object({"class_id": class_id, "obis": obis_text(raw[2:8]), "attribute_id": raw[8]}, raw[2:8])


def _attribute_octets(value: Any) -> bytes:
    return (integer(field(value, "class_id"), "class_id", 0, 0xFFFF).to_bytes(2, "big")
            + obis_octets(field(value, "obis")) + bytes([integer(field(value, "attribute_id"), "attribute_id", 0, 255)]))


FUTURE_DATED_DLMS = _Packed(_MESSAGE_CODE, _counter("originator_counter"),
                            ("attribute_descriptor", 9, lambda raw: {"attribute_descriptor": _attribute_descriptor(raw)},
                             _attribute_octets))
UNSUPPORTED_COMMAND = _Packed(_MESSAGE_CODE, _counter("originator_counter"))
DISCARDED_MESSAGE = _Packed(_eui_part("business_originator_id"), _eui_part("business_target_id"),
                            ("cra", 1, lambda raw: {"cra": CRA.name(raw[0])},
                             lambda value: bytes([integer(CRA.code(value), "cra", 0, 255)])),
                            _counter("originator_counter"))
INTEGRITY_ISSUE = Octets(2, lambda raw: Names(INTEGRITY_ISSUES).name(int.from_bytes(raw, "big")),
                         lambda value: integer(Names(INTEGRITY_ISSUES).code(value), "integrity issue", 0, 0xFFFF)
                         .to_bytes(2, "big"))

# Message code → (field name, shapes of the items after the alert code and date-time) for the alerts whose
# use-case payload has a published layout.
ALERT_PAYLOADS: dict[int, tuple[str, tuple[Shape, ...]]] = {
    0x00CC: ("future_dated_command", (FUTURE_DATED_DLMS,)),
    0x00CE: ("calculated_manufacturer_hash", (HEX,)),
    0x00F0: ("integrity_issue", (INTEGRITY_ISSUE,)),
    0x0061: ("billing_data_log", (Array(PROTECTION_PARAMETERS), _Ciphered())),
    0x0110: ("suspended_device", (EUI,)),
    0x0114: ("discarded_message", (DISCARDED_MESSAGE,)),
    0x0115: ("refused_device", (EUI,)),
    0x0120: ("unsupported_command", (UNSUPPORTED_COMMAND,)),
}
_TWO_PART = {0x0061: ("protection_parameters", "protected_attributes")}
ALERT_HEADER = Struct(("alert_code", Number("long-unsigned")), ("alert_date_time", DATE_TIME))


def describe_data_notification(tree: dict[str, Any], message_code: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {"invoke_id": tree["invoke_id"], "date_time": _describe_apdu_time(tree["date_time"])}
    body = tree["body"]
    try:
        expect(len(body) == 1 and body[0].get("type") == "structure" and len(body[0]["items"]) >= 2, "alert body")
        items = body[0]["items"]
        header = ALERT_HEADER.read({"type": "structure", "items": items[:2]})
    except Mismatch:
        out["body"] = [value_of(node) for node in body]
        return out
    out.update(alert_fields(header["alert_code"]))
    out["alert_date_time"] = header["alert_date_time"]
    rest = items[2:]
    named = ALERT_PAYLOADS.get(message_code) if message_code is not None else None
    if named and len(named[1]) == len(rest):
        try:
            values = [shape.read(node) for shape, node in zip(named[1], rest)]
            parts = _TWO_PART.get(message_code)
            out[named[0]] = dict(zip(parts, values)) if parts else values[0]
            return out
        except Mismatch:
            pass
    out["payload"] = [value_of(node) for node in rest]
    return out


def build_data_notification(fields: dict[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {"invoke_id": _invoke_id(fields), "date_time": _build_apdu_time(fields.get("date_time"))}
    if "body" in fields:
        tree["body"] = [node_of(value) for value in fields["body"]]
        return tree
    header = ALERT_HEADER.write({"alert_code": alert_code(field(fields, "alert_code")),
                                 "alert_date_time": field(fields, "alert_date_time")})
    items = header["items"]
    for code, (name, shapes) in ALERT_PAYLOADS.items():
        if name in fields:
            parts = _TWO_PART.get(code)
            values = [fields[name][part] for part in parts] if parts else [fields[name]]
            items += [shape.write(value) for shape, value in zip(shapes, values)]
            break
    else:
        payload = fields.get("payload", [])
        if not isinstance(payload, list):
            raise MalformedMessage("payload must be a list of values")
        items += [node_of(value) for value in payload]
    tree["body"] = [{"type": "structure", "items": items}]
    return tree
