"""Sensitive data: the encrypted parts of GBCS payloads, found, decrypted and built.

Two carriers exist:

* **DLMS protected data** (ESME responses and alerts, e.g. ECS17b, ECS68): in a list of DLMS data values,
  an *array of protection parameters* followed by an *octet string* holding the protected attributes.
  Each protection-parameters element is ``structure { enum protection-type (2: authenticated encryption),
  structure { transaction-id (9: 0x04 ‖ counter), originator system title (8), recipient system title (8),
  other-information (empty), key-info structure { enum 2 (agreed key), structure { key parameters 0x02
  (C(0e, 2s ECC CDH)), key ciphered data (empty) } } } }`` — the transaction id and titles repeat the
  grouping header's; the octet string is ``0x31`` ‖ invocation counter (4) ‖ ciphertext ‖ 12-byte tag.
* **Encrypted GBZ components** (GSME/GPF responses and alerts): a component whose control field has bit
  0x02 carries, after its ZCL frame header, a 2-byte length ‖ ``0x31`` ‖ invocation counter ‖ ciphertext
  ‖ tag.

Both are encrypted by the message's originator for a party and under a counter that the grouping header
gives (``encryption_parties``): the supplementary remote party of the other-information, else the
recipient; the supplementary originator counter, else the message's counter (a response to an unknown
remote party, e.g. ECS21b URP, is encrypted for the supplier the ACB acted for). The key is AES-128 from
ECDH between the two parties' key-agreement keys through the GBCS KDF with the *encryption* other-info
(algorithm id ‖ originator ‖ 0x09 ‖ 0x04 ‖ counter ‖ party); the IV is the originator's system title ‖
invocation counter; the additional data is the security control byte 0x31.

Reading::

    parts = encrypted_parts(message)                    # EncryptedPart per encrypted carrier
    state, plaintexts = decrypt_parts(message, keys)   # a gbcs.Decryption state, and the plaintexts

Building (what a device does when it answers)::

    nodes = dlms_protected_data(plaintext, originator=device, recipient=supplier, counter=n, keys=keys)
    # → [protection-parameters array, protected octet string], to place in a DLMS list of values
    component = gbz_encrypted_component({"control": 0x01, "cluster": 0x0702, "frame_control": 0x18,
                                         "sequence": 0, "command": 1, "payload": zcl_payload.hex()},
                                        originator=device, recipient=supplier, counter=n, keys=keys)

or let ``gbcs.build`` / ``gbcs.encode`` do it: a DLMS value ``{"type": "protected", "plaintext": hex}`` (or
``"data": <DLMS value>``) and a GBZ component with ``"plaintext": hex`` instead of ``"payload"`` are
encrypted for the message's own parties (``seal``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterator

from gbcs import dlms, security
from gbcs.errors import SHAPE_ERRORS, MalformedMessage, UsageError, VerificationError
from gbcs.keys import KEY_AGREEMENT, KeyStore
from gbcs.payload import Payload
from gbcs.states import Decryption

PROTECTION_TYPE_AUTHENTICATED_ENCRYPTION = 2
KEY_INFO_AGREED_KEY = 2
KEY_PARAMETERS_ECC_CDH = bytes([0x02])       # C(0e, 2s ECC CDH)
GBZ_CONTROL_ENCRYPTED = 0x02
GBZ_ADDITIONAL_HEADER = "0000"
GBZ_LENGTH_BYTES = 2
ENCRYPTED_OVERHEAD = security.SECURITY_HEADER_LENGTH + security.TAG_LENGTH
PLACEHOLDER = "protected"
# The supplementary fields of the other-information after the message code (see gbcs.message).
SUPPLEMENTARY_PARTY = slice(0, 8)
SUPPLEMENTARY_ORIGINATOR_COUNTER = slice(16, 24)
WITH_SUPPLEMENTARY_ORIGINATOR_COUNTER = 24


@dataclass(frozen=True)
class EncryptedPart:
    """One encrypted carrier: its parties, transaction id, security header and ciphertext ‖ tag."""

    kind: str                  # "dlms" | "gbz"
    originator: str            # the encrypting party (16 hex digits)
    recipient: str
    transaction_id: bytes      # 9 bytes: 0x04 ‖ counter
    security_header: bytes     # 0x31 ‖ invocation counter
    ciphertext: bytes          # ciphertext ‖ 12-byte tag

    @property
    def invocation_counter(self) -> int:
        return int.from_bytes(self.security_header[1:], "big")


# --- finding -------------------------------------------------------------------------------------

def encrypted_parts(message) -> list[EncryptedPart]:
    """Every encrypted part of a message's payload, in payload order."""
    kind = message.payload.kind
    if kind in ("gbz", "gbz-alert"):
        return [_part("gbz", message, body) for body in _gbz_bodies(message.payload.tree)]
    if kind.startswith("dlms"):
        return [_part("dlms", message, body) for body in _dlms_bodies(message.payload.tree)]
    return []


