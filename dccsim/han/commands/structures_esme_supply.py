"""ESME (DLMS COSEM) commands of the supply, prepayment and price use cases (DUIS 1.1.2, 1.2.x, 1.5, 1.6, 2.3,
2.5, 7.1–7.4), by message code.

The objects each use case addresses, as GBCS and the RTDS vectors have them: the disconnect control script
table (ECS42 / ECS43 / ECS44 run scripts 51 / 52 / 54) and the load switch's control state (ECS45); the credit
objects (meter balance, emergency credit balance, accumulated debt: ECS04a / ECS04b / ECS09); the debt charge
objects (ECS07), the account's payment mode (ECS02 / ECS03), the price matrices and standing charge (ECS01b,
ECS01d) and the secondary element's tariff (ECS01c), the prepayment configuration (ECS08a, ECS08), the block counters' reset (ECS05: tariff script 99), and
what the consumer sees: the Supplier's message (ECS10), the change of tenancy date (ECS12), the privacy PIN
(ECS14), the Supplier's name and telephone number (ECS16). Values the request supplies are written by
``fills_supply`` (``fills_esme`` for the prices and tariff).
"""
from __future__ import annotations

from gbcs import dlms as x
from dccsim.han.commands.structures_esme import action, command_structure, get, set_

DISCONNECT_SCRIPTS = "00000A006AFF"
LOAD_SWITCH = "000060030AFF"
METER_BALANCE, EMERGENCY_CREDIT, ACCUMULATED_DEBT = "0000130A00FF", "0000130A01FF", "0000130A02FF"
TIME_DEBT_1, TIME_DEBT_2, PAYMENT_DEBT = "0000131401FF", "0000131402FF", "0000131403FF"
ACCOUNT = "0001130000FF"
DISABLEMENT_THRESHOLD = "00005E2C8016"
# Script ids of the disconnect control script table.
ENABLE_SCRIPT, DISABLE_SCRIPT, ARM_SCRIPT = 51, 52, 54
# DLMS account payment modes.
CREDIT_MODE, PREPAYMENT_MODE = 1, 2
IMMEDIATE = "0000000000000000008000ff"


def debt_charge(rate: int = 0, price_scale: int = 0) -> dict:
    """A debt recovery rate as a charge object's unit charge: an amount per period, no commodity."""
    return x.structure(x.structure(x.integer(0), x.integer(price_scale)),
                       x.structure(x.long_unsigned(0), x.octets("000000000000"), x.integer(0)),
                       x.array([x.structure(x.octets(""), x.long(rate))]))


def _mode(mode: int) -> list:
    return set_(111, ACCOUNT, 2, x.structure(x.enum(mode), x.enum(1)))


_CHARGES = set_(111, ACCOUNT, 11, x.array([]))            # the credit / charge pairs: written by the fill
_ACTIVATE_MODE = set_(111, ACCOUNT, 13, x.octets(IMMEDIATE))


# message code → (use case, critical, what the command addresses)
_DECLARED: dict[int, tuple[str, bool, list]] = {
    0x004F: ("ECS42", True, action(9, DISCONNECT_SCRIPTS, 1, x.long_unsigned(ENABLE_SCRIPT))),
    0x0050: ("ECS43", True, action(9, DISCONNECT_SCRIPTS, 1, x.long_unsigned(DISABLE_SCRIPT))),
    0x0051: ("ECS44", True, action(9, DISCONNECT_SCRIPTS, 1, x.long_unsigned(ARM_SCRIPT))),
    0x0052: ("ECS45", False, get(70, LOAD_SWITCH, 3)),
    0x001C: ("ECS04a", True, action(112, METER_BALANCE, 1, x.dl(0))),
    0x00B3: ("ECS04b", True, action(112, METER_BALANCE, 2, x.dl(0)) + action(112, EMERGENCY_CREDIT, 2, x.dl(0))
             + action(112, ACCUMULATED_DEBT, 2, x.dl(0))),
    0x0020: ("ECS09", True, action(112, EMERGENCY_CREDIT, 3, x.integer(0))),
    0x001E: ("ECS07", True, set_(113, TIME_DEBT_1, 6, debt_charge()) + set_(113, TIME_DEBT_2, 6, debt_charge())
             + set_(113, PAYMENT_DEBT, 13, x.long_unsigned(0)) + set_(113, TIME_DEBT_1, 8, x.dlu(86400))
             + set_(113, TIME_DEBT_2, 8, x.dlu(86400)) + action(113, TIME_DEBT_1, 2, x.integer(0))
             + action(113, TIME_DEBT_2, 2, x.integer(0)) + action(113, PAYMENT_DEBT, 4, x.dl(0))
             + action(113, TIME_DEBT_1, 4, x.dl(0)) + action(113, TIME_DEBT_2, 4, x.dl(0))),
    0x001A: ("ECS02", True, _mode(CREDIT_MODE) + _CHARGES + _ACTIVATE_MODE),
    0x001B: ("ECS03", True, _mode(PREPAYMENT_MODE) + set_(9000, DISABLEMENT_THRESHOLD, 4, x.dl(0)) + _CHARGES
             + set_(9000, DISABLEMENT_THRESHOLD, 6, x.octets(IMMEDIATE)) + _ACTIVATE_MODE),
}

