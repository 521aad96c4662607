"""Device credentials derived on first use: the same bytes from every store on one database, only for devices
of the inventory, never over a stored credential."""
from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from dccsim.inventory import repository as repo
from dccsim.inventory.models import Device, DeviceStatus, DeviceType
from dccsim.smki import repository as smki_repo
from dccsim.smki.credentials import OID_HARDWARE_MODULE_NAME, Usage
from dccsim.smki.derived import derive_device_credential
from dccsim.smki.device_credentials import derive_in, keep_derived, repository_certificates
from dccsim.smki.store import CredentialStore
from tests.estate.inventory import migrated_database

METER = "0C3D4E0300000001"
DEMO_METER = "00DB1234567890A0"
UNKNOWN = "0C3D4E03FFFFFFFF"


@pytest.fixture
async def conn(pg_base_url):
    conn = await migrated_database(pg_base_url)
    await smki_repo.bootstrap(conn, [])
    for device_id in (METER, DEMO_METER):
        await repo.upsert_device(conn, Device(device_id, DeviceType.ESME, DeviceStatus.COMMISSIONED))
    yield conn
    await conn.close()


async def _store(conn) -> CredentialStore:
    return await derive_in(conn, await smki_repo.load_store(conn))


def _private_number(credential) -> int:
    return credential.private_key.private_numbers().private_value


async def test_two_stores_started_independently_derive_the_same_credentials(conn):
    first, second = await _store(conn), await _store(conn)
    first.derived.admit(METER)
    second.derived.admit(METER)
    for usage in ("ds", "ka"):
        a, b = first.gbcs(METER, usage), second.gbcs(METER, usage)
        assert a is not None and a is not b
        assert a.cert_pem() == b.cert_pem() and _private_number(a) == _private_number(b)
        assert a.certificate.public_key().public_numbers() == a.private_key.public_key().public_numbers()
    ds, ka = first.gbcs(METER, "ds"), first.gbcs(METER, "ka")
    assert ds.serial != ka.serial and _private_number(ds) != _private_number(ka)


async def test_a_derived_certificate_is_a_device_certificate_of_the_test_pki(conn):
    store = await _store(conn)
    store.derived.admit(METER)
    credential = store.gbcs(METER, "ka")
    certificate = credential.certificate
    devices_ca = store.authorities["devices"].certificate
    devices_ca.public_key().verify(certificate.signature, certificate.tbs_certificate_bytes,
                                   ec.ECDSA(certificate.signature_hash_algorithm))
    assert certificate.issuer == devices_ca.subject and certificate.subject == x509.Name([])
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert bytes.fromhex(METER) in names.get_values_for_type(x509.OtherName)[0].value
    assert names.get_values_for_type(x509.OtherName)[0].type_id == OID_HARDWARE_MODULE_NAME
    assert certificate.extensions.get_extension_for_class(x509.KeyUsage).value.key_agreement
    assert credential.is_device and credential.entity_id == METER and credential.usage is Usage.GBCS_KEY_AGREEMENT


async def test_another_database_derives_other_credentials(conn, pg_base_url):
    other = await migrated_database(pg_base_url)
    try:
        await smki_repo.bootstrap(other, [])
        stores = [await _store(conn), await _store(other)]
        for store in stores:
            store.derived.admit(METER)
        assert stores[0].gbcs(METER, "ka").cert_pem() != stores[1].gbcs(METER, "ka").cert_pem()
    finally:
        await other.close()


async def test_nothing_is_derived_for_what_is_not_an_admitted_device(conn):
    store = await _store(conn)
    for entity in (METER, UNKNOWN, "90B3D51F30010000"):
        assert store.gbcs(entity, "ka") is None and store.all_gbcs(entity, "ds") == []
    store.derived.admit(METER)
    assert store.gbcs(METER, "pp-ka") is None and store.xml_signing(METER) is None
    assert store.active() == (await smki_repo.load_store(conn)).active()     # derived ones are not listed
    assert await repository_certificates(conn, store.derived, UNKNOWN) == []
    assert await repository_certificates(conn, store.derived, "90B3D51F30010000") == []
    assert await conn.fetchval("SELECT count(*) FROM smki_credential WHERE is_device") == 0