def encryption_parties(message) -> tuple[str, bytes]:
    """The party a message's encrypted parts are for and the counter they are encrypted under."""
    extra = message.other_info_extra
    recipient = extra[SUPPLEMENTARY_PARTY].hex().upper() if len(extra) >= SUPPLEMENTARY_PARTY.stop \
        else message.recipient
    counter = extra[SUPPLEMENTARY_ORIGINATOR_COUNTER] if len(extra) == WITH_SUPPLEMENTARY_ORIGINATOR_COUNTER \
        else message.counter_bytes
    return recipient, counter


def _gbz_bodies(tree: Any) -> Iterator[bytes]:
    """Security header ‖ ciphertext ‖ tag of each encrypted component (b"" for one that only claims it)."""
    components = tree.get("components", []) if isinstance(tree, dict) else []
    for component in components if isinstance(components, list) else []:
        control = component.get("control") if isinstance(component, dict) else None
        if not isinstance(control, int) or not control & GBZ_CONTROL_ENCRYPTED:
            continue
        raw = _hex(component.get("payload"))
        length = int.from_bytes(raw[:GBZ_LENGTH_BYTES], "big")
        body = raw[GBZ_LENGTH_BYTES:GBZ_LENGTH_BYTES + length]
        yield body if len(raw) >= GBZ_LENGTH_BYTES and len(body) == length and _is_protected(body) else b""


def _part(kind: str, message, body: bytes) -> EncryptedPart:
    recipient, counter = encryption_parties(message)
    return EncryptedPart(kind, message.originator, recipient, security.transaction_id(security.ENCRYPTION, counter),
                         body[:security.SECURITY_HEADER_LENGTH], body[security.SECURITY_HEADER_LENGTH:])


def ciphertexts(payload: Payload) -> Iterator[bytes]:
    """Ciphertext ‖ tag of every encrypted part of a payload, whoever its parties are."""
    if payload.kind in ("gbz", "gbz-alert"):
        for body in _gbz_bodies(payload.tree):
            yield body[security.SECURITY_HEADER_LENGTH:]
    elif payload.kind.startswith("dlms"):
        for body in _dlms_bodies(payload.tree):
            yield body[security.SECURITY_HEADER_LENGTH:]


def _hex(value: Any) -> bytes:
    try:
        return bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        return b""


def _is_protected(raw: bytes) -> bool:
    return len(raw) >= ENCRYPTED_OVERHEAD and raw[0] == security.AUTHENTICATED_ENCRYPTED


def _lists(node: Any) -> list[list]:
    """Every list in a JSON tree, outermost first (depth first, in document order)."""
    found: list[list] = []
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, list):
            found.append(current)
            children = [item for item in current if isinstance(item, (dict, list))]
        elif isinstance(current, dict):
            children = [value for value in current.values() if isinstance(value, (dict, list))]
        else:
            continue
        children.reverse()
        pending.extend(children)
    return found


def _octets(node: Any) -> bytes | None:
    if isinstance(node, dict) and node.get("type") == "octet-string" and isinstance(node.get("hex"), str):
        return _hex(node["hex"])
    return None


