"""What the DCC may read of a device's state and how it manages devices out of band: the named queries, the
state at first contact, trust-anchor cells, a re-key."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from devices import installation, queries
from devices.device_types import SUPPLIER_PREPAYMENT
from devices.state import ChfState, EsmeState, GsmeState, HeldCommand, PpmidState, Role, Type2State
from devices.trust_anchors import DeviceKeys, make_cell
from gbcs import KeyUsage, StaticKeyStore

T0 = datetime(2030, 1, 15, 8, 0, tzinfo=timezone.utc)
SUPPLIER = "90B3D51F30010000"


def _held(at: datetime) -> HeldCommand:
    return HeldCommand(at=at, originator=SUPPLIER, counter=1, message_code=0x19, payload_kind="gbz",
                       request={"components": []})


def test_the_queries_answer_what_the_dcc_needs():
    meter = EsmeState(future=[_held(T0 + timedelta(days=2)), _held(T0 + timedelta(hours=1))])
    assert queries.next_held_command_due(meter) == T0 + timedelta(hours=1)
    assert queries.next_held_command_due(GsmeState()) is None
    assert queries.device_log(meter) is None
    hub = installation.first_contact("CHF", "00DB1234567890A2", device_log=["00DB1234567890A0"])
    assert queries.device_log(hub) == ["00DB1234567890A0"] and queries.kind(hub) == "CHF"
    assert queries.firmware_version(installation.first_contact("PPMID", "00DB1234567890A4",
                                                               firmware_version="00000007")) == "00000007"


def test_first_contact_makes_the_state_of_the_inventory_s_type():
    meter = installation.first_contact("ESME", "00DB1234567890A0", esme_variant="bdf", firmware_version=None)
    assert isinstance(meter, EsmeState) and meter.variant == "BDF" and meter.device_id == "00DB1234567890A0"
    assert meter.firmware.version == "00000001" and meter.meter is None and installation.needs_cells(meter)
    assert isinstance(installation.first_contact("CHF", "00DB1234567890A2"), ChfState)
    assert isinstance(installation.first_contact("PPMID", "00DB1234567890A4"), PpmidState)
    assert isinstance(installation.first_contact("IHD", "00DB1234567890A7"), Type2State)


def test_cells_are_installed_and_a_meter_without_a_prepayment_cell_is_told_so():
    meter = EsmeState()
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    installation.install_cells(meter, [make_cell(Role.SUPPLIER, KeyUsage.KEY_AGREEMENT, SUPPLIER, key, bytes(8))])
    assert not installation.needs_cells(meter) and installation.missing_cells(meter) == [SUPPLIER_PREPAYMENT]
    installation.add_cells(meter, [make_cell(*SUPPLIER_PREPAYMENT, SUPPLIER, key, bytes(8))])
    assert installation.missing_cells(meter) == [] and len(meter.cells) == 2
    assert installation.missing_cells(ChfState()) == []        # a hub holds no prepayment cell


def test_a_re_keyed_device_answers_with_its_new_key():
    device_id = "00DB1234567890A0"
    issued, replacement = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    own = StaticKeyStore()
    own.add(device_id, KeyUsage.KEY_AGREEMENT, private=issued)
    meter = EsmeState()
    pem = replacement.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    installation.replace_own_credential(meter, "ka", b"certificate", pem)
    keys = DeviceKeys(device_id, own, meter)
    assert keys.replaced(KeyUsage.KEY_AGREEMENT)
    assert keys.public_key(device_id, "ka").public_numbers() == replacement.public_key().public_numbers()
    assert DeviceKeys(device_id, own, meter, issued=True).public_key(device_id, "ka").public_numbers() == \
        issued.public_key().public_numbers()
