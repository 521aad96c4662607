"""The ESME tariff: switching tables, thresholds and prices as COSEM attributes, and their activation.

ECS01a writes the passive side of each tariff object (activity calendar, special days, register monitors,
charges, GBCS extended data) with an activation date-time; at that time the passive values become the
active ones. The meter then reads the active side to know, for any moment, which rate applies: the
activity calendar's season → week → day profile (or a special day) gives a script selector — 1..48 a TOU
rate, 101..108 a block tariff rate (the block from the register monitor thresholds), 201..204 a TOU rate
of a twin element meter's secondary element.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

import gbcs
from gbcs import dlms as x
from devices.attribute_store import AttributeStore, key, parts
from devices.errors import reading
from gbcs.dlms import BLOCK_RATES, BLOCKS, Node, charge_table_indices

CALENDAR = {1: "00000D0000FF", 2: "00000D0001FF"}          # by element
SPECIAL_DAYS = {1: "00000B0000FF", 2: "00000B0001FF"}
PRICES = {1: "0000131400FF", 2: "0000131405FF"}
STANDING_CHARGE = "0000131404FF"
CURRENCY_UNIT = "00005E2C0200"
TOU_RATES = {1: 48, 2: 4}
NO_THRESHOLD = 0xFFFFFFFF
THRESHOLD_OBIS = [f"00001000{0x0B + r:02X}FF" for r in range(BLOCK_RATES)]     # active register monitors

NOT_SPECIFIED = gbcs.DLMS_NEVER.hex()


# --- the tariff a meter leaves the factory with --------------------------------------------------

def _charge(commodity_scale: int, price_scale: int, register: tuple[int, str, int] | None,
            prices: list[tuple[str, int]]) -> Node:
    reference = (x.structure(x.long_unsigned(register[0]), x.octets(register[1]), x.integer(register[2]))
                 if register else x.structure(x.long_unsigned(0), x.octets("000000000000"), x.integer(0)))
    return x.structure(x.structure(x.integer(commodity_scale), x.integer(price_scale)), reference,
                       x.array(x.structure(x.octets(i), x.long(p)) for i, p in prices))


price_indices = charge_table_indices


def _calendar(season: str, week: int, day: int, selector: int) -> dict[int, Node]:
    return {
        3: x.array([x.structure(x.octets(season.encode()), x.octets("07df0101ff000000008000ff"),
                                x.octets(bytes([week])))]),
        4: x.array([x.structure(x.octets(bytes([week])), *[x.unsigned(day)] * 7)]),
        5: x.array([x.structure(x.unsigned(day), x.array([
            x.structure(x.octets("00000000"), x.octets("00000a0064ff"), x.long_unsigned(selector))]))]),
    }


@lru_cache(maxsize=2)
def factory_defaults(twin: bool) -> AttributeStore:
    """Active tariff attributes before any ECS01a: one TOU rate all day at 20.000p/kWh, 25p a day.
    (Made once and shared: callers read these nodes and never change them, nor the store.)"""
    values: AttributeStore = {}
    for attribute, node in _calendar("all", 1, 1, 1).items():
        values[key(20, CALENDAR[1], attribute)] = node
    values[key(11, SPECIAL_DAYS[1], 2)] = x.array([])
    for obis in THRESHOLD_OBIS:
        values[key(21, obis, 2)] = x.array([x.dlu(NO_THRESHOLD)])
    values[key(9000, CURRENCY_UNIT, 2)] = x.boolean(True)
    values[key(113, STANDING_CHARGE, 5)] = _charge(0, -5, None, [("", 25000)])
    values[key(113, PRICES[1], 5)] = _charge(3, -5, (3, "0100010800ff", 2),
                                             [(i, 20000 if i == "01" else 0) for i in price_indices(1)])
    if twin:
        for attribute, node in _calendar("all", 1, 1, 201).items():
            values[key(20, CALENDAR[2], attribute)] = node
        values[key(11, SPECIAL_DAYS[2], 2)] = x.array([])
        values[key(113, PRICES[2], 5)] = _charge(3, -5, (3, "0114010800ff", 2),
                                                 [(i, 9000) for i in price_indices(2)])
    return values


# --- activation of passive values --------------------------------------------------------------

# (class, activation attribute) → passive attribute → active attribute, for objects activated as a whole.
_OWN_ATTRIBUTES = {
    (20, 10): {6: 2, 7: 3, 8: 4, 9: 5},
    (113, 7): {6: 5},
    (9000, 6): {4: 2, 5: 3},
}
# GBCS extended data objects whose activation time also activates other objects' passive values.
_ALSO_ACTIVATES: dict[str, list[tuple[str, str]]] = {
    "00005E2C801D": [(key(11, "00010B0000FF", 2), key(11, SPECIAL_DAYS[1], 2))],
    "00005E2C801E": [(key(11, "00010B0001FF", 2), key(11, SPECIAL_DAYS[2], 2))],
    "00005E2C801F": [(key(11, "00010B0002FF", 2), key(11, "00000B0002FF", 2))],
    "00005E2C801C": [(key(10, "00010C0001FF", 2), key(10, "00000C0001FF", 2))],     # non-disablement calendar
    # the auxiliary controllers' calendar and its special days (6.14.2 ECS46c, 6.14.3 ECS46d)
    "00005E2C801A": [(key(10, "00010C0002FF", 2), key(10, "00000C0002FF", 2))],
    "00005E2C8023": [(key(11, "00010B0003FF", 2), key(11, "00000B0003FF", 2))],
    # emergency credit limit and threshold: the emergency credit object's preset amount and threshold
    "00005E2C8002": [(key(9000, "00005E2C8002", 4), key(112, "0000130A01FF", 9))],
    "00005E2C8003": [(key(9000, "00005E2C8003", 4), key(112, "0000130A01FF", 10))],
    "00003F0101FF": [(key(21, f"00001001{0x0B + r:02X}FF", 2), key(21, THRESHOLD_OBIS[r], 2))
                     for r in range(BLOCK_RATES)],
}


def is_activation(cls: int, attribute: int) -> bool:
    return (cls, attribute) in _OWN_ATTRIBUTES


def _copies(cls: int, obis: str, attribute: int) -> list[tuple[str, str]]:
    pairs = [(key(cls, obis, p), key(cls, obis, a)) for p, a in _OWN_ATTRIBUTES.get((cls, attribute), {}).items()]
    if cls == 9000:
        pairs += _ALSO_ACTIVATES.get(obis.upper(), [])
    return pairs


def activation_moment(value: Node) -> tuple[str, datetime | None]:
    """('immediate' | 'at' | 'cancel' | 'none', when) of an activation date-time value."""
    raw = bytes.fromhex(value.get("hex", "")) if value.get("type") == "octet-string" else b""
    if len(raw) != 12:
        return "none", None
    if raw[:9] == bytes(9):
        return "immediate", None
    if raw[:2] == b"\xff\xff":
        return "cancel", None
    moment = x.parse_date_time(raw)
    return ("at", moment) if moment else ("none", None)


def activations(store: AttributeStore) -> list[str]:
    """The store keys of the activation date-times set."""
    return [name for name in store if is_activation(parts(name)[0], parts(name)[2])]


def activate_due(store: AttributeStore, now: datetime) -> list[str]:
    """Apply every activation whose time has come; return the activated objects (``class:obis``).
    An applied (or cancelled) activation time is reset to 'not specified'."""
    done = []
    for name in activations(store):
        cls, obis, attribute = parts(name)
        kind, moment = activation_moment(store[name])
        if kind == "cancel" or kind == "none":
            continue
        if kind == "at" and moment > now:
            continue
        for passive, active in _copies(cls, obis, attribute):
            if passive in store:
                store[active] = store[passive]
        store[name] = x.octets(NOT_SPECIFIED)
        done.append(f"{cls}:{obis}")
    return done


def pending_activations(store: AttributeStore) -> list[datetime]:
    found = []
    for name in activations(store):
        kind, moment = activation_moment(store[name])
        if kind == "at":
            found.append(moment)
    return found


# --- reading the active tariff -------------------------------------------------------------------

def _pattern_date(raw: bytes, year: int) -> date | None:
    """The date a COSEM date pattern (year may be 0xFFFF) stands for in ``year``."""
    y = int.from_bytes(raw[:2], "big")
    month, day = raw[2], raw[3]
    if month == 0xFF or day == 0xFF or month > 12:
        return None
    try:
        return date(year if y == 0xFFFF else y, month, day)
    except ValueError:
        return None


def _season_profile(node: Node) -> list[tuple[bytes, int]]:
    """(start date pattern, week id) of each season of a season profile."""
    return [(bytes.fromhex(item["items"][1]["hex"])[:5], int(item["items"][2]["hex"][-2:] or "0", 16))
            for item in node["items"]]


def _week_profiles(node: Node) -> dict[int, list[int]]:
    """Week id -> day ids Monday..Sunday."""
    return {int(i["items"][0]["hex"][-2:] or "0", 16): [d["value"] for d in i["items"][1:8]] for i in node["items"]}


def _day_profiles(node: Node) -> dict[int, list[tuple[int, int]]]:
    """Day id -> [(start second of day, selector)] in time order."""
    days = {}
    for item in node["items"]:
        actions = []
        for action in item["items"][1]["items"]:
            start = bytes.fromhex(action["items"][0]["hex"])
            actions.append(((start[0] % 24) * 3600 + (start[1] % 60) * 60 + (start[2] % 60),
                            action["items"][2]["value"]))
        days[item["items"][0]["value"]] = sorted(actions)
    return days


def _special_days(node: Node) -> list[tuple[bytes, int]]:
    """(date pattern, day id) of each special day."""
    return [(bytes.fromhex(i["items"][1]["hex"]), i["items"][2]["value"]) for i in node["items"]]


def _threshold_values(node: Node) -> list[int]:
    return [i["value"] for i in node["items"]]


def _charges(node: Node) -> tuple[int, dict[str, int]]:
    """The price scale and the prices by charge table index of a charge."""
    return node["items"][0]["items"][1]["value"], {i["items"][0]["hex"].lower(): i["items"][1]["value"]
                                                   for i in node["items"][2]["items"]}


def _number(node: Node) -> int:
    value = node.get("value", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not a number: {value!r}")
    return value


# What the meter reads out of the values a command sets, by (class, attribute): the model compiles these
# when it runs, so a value of the wrong shape is refused when it is set.
_READERS: dict[tuple[int, int], Callable[[Node], Any]] = {
    (20, 3): _season_profile, (20, 7): _season_profile, (20, 4): _week_profiles, (20, 8): _week_profiles,
    (20, 5): _day_profiles, (20, 9): _day_profiles, (11, 2): _special_days, (21, 2): _threshold_values,
    (113, 5): _charges, (113, 6): _charges, (113, 13): _number,
}


def check(cls: int, attribute: int, value: Node) -> None:
    """Refuse (``MalformedRequest``) a value the meter could not read once it is in force."""
    reader = _READERS.get((cls, attribute))
    if reader is not None:
        with reading(f"a value of class {cls} attribute {attribute}"):
            reader(value)


@dataclass
class Calendar:
    """The active switching table of one element, compiled for fast lookups."""

    seasons: list[tuple[bytes, int]]             # (start date pattern, week id)
    weeks: dict[int, list[int]]                  # week id → day ids Monday..Sunday
    days: dict[int, list[tuple[int, int]]]       # day id → [(start second of day, selector)]
    special: list[tuple[bytes, int]]             # (date pattern, day id)
    default_selector: int

    @classmethod
    def from_store(cls, store: AttributeStore, defaults: AttributeStore, element: int = 1) -> "Calendar":
        def value(k: str) -> Node:
            return store.get(k) or defaults.get(k) or x.array([])
        obis = CALENDAR[element]
        return cls(_season_profile(value(key(20, obis, 3))), _week_profiles(value(key(20, obis, 4))),
                   _day_profiles(value(key(20, obis, 5))), _special_days(value(key(11, SPECIAL_DAYS[element], 2))),
                   201 if element == 2 else 1)

    def _day_id(self, day: date) -> int | None:
        for pattern, day_id in self.special:
            if _pattern_date(pattern, day.year) == day:
                return day_id
        best: tuple[date, int] | None = None
        for pattern, week in self.seasons:
            for year in (day.year, day.year - 1):
                start = _pattern_date(pattern, year)
                if start is not None and start <= day and (best is None or start > best[0]):
                    best = (start, week)
        if best is None and self.seasons:
            best = (day, self.seasons[-1][1])      # before the first season: the latest season applies
        if best is None or best[1] not in self.weeks:
            return None
        return self.weeks[best[1]][day.weekday()]

    def day_actions(self, day: date) -> list[tuple[int, int]]:
        day_id = self._day_id(day)
        return self.days.get(day_id, []) if day_id is not None else []

    def half_hours(self, day: date) -> list[int]:
        """The selector in force at the start of each half hour of a day."""
        actions = self.day_actions(day)
        previous = self.day_actions(day - timedelta(days=1))
        current = previous[-1][1] if previous else (actions[-1][1] if actions else self.default_selector)
        found, position = [], 0
        for part in range(48):
            while position < len(actions) and actions[position][0] <= part * 1800:
                current = actions[position][1]
                position += 1
            found.append(current)
        return found

    def selector(self, moment: datetime) -> int:
        moment = moment.astimezone(timezone.utc)
        second = moment.hour * 3600 + moment.minute * 60 + moment.second
        actions = self.day_actions(moment.date())
        chosen = None
        for start, selector in actions:
            if start <= second:
                chosen = selector
        if chosen is None:
            previous = self.day_actions(moment.date() - timedelta(days=1))
            chosen = previous[-1][1] if previous else (actions[-1][1] if actions else self.default_selector)
        return chosen


def _stored(store: AttributeStore, defaults: AttributeStore, name: str) -> Node | None:
    return store.get(name) or defaults.get(name)


def thresholds(store: AttributeStore, defaults: AttributeStore, rate: int) -> list[int]:
    node = _stored(store, defaults, key(21, THRESHOLD_OBIS[rate - 1], 2))
    values = _threshold_values(node) if node else []
    return [v for v in values if v != NO_THRESHOLD]


def block_of(limits: list[int], counted_wh: int) -> int:
    """The block (1..4) that consumption ``counted_wh`` in the block period has reached."""
    return 1 + sum(1 for limit in limits[:BLOCKS - 1] if counted_wh >= limit)


# The charges of the factory defaults' nodes, read once: by the node's identity, with the node (which
# ``factory_defaults`` keeps alive, so its id is not reused).
_DEFAULT_CHARGES: dict[int, tuple[Node, tuple[int, dict[str, int]]]] = {}


def _stored_charges(store: AttributeStore, defaults: AttributeStore, element: int) \
        -> tuple[int, dict[str, int]] | None:
    name = key(113, PRICES[element], 5)
    node = store.get(name)
    if node:
        return _charges(node)
    node = defaults.get(name)
    if not node:
        return None
    if defaults is not factory_defaults(False) and defaults is not factory_defaults(True):
        return _charges(node)
    known = _DEFAULT_CHARGES.get(id(node))
    if known is None or known[0] is not node:
        known = (node, _charges(node))
        _DEFAULT_CHARGES[id(node)] = known
    return known[1]


def price_table(store: AttributeStore, defaults: AttributeStore, element: int = 1) -> dict[str, int]:
    charges = _stored_charges(store, defaults, element)
    return dict(charges[1]) if charges else {}


def price_scale(store: AttributeStore, defaults: AttributeStore, element: int = 1) -> int:
    charges = _stored_charges(store, defaults, element)
    return charges[0] if charges else -5


def price_code(selector: int, block: int = 1) -> str:
    """The charge table index of a script selector (and block, for a block rate)."""
    if 101 <= selector <= 108:
        return f"{0x9 + block:x}{selector - 100}"
    if 201 <= selector <= 204:
        return f"{selector - 200:02x}"
    return f"{selector:02x}"


def standing_charge(store: AttributeStore, defaults: AttributeStore) -> int:
    node = _stored(store, defaults, key(113, STANDING_CHARGE, 5))
    items = node["items"][2]["items"] if node else []
    return items[0]["items"][1]["value"] if items else 0


def describe(store: AttributeStore, defaults: AttributeStore) -> dict[str, Any]:
    """A summary of the active primary tariff (for tests and the admin view)."""
    return {"prices": {k: v for k, v in price_table(store, defaults).items() if v},
            "standing_charge": standing_charge(store, defaults),
            "thresholds": [thresholds(store, defaults, r) for r in range(1, BLOCK_RATES + 1)]}
