"""Credential folders in the RTDS keystore naming: export for clients, import of existing sets."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dccsim.smki.credentials import GBCS_USAGES, Credential, Usage, read_folders
from dccsim.smki.store import CredentialStore


def _stem(cred: Credential) -> str | None:
    entity = cred.entity_id
    if entity is None:
        return None
    if cred.usage is Usage.XML_SIGNING:
        return f"xml-sign-{entity.upper()}-ds"
    if cred.usage is Usage.DSP_XML_SIGNING:
        return f"dsp-xml-sign-{entity.upper()}-ds"
    if cred.usage in GBCS_USAGES:    # 90b3d51f30010000-ds, -ka, and a supplier's prepayment key -pp-ka
        return f"{entity.lower()}-{cred.usage.value}"
    return None


_WHAT = {Usage.GBCS_SIGNING: "GBCS digital signing", Usage.GBCS_KEY_AGREEMENT: "GBCS key agreement",
         Usage.PREPAYMENT: "prepayment (UTRN) key agreement", Usage.XML_SIGNING: "DUIS XML signing",
         Usage.DSP_XML_SIGNING: "DUIS response signing"}


def export_folder(store: CredentialStore, directory: Path) -> list[Path]:
    """Write the active credentials (certificates and held private keys) and the CA certificates."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    lines = ["Credentials of the dccsim SMKI test PKI, in the RTDS keystore naming.", ""]

    def write(name: str, data: bytes, what: str) -> None:
        path = directory / name
        path.write_bytes(data)
        written.append(path)
        lines.append(f"{name:<44} {what}")

    for role, cred in sorted(store.authorities.items()):
        write(f"ca-{role}.pem", cred.cert_pem(), f"certificate authority ({role})")
    for cred in sorted(store.active(), key=lambda c: (c.is_device, c.entity_id or "", c.usage.value)):
        stem = _stem(cred)
        if stem is None:
            continue
        kind = "device" if cred.is_device else f"organisation (role {cred.role_code})"
        what = _WHAT.get(cred.usage, cred.usage.value)
        write(f"{stem}.pem", cred.cert_pem(), f"{kind} {what} certificate")
        key = cred.key_pem()
        if key is not None:
            write(f"{stem}.key", key, f"{kind} {what} private key")
    (directory / "README.txt").write_text("\n".join(lines) + "\n")
    return written


@dataclass
class ImportReport:
    imported: list[Credential] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        with_keys = sum(1 for c in self.imported if c.private_key is not None)
        head = f"imported {len(self.imported)} credentials ({with_keys} with private keys)"
        return "\n".join([head, *(f"  note: {n}" for n in self.notes)])


def import_folders(store: CredentialStore, directories: list[Path]) -> ImportReport:
    """Add the credentials of existing folders (RTDS / ZAZ1 naming) to the store."""
    folder = read_folders([Path(d) for d in directories])
    report = ImportReport()
    ignored_devices = 0
    for cred in folder.credentials:
        if cred.usage is Usage.CA:
            continue
        if cred.is_device and cred.private_key is None:
            ignored_devices += 1
            continue
        if cred.entity_id is None:
            report.notes.append(f"{cred.source}: no entity id in the certificate; skipped")
            continue
        cred.source = f"imported:{cred.source}"
        store.add(cred)
        report.imported.append(cred)
        cert, now = cred.certificate, store.clock()
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            state = "expired" if now > cert.not_valid_after_utc else "not yet valid"
            report.notes.append(
                f"{Path(cred.source.removeprefix('imported:')).name}: {state} (valid "
                f"{cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d}); used with a "
                f"warning, or not at all under --strict-validity")
    if ignored_devices:
        report.notes.append(f"{ignored_devices} device certificates ignored: the simulator holds no private "
                            f"key for them, so it cannot act as those devices")
    for name, _key in folder.orphan_keys:
        report.notes.append(f"{name}: private key without a matching certificate; skipped")
    for name, reason in folder.skipped:
        report.notes.append(f"{name}: {reason}")
    return report
