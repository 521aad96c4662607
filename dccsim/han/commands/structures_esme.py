"""ESME (DLMS COSEM) commands of the ECS use cases the simulator sends, by message code.

Each use case is declared by what it addresses: the attributes it gets (plainly, or for a period), the
attributes it reads through a data protection object (GBCS sensitive reads), the attributes it sets or the
method it invokes. ``STRUCTURES`` holds the payload tree each declaration gives, with neutral values where
the request supplies them (periods, prices, UTRN, clock, the parties of the protection parameters); the
fills in ``fills_esme`` put the request's values in.
"""
from __future__ import annotations

from gbcs import dlms as x
from gbcs import protection
from gbcs.protection import AttributeDescriptor

Spec = dict
UNSPECIFIED = "ffffffffffffffffff8000ff"
RANGE_OBJECT = x.structure(x.long_unsigned(1), x.octets("00005e2c64ff"), x.integer(2), x.long_unsigned(0))


def range_selection(start: int = 0, end: int = 0) -> dict:
    """A COSEM range descriptor over GBCS UTC seconds (the restricting object is the UTC time)."""
    return x.structure(RANGE_OBJECT, x.dlu(start), x.dlu(end), x.array([]))


def get(cls: int, obis: str, *attributes: int) -> list[tuple[Spec, dict]]:
    return [({"choice": "get", "class": cls, "obis": obis, "attribute": a}, x.null()) for a in attributes]


def get_period(cls: int, obis: str, attribute: int = 2) -> list[tuple[Spec, dict]]:
    return [({"choice": "get-with-selection", "class": cls, "obis": obis, "attribute": attribute, "selector": 1,
              "parameters": range_selection()}, x.null())]


def action(cls: int, obis: str, method: int, data: dict) -> list[tuple[Spec, dict]]:
    return [({"choice": "action", "class": cls, "obis": obis, "method": method}, data)]


def set_(cls: int, obis: str, attribute: int, data: dict | None = None) -> list[tuple[Spec, dict]]:
    return [({"choice": "set", "class": cls, "obis": obis, "attribute": attribute}, data or x.null())]


NO_PARTIES = protection.ProtectionParameters(protection.transaction_id(0), bytes(8), bytes(8), b"",
                                   protection.agreed_key_info())


def protected(obis: str, *reads: tuple[int, str, bool]) -> list[tuple[Spec, dict]]:
    """get_protected_attributes on data protection object ``obis`` for (class, OBIS, for a period)."""
    descriptors = [AttributeDescriptor(cls, target, 2, protection.date_restriction(UNSPECIFIED, UNSPECIFIED) if period
                              else None) for cls, target, period in reads]
    return action(30, obis, 1, protection.protected_attributes_request(descriptors, NO_PARTIES))


def _tariff_sets() -> list[tuple[Spec, dict]]:
    thresholds = [f"00001001{0x0B + r:02X}FF" for r in range(8)]
    return (set_(20, "00000D0000FF", 7) + set_(20, "00000D0000FF", 8) + set_(20, "00000D0000FF", 9)
            + set_(11, "00010B0000FF", 2) + [s for obis in thresholds for s in set_(21, obis, 2)]
            + set_(9000, "00005E2C0200", 4) + set_(113, "0000131404FF", 6) + set_(113, "0000131400FF", 6)
            + set_(20, "00000D0000FF", 10) + set_(9000, "00005E2C801D", 6) + set_(9000, "00005E2C0200", 6)
            + set_(113, "0000131404FF", 7) + set_(113, "0000131400FF", 7) + set_(9000, "00003F0101FF", 6))


def _voltage(phase_c: str) -> list[tuple[Spec, dict]]:
    return (get(3, f"0100{phase_c}200004", 2, 3) + get(3, f"0100{phase_c}240004", 2, 3)
            + get_period(7, f"0100{phase_c}1800FF") + get(7, f"0100{phase_c}1800FF", 4))


