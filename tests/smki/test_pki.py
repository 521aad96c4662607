"""The simulator's SMKI test PKI: profile of generated certificates, persistence, import and export."""
from __future__ import annotations

import datetime as dt

import asyncpg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from dccsim.db.migrations import migrate
from dccsim.smki import authority as ca
from dccsim.smki import repository as smki_repo
from dccsim.smki.credentials import Usage, classify, entity_id_of, read_folders
from dccsim.smki.errors import CertificateExpired
from dccsim.smki.folders import export_folder, import_folders
from dccsim.smki.store import CredentialStore, issuer_key
from tests.paths import KEYS_RTDS, KEYS_ZAZ1

USERS = [
    smki_repo.UserIdentity("90B3D51F30010000", "GITTESTSUPPLIER", ("02",)),
    smki_repo.UserIdentity("90B3D51F30020000", "NETWORK OPERATOR", ("03",)),
    smki_repo.UserIdentity("90B3D51F30000002", "DCC", ("04",)),
]


def _verify_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> None:
    issuer.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))


def test_organisation_and_device_certificates_follow_the_smki_profile():
    root = ca.create_root()
    issuing = ca.create_issuing(root, "dccsim Organisations")
    org = ca.issue_organisation(issuing, "90B3D51F30010000", "02", Usage.GBCS_KEY_AGREEMENT)
    cert = org.certificate
    assert isinstance(cert.public_key().curve, ec.SECP256R1)
    assert cert.signature_algorithm_oid == x509.SignatureAlgorithmOID.ECDSA_WITH_SHA256
    assert entity_id_of(cert) == ("90B3D51F30010000", False)
    assert classify(cert).role_code == "02" and classify(cert).usage is Usage.GBCS_KEY_AGREEMENT
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_agreement and not usage.value.digital_signature
    _verify_issued_by(cert, issuing.certificate)
    _verify_issued_by(issuing.certificate, root.certificate)

    xml = ca.issue_organisation(issuing, "90B3D51F30010000", "02", Usage.XML_SIGNING)
    assert classify(xml.certificate).usage is Usage.XML_SIGNING and classify(xml.certificate).role_code == "87"

    device = ca.issue_device(ca.create_issuing(root, "dccsim Devices"), "00DB1234567890A0", Usage.GBCS_SIGNING)
    assert device.certificate.subject == x509.Name([])
    assert entity_id_of(device.certificate) == ("00DB1234567890A0", True)


def test_issuer_names_match_in_any_order_and_spacing():
    assert issuer_key("CN=Z1,OU=07") == issuer_key("OU=07, CN=Z1") == issuer_key("cn=Z1 , ou=07")
    assert issuer_key("CN=Z1,OU=07") != issuer_key("CN=Z2,OU=07")


async def test_bootstrap_is_idempotent_and_persists(fresh_database_url):
    conn = await asyncpg.connect(fresh_database_url)
    try:
        await migrate(conn)
        first = await smki_repo.bootstrap(conn, USERS)
        assert {(c.entity_id, c.usage) for c in first} >= {
            ("90B3D51F30010000", Usage.GBCS_SIGNING), ("90B3D51F30010000", Usage.XML_SIGNING),
            ("90B3D51F30000002", Usage.DSP_XML_SIGNING)}
        assert await smki_repo.bootstrap(conn, USERS) == []
        store = await smki_repo.load_store(conn)
        assert store.dsp_signing().entity_id == "90B3D51F30000002"
        assert store.xml_signing("90B3D51F30010000").private_key is not None
        assert set(store.authorities) == {"root", "organisations", "devices"}
        devices = await smki_repo.issue_device_credentials(conn, store, ["00DB1234567890A0"])
        assert len(devices) == 2
        assert await smki_repo.issue_device_credentials(conn, store, ["00DB1234567890A0"]) == []
    finally:
        await conn.close()


