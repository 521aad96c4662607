"""Named views of COSEM attribute values and method parameters, by interface class (DLMS UA Blue Book).

Each view is a shape (``axdr_schema``) under a name of its own; a value that has the view's exact form reads
as ``{view name: named fields}`` and builds back from it. ``ATTRIBUTE_VIEWS`` says which views an attribute
of a class may take, ``METHOD_VIEWS`` the same for a method's parameters and ``RESULT_VIEWS`` for what a
method returns. Structures follow the Blue Book: activity calendar seasons, week and day profiles; special
days; register monitor thresholds, monitored value and actions; single action schedule execution times;
schedule entries; charge unit charges; account mode and status, credit / charge configuration and currency;
capture objects of a profile; limiter monitored value, emergency profile and actions; clock preset
adjusting time; scaler and unit; the active devices and PAN backup / restore of ZigBee network control.
"""
from __future__ import annotations

from typing import Any

from gbcs.semantic.axdr_schema import (
    BITS,
    BOOLEAN,
    DATE,
    EUI,
    HEX,
    LABEL,
    OBIS,
    TIME,
    WHEN,
    Array,
    Number,
    Shape,
    Struct,
    Typed,
)
from gbcs.semantic.common import Names
from gbcs.semantic.cosem_objects import CLASSES, object_name, obis_octets

# Units of the scaler_unit structure (Blue Book, "unit" enumeration).
UNITS = Names({
    1: "a", 2: "mo", 3: "wk", 4: "d", 5: "h", 6: "min", 7: "s", 8: "°", 9: "°C", 10: "currency", 11: "m",
    12: "m/s", 13: "m3", 14: "m3 (corrected)", 15: "m3/h", 16: "m3/h (corrected)", 17: "m3/d",
    18: "m3/d (corrected)", 19: "l", 20: "kg", 21: "N", 22: "Nm", 23: "Pa", 24: "bar", 25: "J", 26: "J/h",
    27: "W", 28: "VA", 29: "var", 30: "Wh", 31: "VAh", 32: "varh", 33: "A", 34: "C", 35: "V", 36: "V/m",
    37: "F", 38: "Ω", 39: "Ωm2/m", 40: "Wb", 41: "T", 42: "A/m", 43: "H", 44: "Hz", 45: "1/(Wh)",
    46: "1/(varh)", 47: "1/(VAh)", 48: "V2h", 49: "A2h", 50: "kg/s", 51: "S", 52: "K", 53: "1/(V2h)",
    54: "1/(A2h)", 55: "1/m3", 56: "%", 57: "Ah", 254: "other unit", 255: "count",
})
PAYMENT_MODES = Names({1: "credit", 2: "prepayment"})
ACCOUNT_STATUSES = Names({1: "new (inactive)", 2: "active", 3: "closed"})

u8, u16, u32, i8 = Number("unsigned"), Number("long-unsigned"), Number("double-long-unsigned"), Number("integer")
SCRIPT = Struct(("script_logical_name", OBIS), ("script_selector", u16))


class ObjectReference(Shape):
    """An attribute of an object as values refer to it: class id, logical name (``obis``), attribute index
    (and data index), with the class, object and attribute names beside them (derived)."""

    def __init__(self, *, data_index: bool = False):
        members = [("class_id", u16), ("obis", OBIS), ("attribute_id", i8)]
        self.struct = Struct(*members, *([("data_index", u16)] if data_index else []))

    def read(self, node: dict[str, Any]) -> dict[str, Any]:
        fields = self.struct.read(node)
        out: dict[str, Any] = {"class_id": fields["class_id"]}
        interface = CLASSES.get(fields["class_id"])
        if interface:
            out["class"] = interface.name
        out["obis"] = fields["obis"]
        name = object_name(fields["class_id"], obis_octets(fields["obis"]))
        if name:
            out["object"] = name
        out["attribute_id"] = fields["attribute_id"]
        if interface and isinstance(interface.attributes.name(fields["attribute_id"]), str):
            out["attribute"] = interface.attributes.name(fields["attribute_id"])
        if "data_index" in fields:
            out["data_index"] = fields["data_index"]
        return out

    def write(self, value: Any) -> dict[str, Any]:
        return self.struct.write(value)


ATTRIBUTE_REFERENCE = ObjectReference()
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PAN_DEVICES = Array(Struct(("ieee_address", EUI), ("hashed_tc_link_key", HEX)))

