"""Non-device Service Requests end to end: signed templates over real HTTP against real PostgreSQL."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

from cryptography import x509
from lxml import etree

from dccsim.duis import client
from dccsim.duis.ids import dashed
from dccsim.duis.namespaces import sr
from dccsim.duis.xmldsig import DuisSigner
from dccsim.inventory import repository as repo
from tests.integration import requests
from tests.integration.checks import assert_duis_answer, assert_rejected
from tests.integration.harness import DCC, NETWORK_OPERATOR, SUPPLIER, zaz1_signer

A0, A1, A2, A3 = ("00DB1234567890A0", "00DB1234567890A1", "00DB1234567890A2", "00DB1234567890A3")
SECOND_SUPPLIER = "90B3D51F30030000"


def _set(name: str, value: str):
    def edit(root):
        client.set_body_text(root, name, value)
    return edit


async def _device(running, device_id):
    return await repo.get_device(running.sim.db.pool, device_id)


async def test_read_inventory_returns_the_premises(running):
    answer = await running.send_template("8.2_READ_INVENTORY_REQUEST_DUIS.XML")
    root = assert_duis_answer(answer, code="I0")
    ids = [e.text for e in root.iter(sr("DeviceID"))]
    assert ids[0] == dashed(A2)
    assert {dashed(d) for d in (A0, A1, A2, A3)} <= set(ids)
    chf = next(d for d in root.iter(sr("Device")) if d.findtext(sr("DeviceID")) == dashed(A2))
    assert chf.findtext(sr("DeviceType")) == "CHF"
    assert chf.findtext(sr("DeviceStatus")) == "Commissioned"
    assert root.findtext(f".//{sr('ResponseID')}") == f"90-B3-D5-1F-30-00-00-02:{dashed(SUPPLIER)}:" + \
        root.findtext(f".//{sr('RequestID')}").rsplit(":", 1)[1]


async def test_read_inventory_by_mpxn_and_unknown(running):
    def by_mpxn(root):
        body = root.find(sr("Body")).find(sr("ReadInventory"))
        body.clear()
        etree.SubElement(body, sr("MPxN")).text = "1000999888"
    root = assert_duis_answer(await running.send_template("8.2_READ_INVENTORY_REQUEST_DUIS.XML", edit=by_mpxn),
                              code="I0")
    assert dashed(A1) in {e.text for e in root.iter(sr("DeviceID"))}
    missing = await running.send_template("8.2_READ_INVENTORY_REQUEST_DUIS.XML",
                                          edit=_set("DeviceID", "00-DB-12-34-56-78-99-99"))
    assert_duis_answer(missing, code="E080201")


async def test_schedules_create_read_delete(running):
    created = assert_duis_answer(
        await running.post("D", client.sign(etree.fromstring(requests.create_schedule(SUPPLIER, A0)),
                                            zaz1_signer())), code="I0")
    schedule_id = created.findtext(f".//{sr('DSPScheduleID')}")
    assert schedule_id and int(schedule_id) > 0

    read = await running.send_template("5.2_READ_SCHEDULE_REQUEST_DUIS.XML", edit=_set("DSPScheduleID", schedule_id))
    root = assert_duis_answer(read, code="I0")
    details = root.find(f".//{sr('DSPScheduleDetails')}")
    assert details.findtext(sr("DSPScheduledServiceReferenceVariant")) == "4.6.1"
    assert details.findtext(sr("DeviceID")) == dashed(A0)

    deleted = await running.send_template("5.3_DELETE_SCHEDULE_REQUEST_DUIS.XML",
                                          edit=_set("DSPScheduleID", schedule_id))
    assert_duis_answer(deleted, code="I99")
    again = await running.send_template("5.2_READ_SCHEDULE_REQUEST_DUIS.XML", edit=_set("DSPScheduleID", schedule_id))
    assert_duis_answer(again, code="E050201")


async def test_schedule_of_a_non_schedulable_sr_is_refused(running):
    # 4.1.1 is not in the schema's list of DCC-schedulable Service Requests: a schema failure (HTTP 400).
    request = requests.create_schedule(SUPPLIER, A0, variant="4.1.1")
    answer = await running.post("D", client.sign(etree.fromstring(request), zaz1_signer()))
    assert_rejected(answer, 400, "DSPScheduledServiceReference")
    # Both schedulable, but the variant is not of the reference: the DCC's own check, E050101.
    mismatched = requests.create_schedule(SUPPLIER, A0, variant="4.6.1").replace(
        b"<sr:DSPScheduledServiceReference>4.6<", b"<sr:DSPScheduledServiceReference>4.8<")
    answer = await running.post("D", client.sign(etree.fromstring(mismatched), zaz1_signer()))
    assert_duis_answer(answer, code="E050101")


async def test_update_inventory_mpxn_and_delete_rules(running):
    def update_mpxn(root):
        body = root.find(sr("Body")).find(sr("UpdateInventory"))
        body.remove(body.find(sr("DeleteDevice")))
        etree.SubElement(etree.SubElement(body, sr("UpdateMPxN")), sr("ExportMPAN")).text = "1312345678999"
    assert_duis_answer(await running.send_template("8.4_UPDATE_INVENTORY_REQUEST_DUIS.XML", edit=update_mpxn),
                       code="I99")
    assert (await _device(running, A0)).export_mpan == "1312345678999"
    # A Commissioned device cannot be deleted from the inventory.
    refused = await running.send_template("8.4_UPDATE_INVENTORY_REQUEST_DUIS.XML")
    assert_duis_answer(refused, code="E080405")
    assert await _device(running, A0) is not None


async def test_wan_matrix(running):
    root = assert_duis_answer(await running.send_template("12.1_REQUEST_WAN_MATRIX_ADDRESS_REQUEST_DUIS.XML"),
                              code="I0")
    assert root.findtext(f".//{sr('CSPRegion')}") == "North"
    assert root.findtext(f".//{sr('CSPRegionResponseCode')}") == "I0"
    assert root.find(f".//{sr('DSPWANMatrix')}/{sr('Request')}/{sr('PartialAddress')}") is not None

    def unknown_uprn(root):
        body = root.find(sr("Body")).find(sr("RequestWANMatrix"))
        body.clear()
        etree.SubElement(body, sr("UPRN")).text = "999999999999"
    root = assert_duis_answer(await running.send_template("12.1_REQUEST_WAN_MATRIX_ADDRESS_REQUEST_DUIS.XML",
                                                          edit=unknown_uprn), code="I0")
    assert root.findtext(f".//{sr('CSPRegion')}") == "Unknown"
    assert root.findtext(f".//{sr('CSPRegionResponseCode')}") == "E120101"    # 12.1's own code, not 8.2's
    assert root.find(f".//{sr('WANTechnology')}") is None


async def test_pre_notification_read_and_update_with_esme_variants_f_and_g(running):
    """Release note V4.0 §5.1: ESME variants with the F and G components, through 12.2, 8.2 and 8.4."""
    for new_id, variant in (("00-DB-12-34-56-78-91-01", "AG"), ("00-DB-12-34-56-78-91-03", "ADF")):
        def edit(root, new_id=new_id, variant=variant):
            client.set_body_text(root, "DeviceID", new_id)
            client.set_body_text(root, "ESMEVariant", variant)
        assert_duis_answer(await running.send_template("12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML", edit=edit),
                           code="I99")
        device = await _device(running, new_id.replace("-", ""))
        assert (device.status, device.device_type, device.esme_variant, device.model) == \
            ("Pending", "ESME", variant, "010A030B")
        assert (await repo.parties(running.sim.db.pool, device.device_id))["IS"] == SUPPLIER
        read = await running.send_template("8.2_READ_INVENTORY_REQUEST_DUIS.XML", edit=_set("DeviceID", new_id))
        assert assert_duis_answer(read, code="I0").findtext(f".//{sr('ESMEVariant')}") == variant

    # 8.4 Update Inventory: the device turns out to be variant CDEF / AEG.
    new_id = "00-DB-12-34-56-78-91-03"
    for variant in ("CDEF", "AEG"):
        def details(root, variant=variant):
            client.set_body_text(root, "DeviceID", new_id)
            body = root.find(sr("Body")).find(sr("UpdateInventory"))
            body.remove(body.find(sr("DeleteDevice")))
            etree.SubElement(etree.SubElement(body, sr("UpdateDeviceDetails")), sr("ESMEVariant")).text = variant
        assert_duis_answer(await running.send_template("8.4_UPDATE_INVENTORY_REQUEST_DUIS.XML", edit=details),
                           code="I99")
        assert (await _device(running, new_id.replace("-", ""))).esme_variant == variant
        read = await running.send_template("8.2_READ_INVENTORY_REQUEST_DUIS.XML", edit=_set("DeviceID", new_id))
        assert assert_duis_answer(read, code="I0").findtext(f".//{sr('ESMEVariant')}") == variant


async def test_decommission(running):
    new_id = "00-DB-12-34-56-78-91-02"
    assert_duis_answer(await running.send_template(
        "12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML", edit=_set("DeviceID", new_id)), code="I99")
    await repo.update_device(running.sim.db.pool, new_id.replace("-", ""), status="Commissioned")
    assert_duis_answer(await running.send_template("8.3_DECOMMISSION_DEVICE_REQUEST_DUIS.XML",
                                                   edit=_set("DeviceID", new_id)), code="I99")
    assert (await _device(running, new_id.replace("-", ""))).status == "Decommissioned"
    again = await running.send_template("8.3_DECOMMISSION_DEVICE_REQUEST_DUIS.XML", edit=_set("DeviceID", new_id))
    assert_duis_answer(again, code="E5")


def _own_signer(running, entity_id):
    key = running.sim.smki.xml_signing(entity_id)
    return DuisSigner(key.private_key, key.certificate)


async def test_service_opt_in_by_the_supplier_of_the_device(running):
    # The template as a DCC test client sends it: from the import supplier, signed with its ZAZ1 key.
    answer = await running.send_template("8.6_SERVICE_OPTIN_REQUEST_DUIS.XML")
    root = assert_duis_answer(answer, code="I0")
    assert root.findtext(f".//{sr('DSPOptIn')}/{sr('DeviceID')}") == dashed(A0)
    # The DCC's Access Control Broker certificates, for the supplier to place on the device.
    dcc_ka = running.sim.smki.gbcs(DCC, "ka").certificate
    broker = root.findtext(f".//{sr('DSPBrokerSecurityCredentialsKeyAgreement')}")
    assert x509.load_der_x509_certificate(base64.b64decode(broker)) == dcc_ka
    assert await repo.opted_in(running.sim.db.pool, A0, SUPPLIER)
    assert (await _device(running, A0)).attributes["opt_in_date"] == "2015-02-01"


async def test_service_opt_in_is_for_suppliers_of_the_device_only(running):
    # Not an eligible role: the DCC itself and a network operator.
    for originator in (DCC, NETWORK_OPERATOR):
        answer = await running.send_template("8.6_SERVICE_OPTIN_REQUEST_DUIS.XML", originator=originator,
                                             signer=_own_signer(running, originator))
        assert_duis_answer(answer, code="E2")
    # A supplier, but not a supplier of this ESME: E4.
    answer = await running.send_template("8.6_SERVICE_OPTIN_REQUEST_DUIS.XML", originator=SECOND_SUPPLIER,
                                         signer=_own_signer(running, SECOND_SUPPLIER))
    assert_duis_answer(answer, code="E4")


async def test_comms_hub_status_updates(running):
    pool = running.sim.db.pool
    # Commissioned CHF: a warning, nothing changes.
    answer = await running.send_template(
        "8.14.2_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_NO_SM_WAN_REQUEST_DUIS.XML")
    assert_duis_answer(answer, code="W081401")
    assert (await _device(running, A2)).status == "Commissioned"
    # Pending CHF and GPF: warning, and both move to InstalledNotCommissioned.
    await repo.update_device(pool, A2, status="Pending")
    await repo.update_device(pool, A3, status="Pending")
    answer = await running.send_template(
        "8.14.2_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_NO_SM_WAN_REQUEST_DUIS.XML")
    assert_duis_answer(answer, code="W081401")
    assert (await _device(running, A2)).status == "InstalledNotCommissioned"
    assert (await _device(running, A3)).status == "InstalledNotCommissioned"
    # InstalledNotCommissioned: plain success, the install recorded.
    for name, variant in (("8.14.1_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_SUCCESS_REQUEST_DUIS.XML", "8.14.1"),
                          ("8.14.2_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_NO_SM_WAN_REQUEST_DUIS.XML", "8.14.2")):
        assert_duis_answer(await running.send_template(name), code="I99")
        hub = await _device(running, A2)
        assert hub.status == "InstalledNotCommissioned" and hub.attributes["install"]["variant"] == variant
    # Not a CHF, and an install date in the future.
    not_chf = await running.send_template(
        "8.14.2_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_NO_SM_WAN_REQUEST_DUIS.XML",
        edit=_set("DeviceID", dashed(A0)))
    assert_duis_answer(not_chf, code="E081401")

    def future(root):
        body = root.find(sr("Body")).find(sr("CHFInstallSuccessNoSMWAN"))
        when = etree.Element(sr("InstallDateTime"))
        when.text = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        body.find(sr("CHFInstallType")).addnext(when)
    answer = await running.send_template(
        "8.14.2_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_NO_SM_WAN_REQUEST_DUIS.XML", edit=future)
    assert_duis_answer(answer, code="E081402")
    # Returns, with and without a fault, withdraw the hub and its GPF and record the return.
    for name, variant in (("8.14.3_COMMUNICATIONS_HUB_STATUS_UPDATE_FAULT_RETURN_REQUEST_DUIS.XML", "8.14.3"),
                          ("8.14.4_COMMUNICATIONS_HUB_STATUS_UPDATE_NO_FAULT_RETURN_REQUEST_DUIS.XML", "8.14.4")):
        for device_id in (A2, A3):
            await repo.update_device(pool, device_id, status="Commissioned")
        assert_duis_answer(await running.send_template(name), code="I99")
        hub = await _device(running, A2)
        assert (hub.status, (await _device(running, A3)).status) == ("Withdrawn", "Withdrawn")
        assert hub.attributes["return"]["variant"] == variant
    assert hub.attributes["return"]["CHFNoFaultReturnType"] == "No Fault Return (general)"
    # A withdrawn hub cannot be returned again.
    assert_duis_answer(await running.send_template(
        "8.14.4_COMMUNICATIONS_HUB_STATUS_UPDATE_NO_FAULT_RETURN_REQUEST_DUIS.XML"), code="E5")
    for device_id in (A2, A3):
        await repo.update_device(pool, device_id, status="Commissioned")


async def test_schedule_for_a_device_type_the_scheduled_sr_does_not_serve(running):
    request = requests.create_schedule(SUPPLIER, A2)
    answer = await running.post("D", client.sign(etree.fromstring(request), zaz1_signer()))
    assert_duis_answer(answer, code="E11")
