"""The in-memory index of SMKI credentials used on the request path (O(1) look-ups)."""
from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from typing import Callable

from cryptography import x509

from dccsim.smki.credentials import GBCS_USAGES, Credential, Usage
from dccsim.smki.derived import DerivedDevices
from dccsim.smki.errors import CertificateExpired

log = logging.getLogger(__name__)

_ATTR_ALIASES = {"2.5.4.3": "CN", "2.5.4.11": "OU", "2.5.4.10": "O", "2.5.4.6": "C", "2.5.4.45": "2.5.4.45",
                 "COMMONNAME": "CN", "ORGANIZATIONALUNITNAME": "OU", "ORGANIZATIONNAME": "O"}


def issuer_key(name: str | x509.Name) -> frozenset[tuple[str, str]]:
    """A canonical form of a distinguished name: RDN order, spacing and attribute-name case ignored."""
    return _text_key(name.rfc4514_string() if isinstance(name, x509.Name) else name)


@functools.lru_cache(maxsize=1024)     # a request names its signer's issuer: the same few names over and over
def _text_key(text: str) -> frozenset[tuple[str, str]]:
    pairs = set()
    for part in re.split(r"(?<!\\)[,+]", text):
        if "=" not in part:
            continue
        attr, value = part.split("=", 1)
        attr = attr.strip().upper()
        attr = _ATTR_ALIASES.get(attr.removeprefix("OID."), attr)
        pairs.add((attr, value.strip()))
    return frozenset(pairs)


_GBCS_USAGES = tuple(usage.value for usage in GBCS_USAGES)