def _is_protection_parameters(node: Any) -> bool:
    """Whether a DLMS value is an array of one authenticated-encryption protection-parameters element."""
    if not (isinstance(node, dict) and node.get("type") == "array" and len(node.get("items") or ()) == 1):
        return False
    element = node["items"][0]
    if not (isinstance(element, dict) and element.get("type") == "structure" and len(element.get("items") or ()) == 2):
        return False
    kind, options = element["items"]
    if not (isinstance(kind, dict) and kind.get("type") == "enum"
            and kind.get("value") == PROTECTION_TYPE_AUTHENTICATED_ENCRYPTION):
        return False
    if not (isinstance(options, dict) and options.get("type") == "structure" and len(options.get("items") or ()) >= 3):
        return False
    transaction, originator, recipient = (_octets(item) for item in options["items"][:3])
    return (transaction is not None and len(transaction) == security.TRANSACTION_ID_LENGTH
            and originator is not None and len(originator) == security.SYSTEM_TITLE_LENGTH
            and recipient is not None and len(recipient) == security.SYSTEM_TITLE_LENGTH)


def _dlms_bodies(tree: Any) -> Iterator[bytes]:
    """Security header ‖ ciphertext ‖ tag of each protected octet string that follows protection parameters."""
    for values in _lists(tree):
        for parameters, data in zip(values, values[1:]):
            raw = _octets(data) if _is_protection_parameters(parameters) else None
            if raw is not None and _is_protected(raw):
                yield raw


# --- keys and decryption -------------------------------------------------------------------------

def agreed_key(keys: KeyStore | None, originator: str, recipient: str, info: bytes) -> bytes | None:
    """The key two parties agree for ``info``, from whichever side's private key ``keys`` holds."""
    if keys is None:
        return None
    for mine, theirs in ((originator, recipient), (recipient, originator)):
        private = keys.private_key(mine, KEY_AGREEMENT)
        public = keys.public_key(theirs, KEY_AGREEMENT) if private is not None else None
        if public is not None:
            return security.derive_key(private, public, info)
    return None


def part_key(part: EncryptedPart, keys: KeyStore | None) -> bytes | None:
    info = security.other_info_for(bytes.fromhex(part.originator), part.transaction_id, bytes.fromhex(part.recipient))
    return agreed_key(keys, part.originator, part.recipient, info)


def decrypt_part(part: EncryptedPart, keys: KeyStore | None) -> bytes | None:
    """The plaintext of one part, or None without the keys to decrypt it; a tag that does not
    authenticate raises ``VerificationError``."""
    key = part_key(part, keys)
    if key is None:
        return None
    plaintext = security.decrypt(key, bytes.fromhex(part.originator), part.ciphertext, part.invocation_counter)
    if plaintext is None:
        raise VerificationError(f"an encrypted {part.kind} part from {part.originator} does not authenticate")
    return plaintext


def decrypt_parts(message, keys: KeyStore | None) -> tuple[Decryption, tuple[bytes, ...]]:
    """The decryption state of a message and, if every part decrypted, the plaintexts in payload order."""
    parts = encrypted_parts(message)
    if not parts:
        return Decryption.ABSENT, ()
    plaintexts, unchecked = [], False
    for part in parts:
        key = part_key(part, keys)
        if key is None:
            unchecked = True
            continue
        plaintext = security.decrypt(key, bytes.fromhex(part.originator), part.ciphertext, part.invocation_counter)
        if plaintext is None:
            return Decryption.FAILED, ()
        plaintexts.append(plaintext)
    if unchecked:
        return Decryption.UNCHECKED, ()
    return Decryption.DECRYPTED, tuple(plaintexts)


# --- building ------------------------------------------------------------------------------------

def _counter_bytes(counter: int | bytes) -> bytes:
    if isinstance(counter, bytes):
        if len(counter) != 8:
            raise UsageError("an originator counter is 8 bytes")
        return counter
    if not isinstance(counter, int) or isinstance(counter, bool) or not 0 <= counter < 1 << 64:
        raise UsageError(f"an originator counter is an integer in 0 … 2^64-1, not {counter!r}")
    return counter.to_bytes(8, "big")


def _title(value: str, name: str) -> str:
    text = value.replace("-", "").upper() if isinstance(value, str) else ""
    if len(text) != 16 or any(c not in "0123456789ABCDEF" for c in text):
        raise UsageError(f"{name} must be an EUI-64 (16 hex digits), not {value!r}")
    return text


