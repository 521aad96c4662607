"""SMKI credentials in PostgreSQL: bootstrap of the test PKI, loading the store, saving imports.

A credential's row keeps its usage (``ds``, ``ka``, ``pp-ka``, ``xml-sign`` …). The ``preparatory`` column
is true for a supplier's prepayment key-agreement credential: rows written before prepayment keys had a
usage of their own say ``ka`` there, and are read as prepayment credentials."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from dccsim.db import locks
from dccsim.smki import authority as ca
from dccsim.smki.credentials import Credential, Usage, classify
from dccsim.smki.store import CredentialStore

# Which credentials an organisation gets, by SMKI role code.
_GBCS_ROLES = {"01", "02", "03", "04", "05", "06", "08"}
_XML_SIGNING_ROLES = {"02", "03", "04", "08", "S1SP"}
DSP_ROLE = "04"
# The SMETS1 Service Provider: an XML-signing key only (its SMETS1 Responses), no GBCS credential.
S1SP_ROLE = "S1SP"
# A supplier also gets its prepayment key-agreement key (the one its UTRNs are made with).
SUPPLIER_ROLE = "02"


@dataclass(frozen=True)
class UserIdentity:
    entity_id: str
    name: str
    role_codes: tuple[str, ...]


def _row(cred: Credential, authority_role: str | None = None) -> tuple:
    return (cred.entity_id, cred.usage.value, cred.role_code, authority_role,
            cred.certificate.issuer.rfc4514_string(), cred.serial, cred.cert_pem().decode(),
            (cred.key_pem() or b"").decode() or None, cred.is_device, cred.usage is Usage.PREPAYMENT,
            cred.source or "generated")


async def save_credentials(conn, creds: Iterable[Credential], *, authority_role: str | None = None) -> int:
    rows = [_row(c, authority_role) for c in creds]
    await conn.executemany(
        """
        INSERT INTO smki_credential (entity_id, usage, role_code, authority_role, issuer, serial, cert_pem,
                                     key_pem, is_device, preparatory, source)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (issuer, serial) DO UPDATE SET
            key_pem = COALESCE(EXCLUDED.key_pem, smki_credential.key_pem),
            source = EXCLUDED.source, created_at = now()
        """,
        rows,
    )
    return len(rows)


async def load_store(conn, *, strict_validity: bool = False, clock: Callable[[], datetime] | None = None,
                     quiet: bool = False) -> CredentialStore:
    """Every stored credential; ``strict_validity``, ``clock`` and ``quiet`` as ``CredentialStore`` describes
    them."""
    store = CredentialStore(strict_validity=strict_validity, quiet=quiet, **({"clock": clock} if clock else {}))
    await load_new(conn, store)
    return store


async def load_new(conn, store: CredentialStore) -> int:
    """Add to ``store`` the credentials stored (or stored again) since it last read; return how many."""
    after = store.read_to or (datetime.min.replace(tzinfo=timezone.utc), 0)
    rows = await conn.fetch("SELECT * FROM smki_credential WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id",
                            *after)
    added = 0
    for row in rows:
        credential = credential_from_row(row)
        known = store.find_by_issuer_serial(credential.certificate.issuer.rfc4514_string(), credential.serial)
        if known is None or (known.private_key is None and credential.private_key is not None):
            store.add(credential, authority_role=row["authority_role"])
            added += 1
        store.read_to = (row["created_at"], row["id"])
    return added


# The columns a certificate needs, the private key left out: what reads these rows never hands a key out.
_CERTIFICATE_COLUMNS = ("id, entity_id, usage, role_code, authority_role, issuer, serial, cert_pem, NULL AS key_pem, "
                        "is_device, preparatory, source, created_at")


# A device's own credentials: its GBCS signing and key-agreement ones (``c`` the smki_credential row).
_OWN = "c.usage IN ('ds', 'ka')"


def own_credentials_stored_sql(device: str) -> str:
    """SQL that is true when the repository stores credentials of a device's own (``ds`` or ``ka``);
    ``device`` is the SQL expression naming the device."""
    return f"EXISTS (SELECT 1 FROM smki_credential c WHERE c.entity_id = {device} AND {_OWN})"


async def own_credentials_stored(conn, device_id: str) -> bool:
    """Whether the repository stores credentials of the device's own (``ds`` or ``ka``)."""
    return await conn.fetchval("SELECT " + own_credentials_stored_sql("$1"), device_id)


async def own_credentials(conn, device_id: str) -> list[Credential]:
    """The device's own credentials stored (``ds`` and ``ka``), in the order stored."""
    rows = await conn.fetch(f"SELECT * FROM smki_credential c WHERE c.entity_id = $1 AND {_OWN} "
                            "ORDER BY c.created_at, c.id", device_id)
    return [credential_from_row(row) for row in rows]


