"""Driving the ESME object model directly: requests as the DCC would build them, answers decoded."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from devices import cosem
from devices import esme_axdr as x
from devices import esme_protection as protection
from devices.state import EsmeState, Firmware
from tests.devices import top_up_helpers as prepaid

DEVICE = "00DB1234567890A0"
USER = "90B3D51F30010000"
T0 = datetime(2025, 3, 12, 10, 7, 13, tzinfo=timezone.utc)


def new_state(variant: str = "A", device_id: str = DEVICE) -> EsmeState:
    """A meter as installed: with its Supplier's prepayment key in its prepayment cell."""
    return prepaid.provision(EsmeState(variant=variant, device_id=device_id, firmware=Firmware("00000001")))


def request(*specs: tuple[dict, dict]) -> dict:
    return {"invoke_id": "20000001", "date_time": None, "specs": [s for s, _d in specs], "data": [d for _s, d in specs]}


def get(cls: int, obis: str, attribute: int = 2, selection: dict | None = None) -> tuple[dict, dict]:
    spec = {"choice": "get", "class": cls, "obis": obis, "attribute": attribute}
    if selection is not None:
        spec.update(choice="get-with-selection", selector=1, parameters=selection)
    return spec, x.null()


def set_(cls: int, obis: str, attribute: int, value: dict) -> tuple[dict, dict]:
    return {"choice": "set", "class": cls, "obis": obis, "attribute": attribute}, value


def action(cls: int, obis: str, method: int, data: dict) -> tuple[dict, dict]:
    return {"choice": "action", "class": cls, "obis": obis, "method": method}, data


def range_of(start: datetime, end: datetime) -> dict:
    return x.structure(x.structure(x.long_unsigned(1), x.octets("00005e2c64ff"), x.integer(2), x.long_unsigned(0)),
                       x.dlu(x.utc_seconds(start)), x.dlu(x.utc_seconds(end)), x.array([]))


def protected(obis: str, *targets: tuple[int, str], period: tuple[datetime, datetime] | None = None,
              counter: int = 1000) -> tuple[dict, dict]:
    restriction = protection.date_restriction(x.date_time(period[0]).hex(), x.date_time(period[1]).hex()) \
        if period else None
    descriptors = [protection.Descriptor(cls, target, 2, restriction) for cls, target in targets]
    parties = protection.Protection(protection.transaction_id(counter), bytes.fromhex(USER), bytes.fromhex(DEVICE),
                                    b"", protection.agreed_key_info())
    return action(30, obis, 1, protection.request_parameters(descriptors, parties))


def serve(state: EsmeState, *specs, now: datetime = T0) -> dict:
    response, _alerts = cosem.serve_access_request(state, request(*specs), now,
                                                   prepaid.entry(state, state.device_id or DEVICE))
    return response


def protected_values(node: dict) -> list[dict]:
    """The attribute values inside a get_protected_attributes answer (before the response seals them)."""
    values = protection.protected_values(node)
    assert values is not None, "not an unsealed protected-data answer"
    return values


def utrn(pennies: int, counter: int = 3 << 32, target: str = DEVICE) -> bytes:
    """A UTRN the import supplier issues for ``pennies`` with its prepayment key for the meter's key."""
    return prepaid.utrn(pennies, counter=counter, target=target, supplier=USER).encode()


def later(moment: datetime, **delta) -> datetime:
    return moment + timedelta(**delta)
