"""Gas (GBZ / ZigBee) command structures of the GCS use cases (and CS01b, CS11) the simulator sends, by
message code.

A GBZ command is a list of ZCL components; the reads with nothing to take from a request are written out
here as the ZCL frames GBCS prescribes (clusters, commands, attribute ids, as in the RTDS vectors). Those
whose content comes from the request (tariff, read periods, UTRN, log to clear) start empty: the command
builders in ``fills_gas`` write their components.
"""
from __future__ import annotations

from typing import Any

from gbcs import zcl
from gbcs.zcl import CALENDAR, DEVICE_MANAGEMENT, METERING, PREPAYMENT, PRICE

ALL_CALENDARS = 0xFFFFFFFF      # issuer calendar id: the current tariff calendar
FRIENDLY_CREDIT = 0xFFFFFFFE    # issuer calendar id: the current friendly credit calendar
ALL_EVENTS = 0xFFFFFFFF         # minimum issuer event id: any


def component(cluster: int, command: int, payload: bytes, *, cluster_specific: bool = True,
              from_server: bool = False, from_date_time: int | None = None) -> dict[str, Any]:
    """One GBZ component carrying a ZCL frame (the control field and sequence number are set by ``gbz``)."""
    frame_control = (zcl.FRAME_TYPE_CLUSTER_SPECIFIC if cluster_specific else 0) | \
        (zcl.SERVER_TO_CLIENT if from_server else 0)
    found: dict[str, Any] = {"control": 0, "cluster": cluster}
    if from_date_time is not None:
        found["control"] = 0x10
        found["from_date_time"] = from_date_time
    found.update(frame_control=frame_control, sequence=0, command=command, payload=payload.hex())
    return found


def command(cluster: int, command_id: int, *, from_server: bool = False, from_date_time: int | None = None,
            **fields: Any) -> dict[str, Any]:
    """A cluster-specific command component, its payload encoded from the named ZCL fields."""
    return component(cluster, command_id, zcl.encode_command(cluster, command_id, from_server, fields),
                     from_server=from_server, from_date_time=from_date_time)


def read(cluster: int, *attributes: int) -> dict[str, Any]:
    return component(cluster, zcl.READ_ATTRIBUTES, zcl.encode_read_attributes(attributes), cluster_specific=False)


def gbz(*components: dict[str, Any]) -> dict[str, Any]:
    """A GBZ command payload tree: sequence numbers in order, the last component flagged."""
    for sequence, item in enumerate(components):
        item["sequence"] = sequence & 0xFF
        item["control"] = (item["control"] & ~0x01) | (0x01 if sequence == len(components) - 1 else 0)
    return {"count": len(components), "components": list(components)}


def gbz_structure(use_case: str, tree: Any, *, kind: str = "gbz", sign: bool = False) -> dict[str, Any]:
    return {"use_case": use_case, "kind": kind, "sign": sign, "extra": "", "tree": tree}


def _calendar_reads(issuer_calendar_id: int, calendar_type: int) -> list[dict[str, Any]]:
    return [
        command(CALENDAR, 0x01, provider_id=0, issuer_calendar_id=issuer_calendar_id, start_day_id=1, number_of_days=0),
        command(CALENDAR, 0x02, provider_id=0, issuer_calendar_id=issuer_calendar_id, start_week_id=1,
                number_of_weeks=0),
        command(CALENDAR, 0x03, provider_id=0, issuer_calendar_id=issuer_calendar_id),
        command(CALENDAR, 0x04, start_time=0, number_of_events=0, calendar_type=calendar_type, provider_id=0,
                issuer_calendar_id=issuer_calendar_id),
    ]


_REGISTER_FORMAT = (0x0302, 0x0301, 0x0300)          # divisor, multiplier, unit of measure
_TOU_REGISTERS = (0x0100, 0x0102, 0x0104, 0x0106)
_BLOCK_REGISTERS = (0x0700, 0x0701, 0x0702, 0x0703)
_PREPAYMENT_REGISTERS = (0x0005, 0x0002, 0x0001, 0x0231, 0x0211, 0x0221)
_PREPAYMENT_CONFIGURATION = (0x0239, 0x0006, 0x0216, 0x0226, 0x0040, 0x0010, 0x0011, 0x0031, 0x0021, 0x0022,
                             0x0217, 0x0227)
