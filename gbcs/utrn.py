"""UTRNs: the 20-digit Unique Transaction Reference Numbers of prepayment top-ups (CS01a, CS01b, PCS01).

A UTRN is the PPTD (Prepayment Token Decimal, 19 digits) followed by a check digit. The PPTD is the
64-bit PTUT (Prepayment Top-Up Token) plus 7394156990786306048; the check digit is GBCS's Verhoeff
variant over the 19 PPTD digits. The PTUT, most significant bit first::

    7 bits   zero
    10 bits  the originator counter's bits 32–41 (a top-up counter's low 32 bits are zero)
    2 bits   value class: 00 pennies, 01 pounds
    13 bits  value (0 … 8191)
    32 bits  the last 4 bytes of a 16-byte GCM tag

The tag authenticates ``0x11 00 00 00 00 00 ‖ originator ‖ target ‖ 0x01 ‖ counter (8) ‖ the PTUT's top
32 bits`` with the key the supplier's *prepayment* key-agreement key (``gbcs.keys.PREPAYMENT``) and the
device's key-agreement key agree through the KDF as for a command (other-info mode 0x01, the counter,
the target); the IV is the originator's system title ‖ 00000000.

Supplier side: ``build(value, originator=…, target=…, counter=…, keys=…)``. Device side:
``verify(utrn, originator=…, target=…, keys=…, near=highest_counter_seen)`` gives the ``TopUp`` to credit
(the device still rejects a counter it has already accepted); a device that follows GBCS to the letter
deduces the one counter the UTRN's 10 bits stand for from the highest UTRN counter it holds
(``deduce_counter``, GBCS Table 27) and verifies under that. DCC side (no private key of either party):
``parse`` checks the format and check digit, ``counter_matches`` ties it to a request's counter.
"""
from __future__ import annotations

from dataclasses import dataclass

from gbcs import security
from gbcs.errors import MalformedMessage, UsageError, VerificationError
from gbcs.keys import KEY_AGREEMENT, PREPAYMENT, KeyStore
from gbcs.states import Cra

LENGTH = 20
PPTD_OFFSET = 7394156990786306048
VALUE_BITS = 13
VALUE_CLASS_BITS = 2
COUNTER_BITS = 10
TAG_BYTES = 4
MAX_VALUE = (1 << VALUE_BITS) - 1
VALUE_CLASSES = {"pennies": 0, "pounds": 1}
PENNIES_PER_UNIT = {"pennies": 1, "pounds": 100}
COUNTER_SHIFT = 32              # the counter bits that travel start at bit 32 of the originator counter
COUNTER_FIELD_MASK = (1 << COUNTER_BITS) - 1
_HIGH_BITS = COUNTER_BITS + VALUE_CLASS_BITS + VALUE_BITS
COMMAND_FLAG = security.CRA_FLAGS[Cra.COMMAND]

