"""Which Service Requests the S1SP carries out for SMETS1 devices, on which device types, and the MMC element
its SMETS1 Response answers each with (the table every SMETS1 request is routed by). A variant not here is
answered HTTP 501 for a SMETS1 device, naming what is not simulated."""
from __future__ import annotations

from dataclasses import dataclass

from dccsim.inventory.models import DeviceType

_METERS = frozenset({DeviceType.ESME, DeviceType.GSME})
_FIRMWARE = frozenset({DeviceType.CHF, DeviceType.ESME, DeviceType.GSME, DeviceType.PPMID})


@dataclass(frozen=True)
class S1Route:
    """One Service Request variant as the S1SP serves it."""

    variant: str
    device_types: frozenset[DeviceType]
    response_element: str | None       # the MMC SMETSData child of the SMETS1 Response (None: none)


S1_ROUTES: dict[str, S1Route] = {route.variant: route for route in (
    S1Route("1.1.1", _METERS, "UpdateImportTariffPrimaryElementRsp"),
    S1Route("2.2", _METERS, "TopUpDeviceRsp"),
    S1Route("4.1.1", _METERS, "ReadInstantaneousImportRegistersRsp"),
    S1Route("4.6.1", _METERS, "RetrieveImportDailyReadLogRsp"),
    S1Route("4.8.1", _METERS, "ReadActiveImportProfileDataRsp"),
    S1Route("4.11.1", _METERS, "ReadTariffPrimaryElementRsp"),
    S1Route("6.7", frozenset({DeviceType.GSME}), "UpdateDeviceConfigurationGasFlowRsp"),
    S1Route("7.1", _METERS, "EnableSupplyRsp"),
    S1Route("7.2", _METERS, "DisableSupplyRsp"),
    S1Route("7.3", _METERS, "ArmSupplyRsp"),
    S1Route("7.4", _METERS, "ReadSupplyStatusRsp"),
    S1Route("8.11", frozenset({DeviceType.CHF}), "UpdateHANDeviceLogRsp"),
    S1Route("11.1", _FIRMWARE, None),
    S1Route("11.2", _FIRMWARE, "ReadFirmwareVersionRsp"),
    S1Route("11.3", _FIRMWARE, "ActivateFirmwareRsp"),
)}

# The SMETS1 devices whose firmware each firmware Service Request updates: 11.1 for all of them (CR1045: the CH
# and PPMID too), 11.4 (the SMETS2 PPMID's) for none.
S1_FIRMWARE_TYPES = {"11.1": _FIRMWARE, "11.4": frozenset()}

# SMETS1 requests go to the S1SP with CommandVariant 1: the User's XML signature authorises them, there is no
# Pre-Command to sign (the project's reading of DUIS 1.4 for SMETS1; see the README's SMETS1 section).
S1_COMMAND_VARIANTS = frozenset({1})
