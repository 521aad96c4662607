"""The DCC's decisions about a SMETS1 installation, from the inventory's records alone (no I/O): its Lead
Supplier, who hears of its hub's and PPMID's firmware (N57), and the SMETS1 validation conditions of DUIS
1.4.6 that the V4.0 release changes (E060701, W110101's Lead Supplier condition)."""
from __future__ import annotations

from dccsim.inventory.models import Device, DeviceType
from dccsim.s1sp.profiles import S1spProfile


def lead_supplier(hub_parties: dict[str, str], meter_parties: list[dict[str, str]]) -> str | None:
    """The Lead Supplier of a SMETS1 CH: the import supplier of the installation, or, where it has no
    electricity meter, its gas supplier (the CH's own parties first, then its meters')."""
    for role in ("IS", "GS"):
        for parties in (hub_parties, *meter_parties):
            if parties.get(role):
                return parties[role]
    return None


def gas_suppliers(premises: list[Device], parties_of: dict[str, dict[str, str]]) -> list[str]:
    """The Gas Suppliers of the GSMEs on a SMETS1 CH's HAN (the recipients of N57)."""
    found: list[str] = []
    for device in premises:
        supplier = parties_of.get(device.device_id, {}).get("GS")
        if device.device_type == DeviceType.GSME and supplier and supplier not in found:
            found.append(supplier)
    return found


def notifies_gas_supplier(device: Device) -> bool:
    """N57 concerns the firmware of a SMETS1 CH or PPMID (a meter's own firmware is its suppliers' business)."""
    return device.device_type in (DeviceType.CHF, DeviceType.PPMID)


def gas_flow_rate_refusal(body: dict, profile: S1spProfile) -> str | None:
    """CR1290 / E060701: why a SMETS1 GSME's S1SP cannot take this 6.7 (None: it can)."""
    if "UncontrolledGasFlowRateDecimal" in body and not profile.gas_flow_rate_decimal:
        return (f"the S1SP {profile.name} serving this SMETS1 GSME does not support "
                f"UncontrolledGasFlowRateDecimal")
    return None
