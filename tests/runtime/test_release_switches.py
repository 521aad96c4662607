"""Every switch of a release profile (``dccsim/runtime/releases.py``) is read by the code it names, duis-3.1 turns
each V4.0 change off, and each switch has a test that shows the two releases differ in exactly that."""
from __future__ import annotations

import re

import pytest

from dccsim.han import response_rules
from dccsim.inventory.models import Device, DeviceStatus, DeviceType
from dccsim.runtime.releases import PROFILES, switches
from tests.paths import REPO

# The test (or scenario, which `make test` runs under both releases) that shows what each switch changes.
EVIDENCE: dict[str, tuple[str, str]] = {
    "traffic_management": ("tests/integration/test_traffic_management.py",
                           "test_previous_release_has_no_traffic_management"),
    "alert_throttling": ("tests/integration/test_device_events.py",
                         "test_previous_release_forwards_every_alert_unthrottled"),
    "chf_pending_promotion": ("scenarios/release-4.0/secmp0081-hub-status-update.yaml", "duis-3.1"),
    "install_code_length_check": ("scenarios/release-4.0/cr1277-install-code-length.yaml", "duis-3.1"),
    "read_security_details": ("scenarios/release-4.0/secmp0093-read-device-log.yaml", "duis-3.1"),
    "certificate_tracking": ("scenarios/release-4.0/secmp0081-certificate-tracking.yaml", "duis-3.1"),
    "firmware_cpl_alerts": ("tests/runtime/test_release_switches.py",
                            "test_cr1045_checks_smets1_ppmid_firmware_against_the_cpl_from_v4_0"),
    "smets1_ppmid_firmware": ("scenarios/release-4.0/cr1045-smets1-ppmid-firmware.yaml", "duis-3.1"),
    "smets1_gas_flow_rate_check": ("scenarios/release-4.0/cr1290-smets1-gas-flow-rate.yaml", "duis-3.1"),
}


def _dccsim_sources() -> str:
    return "\n".join(path.read_text() for path in sorted((REPO / "dccsim").rglob("*.py"))
                     if path.name != "releases.py")


def test_the_previous_release_switches_every_change_off():
    current, previous = PROFILES["duis-4.0"], PROFILES["duis-3.1"]
    assert all(getattr(current, name) for name in switches())
    assert not any(getattr(previous, name) for name in switches())


@pytest.mark.parametrize("switch", switches())
def test_each_switch_is_read_by_the_simulator(switch):
    assert re.search(rf"\.release\.{switch}\b", _dccsim_sources()), f"nothing reads {switch}"


@pytest.mark.parametrize("switch", switches())
def test_each_switch_has_a_test_showing_the_releases_differ(switch):
    path, name = EVIDENCE[switch]
    assert name in (REPO / path).read_text(), f"{path} does not show {switch}"


def _device(generation: str, device_type: DeviceType) -> Device:
    return Device("00DB1234567890A4", device_type, DeviceStatus.COMMISSIONED, smets_generation=generation)


def test_cr1045_checks_smets1_ppmid_firmware_against_the_cpl_from_v4_0():
    smets1_ppmid = _device("SMETS1", DeviceType.PPMID)
    assert response_rules.cpl_check_applies(smets1_ppmid, PROFILES["duis-4.0"].firmware_cpl_alerts)
    assert not response_rules.cpl_check_applies(smets1_ppmid, PROFILES["duis-3.1"].firmware_cpl_alerts)
    for device in (_device("SMETS2", DeviceType.PPMID), _device("SMETS2", DeviceType.ESME),
                   _device("SMETS1", DeviceType.ESME)):
        assert all(response_rules.cpl_check_applies(device, p.firmware_cpl_alerts) for p in PROFILES.values())
