"""The RTDS ESME vectors as a yardstick: command / response pairs, their protected data, and shapes."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import gbcs
from gbcs import dlms
from tests.gbcs.corpus import rtds_keys
from tests.paths import GBCS_RTDS

# The folders of the ESME Service Requests (reads, tariff, top up, clear log, commission, firmware).
SCOPE = re.compile(r"^(4\.[0-9.]+|1\.1\.1|2\.2|3\.3|8\.1\.1|11\.2)_(ECS[0-9a-z]+|CS01a)(Commission)?$")
# The device-configuration use cases (DUIS 6.x) the ESME serves.
CONFIGURATION_SCOPE = re.compile(
    r"^6\.[0-9.]+_(ECS2[5689][a-z0-9]*|ECS3[047]|ECS35[abefg]|ECS39[ab]|ECS40|ECS46[acd]|ECS48|ECS57|ECS70|ECS81)$")

# Which variant a vector was made against: TWIN vectors a twin element meter, ECS23b a polyphase one, the
# auxiliary controller log an ALCS meter, ECS17c a twin element meter (its answer carries the secondary
# element's power).
def variant_for(name: str) -> str:
    if "TWIN" in name or name.startswith(("ECS17c", "ECS24b")):
        return "B"
    if name.startswith(("ECS23b", "ECS26k", "ECS29b", "ECS29d", "ECS29f")):
        return "C"
    if name.startswith(("ECS15c", "ECS35f", "ECS46a", "ECS46c")) or name.startswith("ECS46d") and "ALCS" in name:
        return "AD"
    if name.startswith(("ECS35g", "ECS46d")):
        return "ADF"
    return "A"


@lru_cache(maxsize=None)
def pairs() -> list[tuple[str, Path, Path]]:
    """(folder, command, response) of every successful vector pair in scope."""
    found = []
    for folder in sorted(GBCS_RTDS.glob("*")):
        if not (SCOPE.match(folder.name) or CONFIGURATION_SCOPE.match(folder.name)):
            continue
        for command in sorted(folder.glob("*SUCCESS_COMMAND_GBCS.HEX")):
            response = command.with_name(command.name.replace("_COMMAND_", "_RESPONSE_"))
            if response.exists():
                found.append((folder.name, command, response))
    return found


def load(path: Path) -> gbcs.Message:
    return gbcs.decode(bytes.fromhex(path.read_text().strip()), rtds_keys())


def plaintexts(message: gbcs.Message) -> list[dict | None]:
    """The decoded protected data of a response (None for each part that could not be decrypted)."""
    parts = gbcs.protection.encrypted_parts(message)
    if message.verification.decryption != "decrypted":
        return [None] * len(parts)
    return [dlms.decode_data(bytes.fromhex(p)) for p in message.decrypted]


def respond(command: gbcs.Message, answer: dict, keys) -> gbcs.Message:
    """The response message a device builds from its answer (protected data encrypted), decoded again."""
    frame = gbcs.build(cra="response", counter=command.counter, originator=command.recipient,
                       recipient=command.originator, message_code=command.message_code,
                       payload=gbcs.Payload("dlms-access-response", answer), keys=keys,
                       other_info_extra=command.other_info_extra)
    return gbcs.decode(frame, keys)


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
