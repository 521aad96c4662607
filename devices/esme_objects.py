"""The ESME's COSEM object model: which object (class, OBIS, attribute / method) does what.

Tables drive it:

* ``READS`` — attributes computed from the meter's state (registers, clock, prepayment values, power,
  maximum demand, and the logs and profiles in ``PROFILES``, which take a period); they cannot be set;
* ``configuration()`` — configuration attributes with the values a meter leaves the factory with; a set
  (ECS01a, ...) stores a new value in the attribute store, which a later get returns;
* methods with behaviour (clear a log, enter a UTRN, set the clock, get protected attributes) are the
  ``ACTIONS`` of ``devices.esme``.

``PRESENCE`` names the objects only some variants have (a twin element meter's secondary element, a
polyphase meter's phases 2 and 3, an auxiliary controller's log); on other meters they are undefined.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from gbcs import dlms as x
from devices import esme_consumption as energy
from devices import esme_event_logs as event_logs
from devices import esme_logs as logs
from devices import esme_meter as meter
from devices import esme_settings as settings
from devices import esme_tariff as tariff
from devices.attribute_store import AttributeStore, key
from devices.errors import reading
from gbcs.dlms import Node
from devices.esme_state import EsmeMeter, PaymentMode, SupplyState
from devices.esme_variant import Capabilities
from devices.state import EsmeState
from devices.top_ups import Entry
from gbcs import DataAccessResult as Result

WH, VARH, WATT, CURRENCY, COUNT = 30, 32, 27, 254, 255


@dataclass
class Context:
    """One request's view of the meter: its state, attribute store and clock."""

    state: EsmeState
    store: AttributeStore
    now: datetime                   # the meter's clock
    real_now: datetime
    alerts: list = field(default_factory=list)
    entry: Entry | None = None      # where a UTRN comes from; None: the meter has no keys

    @property
    def meter(self) -> EsmeMeter:
        return meter.model(self.state)

    @property
    def caps(self) -> Capabilities:
        return meter.caps_of(self.state)

    @property
    def seconds(self) -> int:
        return x.utc_seconds(self.now)

    @property
    def seed(self) -> int:
        return self.meter.seed

    @property
    def registers(self) -> dict[str, Any]:
        return meter.register_view(self.state)

    def stored(self, cls: int, obis: str, attribute: int) -> Node | None:
        k = key(cls, obis, attribute)
        return self.store.get(k) or configuration(self.caps).get(k)


Period = tuple[int, int] | None      # (start, end) in UTC seconds since 2000, both included
Read = Callable[[Context, Period], Node]

READS: dict[tuple[int, str, int], Read] = {}


def reads(cls: int, obis: str, attribute: int):
    def register(fn: Read) -> Read:
        READS[(cls, obis.upper(), attribute)] = fn
        return fn
    return register


def _constant(cls: int, obis: str, attribute: int, node: Node) -> None:
    READS[(cls, obis.upper(), attribute)] = lambda ctx, period: node


PRESENCE: dict[str, Callable[[Capabilities], bool]] = {}
for _obis in ("00005E2C0108", "0000131405FF", "00000B0001FF", "00000D0001FF", "00010B0001FF", "00005E2C801E"):
    PRESENCE[_obis] = lambda caps: caps.twin
for _obis in ("010034200004", "010034240004", "0100341800FF", "010048200004", "010048240004", "0100481800FF",
              "0100341F0004", "010034230004", "0100481F0004", "010048230004"):
    PRESENCE[_obis] = lambda caps: caps.polyphase
PRESENCE["0011636202FF"] = lambda caps: caps.auxiliary_controller


def present(caps: Capabilities, obis: str) -> bool:
    check = PRESENCE.get(obis.upper())
    return check is None or check(caps)


# --- registers --------------------------------------------------------------------------------