VIEWS: dict[str, Shape] = {
    "scaler_unit": Struct(("scaler", i8), ("unit", Number("enum", UNITS))),
    # Activity calendar (class 20)
    "season_profiles": Array(Struct(("season_profile_name", LABEL), ("season_start", WHEN), ("week_name", LABEL))),
    "week_profiles": Array(Struct(("week_profile_name", LABEL), *((day, u8) for day in DAYS))),
    "day_profiles": Array(Struct(("day_id", u8), ("day_schedule", Array(Struct(
        ("start_time", TIME), ("script_logical_name", OBIS), ("script_selector", u16)))))),
    # Special days table (class 11)
    "special_days": Array(Struct(("index", u16), ("specialday_date", DATE), ("day_id", u8))),
    # Register monitor (class 21), limiter (class 71)
    "thresholds": Array(u32),
    "signed_thresholds": Array(Number("double-long")),
    "monitored_value": ATTRIBUTE_REFERENCE,
    "monitor_actions": Array(Struct(("action_up", SCRIPT), ("action_down", SCRIPT))),
    "limiter_actions": Struct(("action_over_threshold", SCRIPT), ("action_under_threshold", SCRIPT)),
    "emergency_profile": Struct(("emergency_profile_id", u16), ("emergency_activation_time", WHEN),
                                ("emergency_duration", u32)),
    # Single action schedule (class 22), schedule (class 10)
    "execution_times": Array(Struct(("time", TIME), ("date", DATE))),
    "schedule_entries": Array(Struct(
        ("index", u16), ("enable", BOOLEAN), ("script_logical_name", OBIS), ("script_selector", u16),
        ("switch_time", TIME), ("validity_window", u16), ("exec_weekdays", BITS), ("exec_specdays", BITS),
        ("begin_date", DATE), ("end_date", DATE))),
    # Charge (class 113)
    "unit_charge": Struct(
        ("charge_per_unit_scaling", Struct(("commodity_scale", i8), ("price_scale", i8))),
        ("commodity", ATTRIBUTE_REFERENCE),
        ("charge_table", Array(Struct(("index", HEX), ("charge_per_unit", Number("long")))))),
    # Account (class 111)
    "account_mode_and_status": Struct(("payment_mode", Number("enum", PAYMENT_MODES)),
                                      ("account_status", Number("enum", ACCOUNT_STATUSES))),
    "credit_charge_configuration": Array(Struct(("credit_reference", OBIS), ("charge_reference", OBIS),
                                                ("collection_configuration", BITS))),
    "currency": Struct(("name", Typed("visible-string")), ("scale", i8), ("unit", Number("enum"))),
    # Profile generic (class 7)
    "capture_objects": Array(ObjectReference(data_index=True)),
    # Clock (class 8)
    "preset_adjusting_time": Struct(("preset_time", WHEN), ("validity_interval_start", WHEN),
                                    ("validity_interval_end", WHEN)),
    # ZigBee network control (class 104)
    "active_devices": Array(Struct(
        ("mac_address", EUI), ("status", BITS), ("max_rssi", i8), ("average_rssi", i8), ("min_rssi", i8),
        ("max_lqi", u8), ("average_lqi", u8), ("min_lqi", u8), ("last_communication_date_time", WHEN),
        ("number_of_hops", u8), ("transmission_failures", u8), ("transmission_successes", u8),
        ("application_version", u8), ("stack_version", u8))),
    "pan_backup": Struct(("backup_date_time", WHEN), ("extended_pan_id", EUI), ("devices", PAN_DEVICES)),
    "pan_restore": Struct(("extended_pan_id", EUI), ("devices", PAN_DEVICES)),
}

# (class id, attribute id) → the views its value may take, in the order they are tried.
ATTRIBUTE_VIEWS: dict[tuple[int, int], tuple[str, ...]] = {
    (3, 3): ("scaler_unit",), (4, 3): ("scaler_unit",), (5, 4): ("scaler_unit",),
    (9000, 3): ("scaler_unit",), (9000, 5): ("scaler_unit",),
    (20, 3): ("season_profiles",), (20, 7): ("season_profiles",),
    (20, 4): ("week_profiles",), (20, 8): ("week_profiles",),
    (20, 5): ("day_profiles",), (20, 9): ("day_profiles",),
    (11, 2): ("special_days",),
    (21, 2): ("thresholds", "signed_thresholds"), (21, 3): ("monitored_value",), (21, 4): ("monitor_actions",),
    (71, 2): ("monitored_value",), (71, 8): ("emergency_profile",), (71, 11): ("limiter_actions",),
    (22, 4): ("execution_times",),
    (10, 2): ("schedule_entries",),
    (113, 5): ("unit_charge",), (113, 6): ("unit_charge",),
    (111, 2): ("account_mode_and_status",), (111, 11): ("credit_charge_configuration",), (111, 15): ("currency",),
    (7, 3): ("capture_objects",),
    (104, 4): ("active_devices",),
}
# (class id, method id) → the views of its parameters / of what it returns.
METHOD_VIEWS: dict[tuple[int, int], tuple[str, ...]] = {
    (8, 5): ("preset_adjusting_time",),
    (104, 5): ("pan_restore",),
}
RESULT_VIEWS: dict[tuple[int, int], tuple[str, ...]] = {
    (104, 4): ("pan_backup",),
}
