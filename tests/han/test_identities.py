"""A device's identity on the DCC side: its own key pairs and certificates from the SMKI store, each looked up
(and for a device with derived credentials, derived or issued) only when used; the trust-anchor cells of the
Remote Parties made once and made again when the credentials change."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

import gbcs
from dccsim.db.cache import SMKI, Caches
from dccsim.han.identities import Identities
from dccsim.inventory import repository as repo
from dccsim.inventory.models import Device, DeviceStatus, DeviceType
from dccsim.smki import authority, repository as smki_repo
from dccsim.smki.credentials import Usage
from dccsim.smki.derived import derive_device_credential
from dccsim.smki.device_credentials import derive_in
from devices import Role, installation
from tests.estate.inventory import migrated_database

ACB, SUPPLIER = "90B3D51F30000002", "90B3D51F30010000"
DERIVED, ISSUED = "0C3D4E0300000001", "00DB1234567890A0"


@pytest.fixture
async def identities(pg_base_url):
    conn = await migrated_database(pg_base_url)
    await smki_repo.bootstrap(conn, [smki_repo.UserIdentity(SUPPLIER, "Supplier", ("02",))])
    for device_id in (DERIVED, ISSUED):
        await repo.upsert_device(conn, Device(device_id, DeviceType.ESME, DeviceStatus.COMMISSIONED))
    store = await derive_in(conn, await smki_repo.load_store(conn))
    issued = await smki_repo.issue_device_credentials(conn, store, [ISSUED])
    store.derived.admit(DERIVED)
    caches = Caches()
    yield Identities(store, ACB, caches), caches, {c.usage.value: c for c in issued}
    await conn.close()


def _der(certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


async def test_a_derived_device_s_identity_derives_what_it_uses_and_issues_certificates_when_read(identities):
    ids, _, _ = identities
    identity = ids.identity(DERIVED)
    derived = ids.smki.derived
    ka = identity.keys.private_key(DERIVED, gbcs.KEY_AGREEMENT)
    assert ka.private_numbers() == derived.credential(DERIVED, "ka").private_key.private_numbers()
    assert identity.keys.public_key(DERIVED, gbcs.KEY_AGREEMENT).public_numbers() == ka.public_key().public_numbers()
    assert identity.keys.private_key(SUPPLIER, gbcs.KEY_AGREEMENT) is None
    assert identity.keys.public_key(DERIVED, gbcs.PREPAYMENT) is None
    assert not derived.credential(DERIVED, "ka").issued and not derived.credential(DERIVED, "ds").issued
    eager = derive_device_credential(derived.seed, derived.ca, DERIVED, Usage.GBCS_SIGNING)
    assert identity.certificates.get("ds") == _der(eager.certificate)
    assert derived.credential(DERIVED, "ds").issued and not derived.credential(DERIVED, "ka").issued
    assert sorted(identity.certificates) == ["ds", "ka"] and identity.certificates.get("pp-ka") is None


async def test_an_issued_device_s_identity_holds_its_stored_credentials(identities):
    ids, _, issued = identities
    identity = ids.identity(ISSUED)
    for usage in ("ds", "ka"):
        assert identity.keys.private_key(ISSUED, usage) is issued[usage].private_key
        assert identity.certificates[usage] == _der(issued[usage].certificate)
    assert ids.identity(ISSUED) is identity


async def test_a_remote_party_s_cell_is_made_once_until_the_credentials_change(identities):
    ids, caches, _ = identities
    credential = ids.smki.gbcs(SUPPLIER, "ds")
    cell = ids.cell(Role.SUPPLIER, "ds", SUPPLIER)
    assert cell == installation.make_cell(Role.SUPPLIER, "ds", SUPPLIER, credential.certificate.public_key(),
                                          cell.ski) and len(cell.ski) == 8
    assert ids.cell(Role.SUPPLIER, "ds", SUPPLIER) is cell
    assert ids.cell(Role.SUPPLIER, "ka", "90B3D51F3FFFFFFF") is None
    root = ids.cell(Role.ROOT, "ds", None)
    assert root.entity == "0000000000000000"
    renewed = authority.issue_organisation(
        authority.Authority(ids.smki.authorities["organisations"].certificate,
                            ids.smki.authorities["organisations"].private_key), SUPPLIER, "02", Usage.GBCS_SIGNING)
    ids.smki.add(renewed)
    caches.changed(SMKI)
    assert ids.cell(Role.SUPPLIER, "ds", SUPPLIER).key == renewed.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