def protect(plaintext: bytes, *, originator: str, recipient: str, counter: int | bytes, keys: KeyStore,
            invocation_counter: int = 0) -> bytes:
    """``0x31`` ‖ invocation counter ‖ ciphertext ‖ tag: ``plaintext`` encrypted by ``originator`` for
    ``recipient`` under the transaction (encryption, ``counter``) — for a message, the party and counter
    of ``encryption_parties``."""
    if not isinstance(plaintext, bytes):
        raise UsageError("the plaintext must be bytes")
    if not isinstance(invocation_counter, int) or not 0 <= invocation_counter < 1 << 32:
        raise UsageError("the invocation counter is a 4-byte unsigned integer")
    originator, recipient = _title(originator, "originator"), _title(recipient, "recipient")
    transaction = security.transaction_id(security.ENCRYPTION, _counter_bytes(counter))
    part = EncryptedPart("", originator, recipient, transaction,
                         bytes([security.AUTHENTICATED_ENCRYPTED]) + invocation_counter.to_bytes(4, "big"), b"")
    key = part_key(part, keys)
    if key is None:
        raise UsageError(f"no key-agreement keys to encrypt from {originator} to {recipient}")
    return part.security_header + security.encrypt(key, bytes.fromhex(originator), plaintext, invocation_counter)


def dlms_protection_parameters(*, originator: str, recipient: str, counter: int | bytes) -> dict[str, Any]:
    """The protection-parameters array of DLMS protected data (authenticated encryption, agreed key)."""
    transaction = security.transaction_id(security.ENCRYPTION, _counter_bytes(counter))

    def octets(raw: bytes) -> dict[str, Any]:
        return {"type": "octet-string", "hex": raw.hex()}

    key_info = {"type": "structure", "items": [
        {"type": "enum", "value": KEY_INFO_AGREED_KEY},
        {"type": "structure", "items": [octets(KEY_PARAMETERS_ECC_CDH), octets(b"")]}]}
    options = {"type": "structure", "items": [
        octets(transaction), octets(bytes.fromhex(_title(originator, "originator"))),
        octets(bytes.fromhex(_title(recipient, "recipient"))), octets(b""), key_info]}
    element = {"type": "structure", "items": [
        {"type": "enum", "value": PROTECTION_TYPE_AUTHENTICATED_ENCRYPTION}, options]}
    return {"type": "array", "items": [element]}


def dlms_protected_data(plaintext: bytes | dict[str, Any], *, originator: str, recipient: str,
                        counter: int | bytes, keys: KeyStore, key_party: str | None = None,
                        key_counter: int | bytes | None = None, invocation_counter: int = 0) -> list[dict[str, Any]]:
    """[protection-parameters array, protected octet string] for ``plaintext`` (bytes, or a DLMS value
    that is A-XDR encoded first) — the two values DLMS protected data takes in a list of values. The
    parameters name the message's ``originator``, ``recipient`` and ``counter``; the data is encrypted for
    ``key_party`` under ``key_counter`` when the message names a supplementary remote party (see
    ``encryption_parties``), else for the recipient under the counter."""
    if isinstance(plaintext, dict):
        plaintext = dlms.encode_data(plaintext)
    protected = protect(plaintext, originator=originator, recipient=key_party or recipient,
                        counter=counter if key_counter is None else key_counter, keys=keys,
                        invocation_counter=invocation_counter)
    return [dlms_protection_parameters(originator=originator, recipient=recipient, counter=counter),
            {"type": "octet-string", "hex": protected.hex()}]


