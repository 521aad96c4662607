"""The user's side of DUIS, for the benchmark, the tests and scripts: prepare, sign and send requests."""
from __future__ import annotations

import threading
import time

from lxml import etree

from dccsim.duis.ids import RequestId, dashed
from dccsim.duis.namespaces import ds, sr
from dccsim.duis.xmldsig import DuisSigner

_COMPACT = etree.XMLParser(remove_blank_text=True, remove_comments=True, resolve_entities=False, no_network=True)


class CounterSource:
    """Strictly increasing RequestID counters that also increase across runs (time-based)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns() // 1000)
            return self._last


COUNTERS = CounterSource()


def prepare(template: bytes, *, originator: str | None = None, target: str | None = None,
            counter: int | None = None) -> etree._Element:
    """Parse a (template) request compactly, drop any signature, and set a fresh RequestID."""
    root = etree.fromstring(template, _COMPACT)
    for signature in root.findall(ds("Signature")):
        root.remove(signature)
    header = root.find(sr("Header"))
    rid_element = header.find(sr("RequestID"))
    current = RequestId.parse(rid_element.text)
    rid = RequestId(originator or current.originator, target or current.target,
                    COUNTERS.next() if counter is None else counter)
    rid_element.text = str(rid)
    return root


def set_body_text(root: etree._Element, local_name: str, value: str) -> None:
    """Set the text of the first body element with this local name (e.g. a DeviceID)."""
    for element in root.find(sr("Body")).iter(sr(local_name)):
        element.text = value
        return
    raise KeyError(local_name)


def request_id_of(root: etree._Element) -> str:
    return root.find(sr("Header")).findtext(sr("RequestID"))


def sign(root: etree._Element, signer: DuisSigner) -> bytes:
    """Compact signed bytes, ready to POST."""
    return signer.sign_to_bytes(root)


def device_request_id(originator: str, device_id: str) -> str:
    return f"{dashed(originator)}:{dashed(device_id)}:{COUNTERS.next()}"


