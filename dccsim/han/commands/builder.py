"""From a validated device Service Request to a GBCS command: use-case choice, payload, originator.

The use case depends on the variant, the target's device type and GBCS version and, for some SRs, the
body (8.9 ReadSecurityDetails, 8.11 Add/Remove). The payload starts from the use case's structure
(``structures.STRUCTURES``) and takes what the request supplies. A device-dated execution time goes where
the device looks for it (``devices.future_dated``): the family fills write the activation date-times of DLMS
commands and the start times of GBZ commands; a DLMS command without any carries it in its Access-Request
date-time, the DUIS cancellation date (3000-12-31) as the unspecified date-time.

Who originates the command: the User, under its own id, when the device knows it as a Remote Party; the
DCC's Access Control Broker, on the User's behalf, for the use cases GBCS gives to the ACB (the
Communications Hub's, join details, PPMID firmware …) and for Users the device holds no cell for. An ACB
command names the User and its request counter in the other-information (the business originator); a
critical use case sent through a non-critical SR (8.7.2, 8.8.2) is signed by the ACB.
"""
from __future__ import annotations

import copy
import functools
import marshal
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from dccsim.han.commands import (fills_auxiliary, fills_credentials, fills_cs, fills_esme, fills_esme_config, fills_gas,
                                 fills_gas_config, fills_supply)
from dccsim.han.commands.structures import STRUCTURES
from dccsim.han.commands.values import as_datetime, gbcs_version, text_of
from dccsim.duis.outcomes import E080902, E080903, E11, HTTP_501_NOT_IMPLEMENTED, DuisRejection
from dccsim.inventory.models import Device
from gbcs import Payload, encode_dlms_date_time, lookup
from gbcs.dlms import ACTIVATION_ATTRIBUTES

# Preferred use case per (variant, device type) where several apply, and what each use case's command
# takes from the request: one table per device family.
_PREFERRED: dict[tuple[str, str], str] = {**fills_cs.PREFERRED, **fills_esme.PREFERRED, **fills_esme_config.PREFERRED,
                                          **fills_gas.PREFERRED, **fills_gas_config.PREFERRED,
                                          **fills_supply.PREFERRED, **fills_auxiliary.PREFERRED}
FILLS: dict[str, Callable] = {**fills_cs.FILLS, **fills_esme.FILLS, **fills_esme_config.FILLS, **fills_gas.FILLS,
                              **fills_gas_config.FILLS, **fills_credentials.FILLS, **fills_supply.FILLS,
                              **fills_auxiliary.FILLS}
FINISH: dict[str, Callable] = {**fills_cs.FINISH, **fills_credentials.FINISH}
_DEVICE_PREFIX = {"ECS": {"ESME"}, "GCS": {"GSME", "GPF"}, "CCS": {"CHF"}, "PCS": {"PPMID"}}


# Use cases the Access Control Broker originates whoever asks (with the business originator, or without).
ACB_ORIGINATED = {"CCS01", "CCS02", "CCS03", "CCS05", "CCS06", "CCS07"}
ACB_ORIGINATED_PLAIN = {"CS02a", "CS02f", "GCS59"}
# Critical use cases the ACB signs when they come through a non-critical Service Request.
ACB_SIGNED = {"CS03A2", "CS03C", "CS04AC"}
DUIS_CANCELLATION_YEAR = 3000
DLMS_CANCEL = "ffffffffffffffffff8000ff"


@dataclass(frozen=True)
class Command:
    message_code: int
    use_case: str
    payload: Payload
    critical: bool
    other_info_extra: bytes
    acb: bool = False                  # originated by the Access Control Broker
    business_originator: bool = False  # … naming the User and its request counter in the other-information
    acb_signed: bool = False           # … and signed by it
    dcc_party: str | None = None       # the DCC party (estate role) that originates and signs it itself


METERS = {"ESME", "GSME"}
TYPE_2 = {"CAD", "Type2"}


def join_use_case(variant: str, device: Device, other_type: str | None) -> str:
    """Join (8.7.x) and unjoin (8.8.x): GBCS Method A (meter ↔ non-meter), B (meter ↔ Type 2 device) or C
    (non-meter ↔ Type 2 device), by the target's type and the other device's type in the inventory."""
    meter = device.device_type in METERS
    if variant == "8.7.1":
        return "CS03A1" if meter else "CS03A2"
    if variant == "8.7.2":
        if meter:
            return "CS03B"
        return "CS03A2" if other_type in METERS else "CS03C"
    if variant == "8.8.2":
        return "CS04B" if meter else "CS04AC"
    return "CS04AC"


