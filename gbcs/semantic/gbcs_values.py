"""The values of GBCS objects and use cases by name: object-specific structures, profile columns, and what
each ESME / CHF use case reads.

``OBJECT_VIEWS`` gives the views of values whose form GBCS fixes per object (the class-1 collections of
registers, the Sub GHz configuration) and the columns of each profile buffer and log (``Profile``: compact
arrays whose entries are objects of named columns). ``RESPONSE_ITEMS`` lists, per message code, the
attribute (or method) each item of the use case's response answers, in order — the request list of the
use case's command — so that a response, which does not repeat its requests, names its values.
``PROTECTED_OBJECTS`` does the same for the objects whose values a protected (class 30) read returns
encrypted, for the plaintext when it is decrypted.

Names come from GBCS (object names) and from the DUIS response schema, which returns the same values to
DCC users under named elements (``ActiveImportRegister``, ``TariffTOURegisterMatrixValue``,
``interruptionValue`` …): profile columns follow the order of the compact array's type description, the
ordinary column names those of DUIS in snake case. The order of the six prepayment registers (ECS19, and
the prepayment columns of the billing and daily read logs) is the order DUIS lists them in for Read
Instantaneous Prepay Values. Time stamps of the profiles are GBCS UTC times (seconds since 2000).
"""
from __future__ import annotations

from gbcs.semantic.axdr_schema import BITS, Array, Number, Profile, Shape, Struct
from gbcs.semantic.cosem_values import VIEWS as COSEM_VIEWS

u8, u16, u32, i32 = Number("unsigned"), Number("long-unsigned"), Number("double-long-unsigned"), Number("double-long")
SCALER_UNIT = COSEM_VIEWS["scaler_unit"]

_PREPAYMENT = (("emergency_credit_balance", "double-long"), ("accumulated_debt_register", "double-long"),
               ("payment_debt_register", "double-long"), ("time_debt_register_1", "double-long"),
               ("time_debt_register_2", "double-long"), ("meter_balance", "double-long"))
_TOU = ("tariff_tou_register_matrix", ("array", 48, "double-long-unsigned"))
_SECONDARY_TOU = ("secondary_tariff_tou_register_matrix", ("array", 4, "double-long-unsigned"))
_BLOCKS = tuple((f"tariff_tou_block_{n}_register_matrix", ("array", 8, "double-long-unsigned")) for n in range(1, 5))
_STAMP = ("timestamp", "utc")
_IMPORT = ("active_import_register", "double-long-unsigned")
_SECONDARY_IMPORT = ("secondary_active_import_register", "double-long-unsigned")
_CONSUMPTION = (_STAMP, _IMPORT, _TOU, *_BLOCKS)
_CONSUMPTION_TWIN = (_STAMP, _IMPORT, _SECONDARY_IMPORT, _TOU, _SECONDARY_TOU, *_BLOCKS)