async def certificates_of(conn, entity_id: str) -> list[Credential]:
    """Every certificate stored for an entity (16 hex digits), without private keys, in the order stored."""
    rows = await conn.fetch(f"SELECT {_CERTIFICATE_COLUMNS} FROM smki_credential WHERE entity_id = $1 "
                            "AND authority_role IS NULL ORDER BY created_at, id", entity_id)
    return [credential_from_row(row) for row in rows]


async def certificates_beside_serial(conn, serial: int) -> list[Credential]:
    """Every certificate of each entity holding a certificate with this serial number (whatever its issuer),
    without private keys, in the order stored: what the status of that certificate is decided among."""
    rows = await conn.fetch(
        f"SELECT {_CERTIFICATE_COLUMNS} FROM smki_credential WHERE authority_role IS NULL AND entity_id IN "
        "(SELECT entity_id FROM smki_credential WHERE serial = $1) ORDER BY created_at, id", serial)
    return [credential_from_row(row) for row in rows]


def _usage(row) -> Usage:
    legacy_prepayment = row["preparatory"] and row["usage"] == Usage.GBCS_KEY_AGREEMENT.value
    return Usage.PREPAYMENT if legacy_prepayment else Usage(row["usage"])


def credential_from_row(row) -> Credential:
    """The credential an ``smki_credential`` row holds."""
    cert = x509.load_pem_x509_certificate(row["cert_pem"].encode())
    key = serialization.load_pem_private_key(row["key_pem"].encode(), None) if row["key_pem"] else None
    return Credential(certificate=cert, entity_id=row["entity_id"], usage=_usage(row),
                      role_code=row["role_code"], private_key=key, source=row["source"],
                      is_device=row["is_device"])


async def _authorities(conn) -> dict[str, ca.Authority]:
    rows = await conn.fetch("SELECT * FROM smki_credential WHERE authority_role IS NOT NULL")
    found = {}
    for row in rows:
        cred = credential_from_row(row)
        found[row["authority_role"]] = ca.Authority(cred.certificate, cred.private_key)
    if {"root", "organisations", "devices"} <= set(found):
        return found
    root = ca.create_root()
    found = {
        "root": root,
        "organisations": ca.create_issuing(root, "dccsim Organisations"),
        "devices": ca.create_issuing(root, "dccsim Devices"),
    }
    for role, authority in found.items():
        cred = classify(authority.certificate, "generated")
        cred.private_key, cred.source = authority.key, "generated"
        await save_credentials(conn, [cred], authority_role=role)
    return found


async def bootstrap(conn, users: Iterable[UserIdentity]) -> list[Credential]:
    """Generate the CAs on first start and every missing credential of the given users."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", locks.SMKI_BOOTSTRAP)
        authorities = await _authorities(conn)
        issuing = authorities["organisations"]
        have = {(r["entity_id"], _usage(r).value) for r in await conn.fetch(
            "SELECT entity_id, usage, preparatory FROM smki_credential WHERE entity_id IS NOT NULL")}
        issued: list[Credential] = []
        for user in users:
            codes = set(user.role_codes)
            role = sorted(codes & _GBCS_ROLES)[0] if codes & _GBCS_ROLES else None
            wanted = []
            if role:
                wanted += [Usage.GBCS_SIGNING, Usage.GBCS_KEY_AGREEMENT]
            if SUPPLIER_ROLE in codes:
                wanted.append(Usage.PREPAYMENT)
            if codes & _XML_SIGNING_ROLES:
                wanted.append(Usage.XML_SIGNING)
            if DSP_ROLE in codes:
                wanted.append(Usage.DSP_XML_SIGNING)
            for usage in wanted:
                if (user.entity_id, usage.value) not in have:
                    code = SUPPLIER_ROLE if usage is Usage.PREPAYMENT else role or ""
                    issued.append(ca.issue_organisation(issuing, user.entity_id, code, usage, user.name))
        await save_credentials(conn, issued)
        return issued


async def issue_device_credentials(conn, store: CredentialStore, device_ids: Iterable[str]) -> list[Credential]:
    """Issue ds + ka certificates (with keys) for devices that have no key the simulator holds."""
    authorities = await _authorities(conn)
    issued = []
    for device_id in device_ids:
        for usage in (Usage.GBCS_SIGNING, Usage.GBCS_KEY_AGREEMENT):
            current = store.gbcs(device_id, usage.value)
            if current is None or current.private_key is None:
                cred = ca.issue_device(authorities["devices"], device_id, usage)
                issued.append(cred)
                store.add(cred)
    await save_credentials(conn, issued)
    return issued