def _wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class CredentialStore:
    """All credentials the simulator knows, indexed for the front door and the GBCS layer.

    Where several credentials exist for one (entity, usage), the active one is the most recently added
    non-generated (imported) one, else the most recent generated one.

    Validity periods (SMKI test credentials outlive their dates): the GBCS certificates the store hands
    out (``gbcs``, ``all_gbcs``, ``active``, ``gbcs_keys``) follow the same rule as the XML-signing
    certificate of a request (``check_validity``). With ``strict_validity`` a certificate outside its
    period is not usable: the next-preferred usable credential of that entity and usage takes its place,
    or there is none. Otherwise it is used, with one logged warning per certificate. A ``quiet`` store logs
    none: one built to answer a single question (an SMKI repository search) would repeat them every time.

    A device of the inventory for which no credential is held has its derived ones (``derived``,
    ``dccsim.smki.derived``) once the caller has admitted it there; they are not in ``active``.
    """

    def __init__(self, *, strict_validity: bool = False, clock: Callable[[], dt.datetime] = _wall_clock,
                 quiet: bool = False) -> None:
        self.strict_validity = strict_validity
        self.clock = clock               # what "now" is when a caller does not say
        self.quiet = quiet
        self._all: list[Credential] = []
        self._by_issuer_serial: dict[tuple[frozenset, int], Credential] = {}
        self._ranked: dict[tuple[str, str], list[Credential]] = {}
        self._warned: set[tuple[x509.Name, int]] = set()
        self.authorities: dict[str, Credential] = {}   # "root" / "organisations" / "devices"
        self.read_to: tuple[dt.datetime, int] | None = None   # (created_at, id) of the last row read
        self.derived: DerivedDevices | None = None

    def add(self, cred: Credential, *, authority_role: str | None = None) -> None:
        self._all.append(cred)
        self._by_issuer_serial[(issuer_key(cred.certificate.issuer), cred.serial)] = cred
        if authority_role is not None:
            self.authorities[authority_role] = cred
            return
        if cred.entity_id is None:
            return
        ranked = self._ranked.setdefault((cred.entity_id, cred.usage.value), [])
        # Imported before generated; within each, the most recently added first.
        position = 0 if _imported(cred) else sum(1 for c in ranked if _imported(c))
        ranked.insert(position, cred)

    def all(self) -> list[Credential]:
        return list(self._all)

    def _pick(self, key: tuple[str, str], now: dt.datetime | None = None) -> Credential | None:
        ranked = self._ranked.get(key) or self._derived(key)
        if key[1] not in _GBCS_USAGES:
            return ranked[0] if ranked else None
        return next((c for c in ranked if self.usable(c, now)), None)

    def active(self) -> list[Credential]:
        """The credential in use for each (entity, usage): GBCS ones only where usable."""
        picked = (self._pick(key) for key in self._ranked)
        return [c for c in picked if c is not None]

    def devices(self) -> list[Credential]:
        return [c for c in self.active() if c.is_device]

    def usable(self, cred: Credential, now: dt.datetime | None = None) -> bool:
        """Whether a credential may be used now under the validity rule (see the class docstring)."""
        try:
            self.check_validity(cred, strict=self.strict_validity, now=now)
        except CertificateExpired:
            return False
        return True

    def find_by_issuer_serial(self, issuer: str, serial: int) -> Credential | None:
        return self._by_issuer_serial.get((issuer_key(issuer), serial))

    def xml_signing(self, entity_id: str) -> Credential | None:
        return self._pick((entity_id, Usage.XML_SIGNING.value))

    def dsp_signing(self) -> Credential:
        """The key that signs every response: an imported OU 89 DSP key wins over the generated one."""
        candidates = [c for (_, usage), ranked in self._ranked.items() if usage == Usage.DSP_XML_SIGNING.value
                      for c in ranked if c.role_code == "89" and c.private_key]
        if not candidates:
            raise LookupError("no DSP XML-signing key with a private key is held")
        imported = [c for c in candidates if _imported(c)]
        return (imported or candidates)[0]

    def gbcs(self, entity_id: str, usage: str, *, now: dt.datetime | None = None) -> Credential | None:
        """The usable GBCS credential of an entity for ``"ds"``, ``"ka"`` or ``"pp-ka"`` (a supplier's
        prepayment key), or None."""
        return self._pick((entity_id, usage), now)

    def holds(self, entity_id: str, usage: str) -> bool:
        """Whether ``gbcs(entity_id, usage)`` has a credential to give, told without deriving one."""
        ranked = self._ranked.get((entity_id, usage))
        if ranked:
            return any(self.usable(c) for c in ranked)
        return self.derived is not None and self.derived.derives(entity_id, usage)

    def prepayment(self, entity_id: str, *, now: dt.datetime | None = None) -> Credential | None:
        """A supplier's usable prepayment key-agreement credential (the key its UTRNs are made with), or None."""
        return self._pick((entity_id, Usage.PREPAYMENT.value), now)

    def all_gbcs(self, entity_id: str, usage: str, *, now: dt.datetime | None = None) -> list[Credential]:
        """Every usable GBCS credential of an entity for a usage (renewed sets included), preferred first."""
        key = (entity_id, usage)
        return [c for c in self._ranked.get(key) or self._derived(key) if self.usable(c, now)]

    def _derived(self, key: tuple[str, str]) -> tuple[Credential, ...]:
        """The derived credential of an admitted device that holds none (see the class docstring)."""
        found = self.derived.credential(*key) if self.derived is not None else None
        return (found,) if found is not None else ()

    def gbcs_keys(self) -> dict[tuple[str, str], tuple[x509.Certificate, object]]:
        """{(entity id, "ds"|"ka"|"pp-ka"): (certificate, private key or None)} for the GBCS layer."""
        found = {}
        for (entity, usage) in self._ranked:
            if usage in _GBCS_USAGES:
                cred = self._pick((entity, usage))
                if cred is not None:
                    found[(entity, usage)] = (cred.certificate, cred.private_key)
        return found

    def check_validity(self, cred: Credential, *, strict: bool, now: dt.datetime | None = None) -> None:
        """Enforce the validity period only when ``strict``; otherwise warn once per certificate."""
        now = now or self.clock()
        not_before, not_after = cred.validity
        if not_before <= now <= not_after:
            return
        cert = cred.certificate
        message = (f"{cred.usage.value} certificate serial {cred.serial} of {cred.entity_id} is outside its "
                   f"validity period ({cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d})")
        ident = (cert.issuer, cred.serial)
        first = ident not in self._warned and not self.quiet
        self._warned.add(ident)
        if strict:
            if first:
                log.warning("%s; not used (--strict-validity)", message)
            raise CertificateExpired(message)
        if first:
            log.warning("%s; accepted (use --strict-validity to refuse)", message)


def _imported(cred: Credential) -> bool:
    return cred.source not in ("generated", "")
