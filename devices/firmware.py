"""Firmware on a device: distribution of an Upgrade Image through the Communications Hub, its receipt,
activation (CS06, now or at a future time, or cancelled) and the PPMID's self-activation.

The Upgrade Image of DUIS 11.1 / 11.4 is a ZigBee OTA upgrade file: a header (file identifier 0x0BEEF11E,
manufacturer code, image type, file version, hardware versions) and the Manufacturer Image. The CHF checks
the header (it discards an image without one), passes the image over the HAN with the ZigBee OTA cluster
and reports the transfer with a Firmware Transfer Alert (CCS08, 0x8F8A) to the Access Control Broker. A
meter (or the CHF itself) verifies the image and tells its Supplier with a Firmware Distribution Receipt
Alert (0x8F72) carrying the hash of the Manufacturer Image, which an Activate Firmware command (CS06) must
quote. A PPMID / HCALCS activates the image itself and says so with CS09 (0x8F8B).
"""
from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from datetime import datetime

import gbcs
from devices import alerts
from devices.clock import parse_generalized_time
from devices.device_types import kind
from devices.state import DeviceState, GpfState, GsmeState, PendingImage

OTA_FILE_IDENTIFIER = 0x0BEEF11E
_HEADER = struct.Struct("<IHHHHHIH32sI")
FIELD_CONTROL_HARDWARE_VERSIONS = 0x0004
FIELD_CONTROL_SECURITY_CREDENTIAL = 0x0001
FIELD_CONTROL_DEVICE_SPECIFIC = 0x0002
CANCELLATION_YEAR = 9999          # GeneralizedTime 99991231235959Z: cancel the pending activation

# CCS08 transfer results.
TRANSFERRED, DISCARDED, HARDWARE_MISMATCH, TRANSFER_FAILED = 0, 1, 2, 3
SUCCESS, FAILURE = 0, 1


@dataclass(frozen=True)
class UpgradeImage:
    manufacturer: int
    image_type: int
    file_version: int
    header_length: int
    hardware: tuple[int, int] | None
    manufacturer_image: bytes

    @property
    def version(self) -> str:
        return f"{self.file_version:08X}"

    @property
    def hash(self) -> bytes:
        return hashlib.sha256(self.manufacturer_image).digest()


def parse_image(image: bytes) -> UpgradeImage | None:
    """The OTA header and Manufacturer Image of an Upgrade Image; None if it is not one."""
    if len(image) < _HEADER.size:
        return None
    (identifier, _version, header_length, field_control, manufacturer, image_type, file_version, _stack,
     _name, total) = _HEADER.unpack_from(image)
    if identifier != OTA_FILE_IDENTIFIER or header_length < _HEADER.size or header_length > len(image) \
            or total != len(image):
        return None
    position = _HEADER.size
    if field_control & FIELD_CONTROL_SECURITY_CREDENTIAL:
        position += 1
    if field_control & FIELD_CONTROL_DEVICE_SPECIFIC:
        position += 8
    hardware = None
    if field_control & FIELD_CONTROL_HARDWARE_VERSIONS:
        hardware = struct.unpack_from("<HH", image, position)
    return UpgradeImage(manufacturer, image_type, file_version, header_length, hardware, image[header_length:])


def make_image(manufacturer_image: bytes, *, version: int, manufacturer: int = 0x121D, image_type: int = 0,
               name: bytes = b"dccsim firmware image") -> bytes:
    """An Upgrade Image (OTA file) around a Manufacturer Image."""
    header_length = _HEADER.size
    total = header_length + len(manufacturer_image)
    header = _HEADER.pack(OTA_FILE_IDENTIFIER, 0x0100, header_length, 0, manufacturer, image_type, version, 2,
                          name.ljust(32, b"\x00")[:32], total)
    return header + manufacturer_image


