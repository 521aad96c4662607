"""DLMS COSEM commands of the device-configuration use cases (DUIS 6.x) — the ESME's and the Communications
Hub's (ECS26n, ECS35c/d, DBCH) — by message code.

Declared as ``structures_esme`` declares the reads: what each use case addresses. The sets carry a null
where the request supplies the value (``fills_esme_config`` puts it in); the actions carry GBCS's
integer 0.
"""
from __future__ import annotations

from gbcs import dlms as x
from dccsim.han.commands.structures_esme import Spec, action, command_structure, get, get_period, set_

PHASES = ("20", "34", "48")                      # the OBIS C group of phase 1, 2 and 3 voltages
LIMITERS = tuple(f"00001100{n:02X}FF" for n in range(1, 5))    # extreme over / under, sag, swell
LOAD_LIMIT = ("00005E2C0003", "00005E2C8007", "00005E2C8006", "00005E2C8008")
SWITCH_DESCRIPTIONS = tuple(f"00005E2C{0x0B + n:04X}" for n in range(5))
MAX_DEMAND = ("0100010600FF", "0100010601FF", "0100020600FF")   # import, configurable time import, export


def average_rms_objects(phase: str) -> tuple[str, str]:
    """(over, under) average RMS voltage thresholds of a phase."""
    return f"0100{phase}230004", f"0100{phase}1F0004"


def _limiters() -> list[tuple[Spec, dict]]:
    return [s for obis in LIMITERS for s in get(71, obis, 4, 6)]


def _average_rms(phases: tuple[str, ...]) -> list[tuple[Spec, dict]]:
    first = [s for obis in average_rms_objects(phases[0]) for s in get(1, obis, 2)]
    others = [s for p in phases[1:] for obis in reversed(average_rms_objects(p)) for s in get(1, obis, 2)]
    return first + others


def _counter_resets(phases: tuple[str, ...]) -> list[tuple[Spec, dict]]:
    return [s for p in phases for obis in (f"0100{p}200004", f"0100{p}240004")
            for s in action(3, obis, 1, x.integer(0))]


def _voltage_sets(phases: tuple[str, ...], *, thresholds_first: bool, resets: bool) -> list[tuple[Spec, dict]]:
    """ECS29a / b: periods, limiters, average RMS thresholds (phase 1 over then under, the others under then
    over) and the counter resets; ECS29c / d: the thresholds (under then over) first, no resets."""
    periods = [s for p in phases for s in set_(7, f"0100{p}1800FF", 4)]
    limiters = [s for obis in LIMITERS for a in (4, 6) for s in set_(71, obis, a)]
    if thresholds_first:
        averages = [s for p in phases for obis in reversed(average_rms_objects(p)) for s in set_(1, obis, 2)]
        return averages + periods + limiters
    averages = [s for p in phases for obis in (average_rms_objects(p) if p == PHASES[0]
                                                 else reversed(average_rms_objects(p)))
                for s in set_(1, obis, 2)]
    return periods + limiters + averages + (_counter_resets(phases) if resets else [])


_ONE, _THREE = PHASES[:1], PHASES

