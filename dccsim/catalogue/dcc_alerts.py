"""The DCC alerts: every DCCAlertCode the DUIS XSD enumerates (AD1, N1 … N65 but N32, N999), what raises each in the
simulator and to whom, or why nothing the simulator does can raise it. The one place alert codes and their
recipients are named: ``dccsim.han.dcc_alerts`` raises DCC alerts from it, and a test checks that every code marked
raised names a scenario or integration test that expects it at a User's endpoint. The SMETS1 leg's alerts
(``dccsim.s1sp.alert_codes``) are entries here too (``Generation.SMETS1`` or ``ALL``).

Recipients are DUIS User roles on the device the alert is about (a meter's own responsible parties; for a hub or
HAN device, those of the meters on its premises), or ``REQUESTER``: the User whose Service Request led to it (for
N4, the owner of the schedule removed).

Sources. The DUIS V4.0 release note (``../shared/seed``) gives AD1 (5.9.4), N16 (its MeterIdentity), N18–N21 (5.9.3)
and N58 (5.5); the XSD gives the codes and each body's shape; N49–N51 follow the DUIS firmware processing the
simulator already had. DUIS Table 41 itself is not in the reference corpus: entries marked ``READING`` are this
project's reading of DUIS and should be checked against Table 41 before they are relied on.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

REQUESTER = "requester"


class Status(enum.StrEnum):
    RAISED = "raised"              # a simulator flow raises it; ``test`` names the test that shows it
    WAITS = "waits"                # the raising rule exists; the flow that fires it is not routed yet
    NOT_RAISED = "not raised"      # nothing the simulator does can raise it (``reason``)


class Source(enum.StrEnum):
    RELEASE_NOTE = "release note"  # the DUIS V4.0 release note states it
    XSD = "xsd"                    # only the code and its body's shape are known (the DUIS XSD)
    READING = "reading"            # the project's reading of DUIS Table 41 (not in the reference corpus)


class Generation(enum.StrEnum):
    SMETS2 = "SMETS2+"
    SMETS1 = "SMETS1"
    ALL = "All"


@dataclass(frozen=True)
class DccAlertSpec:
    code: str
    name: str
    body: str                         # the sr:DCCAlert child it carries ("" where unknown)
    recipients: tuple[str, ...]       # DUIS roles, or REQUESTER
    status: Status
    detail: str                       # RAISED / WAITS: when the simulator raises it; NOT_RAISED: why not
    source: Source = Source.READING
    generation: Generation = Generation.SMETS2
    not_to_requester: bool = False    # the User whose request caused it is not told (it has its Response)
    test: str = ""                    # PATH::NAME of the test or scenario that raises it (RAISED), or of its rule

    @property
    def raised(self) -> bool:
        return self.status is Status.RAISED


def _not_modelled(code: str, name: str, body: str, reason: str, recipients: tuple[str, ...] = (),
                  generation: Generation = Generation.SMETS2, source: Source = Source.READING) -> DccAlertSpec:
    return DccAlertSpec(code, name, body, recipients, Status.NOT_RAISED, reason, source, generation)


_SMETS1_SUSPENSION = ("N29 tells of a device whose firmware version is suspended on the CPL (release note 3.1.3); the "
                      "simulator suspends no firmware version and no device (see N1), for SMETS2 or SMETS1 devices")
_NO_ANOMALY = "the simulator has no anomaly detection thresholds, so no request is ever quarantined"
_NO_DUAL_BAND = "the emulated Communications Hubs are single band: no sub-GHz duty cycle or channel events"
_NO_COS = ("the simulator's change of supplier (6.23, 6.21) raises N12 alone: the conditions of the other change of "
           "supplier alerts (ECoS, CoS certificates) are in DUIS Table 41, which is not in the reference corpus")
_NO_RECOVERY = "the simulator has no DCC recovery (ACB / recovery key replacement) procedure"
_NO_CSP_FIRMWARE = "Communications Hub firmware is not managed by an emulated CSP (11.1 to a hub goes over the HAN)"
_UNKNOWN = "the condition is in DUIS Table 41, which is not in the reference corpus; no simulator flow is tied to it"

_ENTRIES: tuple[DccAlertSpec, ...] = (
    DccAlertSpec("AD1", "Power Outage Event", "PowerOutageEvent", ("IS", "ED"), Status.RAISED,
                 "a Communications Hub without power for three minutes or more (`devices event HUB power-outage`, "
                 "or on its ESME): raised three minutes after the loss, on the simulator's clock",
                 Source.RELEASE_NOTE, test="scenarios/release-4.0/dcc-alerts.yaml::AD1: a Communications Hub "
                                           "without power for three minutes"),
    _not_modelled("N1", "Device suspended (firmware not on the CPL)", "DeviceStatusChangeEvent",
                  "the simulator never suspends a device: a firmware version off the CPL gives N51 and leaves the "
                  "status alone", ("IS", "GS")),
    _not_modelled("N2", "Device restored from suspension", "DeviceStatusChangeEvent",
                  "no device is ever suspended (see N1)", ("IS", "GS")),
    _not_modelled("N3", "Device removed from the inventory", "DeviceStatusChangeEvent",
                  _UNKNOWN, ("IS", "GS")),
    DccAlertSpec("N4", "DSP schedule removed", "DSPScheduleRemoval", (REQUESTER,), Status.RAISED,
                 "a DCC schedule on a device that is decommissioned (8.3) or withdrawn (8.4) is removed; its owner "
                 "(the requester here: the User that created it) is told with the schedule id",
                 test="scenarios/release-4.0/dcc-alerts.yaml::N43 and N4: a meter decommissioned, its schedules "
                      "removed"),
    _not_modelled("N5", "Command failure (DCC held command)", "CommandFailure", _UNKNOWN, (REQUESTER,)),
    _not_modelled("N6", "Command failure (future-dated command not sent)", "CommandFailure", _UNKNOWN,
                  (REQUESTER,)),
    _not_modelled("N7", "Command failure (scheduled command)", "CommandFailure", _UNKNOWN, (REQUESTER,)),
    _not_modelled("N8", "Change of supplier: security credentials updated", "SecurityCredentialsUpdated", _NO_COS,
                  ("IS", "GS")),
    _not_modelled("N9", "Device log restored", "DeviceLogRestored",
                  "8.12.1 / 8.12.2 restore the hub's / GPF's device log through the ACB; the simulator sends the "
                  "Response only",
                  ("IS", "GS")),
    _not_modelled("N10", "Firmware distribution failure", "FirmwareDistributionFailure", _UNKNOWN, (REQUESTER,)),
    _not_modelled("N11", "Update HAN device log result", "UpdateHANDeviceLogResult",
                  "8.11 answers with its own Response (CCS01 / CCS02); no separate result alert is modelled",
                  (REQUESTER,)),
    DccAlertSpec("N12", "Change of supplier: the device has left this supplier", "ChangeOfSupplier", ("IS", "GS"),
                 Status.RAISED, "on the successful Response to 6.23 Update Security Credentials (CoS): to the "
                 "device's supplier(s) other than the one that sent it, with the device and its MPxNs "
                 "(DeviceChangeOfSupplier; dccsim.han.response_rules.supplier_changed)", not_to_requester=True,
                 test="tests/integration/test_change_of_supplier.py::"
                      "test_change_of_supplier_hands_the_meter_to_the_gaining_supplier"),
    _not_modelled("N13", "PPMID alert forwarded by the DCC", "PPMIDAlert",
                  "PPMID alerts reach the premises' suppliers as DeviceAlertMessages (dccsim.han.alert_rules)",
                  ("IS", "GS")),
    _not_modelled("N14", "PPMID removed", "PPMIDRemoval", _UNKNOWN, ("IS", "GS")),
    _not_modelled("N15", "Security credentials updated by the DCC", "SecurityCredentialsUpdated", _NO_RECOVERY,
                  ("IS", "GS", "ED", "GT")),
    DccAlertSpec("N16", "Meter commissioned", "DeviceStatusChangeEvent", ("ED", "GT"), Status.RAISED,
                 "an ESME or GSME becomes Commissioned (8.1.1 after installation): its Network Operator gets the "
                 "meter's MPxNs and, for an ESME, its ESMEVariant (A–G, F and G since V4.0) in MeterIdentity",
                 Source.RELEASE_NOTE, test="scenarios/release-4.0/dcc-alerts.yaml::N16: the Network Operator hears "
                                           "of a meter commissioned, with its ESME variant"),
    _not_modelled("N17", "Meter withdrawn", "DeviceStatusChangeEvent", _UNKNOWN, ("ED", "GT")),
    _not_modelled("N18", "Firmware version / hash mismatch", "FirmwareDistributionFailure",
                  "the simulator's 11.1 takes the version and hash from the image itself, so they cannot disagree",
                  (REQUESTER,), Generation.ALL, Source.RELEASE_NOTE),
    _not_modelled("N19", "Distribution device not identified", "FirmwareDistributionFailure",
                  "11.1 is refused at the front door (E19 / E11) for a device the inventory does not hold",
                  (REQUESTER,), Generation.ALL, Source.RELEASE_NOTE),
    DccAlertSpec("N20", "Firmware image too large", "FirmwareDistributionFailure", (REQUESTER,), Status.RAISED,
                 "11.1 with an image larger than the CSP distributes (dccsim.han.dcc_alerts.MAX_FIRMWARE_IMAGE): "
                 "the request is acknowledged and the sender told instead of the image being sent",
                 Source.RELEASE_NOTE, Generation.ALL,
                 test="tests/integration/test_dcc_alerts.py::test_n20_for_an_image_too_large"),
    _not_modelled("N21", "Unknown firmware version", "FirmwareDistributionFailure",
                  "the emulated CSP distributes any version the image names (its CPL check is N49–N51 after "
                  "activation)", (REQUESTER,), Generation.ALL, Source.RELEASE_NOTE),
    *[_not_modelled(f"N{n}", "Communications Hub / CSP notification", "CommsHubAlert", _NO_CSP_FIRMWARE,
                    ("IS", "GS")) for n in (22, 23, 24)],
    *[_not_modelled(f"N{n}", "Change of supplier (ECoS) notification", "ECoSAlert", _NO_COS, ("IS", "GS"))
      for n in (25, 26)],
    *[_not_modelled(f"N{n}", "Quarantined request (anomaly detection)", "QuarantinedRequest", _NO_ANOMALY,
                    (REQUESTER,)) for n in (27, 28)],
    _not_modelled("N29", "SMETS1 service provider alert", "S1SPAlertDSP", _SMETS1_SUSPENSION,
                  ("IS", "GS", "ED", "GT"), Generation.SMETS1),
    *[_not_modelled(f"N{n}", "DCC notification", "", _UNKNOWN) for n in (30, 31, *range(33, 42))],   # no N32
    _not_modelled("N42", "Recovery complete", "DeviceStatusChangeEvent", _NO_RECOVERY, ("IS", "GS", "ED", "GT")),
    DccAlertSpec("N43", "Meter decommissioned or withdrawn", "DeviceStatusChangeEvent", ("ED", "GT"), Status.RAISED,
                 "an ESME or GSME is decommissioned (8.3) or withdrawn (8.4): its Network Operator gets the meter's "
                 "MPxNs (MeterDecommissioningOrWithdrawal) with the premises' Type 1 devices",
                 test="scenarios/release-4.0/dcc-alerts.yaml::N43 and N4: a meter decommissioned, its schedules "
                      "removed"),
    *[_not_modelled(f"N{n}", "Dual band Communications Hub alert", "DualBandCHAlert", _NO_DUAL_BAND, ("IS", "GS"))
      for n in (44, 45, 46)],
    _not_modelled("N47", "Firmware upgrade requested", "FirmwareUpgradeRequested", _NO_CSP_FIRMWARE, ("IS", "GS")),
    _not_modelled("N48", "CSP firmware delivery status", "CSPFirmwareDeliveryStatus", _NO_CSP_FIRMWARE,
                  (REQUESTER,)),
    DccAlertSpec("N49", "Firmware version mismatch: the inventory follows the device (Current on the CPL)",
                 "FirmwareVersionMismatch", ("IS", "GS"), Status.RAISED,
                 "11.2 reports a version on the CPL other than the inventory's: to the premises' IS / GS that did "
                 "not ask", Source.XSD, Generation.ALL,
                 test="scenarios/release-4.0/cr1045-firmware-against-the-cpl.yaml::N49: "
                      "an out-of-step inventory follows the meter after a read by another user"),
    DccAlertSpec("N50", "Firmware version mismatch: the version is Removed from the CPL", "FirmwareVersionMismatch",
                 ("IS", "GS"), Status.RAISED, "11.2 / 11.3 or an activation alert reports a version the CPL has "
                 "Removed", Source.XSD, Generation.ALL,
                 test="scenarios/release-4.0/cr1045-firmware-against-the-cpl.yaml::N50: "
                      "a build Removed from the CPL, activated"),
    DccAlertSpec("N51", "Firmware version mismatch: the version is not on the CPL", "FirmwareVersionMismatch",
                 ("IS", "GS"), Status.RAISED, "11.2 / 11.3 or an activation alert reports a version the CPL does "
                 "not hold (the inventory is left alone)", Source.XSD, Generation.ALL,
                 test="scenarios/release-4.0/cr1045-firmware-against-the-cpl.yaml::N51: "
                      "a PPMID build not on the CPL"),
    *[_not_modelled(f"N{n}", "Communications Hub firmware activation", "CommsHubFirmwareActivation",
                    _NO_CSP_FIRMWARE, ("IS", "GS")) for n in (52, 53)],
    *[_not_modelled(f"N{n}", "DCC notification", "", _UNKNOWN) for n in (54, 55, 56)],
    DccAlertSpec("N57", "SMETS1 Communications Hub firmware notification", "SMETS1CHFirmwareNotification", ("GS",),
                 Status.RAISED, "11.1 to a SMETS1 CH or PPMID accepted (UpdateRequested) and 11.3 activating its "
                 "firmware (ActivationSuccessful): to the Gas Supplier of the GSME on the SMETS1 CH's HAN "
                 "(dccsim.s1sp.alert_codes, dccsim.s1sp.notifications)", Source.RELEASE_NOTE, Generation.SMETS1,
                 test="tests/integration/test_smets1.py::test_firmware_for_a_smets1_ppmid_from_its_lead_supplier"),
    DccAlertSpec("N58", "ALCS/HCALCS configuration change", "ALCSHCALCSConfigurationChange", ("ED",), Status.RAISED,
                 "on the successful Response to 6.14.1, 6.14.2 or 6.14.3 on an ESME (release note 5.5 names all "
                 "three): to its Electricity Distributor, with its ESMEVariant and DeviceGBCSVersion (dccsim.han."
                 "response_rules.configuration_changed); and when the meter's future-dated execution alert (0x8F66, "
                 "message code 0x00CC) reports the auxiliary controllers' calendar of a 6.14.2 / 6.14.3 taking "
                 "effect (response_rules.auxiliary_calendar_activated). A future-dated 6.14.2 / 6.14.3 so gives "
                 "two: one for its successful Response, one when it takes effect (the project's reading of the "
                 "two triggers). A standalone APC is no ESME: 6.14.3 on one raises none",
                 Source.RELEASE_NOTE,
                 test="tests/integration/test_dcc_alerts.py::test_n58_to_the_distributor_once_6_14_x_succeeds"),
    *[_not_modelled(f"N{n}", "Change of supplier certificate / ECoS alert", "CoSCertificateAlert", _NO_COS,
                    ("IS", "GS")) for n in (59, 60, 61, 62)],
    _not_modelled("N63", "DUIS version mismatch", "DUISVersionMismatch",
                  "the simulator answers in one DUIS schema version, the one it validates requests with",
                  (REQUESTER,)),
    *[_not_modelled(f"N{n}", "DCC notification", "", _UNKNOWN) for n in (64, 65)],
    _not_modelled("N999", "Other DCC notification", "", _UNKNOWN),
)

DCC_ALERTS: dict[str, DccAlertSpec] = {entry.code: entry for entry in _ENTRIES}


def spec(code: str) -> DccAlertSpec:
    try:
        return DCC_ALERTS[code]
    except KeyError:
        raise ValueError(f"{code!r} is not a DUIS DCC alert code") from None


def raised() -> list[DccAlertSpec]:
    return [entry for entry in _ENTRIES if entry.raised]
