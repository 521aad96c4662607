"""ESME commands (ECS use cases, and the DLMS top-up CS01a): what a Service Request puts into them.

Every value a command carries comes from the request: its read period (a DUIS ReadLogPeriod, or a DCC
schedule's ReadLogPeriodOffset, or — for a schedule with nothing to say — the last whole day), the tariff
of 1.1.1, the UTRN of 2.2, the clock of 8.1.1 / 6.11; and its parties (``address``): the invoke id and the
transaction id of the protection parameters come from the request's counter, the originator system title
is the requesting User, the recipient is the device.

The use case may depend on the meter's variant (``choose_use_case``): 4.10 reads a polyphase meter with
ECS23b, any other with ECS23.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Any, Callable

from lxml import etree

from gbcs import dlms as x
from devices import esme_capabilities as capabilities
from gbcs import protection
from gbcs.dlms import TARIFF_ACTIVATION_ATTRIBUTES, charge_table_indices
from dccsim.han.commands.structures_esme import EXTRA_PARTIES as _READ_PARTIES, UNSPECIFIED, range_selection
from dccsim.han.commands.structures_esme_config import EXTRA_PARTIES as _CONFIG_PARTIES
from dccsim.han.commands.values import all_values, as_datetime, as_int, as_list, as_time, first_value, indexed, text_of
from dccsim.inventory.models import Device

# Preferred use case per (variant, device type) where several apply.
PREFERRED: dict[tuple[str, str], str] = {
    ("4.1.1", "ESME"): "ECS17b", ("4.1.2", "ESME"): "ECS17d", ("4.1.3", "ESME"): "ECS17e",
    ("4.10", "ESME"): "ECS23", ("4.11.1", "ESME"): "ECS24", ("4.11.2", "ESME"): "ECS24b",
    ("3.3", "ESME"): "ECS15a", ("2.2", "ESME"): "CS01a", ("11.2", "ESME"): "ECS52", ("8.1.1", "ESME"): "ECS70",
    ("1.1.1", "ESME"): "ECS01a", ("1.2.1", "ESME"): "ECS01b",
}

IMMEDIATE = "0000000000000000008000ff"
EXTRA_PARTIES = _READ_PARTIES | _CONFIG_PARTIES
CANCEL_YEAR = 3000          # DUIS: an ExecutionDateTime of 3000-12-31 cancels a pending future-dated command


def choose_use_case(variant: str, device: Device, body: dict[str, Any]) -> str | None:
    """The use case a meter's variant decides, or None where the variant makes no difference."""
    if device.device_type != "ESME":
        return None
    if variant == "4.10":
        return "ECS23b" if capabilities(device.esme_variant).polyphase else "ECS23"
    return None


# --- periods -------------------------------------------------------------------------------------

def read_period(body: dict[str, Any], now: datetime) -> tuple[datetime, datetime]:
    """The period a read asks for: ReadLogPeriod, else a schedule's offsets from today, else the last day."""
    start = next(iter(all_values(body, "StartDateTime")), None)
    end = next(iter(all_values(body, "EndDateTime")), None)
    if start is not None and end is not None:
        return as_datetime(start), as_datetime(end)
    today = datetime.combine(now.astimezone(timezone.utc).date(), time(0), timezone.utc)
    offsets = [as_int(v) for v in all_values(body, "StartDateOffset") + all_values(body, "EndDateOffset")]
    if len(offsets) == 2 and None not in offsets:
        start_time = as_time(next(iter(all_values(body, "StartTime")), "00:00:00"))
        end_time = as_time(next(iter(all_values(body, "EndTime")), "00:00:00"))
        return (datetime.combine((today + timedelta(days=offsets[0])).date(), start_time, timezone.utc),
                datetime.combine((today + timedelta(days=offsets[1])).date(), end_time, timezone.utc))
    return today - timedelta(days=1), today - timedelta(seconds=1)