# message code → (use case, critical, other-information extra, what the command addresses)
DECLARED: dict[int, tuple[str, bool, bool, list[tuple[Spec, dict]]]] = {
    # reads (6.2.x)
    0x003C: ("ECS26b", False, False, _limiters() + _average_rms(_ONE)),
    0x00C6: ("ECS26k", False, False, _limiters() + _average_rms(_THREE)),
    0x003D: ("ECS26c", False, False, get(1, "00005E2C0000", 2) + get(1, "00005E2C0002", 2)
             + get(1, "00005E2C0001", 2)),
    0x003E: ("ECS26d", False, False, get(22, "00000F0000FF", 4)),
    0x00D9: ("ECS26l", False, False, get(22, "00000F0000FF", 4)),
    0x003F: ("ECS26e", False, False, get(1, "0000600101FF", 2) + get(1, "0000600102FF", 2)
             + get(1, "0000600104FF", 2) + get(1, "0000600106FF", 2) + get(1, "00005E2C0004", 2)),
    0x00F9: ("ECS26m", False, False, get(1, "0000600102FF", 2) + get(1, "0000600104FF", 2)
             + get(1, "0000600106FF", 2) + get(1, "00005E2C0004", 2)),
    # the hub's identity, read through 6.2.4 on the CHF (the DCC sends it on the User's behalf)
    0x00FA: ("ECS26n", False, True, get(1, "0000600104FF", 2) + get(1, "0000600106FF", 2)),
    # the hub's Sub GHz configuration, channel scan, operating channel and channel log (6.28–6.32)
    0x010D: ("DBCH04", False, True, set_(1, "00005E2C0A00", 2)),
    0x010E: ("DBCH05", False, True, set_(1, "00005E2C0A01", 2, x.unsigned(0))),
    0x010C: ("DBCH03", False, True, get(1, "00005E2C0A00", 2)),
    0x010A: ("DBCH01", False, True, get(1, "00005E2C0A02", 2)),
    0x010B: ("DBCH02", False, True, get_period(7, "00005E2C0A03")),
    0x0040: ("ECS26f", False, False, get(21, "0000100000FF", 2)),
    0x00BE: ("ECS26j", False, False, get(111, "0000130000FF", 2)),
    0x004E: ("ECS40", False, False, get(1, "00005E2C220B", 2) + get(1, "0100000002FF", 2)),
    0x00EE: ("ECS25r1", False, False, [s for n in ("0F", "10", "11", "12") for s in get(1, f"001E6162{n}FF", 2)]),
    0x00EF: ("ECS25r2", False, False, get(1, "002161620FFF", 2) + get(1, "0021616212FF", 2)),
    # event and security logs (6.13): the meter's, the hub's (sent by the DCC on the User's behalf)
    0x0048: ("ECS35a", False, False, get_period(7, "0000636200FF")),
    0x0049: ("ECS35b", False, False, get_period(7, "0000636201FF")),
    0x00B9: ("ECS35e", False, False, get_period(7, "0000636204FF")),
    0x00BA: ("ECS35f", False, False, get_period(7, "0011636202FF")),
    0x00FD: ("ECS35g", False, False, get_period(7, "0011636202FF")),
    0x0093: ("ECS35c", False, True, get_period(7, "0000636200FF")),
    0x0094: ("ECS35d", False, True, get_period(7, "0000636201FF")),
    # updates
    0x0043: ("ECS28a", True, False, [s for a in (4, 6) for obis in LOAD_LIMIT for s in set_(9000, obis, a)]),
    0x0044: ("ECS28b", False, False, action(3, "00005E2C2AFF", 1, x.integer(0))),
    0x0045: ("ECS29a", False, False, _voltage_sets(_ONE, thresholds_first=False, resets=True)),
    0x00AE: ("ECS29b", False, False, _voltage_sets(_THREE, thresholds_first=False, resets=True)),
    0x00D1: ("ECS29c", False, False, _voltage_sets(_ONE, thresholds_first=True, resets=False)),
    0x00D2: ("ECS29d", False, False, _voltage_sets(_THREE, thresholds_first=True, resets=False)),
    0x00D3: ("ECS29e", False, False, _counter_resets(_ONE)),
    0x00D4: ("ECS29f", False, False, _counter_resets(_THREE)),
    0x0046: ("ECS30", True, False, set_(22, "00000F0000FF", 4)),
    0x00D7: ("ECS30a", True, False, set_(22, "00000F0000FF", 4)),
    0x0047: ("ECS34", False, False, set_(21, "0000100000FF", 2)),
    0x004A: ("ECS37", False, False, set_(10, "00000C0000FF", 2)),
    0x004C: ("ECS39a", False, False, set_(1, "00005E2C220B", 2)),
    0x004D: ("ECS39b", False, True, set_(1, "0100000002FF", 2)),
    0x0053: ("ECS46a", True, False, [s for obis in SWITCH_DESCRIPTIONS for s in set_(1, obis, 2)]),
    0x005A: ("ECS57", False, False, [s for obis in MAX_DEMAND for s in action(4, obis, 1, x.integer(0))]),
    0x0068: ("ECS81", True, False, set_(1, "00005E2C0004", 2)),
    # alert behaviours (6.22): the write-only setters of the Supplier's and the Network Operator's bit maps
    **{code: (use_case, False, False, set_(1, obis, 2)) for code, use_case, obis in (
        (0x00AC, "ECS25a", "001E61620BFF"), (0x00EA, "ECS25a1", "001E61620CFF"), (0x00EB, "ECS25a2", "001E61620DFF"),
        (0x00EC, "ECS25a3", "001E61620EFF"), (0x00B0, "ECS25b", "002161620BFF"), (0x00ED, "ECS25b3", "002161620EFF"))},
    0x00DB: ("ECS48", True, False, set_(22, "00000F0100FF", 4)),
}

EXTRA_PARTIES = {use_case for use_case, _c, extra, _s in DECLARED.values() if extra}

STRUCTURES: dict[int, dict] = {code: command_structure(use_case, critical, addressed)
                               for code, (use_case, critical, _extra, addressed) in DECLARED.items()}
