"""The ESME's supply and prepayment objects as tables: the disconnect control script table and load switch,
the credit objects (meter balance, emergency credit balance, accumulated debt), the debt charge objects and
the account's payment mode.

``INSTANCE_ACTIONS`` are the methods (``devices.esme`` runs them), ``READS`` the attributes computed from the
meter's state, ``SET_HOOKS`` what a set of an attribute does besides storing it. Each behaviour calls a named
transition of ``devices.esme_prepayment`` and answers as the RTDS meter answers: success, or hardware-fault
where the meter refuses. The alerts a transition raises go out with the response (``raise_alerts``).
"""
from __future__ import annotations

from typing import Callable

from devices import alerts
from devices import esme_meter as meter
from devices import esme_prepayment as prepayment
from devices.attribute_store import key
from devices.errors import MalformedRequest
from devices.esme_objects import Context
from devices.esme_state import PaymentMode, SupplyState
from devices.esme_tariff import activation_moment
from gbcs import DataAccessResult as Result
from gbcs import dlms as x
from gbcs.dlms import Node

DISCONNECT_SCRIPTS = "00000A006AFF"
LOAD_SWITCH = "000060030AFF"
METER_BALANCE, EMERGENCY_CREDIT, ACCUMULATED_DEBT = "0000130A00FF", "0000130A01FF", "0000130A02FF"
DEBT_CHARGES = {"0000131401FF": "time_debt_1", "0000131402FF": "time_debt_2", "0000131403FF": "payment_debt"}
ACCOUNT = "0001130000FF"
MAX_METER_BALANCE = "00005E2C0214"

# Disconnect control script ids → the Supplier's transition.
SCRIPTS: dict[int, Callable] = {51: prepayment.enable, 52: prepayment.disable, 54: prepayment.arm}
# DLMS disconnect control states (class 70 control_state).
CONTROL_STATE = {SupplyState.DISABLED: 0, SupplyState.ENABLED: 1, SupplyState.ARMED: 2}
PAYMENT_MODES = {1: PaymentMode.CREDIT, 2: PaymentMode.PREPAYMENT}

Action = Callable[[Context, Node], tuple[int, Node]]


def _number(data: Node, what: str) -> int:
    value = data.get("value") if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedRequest(f"{what} that is not a number: {data!r}")
    return value


def _stored_number(ctx: Context, cls: int, obis: str, attribute: int, default: int = 0) -> int:
    node = ctx.stored(cls, obis, attribute)
    value = node.get("value") if node else None
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def threshold(ctx: Context) -> int:
    return meter.disablement_threshold(ctx.store)


def raise_alerts(ctx: Context, codes: list[int]) -> None:
    """Send the alerts a transition raised with the response, each to the Remote Parties its code names."""
    for code in codes:
        critical = alerts.info(code).critical
        ctx.alerts.append({"code": code, "payload": alerts.dlms_payload(ctx.state, code, ctx.now),
                           "message_code": alerts.GENERIC_CRITICAL if critical else alerts.GENERIC_NON_CRITICAL})


def _refusable(transition: Callable[[], list[int]], ctx: Context) -> tuple[int, Node]:
    try:
        codes = transition()
    except (prepayment.SupplyRefused, prepayment.CreditRefused):
        return Result.HARDWARE_FAULT, x.null()
    raise_alerts(ctx, codes)
    return Result.SUCCESS, x.null()


def _run_script(ctx: Context, data: Node) -> tuple[int, Node]:
    """ECS42 / ECS43 / ECS44: execute a disconnect control script (enable, disable, arm)."""
    transition = SCRIPTS.get(_number(data, "a script id"))
    if transition is None:
        return Result.OTHER_REASON, x.null()
    arguments = {"threshold": threshold(ctx)} if transition is prepayment.enable else {}
    return _refusable(lambda: transition(ctx.state, ctx.now, **arguments), ctx)


def _update_balance(ctx: Context, data: Node) -> tuple[int, Node]:
    """ECS04a: adjust the meter balance by an amount."""
    amount = _number(data, "a balance adjustment")
    maximum = _stored_number(ctx, 9000, MAX_METER_BALANCE, 2, 10_000_000)
    return _refusable(lambda: prepayment.adjust_balance(ctx.state, amount, ctx.now, maximum, threshold(ctx)), ctx)