VIEWS: dict[str, Shape] = {
    # class-1 collections and configurations
    "import_energy_registers": Struct(
        ("active_import_register", u32), ("active_import_scaler_unit", SCALER_UNIT),
        ("reactive_import_register", u32), ("reactive_import_scaler_unit", SCALER_UNIT),
        ("secondary_active_import_register", u32), required=4),
    "power_import": Struct(("active_power_import", u32), ("active_power_import_scaler_unit", SCALER_UNIT),
                           ("primary_active_power_import", u32)),
    "tou_register_matrix": Struct(("tariff_tou_register_matrix", Array(u32)),
                                  ("secondary_tariff_tou_register_matrix", Array(u32)), required=1),
    "tou_block_register_matrix": Struct(("tariff_tou_block_register_matrix", Array(u32))),
    "prepayment_registers": Struct(*((name, i32) for name, _ in _PREPAYMENT)),
    "sub_ghz_configuration": Struct(
        ("lower_band_sub_ghz_channels_0_to_26", BITS), ("lower_band_sub_ghz_channels_27_to_34", BITS),
        ("lower_band_sub_ghz_channels_35_to_61", BITS), ("upper_band_sub_ghz_channels_0_to_26", BITS),
        ("normal_limited_duty_cycle_threshold", u16), ("limited_critical_duty_cycle_threshold", u16),
        ("maximum_sub_ghz_channel_changes_per_week", u8), ("gsme_curfew", u16), ("channel_quieter_threshold", u8),
        ("channel_noisier_threshold", u8), ("non_gsme_poor_comms_percentage_threshold", u16),
        ("non_gsme_poor_comms_measurement_periods", u8), ("local_ch_noise_measurement_period", u16),
        ("local_ch_failure_percentage", u16), ("local_ch_retry_percentage", u16)),
    # profile buffers and logs
    "billing_data_log": Profile(*_CONSUMPTION),
    "billing_data_log_twin": Profile(*_CONSUMPTION_TWIN),
    "billing_data_log_with_prepayment": Profile(*_CONSUMPTION, *_PREPAYMENT),
    "billing_data_log_twin_with_prepayment": Profile(*_CONSUMPTION_TWIN, *_PREPAYMENT),
    "prepayment_log": Profile(_STAMP, *_PREPAYMENT),
    "amount_log": Profile(_STAMP, ("amount", "double-long-unsigned")),
    "export_daily_read_log": Profile(_STAMP, ("active_export_register_value", "double-long-unsigned")),
    "active_import_profile": Profile(_STAMP, ("primary_value", "double-long-unsigned")),
    "active_import_profile_twin": Profile(_STAMP, ("primary_value", "double-long-unsigned"),
                                          ("secondary_value", "double-long-unsigned")),
    "export_profile": Profile(_STAMP, ("active_energy_exported_value", "double-long-unsigned"),
                              ("reactive_energy_exported_value", "double-long-unsigned")),
    "reactive_import_profile": Profile(_STAMP, ("reactive_energy_imported_value", "double-long-unsigned")),
    "daily_consumption_log": Profile(_STAMP, ("value", "double-long-unsigned")),
    "voltage_profile": Profile(_STAMP, ("average_rms_voltage", "double-long-unsigned")),
    "event_log": Profile(_STAMP, ("log_code", "code")),
    "event_log_with_information": Profile(_STAMP, ("log_code", "code"), ("other_information", "octet-string")),
    "power_event_log": Profile(_STAMP, ("log_code", "code"), ("other_information", "double-long-unsigned")),
    "sub_ghz_channel_log": Profile(_STAMP, ("event_code", "code"), ("event_information", "octet-string")),
    "boost_log": Profile(("boost_start", "utc"), ("boost_end", "utc")),
}

_BILLING = ("billing_data_log", "billing_data_log_twin")
_EVENTS = ("event_log", "event_log_with_information")
# (class id, OBIS, attribute id) → the views its value may take, tried before those of its class.
OBJECT_VIEWS: dict[tuple[int, str, int], tuple[str, ...]] = {
    (1, "0-0:94.44.34.10", 2): ("import_energy_registers",),
    (1, "0-0:94.44.34.20", 2): ("power_import",),
    (1, "0-0:94.44.34.1", 2): ("tou_register_matrix",),
    (1, "0-0:94.44.34.2", 2): ("tou_block_register_matrix",),
    (1, "0-0:94.44.34.30", 2): ("prepayment_registers",),
    (1, "0-0:94.44.10.0", 2): ("sub_ghz_configuration",),
    (7, "0-0:98.1.0.255", 2): _BILLING,
    (7, "0-0:98.1.1.255", 2): ("prepayment_log",),
    (7, "0-0:98.1.2.255", 2): ("billing_data_log_with_prepayment", "billing_data_log_twin_with_prepayment"),
    (7, "0-0:98.1.4.255", 2): ("amount_log",),
    (7, "0-0:98.1.5.255", 2): ("amount_log",),
    (7, "0-0:98.1.8.255", 2): ("prepayment_log",),
    (7, "0-0:98.1.9.255", 2): _BILLING,
    (7, "0-0:98.1.10.255", 2): ("export_daily_read_log",),
    (7, "0-0:99.1.0.255", 2): ("active_import_profile", "active_import_profile_twin"),
    (7, "0-0:99.1.1.255", 2): ("export_profile",),
    (7, "0-0:99.1.2.255", 2): ("reactive_import_profile",),
    (7, "0-0:99.1.3.255", 2): ("daily_consumption_log",),
    (7, "1-0:32.24.0.255", 2): ("voltage_profile",),
    (7, "1-0:52.24.0.255", 2): ("voltage_profile",),
    (7, "1-0:72.24.0.255", 2): ("voltage_profile",),
    (7, "0-0:99.98.0.255", 2): _EVENTS,
    (7, "0-0:99.98.1.255", 2): _EVENTS,
    (7, "0-0:99.98.4.255", 2): ("power_event_log",),
    (7, "0-0:94.44.10.3", 2): ("sub_ghz_channel_log",),
    (7, "0-0:99.98.20.255", 2): ("boost_log",),
}

