"""What a scenario's users sign and top up with: a key folder as ``dccsim keys export`` writes it."""
from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import gbcs
from dccsim.duis.ids import dashed
from dccsim.duis.xmldsig import DuisSigner
from dccsim.smki.credentials import GBCS_USAGES, Credential, Usage, read_folders

__all__ = ["KeyFolder", "MissingKey"]

GBCS_USAGE_VALUES = frozenset(usage.value for usage in GBCS_USAGES)


class MissingKey(LookupError):
    """The key folder lacks a key a step needs (the message names the user and the file it looked for)."""


class KeyFolder:
    """The users' private keys and the devices' certificates of one folder, read once."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise MissingKey(f"no key folder {self.folder} (export one with `dccsim keys export DIR`)")
        self._credentials = read_folders([self.folder]).credentials
        self._signers: dict[str, DuisSigner] = {}
        self._gbcs_keys: gbcs.StaticKeyStore | None = None

    def _own(self, entity_id: str, usage: Usage) -> Credential | None:
        for credential in self._credentials:
            if credential.usage is usage and credential.entity_id == entity_id and not credential.is_device \
                    and credential.private_key is not None:
                return credential
        return None

    def gbcs_keys(self) -> gbcs.StaticKeyStore:
        """What the users read GBCS payloads with: their own private keys and the devices' certificates."""
        if self._gbcs_keys is None:
            keys = gbcs.StaticKeyStore()
            for credential in self._credentials:
                if credential.usage.value in GBCS_USAGE_VALUES and (credential.is_device or credential.private_key):
                    keys.add(credential.entity_id, credential.usage.value, public=credential.certificate,
                             private=None if credential.is_device else credential.private_key)
            self._gbcs_keys = keys
        return self._gbcs_keys

    def xml_signer(self, entity_id: str) -> DuisSigner:
        """The user's DUIS XML-signing key (``xml-sign-<ENTITY>-ds``)."""
        if entity_id not in self._signers:
            credential = self._own(entity_id, Usage.XML_SIGNING)
            if credential is None:
                raise MissingKey(f"no XML-signing key of {dashed(entity_id)} in {self.folder} "
                                 f"(xml-sign-{entity_id}-ds.pem and .key)")
            self._signers[entity_id] = DuisSigner(credential.private_key, credential.certificate)
        return self._signers[entity_id]

    def gbcs_signing_key(self, entity_id: str) -> ec.EllipticCurvePrivateKey:
        """The user's GBCS digital-signing key, which signs Pre-Commands (``<entity>-ds``)."""
        credential = self._own(entity_id, Usage.GBCS_SIGNING)
        if credential is None:
            raise MissingKey(f"no GBCS signing key of {dashed(entity_id)} in {self.folder} "
                             f"({entity_id.lower()}-ds.pem and .key)")
        return credential.private_key

    def certificate(self, entity_id: str, usage: str) -> bytes:
        """A user's own GBCS certificate (DER) for ``usage`` — ``ds``, ``ka`` or ``pp-ka`` — as a change of
        supplier or a credentials update sends it."""
        for credential in self._credentials:
            if credential.usage.value == usage and credential.entity_id == entity_id and not credential.is_device:
                return credential.certificate.public_bytes(serialization.Encoding.DER)
        raise MissingKey(f"no {usage} certificate of {dashed(entity_id)} in {self.folder} "
                         f"({entity_id.lower()}-{usage}.pem)")

    def authority(self, name: str) -> bytes:
        """A certificate authority's certificate (DER) as the export names it (``ca-<name>.pem``), for the
        certification path a credentials update carries."""
        path = self.folder / f"ca-{name}.pem"
        try:
            return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(serialization.Encoding.DER)
        except (OSError, ValueError):
            raise MissingKey(f"no certificate authority {name!r} in {self.folder} ({path.name})") from None

    def utrn(self, value: int, *, supplier: str, meter: str, utrn_counter: int, value_class: str) -> str:
        """The UTRN ``supplier`` issues ``meter`` under ``utrn_counter``: its prepayment key with the meter's
        key-agreement certificate (``<supplier>-pp-ka.key``, ``<meter>-ka.pem``)."""
        keys = gbcs.StaticKeyStore()
        prepayment = self._own(supplier, Usage.PREPAYMENT)
        if prepayment is None:
            raise MissingKey(f"no prepayment key of {dashed(supplier)} in {self.folder} "
                             f"({supplier.lower()}-pp-ka.key)")
        keys.add(supplier, gbcs.PREPAYMENT, private=prepayment.private_key)
        for credential in self._credentials:
            if credential.is_device and credential.entity_id == meter and credential.usage is Usage.GBCS_KEY_AGREEMENT:
                keys.add(meter, gbcs.KEY_AGREEMENT, public=credential.certificate)
                break
        else:
            raise MissingKey(f"no key-agreement certificate of {dashed(meter)} in {self.folder} "
                             f"({meter.lower()}-ka.pem)")
        return gbcs.utrn.build(value, originator=supplier, target=meter,
                               counter=utrn_counter << gbcs.utrn.COUNTER_SHIFT, keys=keys, value_class=value_class)
