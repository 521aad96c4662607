"""ESME (DLMS COSEM) commands of the auxiliary controller use cases (DUIS 7.5–7.16), by message code.

What each addresses, as the RTDS vectors have it: the auxiliary controller script table with a duration
(ECS47: switch on / off / reset) or a period (ECS47a: a controller's level), the Load Controller's script table
(ECS47e), the boost button flags (ECS62) and log (ECS61c), the switches' data (ECS61a), descriptions and
calendar (ECS61d), configuration and operational data (ECS61e), the randomised offset limit (ECS38); the
switches' configuration and the passive calendar with its activation times (ECS46c, 6.14.2; ECS46d, 6.14.3).
``fills_auxiliary`` writes what the request supplies (and which period objects a level's command sets).
"""
from __future__ import annotations

from dccsim.han.commands.structures_esme import action, command_structure, get, get_period, set_
from gbcs import dlms as x

CONTROLLERS = 5
CONTROLLER_SCRIPTS, LOAD_CONTROLLER_SCRIPTS = x.AUXILIARY_CONTROLLER_SCRIPTS, x.LOAD_CONTROLLER_SCRIPTS
_UNSPECIFIED = x.octets("ffffffffffffffffff8000ff")


def _numbered(start: int) -> list[str]:
    return [f"00005E2C{start + n:04X}" for n in range(CONTROLLERS)]


DESCRIPTIONS, CONFIGURATIONS, OPERATIONAL = _numbered(0x000B), _numbered(0x0015), _numbered(0x001F)
BOOST_FLAGS = _numbered(0x0601)
SWITCH_OUTPUTS = [f"000{n}60030AFF" for n in range(1, CONTROLLERS + 1)]
_CALENDAR = get(11, "00000B0003FF", 2) + get(10, "00000C0002FF", 2)
ACTIVATION = ("00005E2C801A", "00005E2C8023")       # when the passive calendar, and its special days, apply
_PASSIVE_CALENDAR = (set_(11, "00010B0003FF", 2) + set_(10, "00010C0002FF", 2)
                     + [p for o in ACTIVATION for p in set_(9000, o, 6)])


def _level(table: str, start: str, end: str) -> list:
    return set_(1, start, 2, _UNSPECIFIED) + set_(1, end, 2, _UNSPECIFIED) + action(9, table, 1, x.long_unsigned(0))


_DECLARED: dict[int, tuple[str, bool, list]] = {
    0x0055: ("ECS47", True, set_(1, "00005E2C7501", 2, x.long_unsigned(0))
             + action(9, CONTROLLER_SCRIPTS, 1, x.long_unsigned(0))),
    0x00BB: ("ECS61a", False, [p for o in DESCRIPTIONS + CONFIGURATIONS for p in get(1, o, 2)] + _CALENDAR
             + [p for o in SWITCH_OUTPUTS for p in get(70, o, 2)]),
    0x005F: ("ECS62", False, [p for o in BOOST_FLAGS for p in set_(1, o, 2, x.boolean(True))]),
    0x005E: ("ECS61c", False, get(1, "00005E2C07FF", 2) + get_period(7, "0000636214FF")
             + [p for o in BOOST_FLAGS for p in get(1, o, 2)]),
    0x004B: ("ECS38", True, set_(1, "00005E2C0001", 2, x.long_unsigned(0))),
    0x011E: ("ECS47a", True, _level(CONTROLLER_SCRIPTS, "00005E2C7901", "00005E2C7902")),
    0x011C: ("ECS61d", False, [p for o in DESCRIPTIONS for p in get(1, o, 2)] + _CALENDAR),
    0x011D: ("ECS61e", False, [p for o in CONFIGURATIONS + OPERATIONAL for p in get(1, o, 2)]),
    0x011F: ("ECS47e", True, _level(LOAD_CONTROLLER_SCRIPTS, "00005E2C7903", "00005E2C7904")),
    0x0054: ("ECS46c", True, [p for o in CONFIGURATIONS for p in set_(1, o, 2)] + _PASSIVE_CALENDAR),
    0x011A: ("ECS46d", True, _PASSIVE_CALENDAR),
}

STRUCTURES: dict[int, dict] = {code: command_structure(use_case, critical, addressed)
                               for code, (use_case, critical, addressed) in _DECLARED.items()}