Ref = tuple  # (class id, OBIS, attribute id), or ("action", class id, OBIS, method id)

_VOLTAGE = tuple((3, f"1-0:{phase}.{kind}.0.4", attribute) for phase in (32,) for kind in (32, 36)
                 for attribute in (2, 3)) + ((7, "1-0:32.24.0.255", 2), (7, "1-0:32.24.0.255", 4))
_VOLTAGE_3 = _VOLTAGE + tuple(
    item for phase in (52, 72) for item in (
        *((3, f"1-0:{phase}.{kind}.0.4", attribute) for kind in (32, 36) for attribute in (2, 3)),
        (7, f"1-0:{phase}.24.0.255", 2), (7, f"1-0:{phase}.24.0.255", 4)))
_LIMITERS = tuple((71, f"0-0:17.0.{n}.255", attribute) for n in range(1, 5) for attribute in (4, 6))
_THRESHOLDS = tuple((21, f"0-0:16.0.{n}.255", 2) for n in range(11, 19))
_CALENDAR = tuple((20, "0-0:13.0.0.255", attribute) for attribute in (3, 4, 5))
_IDENTITY = {n: (1, f"0-0:96.1.{n}.255", 2) for n in (1, 2, 4, 6)}
_AUX = {n: (1, f"0-0:94.44.0.{n}", 2) for n in (11, 12, 13, 14, 15, 21, 22, 23, 24, 25, 31, 32, 33, 34, 35)}