async def test_zaz1_and_rtds_import_together(fresh_database_url, tmp_path):
    conn = await asyncpg.connect(fresh_database_url)
    try:
        await migrate(conn)
        await smki_repo.bootstrap(conn, USERS)
        store = await smki_repo.load_store(conn)
        report = import_folders(store, [KEYS_ZAZ1, KEYS_RTDS])
        await smki_repo.save_credentials(conn, report.imported)
        assert any("device certificates ignored" in note for note in report.notes)
        store = await smki_repo.load_store(conn)
    finally:
        await conn.close()
    zaz1 = {c.source: c for c in read_folders([KEYS_ZAZ1]).credentials}
    xml = zaz1["xml-sign-90B3D51F30010000-ds.pem"].certificate
    found = store.find_by_issuer_serial("CN=Z1, OU=07", xml.serial_number)
    assert found is not None and found.entity_id == "90B3D51F30010000"
    dsp = store.dsp_signing()
    assert dsp.certificate == zaz1["dsp-xml-sign-90B3D51F30000002-ds.pem"].certificate
    ka = store.gbcs("90B3D51F30010000", "ka")
    assert ka.source.startswith("imported:") and ka.private_key is not None

    written = export_folder(store, tmp_path / "out")
    names = {p.name for p in written}
    assert {"90b3d51f30010000-ka.pem", "90b3d51f30010000-ka.key", "xml-sign-90B3D51F30010000-ds.pem",
            "dsp-xml-sign-90B3D51F30000002-ds.key"} <= names
    again = CredentialStore()
    import_folders(again, [tmp_path / "out"])
    assert again.dsp_signing().certificate == dsp.certificate
    assert again.gbcs("90B3D51F30010000", "ka").certificate == ka.certificate


def test_expired_certificates_are_refused_only_when_strict(caplog):
    expired = next(c for c in read_folders([KEYS_ZAZ1]).credentials if c.source == "Z1-supplier-ds.pem")
    store = CredentialStore()
    now = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)
    with pytest.raises(CertificateExpired):
        store.check_validity(expired, strict=True, now=now)
    store.check_validity(expired, strict=False, now=now)
    assert "outside its validity period" in caplog.text


def _short_lived(issuing, entity_id: str, usage: Usage, *, days_from: int, days_to: int, source: str):
    now = dt.datetime.now(dt.timezone.utc)
    cred = ca.issue_organisation(issuing, entity_id, "02", usage, not_before=now + dt.timedelta(days=days_from),
                                 not_after=now + dt.timedelta(days=days_to))
    cred.source = source
    return cred


def test_gbcs_certificates_handed_out_follow_the_validity_rule(caplog):
    issuing = ca.create_issuing(ca.create_root(), "dccsim Organisations")
    generated = ca.issue_organisation(issuing, "90B3D51F30010000", "02", Usage.GBCS_SIGNING)
    expired = _short_lived(issuing, "90B3D51F30010000", Usage.GBCS_SIGNING, days_from=-30, days_to=-1,
                           source="imported:expired-ds.pem")
    future = _short_lived(issuing, "90B3D51F30010000", Usage.GBCS_KEY_AGREEMENT, days_from=1, days_to=30,
                          source="imported:future-ka.pem")

    lenient = CredentialStore()
    for cred in (generated, expired, future):
        lenient.add(cred)
    # Default: the imported credentials are used as they are, each with one warning however often.
    for _ in range(3):
        assert lenient.gbcs("90B3D51F30010000", "ds") is expired
        assert lenient.gbcs("90B3D51F30010000", "ka") is future
    assert lenient.all_gbcs("90B3D51F30010000", "ds") == [expired, generated]
    warnings = [r for r in caplog.records if "outside its validity period" in r.getMessage()]
    assert len(warnings) == 2 and all("accepted" in r.getMessage() for r in warnings)

    strict = CredentialStore(strict_validity=True)
    for cred in (generated, expired, future):
        strict.add(cred)
    # Strict: not usable; the next usable credential of that entity and usage, or none.
    assert strict.gbcs("90B3D51F30010000", "ds") is generated
    assert strict.all_gbcs("90B3D51F30010000", "ds") == [generated]
    assert strict.gbcs("90B3D51F30010000", "ka") is None
    assert {(c.entity_id, c.usage) for c in strict.active()} == {("90B3D51F30010000", Usage.GBCS_SIGNING)}
    assert strict.gbcs_keys()[("90B3D51F30010000", "ds")][0] == generated.certificate


def test_import_notes_certificates_outside_their_validity_period():
    store = CredentialStore()
    report = import_folders(store, [KEYS_RTDS])
    expired_notes = [n for n in report.notes if "expired" in n]
    # Every RTDS organisation certificate that ran out (2025) is named, none that is still valid.
    now = dt.datetime.now(dt.timezone.utc)
    ran_out = {c.source.removeprefix("imported:") for c in report.imported if c.certificate.not_valid_after_utc < now}
    assert ran_out and {n.split(":")[0] for n in expired_notes} == ran_out
    assert "90b3d51f30010008-ds.pem" not in " ".join(expired_notes)
    assert "--strict-validity" in expired_notes[0]
