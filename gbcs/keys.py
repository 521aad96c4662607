"""Where the library gets keys from: an interface, and a simple in-memory implementation."""
from __future__ import annotations

import enum
from typing import Mapping, Protocol

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec



class KeyUsage(enum.StrEnum):
    """What a GBCS key pair is for."""

    SIGNING = "ds"                 # digital signing
    KEY_AGREEMENT = "ka"           # key agreement (MACs, encryption)
    PREPAYMENT = "pp-ka"           # a supplier's prepayment top-up key agreement (it authenticates UTRNs)


SIGNING = KeyUsage.SIGNING
KEY_AGREEMENT = KeyUsage.KEY_AGREEMENT
PREPAYMENT = KeyUsage.PREPAYMENT
USAGES = tuple(KeyUsage)


class KeyStore(Protocol):
    """Key look-up by entity id (16 upper-case hex digits) and usage (``SIGNING``, ``KEY_AGREEMENT`` or
    ``PREPAYMENT``); ``acb`` names the Access Control Broker whose key MACs commands (None if unknown)."""

    acb: str | None

    def public_key(self, entity: str, usage: KeyUsage | str) -> ec.EllipticCurvePublicKey | None: ...

    def private_key(self, entity: str, usage: KeyUsage | str) -> ec.EllipticCurvePrivateKey | None: ...


class StaticKeyStore:
    """Keys held in memory; ``acb`` names the Access Control Broker that MACs commands."""

    def __init__(self, entries: Mapping[tuple[str, str], tuple[object | None, ec.EllipticCurvePrivateKey | None]]
                 | None = None, *, acb: str | None = None):
        self._public: dict[tuple[str, str], ec.EllipticCurvePublicKey] = {}
        self._private: dict[tuple[str, str], ec.EllipticCurvePrivateKey] = {}
        self.acb = acb
        for (entity, usage), (public, private) in (entries or {}).items():
            self.add(entity, usage, public=public, private=private)

    def add(self, entity: str, usage: KeyUsage | str, *, public: object | None = None,
            private: ec.EllipticCurvePrivateKey | None = None) -> None:
        key = (entity.upper(), usage)
        if isinstance(public, x509.Certificate):
            public = public.public_key()
        if public is None and private is not None:
            public = private.public_key()
        if isinstance(public, ec.EllipticCurvePublicKey):
            self._public[key] = public
        if private is not None:
            self._private[key] = private

    def public_key(self, entity: str, usage: KeyUsage | str) -> ec.EllipticCurvePublicKey | None:
        return self._public.get((entity.upper(), usage))

    def private_key(self, entity: str, usage: KeyUsage | str) -> ec.EllipticCurvePrivateKey | None:
        return self._private.get((entity.upper(), usage))