# Message code → what each item of its response answers.
RESPONSE_ITEMS: dict[int, tuple[Ref, ...]] = {
    0x0004: ((104, "0-0:30.3.0.255", 4),),                                                   # CCS05
    0x0026: ((3, "1-0:2.8.0.255", 2), (3, "1-0:2.8.0.255", 3), (3, "1-0:4.8.0.255", 2),
             (3, "1-0:4.8.0.255", 3)),                                                        # ECS17a
    0x0028: ((1, "0-0:94.44.34.20", 2),),                                                    # ECS17c
    0x002B: ((1, "0-0:94.44.5.2", 2), (4, "1-0:2.6.0.255", 2), (4, "1-0:2.6.0.255", 3),
             (4, "1-0:2.6.0.255", 5)),                                                        # ECS18a
    0x002C: ((1, "0-0:94.44.5.0", 2), (1, "0-0:94.44.5.1", 2), (4, "1-0:1.6.0.255", 2), (4, "1-0:1.6.0.255", 3),
             (4, "1-0:1.6.0.255", 5), (4, "1-0:1.6.1.255", 2), (4, "1-0:1.6.1.255", 3), (4, "1-0:1.6.1.255", 5),
             (10, "0-0:12.0.0.255", 2)),                                                      # ECS18b
    0x002E: ((7, "0-0:98.1.4.255", 2),),                                                     # ECS20a
    0x0035: ((7, "0-0:98.1.10.255", 2),),                                                    # ECS21c
    0x0036: ((7, "0-0:99.1.1.255", 2),),                                                     # ECS22a
    0x0038: ((7, "0-0:99.1.2.255", 2),),                                                     # ECS22c
    0x0039: _VOLTAGE,                                                                        # ECS23
    0x003A: ((3, "0-0:94.44.1.7", 2), (3, "0-0:94.44.1.7", 3), *_CALENDAR, (11, "0-0:11.0.0.255", 2),
             *_THRESHOLDS, (9000, "0-0:94.44.2.0", 2), (113, "0-0:19.20.4.255", 5),
             (113, "0-0:19.20.0.255", 5)),                                                    # ECS24
    0x003B: ((113, "0-0:19.20.1.255", 5), (11, "0-0:11.0.2.255", 2), (113, "0-0:19.20.1.255", 8),
             (113, "0-0:19.20.1.255", 5), (113, "0-0:19.20.2.255", 5), (113, "0-0:19.20.2.255", 8),
             (113, "0-0:19.20.2.255", 5), (113, "0-0:19.20.3.255", 13), (9000, "0-0:94.44.2.10", 2),
             (21, "0-0:16.0.1.255", 2), (9000, "0-0:94.44.2.20", 2), (111, "0-0:19.0.0.255", 16),
             (111, "0-0:19.0.0.255", 18), (111, "0-0:19.0.0.255", 19), (112, "0-0:19.10.1.255", 9),
             (112, "0-0:19.10.1.255", 10), (10, "0-0:12.0.1.255", 2), (111, "0-0:19.0.0.255", 11)),  # ECS26a
    0x003C: (*_LIMITERS, (1, "1-0:32.35.0.4", 2), (1, "1-0:32.31.0.4", 2)),                  # ECS26b
    0x003D: ((1, "0-0:94.44.0.0", 2), (1, "0-0:94.44.0.2", 2), (1, "0-0:94.44.0.1", 2)),     # ECS26c
    0x003E: ((22, "0-0:15.0.0.255", 4),),                                                    # ECS26d
    0x003F: (_IDENTITY[1], _IDENTITY[2], _IDENTITY[4], _IDENTITY[6], (1, "0-0:94.44.0.4", 2)),  # ECS26e
    0x0040: ((21, "0-0:16.0.0.255", 2),),                                                    # ECS26f
    0x0042: ((9000, "0-0:94.44.0.3", 2), (3, "0-0:94.44.42.255", 2), (3, "0-0:94.44.42.255", 3),
             (71, "0-0:17.0.0.255", 4), (71, "0-0:17.0.0.255", 6), (71, "0-0:17.0.0.255", 7)),  # ECS27
    0x0048: ((7, "0-0:99.98.0.255", 2),),                                                    # ECS35a
    0x0049: ((7, "0-0:99.98.1.255", 2),),                                                    # ECS35b
    0x004E: ((1, "0-0:94.44.34.11", 2), (1, "1-0:0.0.2.255", 2)),                            # ECS40
    0x0052: ((70, "0-0:96.3.10.255", 3),),                                                   # ECS45
    0x0059: ((1, "0-0:0.2.1.255", 2),),                                                      # ECS52
    0x005E: ((1, "0-0:94.44.7.255", 2), (7, "0-0:99.98.20.255", 2),
             *((1, f"0-0:94.44.6.{n}", 2) for n in range(1, 6))),                            # ECS61c
    0x0062: ((8, "0-0:1.0.0.255", 9), ("action", 8, "0-0:1.0.0.255", 5), ("action", 8, "0-0:1.0.0.255", 4),
             (8, "0-0:1.0.0.255", 2), (8, "0-0:1.0.0.255", 4)),                              # ECS70
    0x0069: ((112, "0-0:19.10.0.255", 2),),                                                  # ECS82
    0x0092: (_IDENTITY[1], _IDENTITY[4], _IDENTITY[6]),                                      # ECS26i
    0x0093: ((7, "0-0:99.98.0.255", 2),),                                                    # ECS35c
    0x0094: ((7, "0-0:99.98.1.255", 2),),                                                    # ECS35d
    0x00B9: ((7, "0-0:99.98.4.255", 2),),                                                    # ECS35e
    0x00BA: ((7, "0-17:99.98.2.255", 2),),                                                   # ECS35f
    0x00BB: (*(_AUX[n] for n in (11, 12, 13, 14, 15, 21, 22, 23, 24, 25)), (11, "0-0:11.0.3.255", 2),
             (10, "0-0:12.0.2.255", 2), *((70, f"0-{n}:96.3.10.255", 2) for n in range(1, 6))),  # ECS61a
    0x00BC: _VOLTAGE_3,                                                                      # ECS23b
    0x00BD: ((113, "0-0:19.20.5.255", 5), (3, "0-0:94.44.1.8", 2), (3, "0-0:94.44.1.8", 3),
             (11, "0-0:11.0.1.255", 2), *((20, "0-0:13.0.1.255", a) for a in (3, 4, 5))),   # ECS24b
    0x00BE: ((111, "0-0:19.0.0.255", 2),),                                                   # ECS26j
    0x00C6: (*_LIMITERS, (1, "1-0:32.35.0.4", 2), (1, "1-0:32.31.0.4", 2), (1, "1-0:52.31.0.4", 2),
             (1, "1-0:52.35.0.4", 2), (1, "1-0:72.31.0.4", 2), (1, "1-0:72.35.0.4", 2)),    # ECS26k
    0x00C9: ((7, "0-0:98.1.5.255", 2),),                                                     # ECS20d
    0x00D9: ((22, "0-0:15.0.0.255", 4),),                                                    # ECS26l
    0x00EE: tuple((1, f"0-30:97.98.{n}.255", 2) for n in (15, 16, 17, 18)),                  # ECS25r1
    0x00EF: ((1, "0-33:97.98.15.255", 2), (1, "0-33:97.98.18.255", 2)),                      # ECS25r2
    0x00F9: (_IDENTITY[2], _IDENTITY[4], _IDENTITY[6], (1, "0-0:94.44.0.4", 2)),              # ECS26m
    0x00FA: (_IDENTITY[4], _IDENTITY[6]),                                                    # ECS26n
    0x00FD: ((7, "0-17:99.98.2.255", 2),),                                                   # ECS35g
    0x00FE: (("action", 104, "0-0:30.3.0.255", 4), ("action", 104, "0-0:30.3.1.255", 4)),   # CCS07
    0x010A: ((1, "0-0:94.44.10.2", 2),),                                                     # DBCH01
    0x010B: ((7, "0-0:94.44.10.3", 2),),                                                     # DBCH02
    0x010C: ((1, "0-0:94.44.10.0", 2),),                                                     # DBCH03
    0x010F: ((104, "0-0:30.3.0.255", 4),),                                                   # CCS06
    0x011C: (*(_AUX[n] for n in (11, 12, 13, 14, 15)), (11, "0-0:11.0.3.255", 2),
             (10, "0-0:12.0.2.255", 2)),                                                      # ECS61d
    0x011D: tuple(_AUX[n] for n in (21, 22, 23, 24, 25, 31, 32, 33, 34, 35)),                # ECS61e
}

# Message code → the objects whose values its protected data holds (a structure of one value per object).
PROTECTED_OBJECTS: dict[int, tuple[Ref, ...]] = {
    0x0027: ((1, "0-0:94.44.34.10", 2),),                                                    # ECS17b
    0x0029: ((1, "0-0:94.44.34.1", 2),),                                                     # ECS17d
    0x002A: ((1, "0-0:94.44.34.2", 2),),                                                     # ECS17e
    0x002D: ((1, "0-0:94.44.34.30", 2),),                                                    # ECS19
    0x002F: ((7, "0-0:98.1.2.255", 2),),                                                     # ECS20b
    0x0030: ((7, "0-0:98.1.0.255", 2), (7, "0-0:98.1.1.255", 2)),                           # ECS20c
    0x0033: ((7, "0-0:98.1.9.255", 2),),                                                     # ECS21a
    0x0034: ((7, "0-0:98.1.8.255", 2),),                                                     # ECS21b
    0x0037: ((7, "0-0:99.1.0.255", 2),),                                                     # ECS22b
    0x0060: ((7, "0-0:99.1.3.255", 2),),                                                     # ECS66
    0x0061: ((7, "0-0:98.1.0.255", 2),),                                                     # ECS68 (alert)
}
