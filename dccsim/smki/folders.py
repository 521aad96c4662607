"""Credential folders in the RTDS keystore naming: export for clients, import of existing sets."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
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


# The times a zip archive can record.
_ZIP_FIRST = datetime(1980, 1, 1, tzinfo=timezone.utc)
_ZIP_LAST = datetime(2107, 12, 31, 23, 59, 58, tzinfo=timezone.utc)

_WHAT = {Usage.GBCS_SIGNING: "GBCS digital signing", Usage.GBCS_KEY_AGREEMENT: "GBCS key agreement",
         Usage.PREPAYMENT: "prepayment (UTRN) key agreement", Usage.XML_SIGNING: "DUIS XML signing",
         Usage.DSP_XML_SIGNING: "DUIS response signing"}


@dataclass(frozen=True)
class ExportedFile:
    """One file of an export: its name in the RTDS keystore naming, its bytes, and what it is."""

    name: str
    data: bytes
    what: str


EXPORT_README = "README.txt"


def export_files(store: CredentialStore) -> list[ExportedFile]:
    """The active credentials (certificates and held private keys) and the CA certificates, as files."""
    files: list[ExportedFile] = []
    for role, cred in sorted(store.authorities.items()):
        files.append(ExportedFile(f"ca-{role}.pem", cred.cert_pem(), f"certificate authority ({role})"))
    for cred in sorted(store.active(), key=lambda c: (c.is_device, c.entity_id or "", c.usage.value)):
        stem = _stem(cred)
        if stem is None:
            continue
        kind = "device" if cred.is_device else f"organisation (role {cred.role_code})"
        what = _WHAT.get(cred.usage, cred.usage.value)
        files.append(ExportedFile(f"{stem}.pem", cred.cert_pem(), f"{kind} {what} certificate"))
        key = cred.key_pem()
        if key is not None:
            files.append(ExportedFile(f"{stem}.key", key, f"{kind} {what} private key"))
    return files


def _readme(files: list[ExportedFile]) -> bytes:
    lines = ["Credentials of the dccsim SMKI test PKI, in the RTDS keystore naming.", ""]
    lines += [f"{f.name:<44} {f.what}" for f in files]
    return ("\n".join(lines) + "\n").encode()


def export_folder(store: CredentialStore, directory: Path) -> list[Path]:
    """Write the export into a folder (and a README listing it); return the credential files written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = export_files(store)
    for exported in files:
        (directory / exported.name).write_bytes(exported.data)
    (directory / EXPORT_README).write_bytes(_readme(files))
    return [directory / exported.name for exported in files]


def export_zip(store: CredentialStore, moment: datetime) -> bytes:
    """The export as one zip archive: the files ``export_folder`` writes, under the same names, dated
    ``moment`` (the simulator's clock; a zip records 1980 to 2107)."""
    files = export_files(store)
    stamp = min(max(moment, _ZIP_FIRST), _ZIP_LAST).astimezone(timezone.utc).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in [(f.name, f.data) for f in files] + [(EXPORT_README, _readme(files))]:
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


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
