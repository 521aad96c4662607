"""A supplier's prepayment key-agreement credential (the key of its UTRNs): recognised on import, issued by the
test PKI to every supplier, kept in PostgreSQL, exported as ``<entity>-pp-ka``, under the validity rule."""
from __future__ import annotations

import datetime as dt

import asyncpg
import pytest
from cryptography import x509

import gbcs
from dccsim.db.migrations import migrate
from dccsim.smki import authority as ca
from dccsim.smki import repository as smki_repo
from dccsim.smki.credentials import Usage, classify, prepayment_name, read_folders
from dccsim.smki.folders import export_folder, import_folders
from dccsim.smki.store import CredentialStore
from tests.paths import KEYS_RTDS

SUPPLIER, SUPPLIER_2, NETWORK_OPERATOR, DCC = "90B3D51F30010000", "90B3D51F30030000", "90B3D51F30020000", \
    "90B3D51F30000002"
USERS = [
    smki_repo.UserIdentity(SUPPLIER, "GITTESTSUPPLIER", ("02",)),
    smki_repo.UserIdentity(SUPPLIER_2, "SECOND SUPPLIER", ("02", "08")),
    smki_repo.UserIdentity(NETWORK_OPERATOR, "NETWORK OPERATOR", ("03",)),
    smki_repo.UserIdentity(DCC, "DCC", ("04",)),
]
rtds = pytest.mark.skipif(not KEYS_RTDS.exists(), reason="RTDS keys not available")


@pytest.mark.parametrize("name, prepayment", [
    ("90b3d51f30010000-pp-ka.pem", True), ("90B3D51F30010000-PP-KA.key", True), ("Z1-supplierPP-ka.pem", True),
    ("/keys/Z1b-supplier2PP-ka.der", True), ("90b3d51f30010000-ka.pem", False), ("Z1-supplier2-ds.pem", False),
    ("xml-sign-90B3D51F30010000-ds.pem", False), ("generated", False)])
def test_prepayment_credentials_are_known_by_their_keystore_name(name, prepayment):
    assert prepayment_name(name) is prepayment


@rtds
def test_the_rtds_pp_credentials_are_the_suppliers_prepayment_keys():
    found = {c.source: c for c in read_folders([KEYS_RTDS]).credentials}
    for entity in (SUPPLIER, SUPPLIER_2):
        prepayment = found[f"{entity.lower()}-pp-ka.pem"]
        assert prepayment.usage is Usage.PREPAYMENT and prepayment.usage.value == gbcs.PREPAYMENT
        assert (prepayment.entity_id, prepayment.role_code) == (entity, "02") and prepayment.private_key is not None
        agreement = found[f"{entity.lower()}-ka.pem"]
        assert agreement.usage is Usage.GBCS_KEY_AGREEMENT
        assert agreement.certificate.public_key() != prepayment.certificate.public_key()
    # The same certificate under another name is an ordinary key-agreement certificate: only the name tells.
    assert classify(found[f"{SUPPLIER.lower()}-pp-ka.pem"].certificate, "some.pem").usage is Usage.GBCS_KEY_AGREEMENT


async def test_every_supplier_gets_a_prepayment_key_that_outlives_a_restart(fresh_database_url, tmp_path):
    conn = await asyncpg.connect(fresh_database_url)
    try:
        await migrate(conn)
        issued = await smki_repo.bootstrap(conn, USERS)
        prepayment = {c.entity_id: c for c in issued if c.usage is Usage.PREPAYMENT}
        assert set(prepayment) == {SUPPLIER, SUPPLIER_2}
        assert await smki_repo.bootstrap(conn, USERS) == []
        store = await smki_repo.load_store(conn)
    finally:
        await conn.close()
    for entity, issued_credential in prepayment.items():
        held = store.prepayment(entity)
        assert held is not None and held.private_key is not None
        assert held.certificate == issued_credential.certificate == store.gbcs(entity, gbcs.PREPAYMENT).certificate
        assert held.certificate != store.gbcs(entity, gbcs.KEY_AGREEMENT).certificate
        # the organisation certificate profile of the supplier's key agreement: OU 02, its entity, key agreement
        certificate = held.certificate
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
        assert usage.critical and usage.value.key_agreement and not usage.value.digital_signature
        assert classify(certificate).role_code == "02" and classify(certificate).entity_id == entity
    assert store.prepayment(NETWORK_OPERATOR) is None and store.prepayment(DCC) is None
    assert (SUPPLIER, gbcs.PREPAYMENT) in store.gbcs_keys()

    written = {p.name for p in export_folder(store, tmp_path / "out")}
    assert {f"{SUPPLIER.lower()}-pp-ka.pem", f"{SUPPLIER.lower()}-pp-ka.key",
            f"{SUPPLIER_2.lower()}-pp-ka.pem", f"{SUPPLIER_2.lower()}-ka.pem"} <= written
    assert "prepayment (UTRN) key agreement private key" in (tmp_path / "out" / "README.txt").read_text()
    again = CredentialStore()
    import_folders(again, [tmp_path / "out"])
    assert again.prepayment(SUPPLIER).certificate == store.prepayment(SUPPLIER).certificate
    assert again.prepayment(SUPPLIER).private_key is not None
    assert again.gbcs(SUPPLIER, gbcs.KEY_AGREEMENT).certificate == store.gbcs(SUPPLIER, gbcs.KEY_AGREEMENT).certificate