_register_units = {"0100010800FF": ("import", WH), "0100020800FF": ("export", WH),
                   "0100030800FF": ("reactive_import", VARH), "0100040800FF": ("reactive_export", VARH)}
for _obis, (_name, _unit) in _register_units.items():
    READS[(3, _obis, 2)] = (lambda name: lambda ctx, period: x.dlu(ctx.registers[name]))(_name)
    _constant(3, _obis, 3, x.scaler_unit(0, _unit))


@reads(1, "00005E2C220A", 2)
def import_register_collection(ctx: Context, period: Period) -> Node:
    """ECS17b: active and reactive import (and a twin element meter's secondary active import)."""
    regs = ctx.registers
    items = [x.dlu(regs["import"]), x.scaler_unit(0, WH), x.dlu(regs["reactive_import"]), x.scaler_unit(0, VARH)]
    if ctx.caps.twin:
        items.append(x.dlu(regs["secondary"]))
    return x.structure(*items)


@reads(1, "00005E2C2201", 2)
def tou_register_collection(ctx: Context, period: Period) -> Node:
    """ECS17d: the 48 TOU registers (and the secondary element's 4)."""
    regs = ctx.registers
    items = [x.array(x.dlu(v) for v in regs["tou"])]
    if ctx.caps.twin:
        items.append(x.array(x.dlu(v) for v in regs["secondary_tou"]))
    return x.structure(*items)


@reads(1, "00005E2C2202", 2)
def block_register_collection(ctx: Context, period: Period) -> Node:
    """ECS17e: the TOU-with-blocks register matrix then the block counter matrix (4 blocks x 8 rates each)."""
    regs = ctx.registers
    values = [v for row in regs["block"] for v in row] + [v for row in regs["counter"] for v in row]
    return x.structure(x.array(x.dlu(v) for v in values))


@reads(1, "00005E2C221E", 2)
def prepayment_register_collection(ctx: Context, period: Period) -> Node:
    """ECS19: meter balance, emergency credit balance, accumulated debt, payment debt, time debts 1 and 2."""
    return x.structure(*[x.dl(v) for v in meter.prepay_values(ctx.state)])


@reads(1, "00005E2C2214", 2)
def power_import_collection(ctx: Context, period: Period) -> Node:
    """ECS17c: instantaneous active power import (and the secondary element's)."""
    supplied = ctx.meter.supply is SupplyState.ENABLED
    items = [x.dlu(energy.power_w(ctx.seed, ctx.seconds) if supplied else 0), x.scaler_unit(0, WATT)]
    if ctx.caps.twin:
        items.append(x.dlu(energy.power_w(ctx.seed, ctx.seconds, secondary=True) if supplied else 0))
    return x.structure(*items)


for _obis, _index in (("0000130A00FF", 0), ("0000130A01FF", 1), ("0000130A02FF", 2)):
    READS[(112, _obis, 2)] = (lambda i: lambda ctx, period: x.dl(meter.prepay_values(ctx.state)[i]))(_index)


def _active_price(element: int) -> Read:
    def read(ctx: Context, period: Period) -> Node:
        tariffs = meter.Tariffs(ctx.store, ctx.caps)
        slot = ctx.seconds // energy.SLOT
        selector = tariffs.selector(slot, element)
        block = 1
        if 101 <= selector <= 108:
            counted = sum(ctx.meter.registers.counter[b][selector - 101] for b in range(4))
            block = tariff.block_of(tariffs.limits[selector - 100], int(counted))
        prices = tariffs.prices if element == 1 else tariff.price_table(ctx.store, tariffs.defaults, 2)
        return x.dlu(prices.get(tariff.price_code(selector, block), 0))
    return read


READS[(3, "00005E2C0107", 2)] = _active_price(1)
READS[(3, "00005E2C0108", 2)] = _active_price(2)
_constant(3, "00005E2C0107", 3, x.scaler_unit(-5, CURRENCY))
_constant(3, "00005E2C0108", 3, x.scaler_unit(-5, CURRENCY))


