"""The DCC alerts the SMETS1 leg raises, named once: the code, what it means, who receives it and when
(DUIS 3.6.3.4 Table 41 as the V4.0 release note amends it). A table of its own that folds into the DCC
alert catalogue; N49 / N50 / N51 are those of ``dccsim.han.response_rules.FirmwareVerdict``, raised for
SMETS1 devices by the same CPL check."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from dccsim.han.response_rules import FirmwareVerdict


class S1DccAlert(enum.StrEnum):
    """DCC alert codes raised on the SMETS1 leg."""

    N57 = "N57"                      # SMETS1 CH / PPMID firmware: update requested or activated
    N49 = FirmwareVerdict.CURRENT.value
    N50 = FirmwareVerdict.REMOVED.value
    N51 = FirmwareVerdict.UNKNOWN.value


@dataclass(frozen=True)
class AlertDefinition:
    code: S1DccAlert
    name: str
    recipients: str
    when: str
    body: str                        # the DCCAlert child that carries it


S1_DCC_ALERTS: dict[S1DccAlert, AlertDefinition] = {definition.code: definition for definition in (
    AlertDefinition(S1DccAlert.N57, "SMETS1 CH or PPMID firmware notification",
                    "the Gas Supplier of the GSME on the SMETS1 CH's HAN",
                    "11.1 to a SMETS1 CH or PPMID accepted (UpdateRequested); 11.3 activated it "
                    "(ActivationSuccessful)", "SMETS1CHFirmwareNotification"),
    AlertDefinition(S1DccAlert.N49, "Firmware Version Updated in the Smart Metering Inventory",
                    "IS and GS that did not send the request", "11.2 reports a version Current on the CPL",
                    "FirmwareVersionMismatch"),
    AlertDefinition(S1DccAlert.N50, "Firmware Version no longer valid on the CPL", "IS and GS",
                    "11.2 / 11.3 report a version Removed from the CPL", "FirmwareVersionMismatch"),
    AlertDefinition(S1DccAlert.N51, "Invalid Firmware Version", "IS and GS",
                    "11.2 / 11.3 report a version not on the CPL", "FirmwareVersionMismatch"),
)}


class FirmwareNotification(enum.StrEnum):
    """N57's FirmwareVersionUpdateStatus."""

    UPDATE_REQUESTED = "UpdateRequested"
    ACTIVATION_SUCCESSFUL = "ActivationSuccessful"