async def test_a_stored_credential_wins_over_the_derived_one(conn):
    store = await _store(conn)
    issued = await smki_repo.issue_device_credentials(conn, store, [DEMO_METER])
    store.derived.admit(DEMO_METER)
    assert store.gbcs(DEMO_METER, "ka") is next(c for c in issued if c.usage is Usage.GBCS_KEY_AGREEMENT)
    assert await keep_derived(conn, store, DEMO_METER) == []


async def test_derived_credentials_kept_are_stored_with_their_keys_and_read_back_alike(conn):
    store = await _store(conn)
    store.derived.admit(METER)
    kept = await keep_derived(conn, store, METER)
    assert {c.usage for c in kept} == {Usage.GBCS_SIGNING, Usage.GBCS_KEY_AGREEMENT}
    fresh = await smki_repo.load_store(conn)
    for credential in kept:
        stored = fresh.gbcs(METER, credential.usage.value)
        assert stored.cert_pem() == credential.cert_pem()
        assert stored.key_pem() == credential.key_pem()
    found = await repository_certificates(conn, store.derived, METER)
    assert sorted(c.serial for c in found) == sorted(c.serial for c in kept)
    assert all(c.private_key is None for c in found)


async def test_a_repository_search_stores_an_inventory_device_s_derived_certificates(conn):
    store = await _store(conn)
    found = await repository_certificates(conn, store.derived, METER)
    store.derived.admit(METER)
    assert sorted(c.certificate.public_bytes(serialization.Encoding.DER) for c in found) == sorted(
        store.gbcs(METER, u).certificate.public_bytes(serialization.Encoding.DER) for u in ("ds", "ka"))


def _der(credential) -> bytes:
    return credential.certificate.public_bytes(serialization.Encoding.DER)


async def test_first_contact_derives_the_key_pair_and_issues_no_certificate(conn):
    store = await _store(conn)
    store.derived.admit(METER)
    assert store.holds(METER, "ka") and store.holds(METER, "ds") and not store.holds(UNKNOWN, "ka")
    credential = store.gbcs(METER, "ka")          # what a device's first contact asks for, validity rule included
    assert store.usable(credential) and credential.private_key is not None
    assert credential.public_key().public_numbers() == credential.private_key.public_key().public_numbers()
    assert not credential.issued


async def test_a_certificate_issued_late_is_the_one_issued_at_once(conn):
    """Lazy and eager issuing give the same bytes, whenever the certificate is read and whatever was derived
    in between."""
    eager_store, lazy_store = await _store(conn), await _store(conn)
    ca, seed = eager_store.derived.ca, eager_store.derived.seed
    for usage in (Usage.GBCS_SIGNING, Usage.GBCS_KEY_AGREEMENT):
        eager = derive_device_credential(seed, ca, METER, usage)
        lazy_store.derived.admit(METER)
        lazy = lazy_store.gbcs(METER, usage.value)
        for other in range(1, 40):               # other devices met, their certificates issued, before this one
            lazy_store.derived.admit(f"0C3D4E03000001{other:02X}")
            _der(lazy_store.gbcs(f"0C3D4E03000001{other:02X}", usage.value))
        assert not lazy.issued
        assert lazy.serial == eager.serial and lazy.validity == eager.validity
        assert lazy.public_key().public_numbers() == eager.certificate.public_key().public_numbers()
        assert _private_number(lazy) == _private_number(eager)
        assert _der(lazy) == _der(eager) and lazy.issued
        assert lazy.cert_pem() == eager.cert_pem() and lazy.key_pem() == eager.key_pem()
        eager_store.derived.admit(METER)
        assert _der(eager_store.gbcs(METER, usage.value)) == _der(eager)


async def test_a_certificate_issued_late_is_stored_and_found_as_one_issued_at_once(conn):
    store = await _store(conn)
    store.derived.admit(METER)
    used = [store.gbcs(METER, usage) for usage in ("ds", "ka")]
    assert not any(c.issued for c in used)
    kept = await keep_derived(conn, store, METER)
    eager = {usage: derive_device_credential(store.derived.seed, store.derived.ca, METER, usage)
             for usage in (Usage.GBCS_SIGNING, Usage.GBCS_KEY_AGREEMENT)}
    assert sorted(_der(c) for c in kept) == sorted(_der(c) for c in eager.values())
    assert store.find_by_issuer_serial(eager[Usage.GBCS_SIGNING].issuer_rfc4514, eager[Usage.GBCS_SIGNING].serial)
    found = await repository_certificates(conn, store.derived, METER)
    assert sorted(_der(c) for c in found) == sorted(_der(c) for c in eager.values())
