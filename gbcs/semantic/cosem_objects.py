"""Names of the COSEM interface classes, their attributes and methods, the GBCS objects, and DLMS results.

Interface classes, attribute and method names follow the DLMS UA Blue Book (attribute 1 is always
``logical_name``); class 9000 is the GBCS extended-data class. Object names are those GBCS gives the objects
the RTDS 4.5.0 vectors address; where no GBCS name is published the name says which use case addresses the
object (and for the standard OBIS groups, what the OBIS code means). Objects not listed read without a name.
"""
from __future__ import annotations

from dataclasses import dataclass

from gbcs.errors import MalformedMessage
from gbcs.semantic.common import Names


@dataclass(frozen=True)
class InterfaceClass:
    name: str
    attributes: Names     # attribute id → name
    methods: Names        # method id → name


def _class(name: str, attributes: tuple[str, ...], methods: tuple[str, ...] = ()) -> InterfaceClass:
    return InterfaceClass(name, Names({1: "logical_name", **dict(enumerate(attributes, start=2))}),
                          Names(dict(enumerate(methods, start=1))))


CLASSES: dict[int, InterfaceClass] = {
    1: _class("Data", ("value",)),
    3: _class("Register", ("value", "scaler_unit"), ("reset",)),
    4: _class("Extended register", ("value", "scaler_unit", "status", "capture_time"), ("reset",)),
    5: _class("Demand register", ("current_average_value", "last_average_value", "scaler_unit", "status",
                                  "capture_time", "start_time_current", "period", "number_of_periods"),
              ("reset", "next_period")),
    7: _class("Profile generic", ("buffer", "capture_objects", "capture_period", "sort_method", "sort_object",
                                  "entries_in_use", "profile_entries"), ("reset", "capture")),
    8: _class("Clock", ("time", "time_zone", "status", "daylight_savings_begin", "daylight_savings_end",
                        "daylight_savings_deviation", "daylight_savings_enabled", "clock_base"),
              ("adjust_to_quarter", "adjust_to_measuring_period", "adjust_to_minute", "adjust_to_preset_time",
               "preset_adjusting_time", "shift_time")),
    9: _class("Script table", ("scripts",), ("execute",)),
    10: _class("Schedule", ("entries",), ("enable_disable", "insert", "delete")),
    11: _class("Special days table", ("entries",), ("insert", "delete")),
    20: _class("Activity calendar", ("calendar_name_active", "season_profile_active", "week_profile_table_active",
                                     "day_profile_table_active", "calendar_name_passive", "season_profile_passive",
                                     "week_profile_table_passive", "day_profile_table_passive",
                                     "activate_passive_calendar_time"), ("activate_passive_calendar",)),
    21: _class("Register monitor", ("thresholds", "monitored_value", "actions")),
    22: _class("Single action schedule", ("executed_script", "type", "execution_time")),
    30: _class("Data protection", ("protection_buffer", "protection_object_list", "protection_parameters_get",
                                   "protection_parameters_set", "required_protection"),
               ("get_protected_attributes", "set_protected_attributes", "invoke_protected_method")),
    70: _class("Disconnect control", ("output_state", "control_state", "control_mode"),
               ("remote_disconnect", "remote_reconnect")),
    71: _class("Limiter", ("monitored_value", "threshold_active", "threshold_normal", "threshold_emergency",
                           "min_over_threshold_duration", "min_under_threshold_duration", "emergency_profile",
                           "emergency_profile_group_id_list", "emergency_profile_active", "actions")),
    104: _class("ZigBee network control", ("enable_disable_joining", "join_timeout", "active_devices"),
                ("register_device", "unregister_device", "unregister_all_devices", "backup_pan", "restore_pan",
                 "identify_device", "remove_mirror", "update_network_key", "update_link_key", "create_pan",
                 "remove_pan")),
    111: _class("Account", ("account_mode_and_status", "current_credit_in_use", "current_credit_status",
                            "available_credit", "amount_to_clear", "clearance_threshold", "aggregated_debt",
                            "credit_reference_list", "charge_reference_list", "credit_charge_configuration",
                            "token_gateway_configuration", "account_activation_time", "account_closure_time",
                            "currency", "low_credit_threshold", "next_credit_available_threshold", "max_provision",
                            "max_provision_period"), ("activate_account", "close_account", "reset_account")),
    112: _class("Credit", ("current_credit_amount", "type", "priority", "warning_threshold", "limit",
                           "credit_configuration", "status", "preset_credit_amount", "credit_available_threshold",
                           "period"), ("update_amount", "set_amount_to_value", "invoke_credit")),
    113: _class("Charge", ("total_amount_paid", "charge_type", "priority", "unit_charge_active", "unit_charge_passive",
                           "unit_charge_activation_time", "period", "charge_configuration", "last_collection_time",
                           "last_collection_amount", "total_amount_remaining", "proportion"),
                ("update_unit_charge", "activate_passive_unit_charge", "collect", "update_total_amount_remaining",
                 "set_total_amount_remaining")),
    115: _class("Token gateway", ("token", "token_time", "token_description", "token_delivery_method",
                                  "token_status"), ("enter",)),
    9000: _class("GBCS extended data", ("value_active", "scaler_unit_active", "value_passive", "scaler_unit_passive",
                                        "activate_passive_value_time")),
}


