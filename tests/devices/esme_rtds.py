"""The RTDS ESME vectors as a yardstick: command / response pairs, their protected data, and shapes."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import gbcs
from gbcs import security
from gbcs._reader import Reader
from gbcs.payload import dlms
from devices import esme_protection as protection
from tests.gbcs.corpus import rtds_keys
from tests.paths import GBCS_RTDS

# The folders of the ESME Service Requests (reads, tariff, top up, clear log, commission, firmware).
SCOPE = re.compile(r"^(4\.[0-9.]+|1\.1\.1|2\.2|3\.3|8\.1\.1|11\.2)_(ECS[0-9a-z]+|CS01a)(Commission)?$")

# Which variant a vector was made against: TWIN vectors a twin element meter, ECS23b a polyphase one, the
# auxiliary controller log an ALCS meter, ECS17c a twin element meter (its answer carries the secondary
# element's power).
def variant_for(name: str) -> str:
    if "TWIN" in name or name.startswith(("ECS17c", "ECS24b")):
        return "B"
    if name.startswith("ECS23b"):
        return "C"
    if name.startswith("ECS15c"):
        return "AD"
    return "A"


@lru_cache(maxsize=None)
def pairs() -> list[tuple[str, Path, Path]]:
    """(folder, command, response) of every successful vector pair in scope."""
    found = []
    for folder in sorted(GBCS_RTDS.glob("*")):
        if not SCOPE.match(folder.name):
            continue
        for command in sorted(folder.glob("*SUCCESS_COMMAND_GBCS.HEX")):
            response = command.with_name(command.name.replace("_COMMAND_", "_RESPONSE_"))
            if response.exists():
                found.append((folder.name, command, response))
    return found


def load(path: Path) -> gbcs.Message:
    return gbcs.decode(bytes.fromhex(path.read_text().strip()), rtds_keys())


def protected_blobs(tree) -> list[bytes]:
    """The protected-data octet strings of get_protected_attributes answers in a response tree."""
    found = []
    for node in tree.get("data", []):
        if node.get("type") == "structure" and len(node.get("items", [])) == 2 \
                and node["items"][0].get("type") == "array" and node["items"][1].get("type") == "octet-string":
            found.append(bytes.fromhex(node["items"][1]["hex"]))
    return found


def plaintexts(message: gbcs.Message) -> list[dict | None]:
    """The decoded protected data of a response: plaintext as it is, ciphertext decrypted with the
    recipient's key (for RTDS vectors, the RTDS organisation keys; for the simulator's, whatever
    ``gbcs.decode`` could decrypt)."""
    keys, found = rtds_keys(), []
    decrypted = [bytes.fromhex(d) for d in message.decrypted if d]
    for blob in protected_blobs(message.payload.tree):
        plain = protection.unseal(blob)
        if plain is None and decrypted:
            plain = decrypted.pop(0)
        if plain is None:
            device = keys.public_key(message.originator, gbcs.KEY_AGREEMENT)
            private = keys.private_key(message.recipient, gbcs.KEY_AGREEMENT)
            if device is not None and private is not None:
                info = security.other_info(bytes.fromhex(message.originator), "encryption", message.counter_bytes,
                                           bytes.fromhex(message.recipient))
                plain = security.decrypt(security.derive_key(private, device, info),
                                         bytes.fromhex(message.originator), blob[5:])
        found.append(dlms.decode_data(Reader(plain)) if plain else None)
    return found


def same_shape(a, b) -> bool:
    """Same data types and nesting; arrays may differ in length (an empty one matches any), compact arrays
    must have the same row description."""
    if a.get("type") != b.get("type"):
        return False
    kind = a["type"]
    if kind == "structure":
        return len(a["items"]) == len(b["items"]) and all(same_shape(i, j) for i, j in zip(a["items"], b["items"]))
    if kind == "array":
        if not a["items"] or not b["items"]:
            return True
        return all(same_shape(i, b["items"][0]) for i in a["items"]) and \
            all(same_shape(a["items"][0], j) for j in b["items"])
    if kind == "compact-array":
        return a["description"] == b["description"]
    return True