def choose_use_case(variant: str, use_cases: tuple[str, ...], device: Device, body: dict[str, Any],
                    other_type: str | None = None, requester_roles: tuple[str, ...] = ()) -> str:
    """The GBCS use case for this request (or a DUIS rejection where the release note says so);
    ``requester_roles``: the DUIS roles the requester acts in."""
    if variant == "6.2.10" and device.device_type == "ESME" and "ED" in requester_roles \
            and "IS" not in requester_roles:
        return "ECS25r2"        # the Network Operator reads its own alert behaviours
    if variant in ("8.7.1", "8.7.2", "8.8.1", "8.8.2"):
        return join_use_case(variant, device, other_type)
    if variant == "8.9":
        security = "ReadSecurityDetails" in body
        if device.device_type != "CHF":
            if security:
                raise DuisRejection(E080903, "ReadSecurityDetails is only for a Communications Hub Function")
            return "CS07"
        if security:
            if gbcs_version(device) < (3, 2):
                raise DuisRejection(E080902, f"GBCS {device.gbcs_version} of this CHF does not support "
                                               "ReadSecurityDetails")
            return "CCS07"
        return "CCS05" if gbcs_version(device) < (2, 0) else "CCS06"
    if variant == "6.24.1":
        # CS02f reports the Load Controller's cells too (an ESME / APC with one); CS02a the others.
        wants_load_controller = "LoadController" in fills_cs.requested_roles(body)
        return "CS02f" if wants_load_controller and device.device_type in ("ESME", "APC") else "CS02a"
    fills_credentials.check_load_controller(variant, body, device)
    credentials = fills_credentials.choose_use_case(variant, body)
    if credentials is not None:
        return credentials
    if variant == "6.7":
        return fills_gas_config.flow_use_case(device, body)
    if variant == "8.11":
        return "CCS02" if text_of(body.get("RequestType")) == "Remove" else "CCS01"
    if variant == "3.3" and device.device_type == "ESME":
        # ESMEEventLogType ALCS / APC: the auxiliary controller's event log (ECS15c), else the ESME's (ECS15a).
        return "ECS15c" if text_of(body.get("ESMEEventLogType", "ESME")) not in ("ESME", "") else "ECS15a"
    fills_auxiliary.check_deprecated(variant, device)
    chosen = fills_esme.choose_use_case(variant, device, body) \
        or fills_esme_config.choose_use_case(variant, device, body) \
        or fills_supply.choose_use_case(variant, device, body)
    if chosen is not None:
        return chosen
    for key in ((variant, device.device_type), (variant, "*")):
        if key in _PREFERRED:
            return _PREFERRED[key]
    for use_case in use_cases:
        prefix = next((p for p in _DEVICE_PREFIX if use_case.startswith(p)), None)
        if prefix is None or device.device_type in _DEVICE_PREFIX[prefix]:
            if any(s["use_case"] == use_case for s in STRUCTURES.values()):
                return use_case
    raise DuisRejection(E11, f"no GBCS use case of {variant} applies to a {device.device_type}")


# use case → (message code, structure): the first structure of each use case, as a scan of STRUCTURES finds it.
_BY_USE_CASE: dict[str, tuple[int, dict]] = {}
for _code, _structure_of in STRUCTURES.items():
    _BY_USE_CASE.setdefault(_structure_of["use_case"], (_code, _structure_of))


def _structure(use_case: str) -> tuple[int, dict]:
    found = _BY_USE_CASE.get(use_case)
    if found is None:
        raise DuisRejection(HTTP_501_NOT_IMPLEMENTED, f"the simulator cannot build {use_case} commands")
    return found


def _tree_copier(tree: Any) -> Callable[[], Any]:
    """A maker of fresh deep copies of a structure's tree: from its marshalled bytes (the trees are dicts, lists
    and plain values, which marshal rebuilds several times faster than ``copy.deepcopy`` copies them), or by
    ``copy.deepcopy`` for a tree marshal cannot hold."""
    try:
        frozen = marshal.dumps(tree)
    except ValueError:
        return lambda: copy.deepcopy(tree)
    return functools.partial(marshal.loads, frozen)


_FRESH_TREE = {id(structure): _tree_copier(structure["tree"]) for structure in STRUCTURES.values()}


def _dated(kind: str, tree, when: datetime | None, now: datetime):
    """A device-dated DLMS command whose family fills did not date it (no activation date-time among its
    attributes) carries its execution time — or the cancellation — in its Access-Request date-time."""
    if when is None or kind != "dlms-access-request":
        return tree
    if any(spec["choice"] == "set" and (spec["class"], spec.get("attribute")) in ACTIVATION_ATTRIBUTES
           for spec in tree.get("specs", [])):
        return tree
    cancel = when.year >= DUIS_CANCELLATION_YEAR
    if cancel:
        tree["date_time"] = DLMS_CANCEL
    elif when > now:
        tree["date_time"] = encode_dlms_date_time(when).hex()
    return tree


def build_command(variant: str, use_cases: tuple[str, ...], device: Device, body: dict[str, Any],
                  *, critical: bool, now: datetime, other_type: str | None = None,
                  device_dated: bool = True, originator: str | None = None,
                  counter: int | None = None, requester_roles: tuple[str, ...] = ()) -> Command:
    """The command for a request; ``counter`` (the request's) goes where the use case quotes it (CS06) and,
    with ``originator``, where the ESME's commands carry the request's parties."""
    use_case = choose_use_case(variant, use_cases, device, body, other_type, requester_roles)
    code, structure = _structure(use_case)
    tree = _FRESH_TREE[id(structure)]()
    fill = FILLS.get(use_case)
    if fill is not None:
        tree = fill(tree, body, device, now)
    finish = FINISH.get(use_case)
    if finish is not None:
        tree = finish(tree, counter or 0)
    if device_dated:
        tree = _dated(structure["kind"], tree, execution_time(body), now)
    extra = bytes.fromhex(structure["extra"]) if structure["extra"] else b""
    if originator is not None and counter is not None:     # the request's parties (invoke and transaction ids)
        tree, extra = fills_esme.address(use_case, structure["kind"], tree, extra, originator=originator,
                                         recipient=device.device_id, counter=counter)
    info = lookup(code)
    name = info.use_case if info else use_case
    acb_signed = name in ACB_SIGNED and not critical
    business = name in ACB_ORIGINATED or len(extra) == 16 or acb_signed
    return Command(code, name, Payload(structure["kind"], tree), critical or structure["sign"], extra,
                   acb=business or name in ACB_ORIGINATED_PLAIN, business_originator=business,
                   acb_signed=acb_signed, dcc_party=fills_credentials.DCC_ORIGINATED.get(variant))


def execution_time(body: dict[str, Any]) -> datetime | None:
    """The request's ExecutionDateTime (future dating), as an aware datetime."""
    return as_datetime(body.get("ExecutionDateTime"))
