"""Named fields of the DLMS COSEM payloads: access requests, access responses and alerts (data-notifications).

Every request names its service, interface class, object (OBIS code and GBCS name), attribute or method;
every response names its result and, where the use case is known (its message code), the object and
attribute (or method) it answers (``gbcs_values.RESPONSE_ITEMS``). Values are the typed values of
``dlms_values``, or — where the value has the exact form of one — a named view ``{view: named fields}``:
the Blue Book structures of ``cosem_values`` chosen by class and attribute (calendars, special days,
thresholds, unit charges, scaler and unit, capture objects …), the GBCS values of ``gbcs_values`` chosen by
object (register collections, Sub GHz configuration, profile buffers and logs with named columns and ISO
time stamps), the data-protection (class 30) ``get_protected_attributes`` parameters and the protected
attributes that answer them (``protection_parameters``: transaction id, originator and recipient system
titles, key information …; and, when the message was decrypted, the ``plaintext`` values by object), the
range of a selective-access read, and the use-case payloads of the DLMS alerts (``ALERT_PAYLOADS``).
A view is used only if it writes back the very same tree. Numbers are authoritative where a name is shown
beside them (``class_id`` and ``class``, ``message_code`` and ``use_case`` …), and the object, attribute and
plaintext names of a response are derived: building reads the numbers and the values and ignores the rest.

The alert payloads of ECS80, ECS101/102, ECS200, DBCH07–09 and CS14 are named after the elements DUIS uses
to report them (``interruptionValue`` / ``restorationValue``, ``APCLimitPeriodStart`` …, ``ScanTrigger``,
the Sub GHz configuration, the CHF Device Log); where DUIS gives codes by name only (scan triggers and
assessment outcomes), codes are numbered in the order DUIS lists the names.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

from gbcs.catalogue import lookup
from gbcs.dlms import decode_data
from gbcs.errors import MalformedMessage
from gbcs.security import CRA_FLAGS
from gbcs.semantic import cosem_values, gbcs_values, widths
from gbcs.semantic.alerts import INTEGRITY_ISSUES, alert_code, alert_fields
from gbcs.semantic.axdr_schema import (
    ANY,
    BITS,
    DATE_TIME,
    EUI,
    HEX,
    OBIS,
    WHEN,
    Array,
    Number,
    Octets,
    Shape,
    Struct,
    Typed,
)
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
from gbcs.semantic.dlms_values import TYPES, node_of, value_of

PROTECTION_TYPES = Names({0: "authentication", 1: "encryption", 2: "authentication-and-encryption",
                          3: "digital-signature"})
KEY_INFO_TYPES = Names({0: "identified-key", 1: "wrapped-key", 2: "agreed-key"})
CRA = Names({flag: cra.value for cra, flag in CRA_FLAGS.items()})
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
                                "get_protected_attributes_response": PROTECTED_ATTRIBUTES, "range": RANGE,
                                **cosem_values.VIEWS, **gbcs_values.VIEWS}
if set(NAMED_DATA) & TYPES or len(NAMED_DATA) != 3 + len(cosem_values.VIEWS) + len(gbcs_values.VIEWS):
    raise ValueError("named data views need names of their own, none of them a DLMS type")


def _named(view: str, node: dict[str, Any]) -> Any:
    return named_value((view,), node)


def named_value(views: tuple[str, ...], node: dict[str, Any]) -> Any:
    """The value under the first of ``views`` that reads it and writes it back unchanged, else generic."""
    for view in views:
        try:
            fields = NAMED_DATA[view].read(node)
            if NAMED_DATA[view].write(fields) == node:
                return {view: fields}
        except (Mismatch, MalformedMessage):
            continue
    return value_of(node)


def value_views(ref: tuple | None, *, result: bool = False) -> tuple[str, ...]:
    """The views a value may take: the value of an attribute, the parameters of a method, or (``result``)
    what a method returns. ``ref`` is (class id, OBIS, attribute id) or ("action", class id, OBIS, method)."""
    if not ref:
        return ()
    if ref[0] == "action":
        _action, class_id, _obis, method = ref
        return (cosem_values.RESULT_VIEWS if result else cosem_values.METHOD_VIEWS).get((class_id, method), ())
    class_id, obis, attribute = ref
    return gbcs_values.OBJECT_VIEWS.get((class_id, obis, attribute), ()) + \
        cosem_values.ATTRIBUTE_VIEWS.get((class_id, attribute), ())


def ref_names(ref: tuple | None) -> dict[str, Any]:
    """The object and attribute (or method) names of a reference, as far as they are known."""
    if not ref:
        return {}
    action = ref[0] == "action"
    class_id, obis, member = ref[1:] if action else ref
    out: dict[str, Any] = {}
    name = object_name(class_id, obis_octets(obis))
    if name:
        out["object"] = name
    interface = CLASSES.get(class_id)
    if interface:
        names = interface.methods if action else interface.attributes
        if isinstance(names.name(member), str):
            out["method" if action else "attribute"] = names.name(member)
    return out


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


def _spec_ref(spec: dict[str, Any]) -> tuple:
    obis = obis_text(bytes.fromhex(spec["obis"]))
    if spec["choice"] == "action":
        return ("action", spec["class"], obis, spec["method"])
    return (spec["class"], obis, spec["attribute"])


# --- access request -----------------------------------------------------------------------------

def describe_access_request(tree: dict[str, Any]) -> dict[str, Any]:
    expect(len(tree["specs"]) == len(tree["data"]), "as many data as requests")
    requests = []
    for spec, data in zip(tree["specs"], tree["data"]):
        request = _describe_spec(spec)
        if data.get("type") != "null":
            protected = spec["choice"] == "action" and spec["class"] == 30 and spec["method"] == 1
            request["data"] = _named("get_protected_attributes", data) if protected else \
                named_value(value_views(_spec_ref(spec)), data)
        requests.append(request)
    return {"invoke_id": tree["invoke_id"], "date_time": _describe_apdu_time(tree["date_time"]), "requests": requests}


def build_access_request(fields: dict[str, Any]) -> dict[str, Any]:
    requests = field(fields, "requests")
    if not isinstance(requests, list):
        raise MalformedMessage("requests must be a list")
    return {"invoke_id": _invoke_id(fields), "date_time": _build_apdu_time(fields.get("date_time")),
            "specs": [_build_spec(r) for r in requests], "data": [data_node(r.get("data")) for r in requests]}


# --- access response ----------------------------------------------------------------------------

def _describe_result(result: dict[str, Any], data: dict[str, Any], ref: tuple | None,
                     plaintexts: Iterator[str], message_code: int | None) -> dict[str, Any]:
    names = ACTION_RESULTS if result["choice"] == "action" else DATA_ACCESS_RESULTS
    out: dict[str, Any] = {"service": result["choice"], "result": names.name(result["result"])}
    if ref and (ref[0] == "action") == (result["choice"] == "action"):
        out.update(ref_names(ref))
    else:
        ref = None
    if data.get("type") != "null":
        protected = _named("get_protected_attributes_response", data)
        if "get_protected_attributes_response" in protected:
            _add_plaintext(protected["get_protected_attributes_response"], plaintexts, message_code)
            out["data"] = protected
        else:
            out["data"] = named_value(value_views(ref, result=True), data)
    return out


def _add_plaintext(view: dict[str, Any], plaintexts: Iterator[str], message_code: int | None) -> None:
    """Show what protected data holds, when its plaintext is known (derived: building ignores it)."""
    plaintext = next(plaintexts, None)
    if plaintext is None:
        return
    try:
        node = decode_data(bytes.fromhex(plaintext))
    except MalformedMessage:
        return
    node, _widths = widths.split(node)
    objects = gbcs_values.PROTECTED_OBJECTS.get(message_code, ()) if message_code is not None else ()
    if node.get("type") == "structure":
        items = []
        for index, item in enumerate(node["items"]):
            ref = objects[index] if len(objects) == len(node["items"]) else None
            items.append({**ref_names(ref), "value": named_value(value_views(ref), item)})
        view["plaintext"] = items
    else:
        view["plaintext"] = value_of(node)


def describe_access_response(tree: dict[str, Any], message_code: int | None = None,
                             decrypted: Sequence[str] | None = None) -> dict[str, Any]:
    expect(len(tree["data"]) == len(tree["results"]), "as many data as results")
    out: dict[str, Any] = {"invoke_id": tree["invoke_id"], "date_time": _describe_apdu_time(tree["date_time"])}
    refs: Sequence[Any] = ()
    if "request_specs" in tree:
        out["requests"] = [_describe_spec(spec) for spec in tree["request_specs"]]
        refs = [_spec_ref(spec) for spec in tree["request_specs"]]
    elif message_code is not None:
        refs = gbcs_values.RESPONSE_ITEMS.get(message_code, ())
    if len(refs) != len(tree["results"]):
        refs = [None] * len(tree["results"])
    plaintexts = iter(decrypted or ())
    out["responses"] = [_describe_result(r, d, ref, plaintexts, message_code)
                        for r, d, ref in zip(tree["results"], tree["data"], refs)]
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
    except ValueError as exc:
        raise MalformedMessage(f"a message code is four hex digits, not {value!r}") from exc
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

# The first item of the ECS101 / ECS102 alert payloads: the auxiliary controller (low four bits) and whether
# the limit came from its output or from an input of the controlled load (0x10 / 0x20, as the RTDS OUTPUT
# and INPUT vectors of these alerts show; DUIS reports AuxiliaryControllerN and InputFromControlledLoad).
APC_SOURCES = Names({1: "output", 2: "input"})


class AuxiliaryController(Shape):
    def read(self, node: dict[str, Any]) -> dict[str, Any]:
        expect(node.get("type") == "unsigned", "expected an unsigned")
        return {"auxiliary_controller_n": node["value"] & 0x0F, "source": APC_SOURCES.name(node["value"] >> 4)}

    def write(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise MalformedMessage("an auxiliary controller is auxiliary_controller_n and source")
        number = integer(field(value, "auxiliary_controller_n"), "auxiliary_controller_n", 0, 15)
        source = integer(APC_SOURCES.code(field(value, "source")), "source", 0, 15)
        return {"type": "unsigned", "value": source << 4 | number}


class OctetEnum(Shape):
    """A one-octet octet-string holding an enumerated code."""

    def __init__(self, names: Names):
        self.names = names

    def read(self, node: dict[str, Any]) -> Any:
        expect(node.get("type") == "octet-string" and len(node["hex"]) == 2, "expected one octet")
        return self.names.name(int(node["hex"], 16))

    def write(self, value: Any) -> dict[str, Any]:
        return {"type": "octet-string", "hex": f"{integer(self.names.code(value), 'code', 0, 255):02x}"}


# Scan triggers and scan request assessment outcomes of the Sub GHz alerts, in the order DUIS lists them
# (ScanTrigger, SubGHzChannelScanRequestAssessmentOutcome/StatusCode) from code 0.
SCAN_TRIGGERS = Names(dict(enumerate((
    "Remote Party Command", "GSME Request", "GSME Missed Its Curfew", "GSME Missing For The Last Day",
    "CH Detected Message Failure Problems", "CH Detected Message Retry Problems", "Sub GHz Non-GSME Device Request",
    "SMHAN Formation"))))
SCAN_ASSESSMENTS = Names(dict(enumerate((
    "Scan Request Accepted", "HHT Connected", "Duty Cycle Usage Is Too High", "Joining Is Currently Permitted",
    "GSME OTA Distribution Underway", "Too Many Scans Today", "Too Many Commands Today", "Too Many Scans This Week"))))
AUXILIARY_CONTROLLER = AuxiliaryController()


class AlertPayload:
    """The named items after an alert's code and date-time: one value (``parts`` None) or named parts."""

    def __init__(self, name: str, shapes: tuple[Shape, ...], parts: tuple[str, ...] | None = None):
        self.name, self.shapes, self.parts = name, shapes, parts

    def read(self, items: list[dict[str, Any]]) -> Any:
        expect(len(items) == len(self.shapes), "alert payload items")
        values = [shape.read(node) for shape, node in zip(self.shapes, items)]
        expect(self.write(dict(zip(self.parts, values)) if self.parts else values[0]) == items, "alert payload")
        return dict(zip(self.parts, values)) if self.parts else values[0]

    def write(self, value: Any) -> list[dict[str, Any]]:
        values = [field(value, part) for part in self.parts] if self.parts else [value]
        return [shape.write(item) for shape, item in zip(self.shapes, values)]