_ACTIVATE_NOW = x.octets(IMMEDIATE)
# Prices and the secondary element's tariff (1.2.1, 1.2.2, 1.1.2): passive values and their activation times.
_PRICES: dict[int, tuple[str, bool, list]] = {
    0x00A2: ("ECS01b", True, set_(113, "0000131404FF", 6) + set_(113, "0000131400FF", 6)
             + set_(113, "0000131404FF", 7, _ACTIVATE_NOW) + set_(113, "0000131400FF", 7, _ACTIVATE_NOW)),
    0x00C7: ("ECS01d", True, set_(113, "0000131405FF", 6) + set_(113, "0000131405FF", 7, _ACTIVATE_NOW)),
    0x00B7: ("ECS01c", True, set_(113, "0000131405FF", 6) + set_(20, "00000D0001FF", 7)
             + set_(20, "00000D0001FF", 8) + set_(20, "00000D0001FF", 9) + set_(11, "00010B0001FF", 2)
             + set_(20, "00000D0001FF", 10, _ACTIVATE_NOW) + set_(113, "0000131405FF", 7, _ACTIVATE_NOW)
             + set_(9000, "00005E2C801E", 6, _ACTIVATE_NOW)),
}
_DECLARED.update(_PRICES)
# The prepayment configuration (2.1): ECS08a writes passive values activated at the execution time; ECS08 (a
# meter of GBCS before v2.0) writes the maximum meter balance directly.
NON_DISABLEMENT_SPECIAL_DAYS, NON_DISABLEMENT_CALENDAR = "00010B0002FF", "00010C0001FF"
MAX_METER_BALANCE, MAX_CREDIT = "00005E2C0214", "00005E2C020A"
DEBT_CAP_AMOUNT, DEBT_CAP_PERIOD, LOW_CREDIT = "00005E2C800C", "00005E2C800D", "00005E2C8009"
EMERGENCY_LIMIT, EMERGENCY_THRESHOLD = "00005E2C8002", "00005E2C8003"


def _prepay_configuration(max_balance_attribute: int) -> list:
    return (set_(11, NON_DISABLEMENT_SPECIAL_DAYS, 2) + set_(9000, MAX_METER_BALANCE, max_balance_attribute)
            + set_(9000, MAX_CREDIT, 4) + set_(10, NON_DISABLEMENT_CALENDAR, 2) + set_(9000, DEBT_CAP_AMOUNT, 4)
            + set_(9000, DEBT_CAP_PERIOD, 4) + set_(9000, LOW_CREDIT, 4) + set_(9000, EMERGENCY_LIMIT, 4)
            + set_(9000, "00005E2C801F", 6, _ACTIVATE_NOW) + set_(9000, EMERGENCY_THRESHOLD, 4)
            + [part for obis in (MAX_METER_BALANCE, MAX_CREDIT, DEBT_CAP_AMOUNT, DEBT_CAP_PERIOD, LOW_CREDIT,
                                 EMERGENCY_LIMIT, EMERGENCY_THRESHOLD, "00005E2C801C")
               for part in set_(9000, obis, 6, _ACTIVATE_NOW)])


_DECLARED.update({0x00DE: ("ECS08a", True, _prepay_configuration(4)), 0x001F: ("ECS08", True, _prepay_configuration(2))})
# What the consumer sees (3.1, 3.2, 3.4, 3.5) and the block counters (1.7).
_DECLARED.update({
    0x0021: ("ECS10", False, set_(1, "0002600D01FF", 2, x.octets(""))),
    0x0022: ("ECS12", False, set_(1, "00005E2C0302", 2, x.octets(IMMEDIATE))),
    0x0023: ("ECS14", False, set_(1, "00005E2C0301", 2, x.octets(""))),
    0x0025: ("ECS16", False, set_(9000, "0000600D00FF", 2, x.octets("")) + set_(9000, "0000600D01FF", 2, x.octets(""))),
    0x001D: ("ECS05", True, action(9, "00000A0064FF", 1, x.long_unsigned(99))),
    0x0058: ("ECS50", False, set_(1, "0003600D01FF", 2, x.octets(""))),     # 9.1: the CIN the DCC issues
})

STRUCTURES: dict[int, dict] = {code: command_structure(use_case, critical, addressed)
                               for code, (use_case, critical, addressed) in _DECLARED.items()}
