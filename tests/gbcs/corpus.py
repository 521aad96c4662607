"""The RTDS 4.5.0 GBCS vectors and their keys, for the tests."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from dccsim.smki.credentials import read_folders
from gbcs import StaticKeyStore
from tests.paths import GBCS_RTDS, KEYS_RTDS

ACB = "90B3D51F30000002"
AVAILABLE = GBCS_RTDS.exists() and KEYS_RTDS.exists()


@lru_cache(maxsize=1)
def vectors() -> list[tuple[Path, bytes]]:
    return [(p, bytes.fromhex(p.read_text().strip())) for p in sorted(GBCS_RTDS.glob("*/*.HEX"))]


@lru_cache(maxsize=1)
def rtds_keys() -> StaticKeyStore:
    keys = StaticKeyStore(acb=ACB)
    for credential in read_folders([KEYS_RTDS]).credentials:
        if credential.entity_id and not credential.preparatory:
            keys.add(credential.entity_id, credential.usage.value, public=credential.certificate,
                     private=credential.private_key)
    return keys


def folder_use_case(path: Path) -> str:
    return path.parent.name.split("_", 1)[1]