def transfer_alert(device_id: str, keys: gbcs.KeyStore, state: DeviceState, target: str, version: str, result: int,
                   now: datetime) -> bytes:
    """CCS08: the CHF tells the Access Control Broker how the transfer to ``target`` went."""
    payload = alerts.asn1_payload(0x8F8A, now, alerts.octets(bytes.fromhex(target)),
                                  alerts.octets(bytes.fromhex(version)), alerts.integer(result))
    recipient = alerts.recipients(state, 0x8F8A)[0]
    return alerts.frame(device_id, keys, state, code=0x8F8A, message_code=alerts.CCS08, payload=payload,
                        recipient=recipient)


def receive(device_id: str, keys: gbcs.KeyStore, state: DeviceState, image: UpgradeImage, now: datetime) \
        -> list[bytes]:
    """The device takes the image: holds it pending activation (a PPMID / HCALCS activates it) and says so."""
    firmware = state.firmware
    digest = image.hash
    if kind(state).self_activating:
        firmware.previous = firmware.version
        firmware.version = image.version
        payload = alerts.asn1_payload(0x8F8B, now, alerts.octets(bytes.fromhex(image.version)),
                                      alerts.integer(SUCCESS))
        return [alerts.frame(device_id, keys, state, code=0x8F8B, message_code=alerts.CS09, payload=payload,
                             recipient=recipient) for recipient in alerts.recipients(state, 0x8F8B)]
    firmware.pending = PendingImage(digest.hex(), image.version)
    if isinstance(state, (GsmeState, GpfState)):
        payload = alerts.gbz_payload(0x8F72, now, b"\x09" + bytes([len(digest)]) + digest)
        message_code = alerts.FDRA_ZIGBEE
    else:
        payload = alerts.dlms_payload(state, 0x8F72, now, {"type": "octet-string", "hex": digest.hex()})
        message_code = alerts.FDRA_DLMS
    return [alerts.frame(device_id, keys, state, code=0x8F72, message_code=message_code, payload=payload,
                         recipient=recipient) for recipient in alerts.recipients(state, 0x8F72)]


def activation_request(values: list[dict]) -> tuple[str, int, datetime | None, bool]:
    """CS06: (image hash, activation reference, activation time or None for now, cancellation?)."""
    digest = next((v["hex"].lower() for v in values if v["tag"] == "04"), "")
    reference = next((int.from_bytes(bytes.fromhex(v["hex"]), "big") for v in values if v["tag"] == "02"), 0)
    when = next((parse_generalized_time(bytes.fromhex(v["hex"])) for v in values if v["tag"] == "18"), None)
    return digest, reference, when, when is not None and when.year >= CANCELLATION_YEAR


def activate(state: DeviceState, digest: str) -> tuple[int, str]:
    """Run the pending image whose hash is ``digest``: (result, the version now running)."""
    firmware = state.firmware
    pending = firmware.pending
    if pending is None or pending.hash.lower() != digest:
        return FAILURE, firmware.version
    firmware.previous = firmware.version
    firmware.version = pending.version
    firmware.pending = None
    return SUCCESS, firmware.version


def activation_response(result: int, version: str) -> list[dict]:
    return [{"tag": "30", "children": [alerts.integer(result), alerts.octets(bytes.fromhex(version))]}]


def activation_alert(device_id: str, keys: gbcs.KeyStore, state: DeviceState, *, originator: str, when: datetime,
                     reference: int, result: int, version: str) -> bytes:
    """The future-dated firmware activation alert (message code 0x00CA): 0x8F66 on success, else 0x8F67."""
    code = 0x8F66 if result == SUCCESS else 0x8F67
    payload = alerts.asn1_payload(code, when, alerts.integer(reference),
                                  {"tag": "30", "children": [alerts.integer(0 if result == SUCCESS else 2),
                                                             alerts.octets(bytes.fromhex(version))]})
    return alerts.frame(device_id, keys, state, code=code, message_code=alerts.FD_FIRMWARE, payload=payload,
                        recipient=originator)