def fill_period(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """Range reads (get-with-selection) and data protection restrictions take the request's period."""
    start, end = read_period(body, now)
    for index, spec in enumerate(tree["specs"]):
        if spec["choice"] == "get-with-selection":
            spec["parameters"] = range_selection(x.utc_seconds(start), x.utc_seconds(end))
        elif spec["choice"] == "action" and spec["class"] == 30:
            descriptors, parameters = protection.read_protected_attributes_request(tree["data"][index])
            descriptors = [protection.AttributeDescriptor(d.cls, d.obis, d.attribute,
                                                 protection.date_restriction(x.date_time(start).hex(),
                                                                             x.date_time(end).hex())
                                                 if d.restriction is not None else None) for d in descriptors]
            tree["data"][index] = protection.protected_attributes_request(descriptors, parameters[0])
    return tree


# --- 2.2 top up, 8.1.1 / 6.11 clock ---------------------------------------------------------------

def _fill_utrn(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """CS01a: the request's UTRN as it is; the meter, not the DCC, checks it (``devices.top_ups``)."""
    if tree.get("data") and "UTRN" in body:
        tree["data"][0] = x.octets(text_of(body["UTRN"]).encode())
    return tree


def _fill_clock(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS70: the clock is to be set within [CurrentDateTime, CurrentDateTime + TolerancePeriod]."""
    start = as_datetime(body.get("CurrentDateTime")) or now
    tolerance = as_int(body.get("TolerancePeriod"), 60) or 0
    for index, spec in enumerate(tree["specs"]):
        if spec["choice"] == "action" and spec["class"] == 8 and spec["method"] == 5:
            tree["data"][index] = x.structure(x.octets(UNSPECIFIED), x.octets(x.date_time(start)),
                                              x.octets(x.date_time(start + timedelta(seconds=tolerance))))
    return tree


# --- 1.1.1 tariff ----------------------------------------------------------------------------------

def date_pattern(node: Any) -> bytes:
    """A DUIS sr:Date (specified or wildcard year / month / day / day of week) as a COSEM date."""
    year = as_int(first_value(node, "SpecifiedYear"), None)
    month = as_int(first_value(node, "SpecifiedMonth"), None)
    day = as_int(first_value(node, "SpecifiedDayOfMonth"), None)
    if day is None:
        day = 0xFE if first_value(node, "LastDayOfMonth") is not None else \
            0xFD if first_value(node, "SecondLastDayOfMonth") is not None else 0xFF
    weekday = as_int(first_value(node, "SpecifiedDayOfWeek"), None)
    return ((year if year is not None else 0xFFFF).to_bytes(2, "big")
            + bytes([month if month is not None else 0xFF, day, weekday if weekday is not None else 0xFF]))


def _seasons(switching: Any) -> dict:
    seasons = []
    for season in all_values(switching, "Season"):
        start = date_pattern(first_value(season, "SeasonStartDate")) + bytes.fromhex("000000008000ff")
        seasons.append(x.structure(x.octets(text_of(first_value(season, "SeasonName")).encode()), x.octets(start),
                                   x.octets(bytes([as_int(first_value(season, "ReferencedWeekName"), 1)]))))
    return x.array(seasons)


def _weeks(switching: Any) -> dict:
    weeks = []
    for week in all_values(switching, "WeekProfile"):
        days = dict(indexed(all_values(week, "ReferencedDayName")))
        weeks.append(x.structure(x.octets(bytes([as_int(first_value(week, "WeekName"), 1)])),
                                 *[x.unsigned(as_int(days.get(d), 1)) for d in range(1, 8)]))
    return x.array(weeks)


def _days(switching: Any, tou_offset: int = 0) -> dict:
    """Day profiles: each action's script selector (TOU rate, + 200 for the secondary element; 100 + block
    rate)."""
    days = []
    for day in all_values(switching, "DayProfile"):
        actions = []
        for schedule in all_values(day, "ProfileSchedule"):
            when = as_time(first_value(schedule, "StartTime"))
            tou, block = first_value(schedule, "TOUTariffAction"), first_value(schedule, "BlockTariffAction")
            selector = as_int(tou, 1) + tou_offset if tou is not None else 100 + as_int(block, 1)
            actions.append(x.structure(x.octets(bytes([when.hour, when.minute, when.second, 0])),
                                       x.octets("00000a0064ff"), x.long_unsigned(selector)))
        days.append(x.structure(x.unsigned(as_int(first_value(day, "DayName"), 1)), x.array(actions)))
    return x.array(days)


def _special_days(elements: Any) -> dict:
    special = first_value(elements, "SpecialDays")
    entries = []
    for position, day in enumerate(all_values(special, "SpecialDay") if isinstance(special, dict) else [], 1):
        entries.append(x.structure(x.long_unsigned(position), x.octets(date_pattern(first_value(day, "Date"))),
                                   x.unsigned(as_int(first_value(day, "ReferencedDayName"), 1))))
    return x.array(entries)


def _indexed_nodes(values: Any) -> list[tuple[int, Any]]:
    """(``index`` attribute, element) of each occurrence of a repeated complex element (position+1 when
    the index is not known)."""
    found = []
    for position, item in enumerate(as_list(values)):
        index = as_int(item.get("@index"), None) if isinstance(item, dict) else None
        found.append((index if index is not None else position + 1, item))
    return found


def _thresholds(elements: Any) -> list[list[int]]:
    """Block thresholds per block rate, in Wh as DUIS V4.0 has them for SMETS2 (GBCS register monitors
    compare Wh)."""
    matrix = dict(_indexed_nodes(all_values(elements, "Thresholds")))
    rows = []
    for rate in range(1, 9):
        values = [as_int(v, 0xFFFFFFFF) for _i, v in sorted(indexed(all_values(matrix.get(rate), "BlockThreshold")))]
        rows.append([min(v, 0xFFFFFFFF) for v in values] or [0xFFFFFFFF])
    return rows


def _prices(price_elements: Any) -> dict[str, int]:
    prices: dict[str, int] = {}
    for index, value in indexed(all_values(price_elements, "TOUPrice")):
        prices[f"{index:02x}"] = as_int(value, 0)
    for rate, blocks in _indexed_nodes(all_values(price_elements, "BlockPrices")):
        for block, value in indexed(all_values(blocks, "BlockPrice")):
            prices[f"{0x9 + block:x}{rate}"] = as_int(value, 0)
    return prices


def write_tariff(tree: dict, values: dict[tuple[int, str, int], dict], activation: str) -> dict:
    """Put ``values`` into the sets of the attributes they are for, and ``activation`` into every tariff
    activation date-time the command sets."""
    for index, spec in enumerate(tree["specs"]):
        target = (spec["class"], spec["obis"].upper(), spec.get("attribute"))
        if target in values:
            tree["data"][index] = values[target]
        elif (spec["class"], spec.get("attribute", 0)) in TARIFF_ACTIVATION_ATTRIBUTES:
            tree["data"][index] = x.octets(activation)
    return tree


def activation_time(body: dict[str, Any], now: datetime) -> str:
    """The activation date-time of passive values: immediate, at the execution time, or — for the DUIS
    cancellation date — 'not specified', which cancels a pending activation."""
    when = as_datetime(body.get("ExecutionDateTime"))
    if when is None or when <= now:
        return IMMEDIATE
    if when.year >= CANCEL_YEAR:
        return UNSPECIFIED
    return x.date_time(when).hex()


def _fill_esme_tariff(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS01a: the switching table, special days, thresholds, currency, standing charge and prices into the
    passive tariff objects, each activated at the request's execution time."""
    elements = first_value(body, "ElecTariffElements") or {}
    switching = first_value(elements, "SwitchingTable") or {}
    prices_node = first_value(body, "ElectricityPriceElements") or first_value(body, "PriceElements") or {}
    prices = _prices(prices_node)
    thresholds = _thresholds(elements)
    activation = activation_time(body, now)
    standing_charge = as_int(first_value(prices_node, "StandingCharge"), 0)
    standing_scale = as_int(first_value(prices_node, "StandingChargeScale"), -5)
    standing = x.structure(x.structure(x.integer(0), x.integer(standing_scale)),
                           x.structure(x.long_unsigned(0), x.octets("000000000000"), x.integer(0)),
                           x.array([x.structure(x.octets(""), x.long(standing_charge))]))
    charges = x.structure(x.structure(x.integer(3), x.integer(as_int(first_value(prices_node, "PriceScale"), -5))),
                          x.structure(x.long_unsigned(3), x.octets("0100010800ff"), x.integer(2)),
                          x.array(x.structure(x.octets(i), x.long(prices.get(i, 0)))
                                  for i in charge_table_indices(1)))
    values: dict[tuple[int, str, int], dict] = {
        (20, "00000D0000FF", 7): _seasons(switching), (20, "00000D0000FF", 8): _weeks(switching),
        (20, "00000D0000FF", 9): _days(switching), (11, "00010B0000FF", 2): _special_days(elements),
        (9000, "00005E2C0200", 4): x.boolean(text_of(first_value(elements, "CurrencyUnits") or "GBP") != "EUR"),
        (113, "0000131404FF", 6): standing, (113, "0000131400FF", 6): charges,
    }
    for rate, row in enumerate(thresholds):
        values[(21, f"00001001{0x0B + rate:02X}FF", 2)] = x.array(x.dlu(v) for v in row)
    return write_tariff(tree, values, activation)


# --- 1.2.2 / 1.1.2: the secondary element's prices and tariff -----------------------------------------

def _secondary_charges(body: dict) -> dict:
    """The secondary element's TOU price matrix (4 rates) from the request's ElectricityPriceElement."""
    prices_node = first_value(body, "PriceElements") or {}
    prices = dict(indexed(all_values(prices_node, "ElectricityPriceElement")))
    return x.structure(x.structure(x.integer(3), x.integer(as_int(first_value(prices_node, "PriceScale"), -5))),
                       x.structure(x.long_unsigned(3), x.octets("0114010800ff"), x.integer(2)),
                       x.array(x.structure(x.octets(i), x.long(as_int(prices.get(int(i, 16)), 0)))
                               for i in charge_table_indices(2)))


def _fill_secondary(tree: dict, body: dict, device: Device, now: datetime) -> dict:
    """ECS01d (1.2.2) and ECS01c (1.1.2): the secondary element's prices and, for a tariff, its switching
    table and special days, each activated at the request's execution time."""
    switching = first_value(body, "SwitchingTable") or {}
    activation = activation_time(body, now)
    values: dict[tuple[int, str, int], dict] = {
        (113, "0000131405FF", 6): _secondary_charges(body),
        (20, "00000D0001FF", 7): _seasons(switching), (20, "00000D0001FF", 8): _weeks(switching),
        (20, "00000D0001FF", 9): _days(switching, tou_offset=200),
        (11, "00010B0001FF", 2): _special_days(body),
    }
    return write_tariff(tree, values, activation)


FILLS: dict[str, Callable[[Any, dict, Device, datetime], Any]] = {
    "CS01a": _fill_utrn, "ECS70": _fill_clock, "ECS01a": _fill_esme_tariff, "ECS01b": _fill_esme_tariff,
    "ECS01c": _fill_secondary, "ECS01d": _fill_secondary,
    **{use_case: fill_period for use_case in ("ECS20a", "ECS20b", "ECS20c", "ECS20d", "ECS21a", "ECS21b",
                                               "ECS21c", "ECS22a", "ECS22b", "ECS22c", "ECS23", "ECS23b",
                                               "ECS66")},
}


def schedule_body(details_xml: str) -> dict[str, Any]:
    """What a DCC schedule (5.1 DSPSchedule, as stored) asks of each run: the children of its DSP… choice
    element (a ReadLogPeriodOffset, or nothing)."""
    try:
        root = etree.fromstring(details_xml.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return {}
    for child in root:
        name = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if name.startswith("DSP") and not name.startswith("DSPScheduled"):
            return {etree.QName(c).localname: (c.text or "") for c in child if isinstance(c.tag, str)}
    return {}


# --- the parties --------------------------------------------------------------------------------

def invoke_id(counter: int) -> str:
    """GBCS DLMS invoke id: 0x2 then the 28 low-order bits of the originator counter."""
    return f"{0x20000000 | (counter & 0x0FFFFFFF):08x}"


def _cancels(tree: dict) -> bool:
    """A tariff whose activation date-times are 'not specified': it cancels the pending activation."""
    return any((spec["class"], spec.get("attribute", 0)) in TARIFF_ACTIVATION_ATTRIBUTES and data.get("hex") == UNSPECIFIED
               for spec, data in zip(tree["specs"], tree["data"]) if spec["choice"] == "set")


def address(use_case: str, kind: str, tree: Any, extra: bytes, *, originator: str, recipient: str,
            counter: int) -> tuple[Any, bytes]:
    """Put the request's parties into a DLMS command: the invoke id, the protection parameters of
    sensitive reads (transaction id 0x04 ‖ counter, originator → recipient) and, where the use case carries
    them, the requesting party and counter in the other information.

    A tariff cancellation (DUIS execution date 3000-12-31) is not held for its date: the meter acts on it
    now, cancelling the activation it has pending."""
    if kind != "dlms-access-request":
        return tree, extra
    if use_case in ("ECS01a", "ECS01b", "ECS01c", "ECS01d") and _cancels(tree):
        tree["date_time"] = None
    tree["invoke_id"] = invoke_id(counter)
    parties = protection.ProtectionParameters(protection.transaction_id(counter), bytes.fromhex(originator),
                                    bytes.fromhex(recipient), b"", protection.agreed_key_info())
    for index, spec in enumerate(tree["specs"]):
        if spec["choice"] == "action" and spec["class"] == 30:
            descriptors, _old = protection.read_protected_attributes_request(tree["data"][index])
            tree["data"][index] = protection.protected_attributes_request(descriptors, parties)
    if use_case in EXTRA_PARTIES:
        extra = bytes.fromhex(originator) + counter.to_bytes(8, "big")
    return tree, extra
