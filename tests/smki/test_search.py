"""The SMKI repository's status model, and what a search or a retrieval by serial number finds."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives import serialization

from dccsim.smki import authority as ca
from dccsim.smki.credentials import Credential, Usage, classify
from dccsim.smki.search import (CertificateStatus, CertificateUsage, RepositoryEntry, Search, Subject,
                                certificate_role, entries, find, with_serial)

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
SUPPLIER = "90B3D51F30010000"
ESME = "00DB1234567890A0"
ROOT = ca.create_root()
ORGANISATIONS = ca.create_issuing(ROOT, "test Organisations")
DEVICES = ca.create_issuing(ROOT, "test Devices")


def _organisation(usage: Usage = Usage.GBCS_SIGNING, *, role: str = "02", source: str = "generated",
                  valid: tuple[int, int] = (2020, 2100)) -> Credential:
    issued = ca.issue_organisation(ORGANISATIONS, SUPPLIER, role, usage, "SUPPLIER",
                                   not_before=dt.datetime(valid[0], 1, 1, tzinfo=dt.timezone.utc),
                                   not_after=dt.datetime(valid[1], 1, 1, tzinfo=dt.timezone.utc))
    return replace(issued, private_key=None, source=source)


def _device(usage: Usage, source: str = "generated") -> Credential:
    return replace(ca.issue_device(DEVICES, ESME, usage), private_key=None, source=source)


def _status(held: list[RepositoryEntry], credential: Credential) -> CertificateStatus:
    return next(e.status for e in held if e.serial == credential.serial)


def test_the_credential_the_simulator_uses_is_in_use_and_the_one_it_replaced_is_not():
    generated = _organisation()
    imported = _organisation(source="imported:90b3d51f30010000-ds.pem")
    held = entries([generated, imported], now=NOW, strict_validity=False)
    assert _status(held, imported) is CertificateStatus.IN_USE
    assert _status(held, generated) is CertificateStatus.NOT_IN_USE


def test_a_device_certificate_followed_by_tracking_replaces_the_one_the_test_pki_issued():
    issued_ds, issued_ka = _device(Usage.GBCS_SIGNING), _device(Usage.GBCS_KEY_AGREEMENT)
    reported = _device(Usage.GBCS_SIGNING, source="reported by device")
    held = entries([issued_ds, issued_ka, reported], now=NOW, strict_validity=False)
    assert [(_status(held, c)) for c in (issued_ds, issued_ka, reported)] == [
        CertificateStatus.NOT_IN_USE, CertificateStatus.IN_USE, CertificateStatus.IN_USE]
    assert {e.subject for e in held} == {Subject.DEVICE} and {e.role for e in held} == {None}


def test_outside_its_period_a_certificate_not_in_use_is_expired_or_pending():
    current = _organisation(source="imported:current")
    ran_out = _organisation(valid=(2015, 2025))
    future = _organisation(valid=(2030, 2040))
    held = entries([ran_out, future, current], now=NOW, strict_validity=False)
    assert [_status(held, c) for c in (current, ran_out, future)] == [
        CertificateStatus.IN_USE, CertificateStatus.EXPIRED, CertificateStatus.PENDING]


def test_an_expired_certificate_the_simulator_still_uses_is_in_use_unless_validity_is_strict():
    generated = _organisation()
    ran_out = _organisation(source="imported:Z1-supplier-ds.pem", valid=(2015, 2025))
    lenient = entries([generated, ran_out], now=NOW, strict_validity=False)
    assert (_status(lenient, ran_out), _status(lenient, generated)) == (CertificateStatus.IN_USE,
                                                                        CertificateStatus.NOT_IN_USE)
    strict = entries([generated, ran_out], now=NOW, strict_validity=True)
    assert (_status(strict, ran_out), _status(strict, generated)) == (CertificateStatus.EXPIRED,
                                                                      CertificateStatus.IN_USE)


def test_a_pending_certificate_comes_into_use_when_its_period_begins_under_strict_validity():
    generated = _organisation()
    future = _organisation(source="imported:next", valid=(2030, 2040))
    assert _status(entries([generated, future], now=NOW, strict_validity=True), future) is CertificateStatus.PENDING
    later = dt.datetime(2031, 1, 1, tzinfo=dt.timezone.utc)
    assert _status(entries([generated, future], now=later, strict_validity=True), future) is CertificateStatus.IN_USE


def test_each_usage_is_in_use_on_its_own_and_named_as_the_repository_names_it():
    credentials = [_organisation(Usage.GBCS_SIGNING), _organisation(Usage.GBCS_KEY_AGREEMENT),
                   _organisation(Usage.PREPAYMENT), _organisation(Usage.XML_SIGNING)]
    held = entries(credentials, now=NOW, strict_validity=False)
    assert [(e.usage, e.role, e.status) for e in held] == [
        (CertificateUsage.DIGITAL_SIGNING, 2, CertificateStatus.IN_USE),
        (CertificateUsage.KEY_AGREEMENT, 2, CertificateStatus.IN_USE),
        (CertificateUsage.KEY_AGREEMENT, 2, CertificateStatus.IN_USE),        # the supplier's prepayment key
        (CertificateUsage.DIGITAL_SIGNING, 135, CertificateStatus.IN_USE),    # XML signing, OU 87
    ]
    assert held[0].der == credentials[0].certificate.public_bytes(serialization.Encoding.DER)


def test_certificate_authorities_are_not_served():
    authority = replace(classify(ORGANISATIONS.certificate), entity_id=SUPPLIER)
    assert authority.usage is Usage.CA
    organisation = _organisation()
    assert [e.serial for e in entries([authority, organisation], now=NOW, strict_validity=False)] == \
        [organisation.serial]


@pytest.mark.parametrize("ou, role", [("02", 2), ("03", 3), ("04", 4), ("08", 8), ("87", 135), ("89", 137),
                                      ("1", None), ("supplier", None), (None, None)])
def test_the_role_is_the_ou_code_as_a_number(ou, role):
    assert certificate_role(ou) == role


def test_a_search_finds_every_certificate_of_its_organisation_or_device_only():
    organisation, device = _organisation(), _device(Usage.GBCS_SIGNING)
    held = entries([organisation, device], now=NOW, strict_validity=False)
    assert [e.serial for e in find(Search(Subject.ORGANISATION, SUPPLIER), held)] == [organisation.serial]
    assert [e.serial for e in find(Search(Subject.DEVICE, ESME), held)] == [device.serial]
    assert find(Search(Subject.DEVICE, SUPPLIER), held) == []
    assert find(Search(Subject.ORGANISATION, "00DB1234567890FF"), held) == []


def test_a_serial_number_two_issuers_gave_finds_the_one_in_use():
    held = entries([_organisation(), _device(Usage.GBCS_SIGNING)], now=NOW, strict_validity=False)
    shared = [replace(held[0], serial=7, status=CertificateStatus.NOT_IN_USE), replace(held[1], serial=7)]
    assert with_serial(7, shared) is shared[1]
    assert with_serial(7, shared[:1]) is shared[0]
    assert with_serial(8, shared) is None


@pytest.mark.parametrize("serial, text", [(0x4FBC5252, "4FBC5252"), (0xABC, "0ABC"), (0x1, "01")])
def test_serial_numbers_are_written_in_whole_octets(serial, text):
    entry = entries([_organisation()], now=NOW, strict_validity=False)[0]
    assert replace(entry, serial=serial).serial_hex == text