# Message code → the use-case payload of the alerts that have a published layout.
ALERT_PAYLOADS: dict[int, AlertPayload] = {
    0x00CC: AlertPayload("future_dated_command", (FUTURE_DATED_DLMS,)),
    0x00CE: AlertPayload("calculated_manufacturer_hash", (HEX,)),
    0x00F0: AlertPayload("integrity_issue", (INTEGRITY_ISSUE,)),
    0x0061: AlertPayload("billing_data_log", (Array(PROTECTION_PARAMETERS), _Ciphered()),
                         ("protection_parameters", "protected_attributes")),
    0x0110: AlertPayload("suspended_device", (EUI,)),
    0x0114: AlertPayload("discarded_message", (DISCARDED_MESSAGE,)),
    0x0115: AlertPayload("refused_device", (EUI,)),
    0x0120: AlertPayload("unsupported_command", (UNSUPPORTED_COMMAND,)),
    # ECS80: Supply Outage Restored (0x8F35 … 0x8F3C): when the supply was interrupted and restored.
    0x0067: AlertPayload("supply_outage", (WHEN, WHEN), ("interruption", "restoration")),
    # ECS101: Limit APC Level Command processed (0x8F86).
    0x0121: AlertPayload("limit_apc_level_command_processed", (AUXILIARY_CONTROLLER, WHEN, WHEN, Number("unsigned")),
                         ("auxiliary_controller", "apc_limit_period_start", "apc_limit_period_end",
                          "resulting_level")),
    # ECS102: Limit APC Level ended or cancelled (0x8F87).
    0x0122: AlertPayload("limit_apc_level_ended", (AUXILIARY_CONTROLLER, Number("unsigned")),
                         ("auxiliary_controller", "resulting_level")),
    # ECS200: Operational Update (0x8F88): the state and associated information, as text.
    0x0123: AlertPayload("operational_update", (Typed("utf8-string"),)),
    # DBCH07: Sub GHz Channel Changed (0x8F26).
    0x0111: AlertPayload("sub_ghz_channel_changed", (Struct(("operating_sub_ghz_channel", BITS),
                                                            ("scan_trigger", OctetEnum(SCAN_TRIGGERS))),)),
    # DBCH08: Sub GHz Channel Scan Request Assessment Outcome (0x8F28).
    0x0112: AlertPayload("sub_ghz_channel_scan_request_assessment_outcome", (Struct(
        ("status_code", OctetEnum(SCAN_ASSESSMENTS)), ("scan_trigger", OctetEnum(SCAN_TRIGGERS))),)),
    # DBCH09: Sub GHz Configuration Changed (0x8F2A): the new configuration.
    0x0113: AlertPayload("sub_ghz_configuration_changed", (gbcs_values.VIEWS["sub_ghz_configuration"],)),
    # CS14: Device Addition To / Removal From HAN Whitelist (0x8F12): a backup of the CHF Device Log.
    0x0018: AlertPayload("chf_device_log", (cosem_values.VIEWS["pan_backup"],)),
}
ALERT_HEADER = Struct(("alert_code", Number("long-unsigned")), ("alert_date_time", DATE_TIME))


def describe_data_notification(tree: dict[str, Any], message_code: int | None,
                               decrypted: Sequence[str] | None = None) -> dict[str, Any]:
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
    if named:
        try:
            out[named.name] = named.read(rest)
            if message_code == 0x0061:
                _add_plaintext(out[named.name], iter(decrypted or ()), message_code)
            return out
        except (Mismatch, MalformedMessage):
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
    for named in ALERT_PAYLOADS.values():
        if named.name in fields:
            items += named.write(fields[named.name])
            break
    else:
        payload = fields.get("payload", [])
        if not isinstance(payload, list):
            raise MalformedMessage("payload must be a list of values")
        items += [node_of(value) for value in payload]
    tree["body"] = [{"type": "structure", "items": items}]
    return tree
