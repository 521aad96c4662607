"""The RTDS 4.5.0 GBCS vectors and their keys, for the tests."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import gbcs
from dccsim.smki.credentials import read_folders
from gbcs import StaticKeyStore
from tests.paths import GBCS_RTDS, KEYS_RTDS

ACB = "90B3D51F30000002"
SUPPLIER = "90B3D51F30010000"
AVAILABLE = GBCS_RTDS.exists() and KEYS_RTDS.exists()


@lru_cache(maxsize=1)
def vectors() -> list[tuple[Path, bytes]]:
    return [(p, bytes.fromhex(p.read_text().strip())) for p in sorted(GBCS_RTDS.glob("*/*.HEX"))]


@lru_cache(maxsize=1)
def rtds_keys() -> StaticKeyStore:
    """Every RTDS credential; a supplier's "-pp-" key-agreement key is its prepayment (UTRN) key."""
    keys = StaticKeyStore(acb=ACB)
    for credential in read_folders([KEYS_RTDS]).credentials:
        if not credential.entity_id:
            continue
        keys.add(credential.entity_id, credential.usage.value, public=credential.certificate,
                 private=credential.private_key)
    return keys


@lru_cache(maxsize=1)
def decoded() -> list[tuple[Path, bytes, gbcs.Message]]:
    keys = rtds_keys()
    return [(path, data, gbcs.decode(data, keys)) for path, data in vectors()]


def folder_use_case(path: Path) -> str:
    return path.parent.name.split("_", 1)[1]