# GBCS 14.8: the permutation, multiplication and inverse tables of the check digit.
_PERMUTATION = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4), (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7), (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_MULTIPLICATION = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5), (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7), (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3), (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_INVERSE = (1, 2, 6, 7, 5, 8, 3, 0, 9, 4)
_FIRST_PERMUTATION = 4


def check_digit(digits: str) -> str:
    """GBCS's check digit of a string of decimal digits."""
    if not isinstance(digits, str) or not digits.isascii() or not digits.isdigit():
        raise UsageError("a check digit is computed over decimal digits")
    state = 0
    for position, digit in enumerate(digits):
        row = _PERMUTATION[(_FIRST_PERMUTATION + position) % len(_PERMUTATION)]
        state = _MULTIPLICATION[state][row[int(digit)]]
    return str(_INVERSE[state])


@dataclass(frozen=True)
class Utrn:
    """The fields of a UTRN."""

    value: int
    value_class: str            # "pennies" | "pounds"
    counter_field: int          # the originator counter's bits 32–41
    tag: bytes                  # 4 bytes

    @property
    def pennies(self) -> int:
        """The credit the top-up is worth, in pennies."""
        return self.value * PENNIES_PER_UNIT[self.value_class]

    @property
    def high(self) -> int:
        """The PTUT's top 32 bits (what the tag authenticates besides the header fields)."""
        return (self.counter_field << (VALUE_CLASS_BITS + VALUE_BITS)) \
            | (VALUE_CLASSES[self.value_class] << VALUE_BITS) | self.value

    @property
    def ptut(self) -> int:
        return (self.high << (8 * TAG_BYTES)) | int.from_bytes(self.tag, "big")

    @property
    def text(self) -> str:
        pptd = str(PPTD_OFFSET + self.ptut)
        return pptd + check_digit(pptd)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class TopUp:
    """A verified top-up: what to credit, and the full originator counter it was issued under."""

    utrn: Utrn
    counter: int

    @property
    def pennies(self) -> int:
        return self.utrn.pennies


def parse(text: str) -> Utrn:
    """The fields of a UTRN; ``MalformedMessage`` if it is not 20 digits with a valid check digit and a
    well-formed PTUT."""
    if not isinstance(text, str):
        raise MalformedMessage("a UTRN is a string of 20 digits")
    digits = "".join(text.split())
    if len(digits) != LENGTH or not digits.isascii() or not digits.isdigit():
        raise MalformedMessage(f"a UTRN is {LENGTH} decimal digits")
    if check_digit(digits[:-1]) != digits[-1]:
        raise MalformedMessage("the UTRN check digit is wrong")
    ptut = int(digits[:-1]) - PPTD_OFFSET
    if not 0 <= ptut < 1 << (8 * TAG_BYTES + _HIGH_BITS):
        raise MalformedMessage("the UTRN is outside the range of prepayment top-up tokens")
    high = ptut >> (8 * TAG_BYTES)
    value_class = (high >> VALUE_BITS) & ((1 << VALUE_CLASS_BITS) - 1)
    names = {code: name for name, code in VALUE_CLASSES.items()}
    if value_class not in names:
        raise MalformedMessage(f"unknown UTRN value class {value_class:02b}")
    return Utrn(value=high & MAX_VALUE, value_class=names[value_class],
                counter_field=high >> (VALUE_CLASS_BITS + VALUE_BITS),
                tag=(ptut & 0xFFFFFFFF).to_bytes(TAG_BYTES, "big"))


def counter_field(counter: int) -> int:
    """The bits of an originator counter a UTRN carries."""
    return (counter >> COUNTER_SHIFT) & COUNTER_FIELD_MASK


def counter_matches(utrn: Utrn | str, counter: int) -> bool:
    """Whether a UTRN could have been issued under ``counter`` (a request's originator counter)."""
    fields = parse(utrn) if isinstance(utrn, str) else utrn
    return counter % (1 << COUNTER_SHIFT) == 0 and counter_field(counter) == fields.counter_field


def deduce_counter(field: int, highest: int) -> int | None:
    """The originator counter a UTRN's 10 counter bits (``field``) stand for on a device whose highest UTRN
    counter (an originator counter's bits 32–63) is ``highest`` (GBCS Table 27): the counter whose bits
    32–41 are ``field`` and whose UTRN counter lies within 512 of ``highest``. None if that would fall
    outside 0 … 2^32 - 1."""
    if not isinstance(field, int) or not 0 <= field <= COUNTER_FIELD_MASK:
        raise UsageError(f"a UTRN's counter bits are 0 … {COUNTER_FIELD_MASK}, not {field!r}")
    if not isinstance(highest, int) or not 0 <= highest < 1 << 32:
        raise UsageError(f"a UTRN counter is 0 … 2^32 - 1, not {highest!r}")
    low = highest & COUNTER_FIELD_MASK
    half = (COUNTER_FIELD_MASK + 1) // 2
    span = COUNTER_FIELD_MASK + 1
    if field < low - half:
        field += span
    elif field > low + half:
        field -= span
    utrn_counter = highest - low + field
    return utrn_counter << COUNTER_SHIFT if 0 <= utrn_counter < 1 << 32 else None


def _title(value: str, name: str) -> bytes:
    text = value.replace("-", "").upper() if isinstance(value, str) else ""
    if len(text) != 16 or any(c not in "0123456789ABCDEF" for c in text):
        raise UsageError(f"{name} must be an EUI-64 (16 hex digits), not {value!r}")
    return bytes.fromhex(text)


def _check_counter(counter: int) -> None:
    if not isinstance(counter, int) or isinstance(counter, bool) or not 0 <= counter < 1 << 64:
        raise UsageError(f"the originator counter is an integer in 0 … 2^64-1, not {counter!r}")
    if counter % (1 << COUNTER_SHIFT):
        raise UsageError("a top-up counter has its low 32 bits zero: only bits 32–41 travel in the UTRN")


def _key(keys: KeyStore | None, originator: bytes, target: bytes, counter: int) -> bytes:
    """The tag key: the supplier's prepayment key with the device's key-agreement key, either side."""
    if keys is None:
        raise UsageError("a UTRN's tag needs keys: the supplier's prepayment key and the meter's key-agreement key")
    supplier, device = originator.hex().upper(), target.hex().upper()
    info = security.other_info(originator, Cra.COMMAND, counter.to_bytes(8, "big"), target)
    pairs = ((keys.private_key(supplier, PREPAYMENT), lambda: keys.public_key(device, KEY_AGREEMENT)),
             (keys.private_key(device, KEY_AGREEMENT), lambda: keys.public_key(supplier, PREPAYMENT)))
    for private, public in pairs:
        if private is not None and (other := public()) is not None:
            return security.derive_key(private, other, info)
    raise UsageError(f"no prepayment key of {supplier} with a key-agreement key of {device}")


def _tag(keys: KeyStore, originator: bytes, target: bytes, counter: int, high: int) -> bytes:
    aad = (security.MAC_AAD_PREFIX + originator + target + bytes([COMMAND_FLAG]) + counter.to_bytes(8, "big")
           + high.to_bytes(4, "big"))
    return security.gmac(_key(keys, originator, target, counter), originator, aad)[-TAG_BYTES:]


def build(value: int, *, originator: str, target: str, counter: int, keys: KeyStore,
          value_class: str = "pennies") -> str:
    """The UTRN for a top-up of ``value`` (pennies or pounds) from ``originator`` (the supplier) to
    ``target`` (the meter) under the originator counter ``counter``."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_VALUE:
        raise UsageError(f"a top-up value is 0 … {MAX_VALUE}")
    if value_class not in VALUE_CLASSES:
        raise UsageError(f"the value class is one of {', '.join(VALUE_CLASSES)}")
    _check_counter(counter)
    source, destination = _title(originator, "originator"), _title(target, "target")
    fields = Utrn(value, value_class, counter_field(counter), bytes(TAG_BYTES))
    tag = _tag(keys, source, destination, counter, fields.high)
    return Utrn(value, value_class, fields.counter_field, tag).text


def _candidates(field: int, near: int) -> list[int]:
    """Full counters whose bits 32–41 are ``field``, nearest to ``near`` first."""
    base = ((near >> COUNTER_SHIFT) & ~COUNTER_FIELD_MASK) | field
    span = COUNTER_FIELD_MASK + 1
    highs = [base, base + span, base - span]
    return [high << COUNTER_SHIFT for high in highs if 0 <= high < 1 << COUNTER_SHIFT]


def verify(utrn: str, *, originator: str, target: str, keys: KeyStore, counter: int | None = None,
           near: int = 0) -> TopUp:
    """Check a UTRN's tag and give the top-up to credit. The originator counter is ``counter`` if given,
    else the one (of those the UTRN's 10 counter bits allow) nearest ``near`` whose tag verifies.
    ``MalformedMessage`` for a malformed UTRN, ``VerificationError`` if the tag does not authenticate."""
    fields = parse(utrn)
    source, destination = _title(originator, "originator"), _title(target, "target")
    if counter is not None:
        _check_counter(counter)
        if counter_field(counter) != fields.counter_field:
            raise VerificationError("the UTRN was not issued under this counter")
        candidates = [counter]
    else:
        if not isinstance(near, int) or not 0 <= near < 1 << 64:
            raise UsageError("near is an originator counter")
        candidates = _candidates(fields.counter_field, near)
    for candidate in candidates:
        if _tag(keys, source, destination, candidate, fields.high) == fields.tag:
            return TopUp(fields, candidate)
    raise VerificationError("the UTRN does not authenticate for this supplier and meter")
