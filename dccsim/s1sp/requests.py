"""A Service Request's body as the S1SP's instruction to a SMETS1 device (``devices.smets1``)."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from lxml import etree

from devices import smets1
from dccsim.duis.ids import normalise_eui
from dccsim.han.commands.values import as_datetime, as_int, text_of

# A threshold of all ones marks a block that is never reached (the request's "no more blocks").
NO_THRESHOLD = 4294967295
_SUPPLY = {"7.1": smets1.SupplyState.ENABLED, "7.2": smets1.SupplyState.DISABLED, "7.3": smets1.SupplyState.ARMED}
GAS_FLOW_RATE_SCALE = Decimal("0.0001")     # UncontrolledGasFlowRate counts 1/10000 m3/h


class NotForS1sp(ValueError):
    """A request the S1SP does not turn into a device instruction."""


def _texts(element: etree._Element | None, local: str, *, first_parent: str | None = None) -> list[str]:
    if element is None:
        return []
    scope = element
    if first_parent is not None:
        scope = next(element.iter(f"{{*}}{first_parent}"), None)
        if scope is None:
            return []
    return [(e.text or "").strip() for e in scope.iter(f"{{*}}{local}")]


def _tariff(body_element: etree._Element | None) -> smets1.UpdateTariff:
    elec = next(body_element.iter("{*}ElecTariffElements"), None) if body_element is not None else None
    thresholds = _texts(body_element, "BlockThreshold", first_parent="Thresholds" if elec is not None else None)
    prices = _texts(body_element, "BlockPrice", first_parent="BlockPrices" if elec is not None else None)
    standing = _texts(body_element, "StandingCharge")
    return smets1.UpdateTariff(prices=tuple(int(p) for p in prices if p.isdigit()),
                               thresholds=tuple(int(t) for t in thresholds if t.isdigit() and int(t) != NO_THRESHOLD),
                               standing_charge=int(standing[0]) if standing and standing[0].isdigit() else 0)


def _period(body: dict[str, Any], now: datetime) -> tuple[datetime, datetime]:
    period = body.get("ReadLogPeriod") or {}
    start = as_datetime(period.get("StartDateTime")) if isinstance(period, dict) else None
    end = as_datetime(period.get("EndDateTime")) if isinstance(period, dict) else None
    return start or now - timedelta(days=1), end or now


def gas_flow_rate(body: dict[str, Any]) -> Decimal:
    """6.7's uncontrolled gas flow rate in m3/h: the decimal element as it is, the integer one re-scaled to it
    (CR1290)."""
    if "UncontrolledGasFlowRateDecimal" in body:
        return Decimal(text_of(body["UncontrolledGasFlowRateDecimal"]))
    return Decimal(as_int(body.get("UncontrolledGasFlowRate"), 0)) * GAS_FLOW_RATE_SCALE


def image_hash(image: Any) -> str:
    """The hex SHA-256 of a firmware image as the request carries it (bytes, or base64 text)."""
    raw = bytes(image) if isinstance(image, (bytes, bytearray)) else base64.b64decode("".join(str(image).split()))
    return hashlib.sha256(raw).hexdigest()


def instruction_for(variant: str, body: dict[str, Any], body_element: etree._Element | None,
                    now: datetime) -> smets1.Instruction:
    """The instruction that carries out ``variant`` on a SMETS1 device."""
    if variant == "1.1.1":
        return _tariff(body_element)
    if variant == "2.2":
        return smets1.TopUp(utrn=text_of(body.get("UTRN")))
    if variant == "4.1.1":
        return smets1.ReadImportRegister()
    if variant == "4.6.1":
        start, end = _period(body, now)
        return smets1.ReadDailyLog(start=start, end=end)
    if variant == "4.8.1":
        start, end = _period(body, now)
        return smets1.ReadProfile(start=start, end=end)
    if variant == "4.11.1":
        return smets1.ReadTariff()
    if variant == "6.7":
        return smets1.SetGasFlowRate(rate=gas_flow_rate(body))
    if variant in _SUPPLY:
        return smets1.SetSupply(state=_SUPPLY[variant])
    if variant == "7.4":
        return smets1.ReadSupply()
    if variant == "8.11":
        whitelist = body.get("AddDeviceToCHFWhitelist") or {}
        code = whitelist.get("InstallCode", "") if isinstance(whitelist, dict) else ""
        return smets1.UpdateDeviceLog(device_id=normalise_eui(text_of(body.get("DeviceID"))),
                                      add=text_of(body.get("RequestType")) == "Add",
                                      install_code=code.hex() if isinstance(code, bytes) else text_of(code))
    if variant == "11.2":
        return smets1.ReadFirmware()
    if variant == "11.3":
        hashed = body.get("FirmwareHash")
        hashed = hashed.hex() if isinstance(hashed, (bytes, bytearray)) else text_of(hashed)
        return smets1.ActivateImage(image_hash=hashed or None)
    raise NotForS1sp(f"Service Request {variant} is not carried out by the S1SP")
