"""The in-memory index of SMKI credentials used on the request path (O(1) look-ups)."""
from __future__ import annotations

import datetime as dt
import logging
import re

from cryptography import x509

from dccsim.smki.credentials import Credential, Usage
from dccsim.smki.errors import CertificateExpired

log = logging.getLogger(__name__)

_ATTR_ALIASES = {"2.5.4.3": "CN", "2.5.4.11": "OU", "2.5.4.10": "O", "2.5.4.6": "C", "2.5.4.45": "2.5.4.45",
                 "COMMONNAME": "CN", "ORGANIZATIONALUNITNAME": "OU", "ORGANIZATIONNAME": "O"}


def issuer_key(name: str | x509.Name) -> frozenset[tuple[str, str]]:
    """A canonical form of a distinguished name: RDN order, spacing and attribute-name case ignored."""
    text = name.rfc4514_string() if isinstance(name, x509.Name) else name
    pairs = set()
    for part in re.split(r"(?<!\\)[,+]", text):
        if "=" not in part:
            continue
        attr, value = part.split("=", 1)
        attr = attr.strip().upper()
        attr = _ATTR_ALIASES.get(attr.removeprefix("OID."), attr)
        pairs.add((attr, value.strip()))
    return frozenset(pairs)


class CredentialStore:
    """All credentials the simulator knows, indexed for the front door and the GBCS layer.

    Where several credentials exist for one (entity, usage), the active one is the most recently added
    non-generated (imported) one, else the most recent generated one.
    """

    def __init__(self) -> None:
        self._all: list[Credential] = []
        self._by_issuer_serial: dict[tuple[frozenset, int], Credential] = {}
        self._active: dict[tuple[str, str, bool], Credential] = {}
        self._warned: set[int] = set()
        self.authorities: dict[str, Credential] = {}   # "root" / "organisations" / "devices"

    def add(self, cred: Credential, *, authority_role: str | None = None) -> None:
        self._all.append(cred)
        self._by_issuer_serial[(issuer_key(cred.certificate.issuer), cred.serial)] = cred
        if authority_role is not None:
            self.authorities[authority_role] = cred
            return
        if cred.entity_id is None:
            return
        key = (cred.entity_id, cred.usage.value, cred.preparatory)
        current = self._active.get(key)
        if current is None or _imported(cred) or not _imported(current):
            self._active[key] = cred

    def all(self) -> list[Credential]:
        return list(self._all)

    def active(self) -> list[Credential]:
        return list(self._active.values())

    def devices(self) -> list[Credential]:
        return [c for c in self._active.values() if c.is_device]

    def find_by_issuer_serial(self, issuer: str, serial: int) -> Credential | None:
        return self._by_issuer_serial.get((issuer_key(issuer), serial))

    def xml_signing(self, entity_id: str) -> Credential | None:
        return self._active.get((entity_id, Usage.XML_SIGNING.value, False))

    def dsp_signing(self) -> Credential:
        """The key that signs every response: an imported OU 89 DSP key wins over the generated one."""
        candidates = [c for (_, usage, _), c in self._active.items()
                      if usage == Usage.DSP_XML_SIGNING.value and c.role_code == "89" and c.private_key]
        if not candidates:
            raise LookupError("no DSP XML-signing key with a private key is held")
        imported = [c for c in candidates if _imported(c)]
        return (imported or candidates)[-1]

    def gbcs(self, entity_id: str, usage: str, *, preparatory: bool = False) -> Credential | None:
        return self._active.get((entity_id, usage, preparatory))

    def all_gbcs(self, entity_id: str, usage: str) -> list[Credential]:
        """Every known GBCS credential of an entity for a usage (renewed sets included), active first."""
        active = self.gbcs(entity_id, usage)
        others = [c for c in self._all if c.entity_id == entity_id and c.usage.value == usage
                  and not c.preparatory and c is not active]
        return ([active] if active else []) + others

    def gbcs_keys(self) -> dict[tuple[str, str], tuple[x509.Certificate, object]]:
        """{(entity id, "ds"|"ka"): (certificate, private key or None)} for the GBCS layer."""
        return {(entity, usage): (c.certificate, c.private_key)
                for (entity, usage, prep), c in self._active.items()
                if usage in ("ds", "ka") and not prep}

    def check_validity(self, cred: Credential, *, strict: bool, now: dt.datetime | None = None) -> None:
        """Enforce the validity period only when ``strict``; otherwise warn once per certificate."""
        now = now or dt.datetime.now(dt.timezone.utc)
        cert = cred.certificate
        if cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            return
        message = (f"certificate serial {cred.serial} of {cred.entity_id} is outside its validity period "
                   f"({cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d})")
        if strict:
            raise CertificateExpired(message)
        if cred.serial not in self._warned:
            self._warned.add(cred.serial)
            log.warning("%s; accepted (use --strict-validity to refuse)", message)


def _imported(cred: Credential) -> bool:
    return cred.source not in ("generated", "")