def _numbered(class_id: int, template: str, first_obis: int, count: int, step: int = 1) -> dict[tuple[int, int], str]:
    """Objects numbered 1..count whose OBIS codes are ``step`` apart."""
    return {(class_id, first_obis + i * step): template.format(i + 1) for i in range(count)}


# (class id, OBIS as 48-bit integer) → name.
_OBJECTS: dict[tuple[int, int], str] = {
    (1, 0x0000000201FF): "Firmware Version",
    (1, 0x00005E2C0000): "Randomisation Setting 1 (ECS26c)",
    (1, 0x00005E2C0001): "Randomised Offset Limit",
    (1, 0x00005E2C0002): "Randomisation Setting 2 (ECS26c)",
    (1, 0x00005E2C0004): "Supply Tamper State",
    **_numbered(1, "Auxiliary Controller {} Description", 0x00005E2C000B, 5),
    **_numbered(1, "Auxiliary Controller {} Configuration", 0x00005E2C0015, 5),
    **_numbered(1, "Auxiliary Controller {} Operational Data", 0x00005E2C001F, 5),
    (1, 0x00005E2C0301): "Disable Privacy PIN Protection",
    (1, 0x00005E2C0302): "Restrict Data Date Time",
    (1, 0x00005E2C0500): "Maximum Demand Import Setting 1 (ECS18b)",
    (1, 0x00005E2C0501): "Maximum Demand Import Setting 2 (ECS18b)",
    (1, 0x00005E2C0502): "Maximum Demand Export Setting (ECS18a)",
    **_numbered(1, "Boost Function Association {} (ECS62)", 0x00005E2C0601, 5),
    (1, 0x00005E2C07FF): "Boost Function Data (ECS61c)",
    (1, 0x00005E2C0A00): "Sub GHz Configuration Settings",
    (1, 0x00005E2C0A01): "CHF Sub GHz Channel Scan",
    (1, 0x00005E2C0A02): "Operating Sub GHz Channel",
    (1, 0x00005E2C2201): "Tariff TOU Register Matrix (ECS17d)",
    (1, 0x00005E2C2202): "Tariff TOU Block Register Matrix (ECS17e)",
    (1, 0x00005E2C220A): "Import Energy Registers (ECS17b)",
    (1, 0x00005E2C220B): "MPAN",
    (1, 0x00005E2C2214): "Power Import Collection",
    (1, 0x00005E2C221E): "Prepayment Registers (ECS19)",
    **_numbered(1, "Auxiliary Controller State {} (ECS47a)", 0x00005E2C7501, 2),
    **_numbered(1, "Auxiliary Controller State Setting {} (ECS47a, ECS47e)", 0x00005E2C7701, 4),
    **_numbered(1, "Auxiliary Controller State Timing {} (ECS47a, ECS47e)", 0x00005E2C7901, 4),
    (1, 0x0000600101FF): "Device ID 2",
    (1, 0x0000600102FF): "Device ID 3",
    (1, 0x0000600104FF): "Device ID 5",
    (1, 0x0000600106FF): "Device ID 7",
    (1, 0x0002600D01FF): "Supplier Message",
    (1, 0x0003600D01FF): "Customer Identification Number (CIN)",
    (1, 0x001E61620BFF): "Alert Behaviours (Supplier)",
    (1, 0x001E61620CFF): "Event Behaviours: HAN Device (Supplier)",
    (1, 0x001E61620DFF): "Event Behaviours: Audible Alarm (Supplier)",
    (1, 0x001E61620EFF): "Event Behaviours: Logging (Supplier)",
    (1, 0x002161620BFF): "Alert Behaviours (Network Operator)",
    (1, 0x002161620EFF): "Event Behaviours: Logging (Network Operator)",
    **_numbered(1, "Non-Critical Event and Alert Behaviours {} (Supplier)", 0x001E61620FFF, 4, step=0x100),
    **_numbered(1, "Non-Critical Event and Alert Behaviours {} (Network Operator)", 0x002161620FFF, 4, step=0x100),
    (1, 0x0100000002FF): "Export MPAN",
    (1, 0x0100201F0004): "Voltage L1 Under-Limit Threshold",
    (1, 0x010020230004): "Voltage L1 Over-Limit Threshold",
    (1, 0x0100341F0004): "Voltage L2 Under-Limit Threshold",
    (1, 0x010034230004): "Voltage L2 Over-Limit Threshold",
    (1, 0x0100481F0004): "Voltage L3 Under-Limit Threshold",
    (1, 0x010048230004): "Voltage L3 Over-Limit Threshold",
    (3, 0x00005E2C0107): "Tariff Register (ECS24)",
    (3, 0x00005E2C0108): "Secondary Element Tariff Register (ECS24b)",
    (3, 0x00005E2C2AFF): "Load Limit Counter",
    (3, 0x0100020800FF): "Active Export Register",
    (3, 0x0100040800FF): "Reactive Export Register",
    (3, 0x010020200004): "Voltage L1 Under-Limit Counter",
    (3, 0x010020240004): "Voltage L1 Over-Limit Counter",
    (3, 0x010034200004): "Voltage L2 Under-Limit Counter",
    (3, 0x010034240004): "Voltage L2 Over-Limit Counter",
    (3, 0x010048200004): "Voltage L3 Under-Limit Counter",
    (3, 0x010048240004): "Voltage L3 Over-Limit Counter",
    (4, 0x0100010600FF): "Maximum Demand Active Import",
    (4, 0x0100010601FF): "Maximum Demand Active Import (Configurable Time Period)",
    (4, 0x0100020600FF): "Maximum Demand Active Export",
    (7, 0x00005E2C0A03): "CHF Sub GHz Channel Log",
    (7, 0x0000620100FF): "Billing Data Log (billing calendar triggered, ECS20c)",
    (7, 0x0000620101FF): "Billing Data Log (billing calendar triggered, second part, ECS20c)",
    (7, 0x0000620102FF): "Billing Data Log (change of mode / tariff triggered, ECS20b)",
    (7, 0x0000620104FF): "Billing Data Log (payment-based debt payments)",
    (7, 0x0000620105FF): "Billing Data Log (prepayment credits)",
    (7, 0x0000620108FF): "Prepayment Daily Read Log",
    (7, 0x0000620109FF): "Daily Read Log",
    (7, 0x000062010AFF): "Daily Read Log (export)",
    (7, 0x0000630100FF): "Half Hour Profile Data (active import)",
    (7, 0x0000630101FF): "Half Hour Profile Data (active export)",
    (7, 0x0000630102FF): "Half Hour Profile Data (reactive import)",
    (7, 0x0000630103FF): "Daily Consumption Log",
    (7, 0x0000636200FF): "Event Log",
    (7, 0x0000636201FF): "Security Log",
    (7, 0x0000636204FF): "Power Event Log",
    (7, 0x0000636214FF): "Boost Function Log (ECS61c)",
    (7, 0x0011636202FF): "Auxiliary Load Control Switch Event Log",
    (7, 0x0100201800FF): "Average RMS Voltage L1 Profile",
    (7, 0x0100341800FF): "Average RMS Voltage L2 Profile",
    (7, 0x0100481800FF): "Average RMS Voltage L3 Profile",
    (8, 0x0000010000FF): "Clock",
    (9, 0x00000A0064FF): "Tariff Block Counter Matrix TOU",
    (9, 0x00000A0067FF): "Auxiliary Controller Script Table (ECS47, ECS47a)",
    (9, 0x00000A006AFF): "Disconnect Control Script Table",
    (9, 0x00000A006BFF): "APC Level Script Table (ECS47e)",
    (10, 0x00000C0000FF): "Maximum Demand Configurable Time Period",
    (10, 0x00000C0001FF): "Non-Disablement Calendar",
    (10, 0x00000C0002FF): "Auxiliary Controller Calendar",
    (10, 0x00010C0001FF): "Non-Disablement Calendar",
    (10, 0x00010C0002FF): "Auxiliary Controller Calendar",
    (11, 0x00000B0000FF): "Tariff Switching Table Special Days",
    (11, 0x00000B0001FF): "Tariff Switching Table Secondary Element Special Days",
    (11, 0x00000B0002FF): "Non-Disablement Calendar Special Days",
    (11, 0x00000B0003FF): "Auxiliary Controller Calendar Special Days",
    (11, 0x00010B0000FF): "Tariff Switching Table Special Days",
    (11, 0x00010B0001FF): "Tariff Switching Table Secondary Element Special Days",
    (11, 0x00010B0002FF): "Non-Disablement Calendar Special Days",
    (11, 0x00010B0003FF): "Auxiliary Controller Calendar Special Days",
    (20, 0x00000D0000FF): "Tariff Switching Table",
    (20, 0x00000D0001FF): "Tariff Switching Table Secondary Element",
    (21, 0x0000100000FF): "Instantaneous Power Thresholds",
    (21, 0x0000100001FF): "Prepayment Configuration Threshold Monitor (ECS26a)",
    **_numbered(21, "Tariff Threshold Matrix Blocks TOU{}", 0x000010000BFF, 8, step=0x100),
    **_numbered(21, "Tariff Threshold Matrix Blocks TOU{}", 0x000010010BFF, 8, step=0x100),
    (22, 0x00000F0000FF): "Billing Calendar",
    (22, 0x00000F0100FF): "Tariff Block Counter Matrix Daily Reset",
    (30, 0x00002B0201FF): "Prepayment Register Collection (ECS19)",
    (30, 0x00002B0202FF): "Billing Data Log Collection (billing calendar triggered, ECS20c)",
    (30, 0x00002B0203FF): "Billing Data Log Collection (change of mode / tariff triggered, ECS20b)",
    (30, 0x00002B0204FF): "Daily Consumption Log Collection (ECS66)",
    (30, 0x00002B0205FF): "Daily Read Log Collection (ECS21a)",
    (30, 0x00002B0206FF): "Prepayment Daily Read Log Collection (ECS21b)",
    (30, 0x00002B0207FF): "Half Hour Profile Data Collection (ECS22b)",
    (30, 0x00002B0208FF): "Import Register Collection",
    (30, 0x00002B0209FF): "Tariff TOU Register Collection",
    (30, 0x00002B020AFF): "Tariff Block TOU Register Collection",
    (70, 0x000060030AFF): "Load Switch (Disconnect Control)",
    **_numbered(70, "Auxiliary Load Control Switch {} (Disconnect Control)", 0x000160030AFF, 5, step=1 << 32),
    (71, 0x0000110000FF): "Load Limiter",
    **_numbered(71, "Voltage Limiter {} (ECS26b, ECS29a)", 0x0000110001FF, 4, step=0x100),
    (104, 0x00001E0300FF): "CHF Device Log",
    (104, 0x00001E0301FF): "CHF Historic Device Log (CCS07)",
    (111, 0x0000130000FF): "Account",
    (111, 0x0001130000FF): "Account (payment mode, suspend debt disabled / emergency)",
    (112, 0x0000130A00FF): "Meter Balance",
    (112, 0x0000130A01FF): "Emergency Credit Balance",
    (112, 0x0000130A02FF): "Accumulated Debt Register",
    (113, 0x0000131400FF): "Tariff Block Price Matrix TOU",
    (113, 0x0000131401FF): "Debt Recovery Rates 1",
    (113, 0x0000131402FF): "Debt Recovery Rates 2",
    (113, 0x0000131403FF): "Debt Recovery per Payment",
    (113, 0x0000131404FF): "Standing Charge",
    (113, 0x0000131405FF): "Secondary Tariff TOU Price Matrix",
    (115, 0x0000132800FF): "Prepayment Credit",
    (9000, 0x00003F0101FF): "Tariff Threshold Matrix",
    (9000, 0x00005E2C0003): "Load Limit Setting (ECS27, ECS28a)",
    **_numbered(9000, "Load Limit Setting {} (ECS28a)", 0x00005E2C8006, 3),
    (9000, 0x00005E2C801A): "Auxiliary Controller Setting 1 (ECS46c)",
    (9000, 0x00005E2C8023): "Auxiliary Controller Setting 2 (ECS46c)",
    (9000, 0x00005E2C0200): "Currency Unit",
    (9000, 0x00005E2C020A): "Prepayment Credit Max Credit Threshold",
    (9000, 0x00005E2C0214): "Prepayment Credit Max Meter Balance",
    (9000, 0x00005E2C8002): "Emergency Credit Limit",
    (9000, 0x00005E2C8003): "Emergency Credit Threshold",
    (9000, 0x00005E2C8009): "Low Credit Threshold",
    (9000, 0x00005E2C800C): "Debt Recovery Rate Cap Amount",
    (9000, 0x00005E2C800D): "Debt Recovery Rate Cap Period",
    (9000, 0x00005E2C8016): "Disablement Threshold Meter Balance",
    (9000, 0x00005E2C801C): "Non-Disablement Calendar",
    (9000, 0x00005E2C801D): "Tariff Switching Table Special Days",
    (9000, 0x00005E2C801E): "Tariff Switching Table Secondary Element Special Days",
    (9000, 0x00005E2C801F): "Non-Disablement Calendar Special Days",
    (9000, 0x0000600D00FF): "Contact Details Supplier Telephone Number",
    (9000, 0x0000600D01FF): "Contact Details Supplier Name",
}