# --- clock and firmware -------------------------------------------------------------------------

@reads(8, "0000010000FF", 2)
def clock_time(ctx: Context, period: Period) -> Node:
    return x.octets(x.date_time(ctx.now))


_constant(8, "0000010000FF", 4, x.unsigned(0))


def _firmware(ctx: Context, period: Period) -> Node:
    return x.octets(ctx.state.firmware.version)


for _obis in ("0000000201FF", "0000000200FF", "0100000200FF"):
    READS[(1, _obis, 2)] = _firmware


# --- device configuration derived from the meter's state (DUIS 6.x) --------------------------------

@reads(1, settings.IDENTITY, 2)
def identity(ctx: Context, period: Period) -> Node:
    """ECS26e: the meter's own Device ID."""
    return x.octets(ctx.state.device_id.lower())


@reads(*settings.PAYMENT_MODE)
def account_mode(ctx: Context, period: Period) -> Node:
    """ECS26j: payment mode (1 credit, 2 prepayment) and account status (2 active)."""
    return x.structure(x.enum(1 if ctx.meter.payment_mode is PaymentMode.CREDIT else 2), x.enum(2))


for _attribute, _obis in settings.LOAD_LIMITER.items():
    # ECS27: the limiter's threshold, period and restoration period are the load-limit objects' active values
    READS[(71, "0000110000FF", _attribute)] = (lambda o: lambda ctx, period: ctx.stored(9000, o, 2))(_obis)


# --- maximum demand -----------------------------------------------------------------------------

def _md_period_start(ctx: Context) -> int:
    """Maximum demand is measured from the start of the current month (the billing period)."""
    return x.utc_seconds(ctx.now.replace(day=1, hour=0, minute=0, second=0, microsecond=0))


def _day_start(ctx: Context) -> int:
    return x.utc_seconds(ctx.now.replace(hour=0, minute=0, second=0, microsecond=0))


def reset_at(ctx: Context, cls: int, obis: str) -> int | None:
    """When a register or counter was last reset (6.4.2, 6.18.2, 6.27), in UTC seconds; None: never."""
    return ctx.meter.resets.get(f"{cls}:{obis.upper()}")


def reset(ctx: Context, cls: int, obis: str) -> None:
    ctx.meter.resets[f"{cls}:{obis.upper()}"] = ctx.seconds