# message code → (use case, critical, other-information extra, what the command addresses)
_DECLARED: dict[int, tuple[str, bool, bool, list[tuple[Spec, dict]]]] = {
    0x0019: ("ECS01a", True, False, _tariff_sets()),
    0x0024: ("ECS15a", False, False, action(7, "0000636200FF", 1, x.integer(0))),
    0x00C1: ("ECS15c", False, False, action(7, "0011636202FF", 1, x.integer(0))),
    0x0026: ("ECS17a", False, False, get(3, "0100020800FF", 2, 3) + get(3, "0100040800FF", 2, 3)),
    0x0027: ("ECS17b", False, False, protected("00002B0208FF", (1, "00005E2C220A", False))),
    0x0028: ("ECS17c", False, False, get(1, "00005E2C2214", 2)),
    0x0029: ("ECS17d", False, False, protected("00002B0209FF", (1, "00005E2C2201", False))),
    0x002A: ("ECS17e", False, False, protected("00002B020AFF", (1, "00005E2C2202", False))),
    0x002B: ("ECS18a", False, False, get(1, "00005E2C0502", 2) + get(4, "0100020600FF", 2, 3, 5)),
    0x002C: ("ECS18b", False, False, get(1, "00005E2C0500", 2) + get(1, "00005E2C0501", 2)
             + get(4, "0100010600FF", 2, 3, 5) + get(4, "0100010601FF", 2, 3, 5) + get(10, "00000C0000FF", 2)),
    0x002D: ("ECS19", False, False, protected("00002B0201FF", (1, "00005E2C221E", False))),
    0x002E: ("ECS20a", False, False, get_period(7, "0000620104FF")),
    0x002F: ("ECS20b", False, False, protected("00002B0203FF", (7, "0000620102FF", True))),
    0x0030: ("ECS20c", False, False, protected("00002B0202FF", (7, "0000620100FF", True),
                                               (7, "0000620101FF", True))),
    0x00C9: ("ECS20d", False, False, get_period(7, "0000620105FF")),
    0x0033: ("ECS21a", False, False, protected("00002B0205FF", (7, "0000620109FF", True))),
    0x0034: ("ECS21b", False, False, protected("00002B0206FF", (7, "0000620108FF", True))),
    0x0035: ("ECS21c", False, True, get_period(7, "000062010AFF")),
    0x0036: ("ECS22a", False, False, get_period(7, "0000630101FF")),
    0x0037: ("ECS22b", False, False, protected("00002B0207FF", (7, "0000630100FF", True))),
    0x0038: ("ECS22c", False, False, get_period(7, "0000630102FF")),
    0x0039: ("ECS23", False, False, _voltage("20")),
    0x00BC: ("ECS23b", False, False, _voltage("20") + _voltage("34") + _voltage("48")),
    0x003A: ("ECS24", False, False, get(3, "00005E2C0107", 2, 3) + get(20, "00000D0000FF", 3, 4, 5)
             + get(11, "00000B0000FF", 2) + [s for r in range(8) for s in get(21, f"00001000{0x0B + r:02X}FF", 2)]
             + get(9000, "00005E2C0200", 2) + get(113, "0000131404FF", 5) + get(113, "0000131400FF", 5)),
    0x00BD: ("ECS24b", False, False, get(113, "0000131405FF", 5) + get(3, "00005E2C0108", 2, 3)
             + get(11, "00000B0001FF", 2) + get(20, "00000D0001FF", 3, 4, 5)),
    0x003B: ("ECS26a", False, False, get(113, "0000131401FF", 5) + get(11, "00000B0002FF", 2)
             + get(113, "0000131401FF", 8, 5) + get(113, "0000131402FF", 5, 8, 5) + get(113, "0000131403FF", 13)
             + get(9000, "00005E2C020A", 2) + get(21, "0000100001FF", 2) + get(9000, "00005E2C0214", 2)
             + get(111, "0000130000FF", 16, 18, 19) + get(112, "0000130A01FF", 9, 10) + get(10, "00000C0001FF", 2)
             + get(111, "0000130000FF", 11)),
    0x0042: ("ECS27", False, False, get(9000, "00005E2C0003", 2) + get(3, "00005E2C2AFF", 2, 3)
             + get(71, "0000110000FF", 4, 6, 7)),
    0x0059: ("ECS52", False, False, get(1, "0000000201FF", 2)),
    0x0060: ("ECS66", False, False, protected("00002B0204FF", (7, "0000630103FF", True))),
    0x0062: ("ECS70", True, False, set_(8, "0000010000FF", 9, x.enum(5))
             + action(8, "0000010000FF", 5, x.structure(x.octets(UNSPECIFIED), x.octets(UNSPECIFIED),
                                                        x.octets(UNSPECIFIED)))
             + action(8, "0000010000FF", 4, x.integer(0)) + get(8, "0000010000FF", 2, 4)),
    0x0069: ("ECS82", False, False, get(112, "0000130A00FF", 2)),
}

# Use cases whose other-information carries the requesting party and its counter (reads the DCC may send
# on a User's behalf).
EXTRA_PARTIES = {use_case for use_case, _c, extra, _s in _DECLARED.values() if extra} | {
    "ECS61d",       # 7.14, read by the ACB for the IS, ED or OU asking (structures_auxiliary)
}


def command_structure(use_case: str, critical: bool, addressed: list[tuple[Spec, dict]]) -> dict:
    """The payload tree of a DLMS command that addresses ``addressed`` (gets, sets, actions)."""
    return {"use_case": use_case, "kind": "dlms-access-request", "sign": critical, "extra": "",
            "tree": {"invoke_id": "20000000", "date_time": None,
                     "specs": [spec for spec, _data in addressed], "data": [data for _spec, data in addressed]}}


STRUCTURES: dict[int, dict] = {code: command_structure(use_case, critical, addressed)
                               for code, (use_case, critical, _extra, addressed) in _DECLARED.items()}