_TARIFF_ATTRIBUTES = (0x0203, 0x0202, 0x0100, 0x0101, 0x0102, 0x0615, 0x0400, 0x0401, 0x0402, 0x0403, 0x0410,
                      0x0420, 0x0430, 0x0440, 0x0616, 0x0617, 0x0301)
_METER_BALANCE = (read(METERING, 0x0A00), read(PREPAYMENT, 0x0001))

STRUCTURES: dict[int, dict] = {
    0x0015: gbz_structure("CS11", gbz()),
    0x006B: gbz_structure("GCS01a", gbz(), sign=True),
    0x0074: gbz_structure("GCS13a", gbz(read(METERING, *_REGISTER_FORMAT, 0x0000))),
    0x0075: gbz_structure("GCS14", gbz(read(PRICE, 0x0617, 0x0616), read(PREPAYMENT, *_PREPAYMENT_REGISTERS))),
    0x0076: gbz_structure("GCS15c", gbz()),
    0x0077: gbz_structure("GCS16a", gbz()),
    0x0078: gbz_structure("GCS17", gbz()),
    0x0079: gbz_structure("GCS18", gbz()),
    0x007F: gbz_structure("GCS28", [{"tag": "30", "children": [{"tag": "18", "hex": ""}, {"tag": "18", "hex": ""}]}],
                       kind="asn1", sign=True),
    0x0084: gbz_structure("GCS38", gbz(read(METERING, 0x0206))),
    0x008D: gbz_structure("GCS60", gbz(*_METER_BALANCE)),
    0x0096: gbz_structure("GCS16b", gbz()),
    0x0097: gbz_structure("CS01b", gbz()),
    0x009F: gbz_structure("GCS21f", gbz(read(PRICE, *_TARIFF_ATTRIBUTES), *_calendar_reads(ALL_CALENDARS, 0x00),
                                      command(PRICE, 0x00, command_options=0))),
    0x00A0: gbz_structure("GCS61", gbz()),
    0x00B5: gbz_structure("GCS21b", gbz(read(PREPAYMENT, *_PREPAYMENT_CONFIGURATION), read(PRICE, 0x0617),
                                      *_calendar_reads(FRIENDLY_CREDIT, 0x03))),
    0x00B6: gbz_structure("GCS13c", gbz(read(METERING, *_REGISTER_FORMAT, *_TOU_REGISTERS))),
    0x00B8: gbz_structure("GCS13b", gbz(read(METERING, *_BLOCK_REGISTERS, *_REGISTER_FORMAT))),
    0x00C3: gbz_structure("GCS15b", gbz()),
    0x00C4: gbz_structure("GCS15d", gbz()),
    0x00C5: gbz_structure("GCS15e", gbz()),
    # device configuration (6.x): reads, and updates whose components ``fills_gas_config`` writes
    0x00DA: gbz_structure("GCS21k", gbz(command(PRICE, 0x0B, earliest_start_time=0, min_issuer_event_id=ALL_EVENTS,
                                             number_of_commands=1, tariff_type=0))),
    0x007C: gbz_structure("GCS23", gbz(), sign=True),
    0x007E: gbz_structure("GCS25", gbz(), sign=True),
    0x00D8: gbz_structure("GCS25a", gbz(), sign=True),
    0x0087: gbz_structure("GCS41", gbz()),
    0x00AD: gbz_structure("GCS20", gbz()),
    0x00F1: gbz_structure("GCS20r", gbz(command(DEVICE_MANAGEMENT, 0x05, from_server=True, event_id=0x81FF))),
    0x0014: gbz_structure("CS10a", gbz()),
    0x00A1: gbz_structure("CS10b", gbz()),
    0x0089: gbz_structure("GCS46", gbz(read(METERING, 0x0307))),
    0x00BF: gbz_structure("GCS21j", gbz(read(PREPAYMENT, 0x0000))),
    0x00FB: gbz_structure("GCS21m", gbz(read(zcl.BASIC, 0x0004, 0x0005), read(METERING, 0x0608, 0x0607))),
    0x007B: gbz_structure("GCS21a", gbz(read(PRICE, 0x0306, 0x0305, 0x0304, 0x0303, 0x0302),
                                     read(METERING, 0x0B13, 0x0B12, 0x0B11, 0x0B10, 0x0B14, 0x0B15))),
    0x007D: gbz_structure("GCS24", gbz(), sign=True),
    0x00FC: gbz_structure("GCS24a", gbz(), sign=True),
    0x012A: gbz_structure("GCS60a", gbz(*[dict(c) for c in _METER_BALANCE])),
}
