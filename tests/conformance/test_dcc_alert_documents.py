"""Every DCC alert body the simulator builds (``dccsim.han.dcc_alerts``), as a signed DCCAlertMessage: valid against
the official DUIS XSD and verified with the DCC's ZAZ1 response-signing certificate."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import etree

from dccsim.duis import xmldsig
from dccsim.duis.xmldsig import DuisSigner
from dccsim.han import dcc_alerts
from dccsim.han.documents import dcc_alert_to
from dccsim.inventory.models import Device, DeviceStatus, DeviceType
from dccsim.smki.credentials import Usage, read_folders
from tests.integration.checks import zaz1_dsp_certificate
from tests.integration.harness import official_schema
from tests.paths import DUIS_SCHEMA, KEYS_ZAZ1

pytestmark = pytest.mark.skipif(not DUIS_SCHEMA.exists(), reason="the reference corpus (../shared) is absent")

DCC = "90B3D51F30000002"
MOMENT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
ESME = Device("00DB1234567890A0", DeviceType.ESME, DeviceStatus.COMMISSIONED, esme_variant="AG", gbcs_version="4.0",
              import_mpxn="1312345678111", secondary_import_mpan="1312345678222", export_mpan="1312345678333")
GSME = Device("00DB1234567890A1", DeviceType.GSME, DeviceStatus.COMMISSIONED, import_mpxn="1000999888")
PPMID = Device("00DB1234567890A4", DeviceType.PPMID, DeviceStatus.COMMISSIONED)

BODIES = {
    "AD1": dcc_alerts.power_outage("00DB1234567890A2", MOMENT, "1312345678111"),
    "N4": dcc_alerts.schedule_removed(ESME.device_id, 42),
    "N12": dcc_alerts.change_of_supplier(ESME),
    "N12-gas": dcc_alerts.change_of_supplier(GSME),
    "N16": dcc_alerts.meter_identity(ESME),
    "N16-gas": dcc_alerts.meter_identity(GSME),
    "N20": dcc_alerts.firmware_distribution_failure("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000",
                                                    [ESME.device_id, GSME.device_id]),
    "N43": dcc_alerts.meter_decommissioned(ESME, [PPMID]),
    "N58": dcc_alerts.configuration_change(ESME),
}


def _dsp_signer() -> DuisSigner:
    for credential in read_folders([KEYS_ZAZ1]).credentials:
        if credential.usage is Usage.DSP_XML_SIGNING and credential.private_key is not None \
                and credential.certificate == zaz1_dsp_certificate():
            return DuisSigner(credential.private_key, credential.certificate)
    raise LookupError("no ZAZ1 DSP signing key")


@pytest.mark.parametrize("name", sorted(BODIES))
def test_a_dcc_alert_is_signed_and_valid(name):
    code = name.split("-")[0]
    outgoing = dcc_alert_to(_dsp_signer(), dcc_entity_id=DCC, user_id="90B3D51F30020000", code=code,
                            fill=BODIES[name], moment=MOMENT)
    root = etree.fromstring(outgoing.body)
    assert official_schema().validate(root), official_schema().error_log
    xmldsig.verify(root, zaz1_dsp_certificate())
    assert root.findtext(".//{*}DCCAlertCode") == code