@rtds
async def test_an_imported_prepayment_key_is_kept_and_preferred(fresh_database_url):
    conn = await asyncpg.connect(fresh_database_url)
    try:
        await migrate(conn)
        await smki_repo.bootstrap(conn, USERS)
        store = await smki_repo.load_store(conn)
        generated = store.prepayment(SUPPLIER)
        report = import_folders(store, [KEYS_RTDS])
        await smki_repo.save_credentials(conn, report.imported)
        reloaded = await smki_repo.load_store(conn)
    finally:
        await conn.close()
    rtds_key = next(c for c in read_folders([KEYS_RTDS]).credentials if c.source == "90b3d51f30010000-pp-ka.pem")
    held = reloaded.prepayment(SUPPLIER)
    assert held.certificate == rtds_key.certificate and held.source.startswith("imported:")
    assert held.certificate != generated.certificate
    assert reloaded.gbcs(SUPPLIER, gbcs.KEY_AGREEMENT).certificate != rtds_key.certificate


async def test_a_row_written_as_a_preparatory_ka_key_is_read_as_a_prepayment_key(fresh_database_url):
    issuing = ca.create_issuing(ca.create_root(), "dccsim Organisations")
    credential = ca.issue_organisation(issuing, SUPPLIER, "02", Usage.GBCS_KEY_AGREEMENT)
    conn = await asyncpg.connect(fresh_database_url)
    try:
        await migrate(conn)
        await smki_repo.save_credentials(conn, [credential])
        await conn.execute("UPDATE smki_credential SET preparatory = true WHERE entity_id = $1", SUPPLIER)
        store = await smki_repo.load_store(conn)
        assert store.prepayment(SUPPLIER).certificate == credential.certificate
        assert store.gbcs(SUPPLIER, gbcs.KEY_AGREEMENT) is None
        # the supplier's key agreement is missing, its prepayment key is not: only the former is issued
        issued = await smki_repo.bootstrap(conn, USERS[:1])
        assert {c.usage for c in issued} == {Usage.GBCS_SIGNING, Usage.GBCS_KEY_AGREEMENT, Usage.XML_SIGNING}
    finally:
        await conn.close()


def test_a_prepayment_key_outside_its_validity_period_follows_the_validity_rule():
    issuing = ca.create_issuing(ca.create_root(), "dccsim Organisations")
    now = dt.datetime.now(dt.timezone.utc)
    generated = ca.issue_organisation(issuing, SUPPLIER, "02", Usage.PREPAYMENT)
    expired = ca.issue_organisation(issuing, SUPPLIER, "02", Usage.PREPAYMENT, not_before=now - dt.timedelta(days=30),
                                    not_after=now - dt.timedelta(days=1))
    expired.source = "imported:90b3d51f30010000-pp-ka.pem"
    lenient, strict = CredentialStore(), CredentialStore(strict_validity=True)
    for store in (lenient, strict):
        store.add(generated)
        store.add(expired)
    assert lenient.prepayment(SUPPLIER) is expired
    assert strict.prepayment(SUPPLIER) is generated
    assert strict.all_gbcs(SUPPLIER, gbcs.PREPAYMENT) == [generated]
    strict_only_expired = CredentialStore(strict_validity=True)
    strict_only_expired.add(expired)
    assert strict_only_expired.prepayment(SUPPLIER) is None and strict_only_expired.active() == []
