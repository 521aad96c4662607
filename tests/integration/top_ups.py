"""Top-ups as a supplier issues them to dccsim's meters: its prepayment key and the meter's key-agreement
certificate come from ``dccsim keys export`` run against the simulator's database, and the UTRN is built
with them (``gbcs.utrn.build``, what ``dccsim gbcs utrn`` prints)."""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import gbcs
from dccsim.smki.credentials import read_folders


async def exported_keys(running, folder: Path) -> Path:
    """The simulator's keys as ``dccsim keys export`` writes them (the command run on its database)."""
    keys = folder / "keys"
    env = {**os.environ, "DCCSIM_DATABASE_URL": running.sim.settings.database_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "dccsim", "--data-dir", str(folder / "data"), "keys", "export", str(keys),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    assert b"wrote" in out
    return keys


def supplier_keys(folder: Path) -> gbcs.StaticKeyStore:
    """What a supplier issues UTRNs with: the prepayment private keys and the meters' key-agreement certificates
    of an exported keystore."""
    keys = gbcs.StaticKeyStore()
    for credential in read_folders([folder]).credentials:
        usage = credential.usage.value
        if usage == gbcs.PREPAYMENT and credential.private_key is not None:
            keys.add(credential.entity_id, usage, private=credential.private_key)
        elif usage == gbcs.KEY_AGREEMENT and credential.is_device:
            keys.add(credential.entity_id, usage, public=credential.certificate)
    return keys


def issue(keys: gbcs.StaticKeyStore, value: int, *, supplier: str, meter: str, utrn_counter: int,
          value_class: str = "pennies") -> str:
    """The UTRN ``supplier`` issues to ``meter`` under the UTRN counter ``utrn_counter``."""
    return gbcs.utrn.build(value, originator=supplier, target=meter, counter=utrn_counter << 32, keys=keys,
                           value_class=value_class)