def _set_to_value(register: str) -> Action:
    """ECS04b: set a credit register (balance, emergency credit, accumulated debt) to a value (zero)."""
    def set_amount(ctx: Context, data: Node) -> tuple[int, Node]:
        value = _number(data, "a credit amount")
        prepay = meter.model(ctx.state).prepay
        if value != 0:
            setattr(prepay, register, value)
            return Result.SUCCESS, x.null()
        reset = {name: name == register for name in ("balance", "emergency", "accumulated_debt")}
        return _refusable(lambda: prepayment.reset_balances(ctx.state, ctx.now, threshold(ctx), **reset), ctx)
    return set_amount


def _invoke_emergency_credit(ctx: Context, data: Node) -> tuple[int, Node]:
    """ECS09: activate emergency credit: its preset amount, once the balance is at or below its threshold (2.1
    sets both, as the emergency credit limit and threshold)."""
    amount = _stored_number(ctx, 112, EMERGENCY_CREDIT, 9)
    available_below = _stored_number(ctx, 112, EMERGENCY_CREDIT, 10)
    return _refusable(lambda: prepayment.activate_emergency_credit(
        ctx.state, ctx.now, amount=amount, available_below=available_below, threshold=threshold(ctx)), ctx)


def _activate_passive_charge(obis: str) -> Action:
    """ECS07: a debt recovery rate's passive unit charge becomes the active one."""
    def activate(ctx: Context, data: Node) -> tuple[int, Node]:
        passive = ctx.store.get(key(113, obis, 6))
        if passive is not None:
            ctx.store[key(113, obis, 5)] = passive
        return Result.SUCCESS, x.null()
    return activate


def _update_debt(register: str) -> Action:
    """ECS07: add an amount to a debt register (time debt 1 or 2, payment debt)."""
    def update(ctx: Context, data: Node) -> tuple[int, Node]:
        amount = _number(data, "a debt amount")
        return _refusable(lambda: prepayment.update_debt(ctx.state, register, amount, ctx.now) or [], ctx)
    return update


INSTANCE_ACTIONS: dict[tuple[int, str, int], Action] = {
    (9, DISCONNECT_SCRIPTS, 1): _run_script,
    (112, METER_BALANCE, 1): _update_balance,
    (112, METER_BALANCE, 2): _set_to_value("balance"),
    (112, EMERGENCY_CREDIT, 2): _set_to_value("emergency"),
    (112, ACCUMULATED_DEBT, 2): _set_to_value("accumulated_debt"),
    (112, EMERGENCY_CREDIT, 3): _invoke_emergency_credit,
    **{(113, obis, 2): _activate_passive_charge(obis) for obis in DEBT_CHARGES if obis != "0000131403FF"},
    **{(113, obis, 4): _update_debt(register) for obis, register in DEBT_CHARGES.items()},
}


def _control_state(ctx: Context, period) -> Node:
    return x.enum(CONTROL_STATE[ctx.meter.supply])


def _output_state(ctx: Context, period) -> Node:
    return x.boolean(ctx.meter.supply is SupplyState.ENABLED)


READS = {(70, LOAD_SWITCH, 3): _control_state, (70, LOAD_SWITCH, 2): _output_state}


def _payment_mode_activation(ctx: Context, value: Node) -> None:
    """ECS02 / ECS03: the account's payment mode written (attribute 2) takes effect at its activation time
    (a future-dated command is held by the device and runs at its time with the time made 'now')."""
    if activation_moment(value)[0] != "immediate":
        return
    written = ctx.store.get(key(111, ACCOUNT, 2)) or {}
    items = written.get("items") or [{}]
    mode = PAYMENT_MODES.get(items[0].get("value"))
    if mode is None:
        raise MalformedRequest(f"an account mode that is neither credit nor prepayment: {written!r}")
    raise_alerts(ctx, prepayment.set_payment_mode(ctx.state, mode, ctx.now, threshold(ctx)))


SET_HOOKS: dict[tuple[int, str, int], Callable[[Context, Node], None]] = {
    (111, ACCOUNT, 13): _payment_mode_activation,
}


def check_credit(ctx: Context) -> None:
    """Before a request is served: consumption since the last one may have exhausted (or, with emergency
    credit, restored) the meter's credit."""
    raise_alerts(ctx, prepayment.check_credit(ctx.state, ctx.now, threshold(ctx)))
