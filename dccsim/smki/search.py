"""The SMKI repository as DCC Boxed clients see it: each certificate's usage, role and status; what a search finds.

Pure: the credentials come in as the database holds them, entries go out; ``dccsim.smki.service`` does the I/O.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from cryptography.hazmat.primitives import serialization

from dccsim.smki.credentials import Credential, Usage
from dccsim.smki.store import CredentialStore


class CertificateStatus(enum.StrEnum):
    """The SMKI status of a certificate, and how each arises in the simulator.

    The repository holds every certificate it was given: issued by the test PKI (organisations at first start,
    devices when they enter the inventory, by estate load or 12.2 pre-notification), imported (``keys
    import`` of the ZAZ1 / RTDS folders) and reported by a device (6.24.2 certificate tracking).

    * ``I`` in use: the certificate the simulator uses for its entity and usage — the one ``CredentialStore``
      picks: imported (or reported by the device) before issued by the test PKI, the most recently stored
      first, and under ``--strict-validity`` only one inside its validity period. One the simulator uses
      though its period is over (by default test credentials outlive their dates) is in use.
    * ``N`` not in use: inside its validity period, but another certificate of its entity and usage is the one
      in use — a test-PKI certificate an import replaced, a device certificate 6.24.2 tracking replaced with
      the one the device reported, one of two imported certificates of an entity and usage (ZAZ1 holds two
      sets, ``Z1-`` and ``Z1b-``).
    * ``E`` expired: not in use and past the end of its validity period.
    * ``P`` pending: not in use and its validity period has not begun; under ``--strict-validity`` it becomes
      the one in use when its period begins, if it ranks first.
    * ``R`` revoked: never; the test PKI revokes nothing.

    6.15 and 6.23 change the certificates a device's trust-anchor cells hold, not the repository: they change
    no certificate's status here.
    """

    PENDING = "P"
    IN_USE = "I"
    NOT_IN_USE = "N"
    EXPIRED = "E"
    REVOKED = "R"


class CertificateUsage(enum.StrEnum):
    """The key usage of a certificate, as the repository names it."""

    DIGITAL_SIGNING = "DS"
    KEY_AGREEMENT = "KA"


# The credentials the repository serves, by usage; certificate authorities are not among them.
SERVED_USAGES: dict[Usage, CertificateUsage] = {
    Usage.GBCS_SIGNING: CertificateUsage.DIGITAL_SIGNING,
    Usage.GBCS_KEY_AGREEMENT: CertificateUsage.KEY_AGREEMENT,
    Usage.PREPAYMENT: CertificateUsage.KEY_AGREEMENT,
    Usage.XML_SIGNING: CertificateUsage.DIGITAL_SIGNING,
    Usage.DSP_XML_SIGNING: CertificateUsage.DIGITAL_SIGNING,
}

_ROLE_CODE = re.compile(r"[0-9A-Fa-f]{2}")


def certificate_role(role_code: str | None) -> int | None:
    """The SMKI role of an organisation certificate: its subject OU's two hex digits as a number (OU 02 is
    2, a supplier; OU 87, XML signing, is 135), or None when the OU is not such a code."""
    if role_code is None or not _ROLE_CODE.fullmatch(role_code):
        return None
    return int(role_code, 16)


class Subject(enum.Enum):
    """How a search names a certificate's subject: an organisation by its entity id (the subject name's
    x500UniqueIdentifier), a device by its EUI-64 (the subject alternative name's hardwareModuleName)."""

    ORGANISATION = "CertificateSubjectName"
    DEVICE = "CertificateSubjectAltName"


@dataclass(frozen=True)
class Search:
    """A certificate search: every certificate of one organisation or one device."""

    subject: Subject
    entity_id: str          # 16 upper-case hex digits


@dataclass(frozen=True)
class RepositoryEntry:
    """One certificate as the repository service reports it."""

    serial: int
    subject: Subject
    entity_id: str
    usage: CertificateUsage
    role: int | None        # organisations only
    status: CertificateStatus
    der: bytes

    @property
    def serial_hex(self) -> str:
        """The serial number in upper-case hex, whole octets, as X.509 tools show it."""
        digits = f"{self.serial:X}"
        return digits.zfill(len(digits) + len(digits) % 2)


def _status(credential: Credential, in_use: bool, now: datetime) -> CertificateStatus:
    certificate = credential.certificate
    if in_use:
        return CertificateStatus.IN_USE
    if now > certificate.not_valid_after_utc:
        return CertificateStatus.EXPIRED
    if now < certificate.not_valid_before_utc:
        return CertificateStatus.PENDING
    return CertificateStatus.NOT_IN_USE


def entries(stored: Sequence[Credential], *, now: datetime, strict_validity: bool) -> list[RepositoryEntry]:
    """The served certificates among ``stored`` with their status at ``now``.

    ``stored`` holds, in the order they were stored, every certificate of each entity concerned: which one is
    in use is decided among all of an entity's, by the rule the running simulator uses (``CredentialStore``)."""
    served = [c for c in stored if c.entity_id is not None and c.usage in SERVED_USAGES]
    store = CredentialStore(strict_validity=strict_validity, clock=lambda: now, quiet=True)
    for credential in served:
        store.add(credential)
    in_use = {id(credential) for credential in store.active()}
    return [RepositoryEntry(
        serial=credential.serial,
        subject=Subject.DEVICE if credential.is_device else Subject.ORGANISATION,
        entity_id=credential.entity_id,
        usage=SERVED_USAGES[credential.usage],
        role=None if credential.is_device else certificate_role(credential.role_code),
        status=_status(credential, id(credential) in in_use, now),
        der=credential.certificate.public_bytes(serialization.Encoding.DER),
    ) for credential in served]


def find(search: Search, held: Sequence[RepositoryEntry]) -> list[RepositoryEntry]:
    """The certificates a search finds: every one of its organisation or device, whatever its status."""
    return [e for e in held if e.entity_id == search.entity_id and e.subject is search.subject]


def with_serial(serial: int, held: Sequence[RepositoryEntry]) -> RepositoryEntry | None:
    """The certificate with this serial number. Serial numbers are unique per issuer only: should two
    certificates share one, the one in use is chosen, else the one stored last."""
    matching = [e for e in held if e.serial == serial]
    if not matching:
        return None
    in_use = [e for e in matching if e.status is CertificateStatus.IN_USE]
    return (in_use or matching)[-1]