DATA_ACCESS_RESULTS = Names({
    0: "success", 1: "hardware-fault", 2: "temporary-failure", 3: "read-write-denied", 4: "object-undefined",
    9: "object-class-inconsistent", 11: "object-unavailable", 12: "type-unmatched", 13: "scope-of-access-violated",
    14: "data-block-unavailable", 15: "long-get-aborted", 16: "no-long-get-in-progress", 17: "long-set-aborted",
    18: "no-long-set-in-progress", 19: "data-block-number-invalid", 250: "other-reason",
})
ACTION_RESULTS = Names({
    0: "success", 1: "hardware-fault", 2: "temporary-failure", 3: "read-write-denied", 4: "object-undefined",
    9: "object-class-inconsistent", 11: "object-unavailable", 12: "type-unmatched", 13: "scope-of-access-violated",
    14: "data-block-unavailable", 15: "long-action-aborted", 16: "no-long-action-in-progress", 250: "other-reason",
})


def obis_text(raw: bytes) -> str:
    """OBIS code as ``A-B:C.D.E.F``."""
    if len(raw) != 6:
        raise ValueError("an OBIS code is 6 octets")
    return f"{raw[0]}-{raw[1]}:{raw[2]}.{raw[3]}.{raw[4]}.{raw[5]}"


def obis_octets(text: object) -> bytes:
    try:
        group_a, rest = str(text).split("-", 1)
        group_b, rest = rest.split(":", 1)
        values = [int(group_a), int(group_b), *(int(part) for part in rest.split("."))]
        if len(values) != 6:
            raise ValueError
        return bytes(values)
    except ValueError as exc:
        raise MalformedMessage(f"not an OBIS code A-B:C.D.E.F: {text!r}") from exc


def object_name(class_id: int, obis: bytes) -> str | None:
    return _OBJECTS.get((class_id, int.from_bytes(obis, "big")))


def class_name(class_id: int) -> str | None:
    interface = CLASSES.get(class_id)
    return interface.name if interface else None