def _max_demand(quantity, since: Callable[[Context], int], obis: str) -> Callable[[Context], tuple[int, int]]:
    """The highest half-hour demand since the period start, or since the register was reset (6.18.2)."""
    def compute(ctx: Context) -> tuple[int, int]:
        start = max(since(ctx), reset_at(ctx, 4, obis) or 0)
        best, when = 0, start
        for slot in range(-(-start // energy.SLOT), ctx.seconds // energy.SLOT):
            power = quantity(ctx.seed, slot) * 2
            if power > best:
                best, when = power, slot * energy.SLOT
        return best, when
    return compute


_MD = {"0100010600FF": _max_demand(energy.import_wh, _md_period_start, "0100010600FF"),
       "0100010601FF": _max_demand(energy.import_wh, _day_start, "0100010601FF"),
       "0100020600FF": _max_demand(energy.export_wh, _md_period_start, "0100020600FF")}
for _obis, _compute in _MD.items():
    READS[(4, _obis, 2)] = (lambda c: lambda ctx, period: x.dlu(c(ctx)[0]))(_compute)
    READS[(4, _obis, 5)] = (lambda c: lambda ctx, period: x.octets(x.date_time(x.from_utc_seconds(c(ctx)[1]))))(
        _compute)
    _constant(4, _obis, 3, x.scaler_unit(0, WATT))
for _obis in ("00005E2C0500", "00005E2C0501", "00005E2C0502"):
    READS[(1, _obis, 2)] = lambda ctx, period: x.octets(x.date_time(x.from_utc_seconds(_md_period_start(ctx))))


# --- network data -------------------------------------------------------------------------------

VOLTAGE_EVENT_INTERVAL = 20 * 86400       # the simulated network sags (swells) about every twenty days


def _voltage_events(phase: int, swell: bool, obis: str) -> Read:
    """Voltage sags (swells) on a phase: counted since the meter was made, or since 6.27 reset the counter."""
    def read(ctx: Context, period: Period) -> Node:
        since = reset_at(ctx, 3, obis)
        if since is None:
            return x.dlu(ctx.seconds // VOLTAGE_EVENT_INTERVAL + (ctx.seed >> (phase + (8 if swell else 0))) % 50)
        return x.dlu(max(0, ctx.seconds - since) // VOLTAGE_EVENT_INTERVAL)
    return read


for _phase, _c in ((1, "20"), (2, "34"), (3, "48")):
    READS[(3, f"0100{_c}200004", 2)] = _voltage_events(_phase, False, f"0100{_c}200004")     # sag count
    READS[(3, f"0100{_c}240004", 2)] = _voltage_events(_phase, True, f"0100{_c}240004")      # swell count
    _constant(3, f"0100{_c}200004", 3, x.scaler_unit(0, COUNT))
    _constant(3, f"0100{_c}240004", 3, x.scaler_unit(0, COUNT))


# --- logs and profiles (class 7 buffers, read for a period) -------------------------------------

PROFILES: dict[str, logs.Reader] = {
    "0000620100FF": logs.billing_calendar_registers,      # ECS20c
    "0000620101FF": logs.billing_calendar_prepayment,     # ECS20c
    "0000620102FF": logs.tariff_billing_log,              # ECS20b
    "0000620104FF": logs.debt_payment_log,                # ECS20a
    "0000620105FF": logs.prepayment_credit_log,           # ECS20d
    "0000620108FF": logs.prepayment_daily_read_log,       # ECS21b
    "0000620109FF": logs.daily_read_log,                  # ECS21a
    "000062010AFF": logs.export_daily_read_log,           # ECS21c
    "0000630100FF": logs.active_import_profile,           # ECS22b
    "0000630101FF": logs.export_profile,                  # ECS22a
    "0000630102FF": logs.reactive_import_profile,         # ECS22c
    "0000630103FF": logs.daily_consumption_log,           # ECS66
    "0100201800FF": logs.voltage_profile(1),              # ECS23
    "0100341800FF": logs.voltage_profile(2),              # ECS23b
    "0100481800FF": logs.voltage_profile(3),              # ECS23b
    "0000636200FF": event_logs.event_log,                 # ECS35a
    "0000636201FF": event_logs.security_log,              # ECS35b
    "0000636204FF": event_logs.power_event_log,           # ECS35e
    "0011636202FF": event_logs.auxiliary_log,             # ECS35f / ECS35g
}
for _obis, _reader in PROFILES.items():
    READS[(7, _obis, 2)] = (lambda r: lambda ctx, period: r(ctx.state, ctx.store, *(period or (0, ctx.seconds)),
                                                            ctx.seconds))(_reader)


def period_of(selection: Node | None) -> Period:
    """The period of a range selection: a COSEM range descriptor (UTC seconds or date-times) or a GBCS
    data protection restriction (date-time from / to). A selection of another shape selects no period;
    one that does not read as a value is refused (``MalformedRequest``)."""
    with reading("a selection"):
        return _period(selection)


def _period(selection: Node | None) -> Period:
    if not selection or selection.get("type") != "structure":
        return None
    items = selection["items"]
    if len(items) == 2 and items[0].get("type") == "enum":          # restriction {type, value}
        if items[0]["value"] != 1 or items[1].get("type") != "structure":
            return None
        items = [None] + items[1]["items"]
    if len(items) < 3:
        return None
    bounds = []
    for node in items[1:3]:
        if node.get("type") in ("double-long-unsigned", "double-long", "long64-unsigned"):
            bounds.append(int(node["value"]))
        elif node.get("type") == "octet-string" and len(node.get("hex", "")) == 24:
            moment = x.parse_date_time(node["hex"])
            if moment is None:
                return None
            bounds.append(x.utc_seconds(moment))
        else:
            return None
    return bounds[0], bounds[1]


# --- configuration (factory values; a set replaces them) -----------------------------------------

def _schedule_entry(index: int, script: str, selector: int, time: str, days: tuple[int, str],
                    months: tuple[int, str], begin: str, end: str) -> Node:
    return x.structure(x.long_unsigned(index), x.boolean(True), x.octets(script), x.long_unsigned(selector),
                       x.octets(time), x.long_unsigned(0xFFFF), x.bits(*days), x.bits(*months), x.octets(begin),
                       x.octets(end))


def _charge(amount: int) -> Node:
    return x.structure(x.structure(x.integer(0), x.integer(-5)),
                       x.structure(x.long_unsigned(0), x.octets("000000000000"), x.integer(0)),
                       x.array([x.structure(x.octets(""), x.long(amount))]))


def _credit_charge_configuration(caps: Capabilities) -> Node:
    pairs = [("0000130a00ff", "0000131400ff", "e0"), ("0000130a00ff", "0000131404ff", "e0"),
             ("0000130a00ff", "0000131401ff", "c0"), ("0000130a00ff", "0000131402ff", "c0"),
             ("0000130a00ff", "0000131403ff", "e0"), ("0000130a01ff", "0000131403ff", "e0"),
             ("0000130a01ff", "0000131400ff", "e0"), ("0000130a01ff", "0000131404ff", "e0"),
             ("0000130a01ff", "0000131401ff", "c0"), ("0000130a01ff", "0000131402ff", "c0"),
             ("0000130a02ff", "0000131404ff", "e0"), ("0000130a02ff", "0000131401ff", "e0"),
             ("0000130a02ff", "0000131402ff", "e0")]
    if caps.twin:
        pairs += [("0000130a00ff", "0000131405ff", "e0"), ("0000130a01ff", "0000131405ff", "e0")]
    return x.array(x.structure(x.octets(credit), x.octets(charge), x.bits(3, flags)) for credit, charge, flags in pairs)


def _non_disablement_schedule() -> Node:
    week = ("07df031eff", "07df0a19ff")
    winter = ("07de0a1aff", "07df031dff")
    entries = [(1, "00000000", ("06", "f0"), winter), (2, "12000000", ("f8", "00"), winter),
               (3, "08000000", ("f8", "00"), winter), (4, "00000000", ("06", "f0"), week),
               (5, "11000000", ("f8", "00"), week), (6, "07000000", ("f8", "00"), week)]
    return x.array(_schedule_entry(i, "00000a006aff", 33 if i in (3, 6) else 32, time, (7, days), (4, hours),
                                   *span) for i, time, (days, hours), span in entries)


def configuration(caps: Capabilities) -> AttributeStore:
    """Configuration attributes as the meter leaves the factory (the active tariff included)."""
    cached = _CONFIGURATION.get(caps.variant)
    if cached is not None:
        return cached
    k = key
    values = dict(tariff.factory_defaults(caps.twin))
    values.update({
        # prepayment configuration (ECS26a)
        k(113, "0000131401FF", 5): _charge(5000), k(113, "0000131401FF", 8): x.dlu(86400),
        k(113, "0000131402FF", 5): _charge(6000), k(113, "0000131402FF", 8): x.dlu(86400),
        k(113, "0000131403FF", 13): x.long_unsigned(5000),
        k(9000, "00005E2C020A", 2): x.dl(5_000_000),
        k(21, "0000100001FF", 2): x.array([x.dl(-500_000)]),
        k(9000, "00005E2C0214", 2): x.dl(10_000_000),
        k(111, "0000130000FF", 16): x.dl(500_000), k(111, "0000130000FF", 18): x.long_unsigned(10_000),
        k(111, "0000130000FF", 19): x.dl(604_800),
        k(112, "0000130A01FF", 9): x.dl(2_500_000), k(112, "0000130A01FF", 10): x.dl(100_000),
        k(10, "00000C0001FF", 2): _non_disablement_schedule(),
        k(111, "0000130000FF", 11): _credit_charge_configuration(caps),
        k(11, "00000B0002FF", 2): x.array([
            x.structure(x.long_unsigned(1), x.octets("ffff0c19ff"), x.unsigned(1)),
            x.structure(x.long_unsigned(2), x.octets("ffff0c1aff"), x.unsigned(2))]),
        # maximum demand schedule (ECS18b)
        k(10, "00000C0000FF", 2): x.array([
            _schedule_entry(1, "00000a8064ff", 1, "0c000000", (7, "fe"), (0, ""), "000001ffff", "ffffffffff"),
            _schedule_entry(2, "00000a8064ff", 2, "09000000", (7, "fe"), (0, ""), "000001ffff", "ffffffffff")]),
        # the auxiliary controllers' calendar and its special days (6.14.x writes them; ECS61a / ECS61d read)
        k(11, "00000B0003FF", 2): x.array([x.structure(x.long_unsigned(1), x.octets("ffff0c19ff"), x.unsigned(1))]),
        k(10, "00000C0002FF", 2): x.array([_schedule_entry(1, "00000a0067ff", 0x1100, "00000000", (7, "00"), (1, "00"),
                                                           "ffffffffff", "ffffffffff")]),
        # load limiting (ECS27): the counter; the limiter's settings are read from ``settings``
        k(3, "00005E2C2AFF", 2): x.dlu(0), k(3, "00005E2C2AFF", 3): x.scaler_unit(0, COUNT),
    })
    values.update(settings.factory_values(caps))
    _CONFIGURATION[caps.variant] = values
    return values


_CONFIGURATION: dict[str, AttributeStore] = {}


def debt_share(ctx: Context) -> float:
    """The share of a payment that recovers payment-based debt (debt recovery per payment, in 1/10000)."""
    node = ctx.stored(113, "0000131403FF", 13)
    return (node or {}).get("value", 0) / 10000.0


# --- reading an attribute -----------------------------------------------------------------------

def get(ctx: Context, cls: int, obis: str, attribute: int, selection: Node | None = None) -> tuple[int, Node]:
    """(data-access-result, value) of one attribute."""
    obis = obis.upper()
    if not present(ctx.caps, obis):
        return Result.OBJECT_UNDEFINED, x.null()
    read = READS.get((cls, obis, attribute))
    if read is not None:
        return Result.SUCCESS, read(ctx, period_of(selection))
    stored = ctx.stored(cls, obis, attribute)
    if stored is not None:
        return Result.SUCCESS, stored
    return Result.SUCCESS, x.null()


def set_attribute(ctx: Context, cls: int, obis: str, attribute: int, value: Node) -> int:
    obis = obis.upper()
    if not present(ctx.caps, obis):
        return Result.OBJECT_UNDEFINED
    if (cls, obis, attribute) == (8, "0000010000FF", 2):
        moment = x.parse_date_time(value.get("hex", ""))
        if moment is None:
            return Result.OTHER_REASON
        meter.set_clock(ctx.state, ctx.real_now, moment)
        ctx.now = moment
        return Result.SUCCESS
    if (cls, obis, attribute) in READS:        # measured values, logs and profiles are the meter's own
        return Result.READ_WRITE_DENIED
    tariff.check(cls, attribute, value)
    ctx.store[key(cls, obis, attribute)] = value
    return Result.SUCCESS
