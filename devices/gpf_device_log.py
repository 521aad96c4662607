"""The Gas Proxy Function's device log (GBCS 13.8): the devices the GPF serves on the HAN, each with its GBCS
device type (GSME 0, PPMID 5, …), held as the GPF's joined devices.

It changes when a device joins or leaves the GPF (CS03 / CS04) and when GCS59 restores it; every change raises
GCS62 (alert 0x8071, Backup GPF Device Log) to the Access Control Broker carrying the whole log, which the DCC
keeps as the backup 8.12.2 restores from. GCS59 answers each restored entry with its join outcome.
"""
from __future__ import annotations

from datetime import datetime

from devices import alerts
from devices.state import GpfState, JoinedDevice

BACKUP_ALERT = 0x8071
SUCCESS = 0


def _seq(*children: dict) -> dict:
    return {"tag": "30", "children": list(children)}


def _entry(entry: JoinedDevice) -> dict:
    return _seq(alerts.octets(bytes.fromhex(entry.device_id)), alerts.integer(entry.join_type))


def entries_of(nodes: list) -> list[JoinedDevice]:
    """The (device id, device type) entries of a GCS59 command or GCS62 alert's SEQUENCE OF entries."""
    found = []
    for node in nodes:
        parts = node.get("children") or []
        ids = [p["hex"].upper() for p in parts if p.get("tag") == "04" and len(p.get("hex", "")) == 16]
        types = [int(p["hex"], 16) for p in parts if p.get("tag") == "02"]
        if ids and types:
            found.append(JoinedDevice(ids[0], types[0]))
    return found


def restore(state: GpfState, nodes: list) -> list[dict]:
    """GCS59: the device log becomes the entries the command carries; each is answered with its outcome."""
    top = nodes[0].get("children", []) if nodes else []
    restored = entries_of(top[0].get("children", [])) if top else []
    state.joined = restored
    return [_seq(_seq(*[_seq(_entry(e), alerts.integer(SUCCESS)) for e in restored]))]


def backup_alert(state: GpfState, now: datetime) -> dict:
    """GCS62: the alert spec carrying the whole device log, for the Access Control Broker."""
    payload = alerts.asn1_payload(BACKUP_ALERT, now, _seq(*[_entry(e) for e in state.joined]))
    return {"code": BACKUP_ALERT, "message_code": alerts.GCS62, "payload": payload}