def gbz_encrypted_component(component: dict[str, Any], *, originator: str, recipient: str, counter: int | bytes,
                            keys: KeyStore, invocation_counter: int = 0) -> dict[str, Any]:
    """An encrypted GBZ component from a plain one: its ZCL payload (``"payload"`` or ``"plaintext"``,
    hex) is encrypted, the control field gets bit 0x02 and the additional header replaces any
    from-date-time."""
    if not isinstance(component, dict):
        raise UsageError("a GBZ component is a dict")
    control, cluster = component.get("control"), component.get("cluster")
    if not isinstance(control, int) or isinstance(control, bool) or not 0 <= control <= 0xFF \
            or not isinstance(cluster, int) or isinstance(cluster, bool):
        raise UsageError("a GBZ component to encrypt needs its control field (a byte) and cluster id")
    text = component.get("plaintext", component.get("payload"))
    try:
        plaintext = bytes.fromhex(text)
    except (TypeError, ValueError) as exc:
        raise UsageError("a GBZ component to encrypt needs its ZCL payload as hex") from exc
    protected = protect(plaintext, originator=originator, recipient=recipient, counter=counter, keys=keys,
                        invocation_counter=invocation_counter)
    if len(protected) >= 1 << (8 * GBZ_LENGTH_BYTES):
        raise UsageError("a GBZ component's encrypted payload is limited to 65535 bytes")
    rest = {key: value for key, value in component.items()
            if key not in ("control", "cluster", "additional_header", "plaintext", "payload", "from_date_time")}
    return {"control": control | GBZ_CONTROL_ENCRYPTED, "cluster": cluster,
            "additional_header": component.get("additional_header", GBZ_ADDITIONAL_HEADER), **rest,
            "payload": (len(protected).to_bytes(GBZ_LENGTH_BYTES, "big") + protected).hex()}


def seal(message, keys: KeyStore | None):
    """The message with every plaintext placeholder of its payload encrypted for its own parties (the
    message itself when it has none)."""
    try:
        return _seal(message, keys)
    except RecursionError as exc:
        raise UsageError("the payload is nested too deeply") from exc


def _seal(message, keys: KeyStore | None):
    payload = message.payload
    if payload.kind in ("gbz", "gbz-alert") and isinstance(payload.tree, dict):
        components = payload.tree.get("components")
        if not isinstance(components, list) or not any(isinstance(c, dict) and "plaintext" in c for c in components):
            return message
        recipient, counter = encryption_parties(message)
        sealed = [gbz_encrypted_component(c, originator=message.originator, recipient=recipient, counter=counter,
                                          keys=_needed(keys))
                  if isinstance(c, dict) and "plaintext" in c else c for c in components]
        return replace(message, payload=Payload(payload.kind, {**payload.tree, "components": sealed}))
    if payload.kind.startswith("dlms"):
        tree = _seal_dlms(payload.tree, message, keys)
        if tree is not payload.tree:
            return replace(message, payload=Payload(payload.kind, tree))
    return message


def _needed(keys: KeyStore | None) -> KeyStore:
    if keys is None:
        raise UsageError("keys are needed to encrypt the payload's protected data")
    return keys


def _is_placeholder(node: Any) -> bool:
    return isinstance(node, dict) and node.get("type") == PLACEHOLDER


def _seal_dlms(node: Any, message, keys: KeyStore | None) -> Any:
    """``node`` with the placeholders in its lists encrypted: a list or dict that holds none, however deep, is
    returned as it is (the same object), one that does is copied with its sealed parts."""
    if isinstance(node, list):
        out: list[Any] | None = None
        for index, item in enumerate(node):
            if _is_placeholder(item):
                if out is None:
                    out = node[:index]
                out.extend(_sealed_placeholder(item, message, _needed(keys)))
                continue
            sealed = _seal_dlms(item, message, keys) if isinstance(item, (dict, list)) else item
            if sealed is not item and out is None:
                out = node[:index]
            if out is not None:
                out.append(sealed)
        return node if out is None else out
    if isinstance(node, dict):
        changed: dict[Any, Any] | None = None
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                sealed = _seal_dlms(value, message, keys)
                if sealed is not value:
                    if changed is None:
                        changed = dict(node)
                    changed[key] = sealed
        return node if changed is None else changed
    return node


def _sealed_placeholder(item: dict[str, Any], message, keys: KeyStore) -> list[dict[str, Any]]:
    plaintext = item.get("data")
    if plaintext is None:
        try:
            plaintext = bytes.fromhex(item["plaintext"])
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError('a "protected" value needs "plaintext" (hex) or "data" (a DLMS value)') from exc
    party, counter = encryption_parties(message)
    return dlms_protected_data(plaintext, originator=message.originator, recipient=message.recipient,
                               counter=message.counter, keys=keys, key_party=party, key_counter=counter)


