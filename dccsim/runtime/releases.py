"""DUIS release profiles: each change of a release is a switch, so a scenario can run before and after.

The default profile is the DUIS V4.0 release the simulator implements; ``duis-3.1`` reproduces the
previous release by switching the V4.0 changes off. Every later release change gets its switch here.
"""
from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class ReleaseProfile:
    name: str
    description: str
    # SECMP0067: HTTP 429 Too Many Requests for non-priority SRs above the user's capacity allocation.
    traffic_management: bool
    # SECMP0062: Alert Storm Protection part 2 (ThrottledAlertSequenceId / ThrottledAlertCount).
    alert_throttling: bool
    # SECMP0081 / 8.14.2: a Pending CHF (and its GPF) becomes InstalledNotCommissioned with W081401.
    chf_pending_promotion: bool
    # CR1277: E081111 when a SMETS2 install code is not 32 hex characters.
    install_code_length_check: bool
    # SECMP0093 / 8.9: ReadSecurityDetails gives CCS07 on GBCS v3.2+ CHFs (E080902 / E080903 otherwise).
    read_security_details: bool
    # SECMP0081 / 6.24.2: the inventory and SMKI repository follow the certificates a device reports.
    certificate_tracking: bool
    # CR1045: CPL-driven N49 / N50 / N51 after 11.2 / 11.3 also for SMETS1 PPMIDs.
    firmware_cpl_alerts: bool
    # CR1045: 11.1 / 11.2 / 11.3 for SMETS1 PPMIDs (W110101 by Lead Supplier, N57 to the gas supplier).
    smets1_ppmid_firmware: bool
    # CR1290: E060701 where a SMETS1 GSME's S1SP does not take UncontrolledGasFlowRateDecimal.
    smets1_gas_flow_rate_check: bool


PROFILES: dict[str, ReleaseProfile] = {
    "duis-4.0": ReleaseProfile(
        name="duis-4.0", description="DUIS V4.0 (November 2020 release): the default",
        traffic_management=True, alert_throttling=True, chf_pending_promotion=True,
        install_code_length_check=True, read_security_details=True, certificate_tracking=True,
        firmware_cpl_alerts=True, smets1_ppmid_firmware=True, smets1_gas_flow_rate_check=True),
    "duis-3.1": ReleaseProfile(
        name="duis-3.1", description="DUIS V3.1: the release before, with every V4.0 change switched off",
        traffic_management=False, alert_throttling=False, chf_pending_promotion=False,
        install_code_length_check=False, read_security_details=False, certificate_tracking=False,
        firmware_cpl_alerts=False, smets1_ppmid_firmware=False, smets1_gas_flow_rate_check=False),
}

DEFAULT_PROFILE = "duis-4.0"


def profile(name: str) -> ReleaseProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown release profile {name!r}; known: {', '.join(PROFILES)}") from None


def switches() -> list[str]:
    return [f.name for f in fields(ReleaseProfile) if f.type in (bool, "bool")]