# --- asking for sensitive data: get_protected_attributes (COSEM class 30, method 1) ---------------------

TRANSACTION_PREFIX = 0x04           # the KDF message kind "encryption"


@dataclass(frozen=True)
class AttributeDescriptor:
    """One attribute a get_protected_attributes call asks for, with its date restriction (a DLMS node)."""

    cls: int
    obis: str
    attribute: int
    restriction: dict[str, Any] | None = None


@dataclass(frozen=True)
class ProtectionParameters:
    """The protection parameters of a call: transaction id, the two system titles, other information and
    the key information (a DLMS node)."""

    transaction_id: bytes
    originator: bytes
    recipient: bytes
    other_information: bytes
    key_info: dict[str, Any]


def transaction_id(counter: int) -> bytes:
    """The transaction id of protected data: 0x04 ‖ the 8-byte originator counter."""
    return bytes([TRANSACTION_PREFIX]) + counter.to_bytes(8, "big")


def agreed_key_info() -> dict[str, Any]:
    """Key information of GBCS protected data: an agreed key (C(0e, 2s ECC CDH)), no ciphered key."""
    return dlms.structure(dlms.enum(KEY_INFO_AGREED_KEY),
                          dlms.structure(dlms.octets(KEY_PARAMETERS_ECC_CDH), dlms.octets("")))


def date_restriction(start_hex: str, end_hex: str) -> dict[str, Any]:
    """A restriction by date range (two DLMS date-times, hex)."""
    return dlms.structure(dlms.enum(1), dlms.structure(dlms.octets(start_hex), dlms.octets(end_hex)))


def protection_parameters_node(protection: ProtectionParameters) -> dict[str, Any]:
    return dlms.structure(dlms.enum(PROTECTION_TYPE_AUTHENTICATED_ENCRYPTION), dlms.structure(
        dlms.octets(protection.transaction_id), dlms.octets(protection.originator),
        dlms.octets(protection.recipient), dlms.octets(protection.other_information), protection.key_info))


def protected_attributes_request(descriptors: list[AttributeDescriptor],
                                 protection: ProtectionParameters) -> dict[str, Any]:
    """The parameters of a get_protected_attributes call (the command side)."""
    items = []
    for d in descriptors:
        restriction = d.restriction if d.restriction is not None else dlms.structure(dlms.enum(0), dlms.null())
        items.append(dlms.structure(dlms.long_unsigned(d.cls), dlms.octets(d.obis), dlms.integer(d.attribute),
                                    dlms.long_unsigned(0), restriction))
    return dlms.structure(dlms.array(items), dlms.array([protection_parameters_node(protection)]))


def read_protected_attributes_request(node: dict[str, Any]) \
        -> tuple[list[AttributeDescriptor], list[ProtectionParameters]]:
    """The attribute descriptors and protection parameters of a call; ``MalformedMessage`` for a node that
    does not read as one."""
    if node.get("type") != "structure" or len(node.get("items", [])) != 2:
        raise MalformedMessage("get_protected_attributes takes a structure of descriptors and protection parameters")
    descriptors_node, parameters_node = node["items"]
    try:
        descriptors = []
        for item in descriptors_node.get("items", []):
            cls, obis, attribute, _index, restriction = item["items"]
            restricted = restriction.get("type") == "structure" and restriction["items"][0].get("value", 0) != 0
            descriptors.append(AttributeDescriptor(cls["value"], obis["hex"].upper(), attribute["value"],
                                                   restriction if restricted else None))
        parameters = []
        for item in parameters_node.get("items", []):
            options = item["items"][1]["items"]
            parameters.append(ProtectionParameters(
                bytes.fromhex(options[0]["hex"]), bytes.fromhex(options[1]["hex"]), bytes.fromhex(options[2]["hex"]),
                bytes.fromhex(options[3]["hex"]), options[4]))
    except SHAPE_ERRORS as exc:
        raise MalformedMessage(f"get_protected_attributes parameters that do not read ({exc!r})") from exc
    return descriptors, parameters
