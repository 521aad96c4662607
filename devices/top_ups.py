"""How a meter accepts a UTRN (CS01a on an ESME, CS01b on a GSME): the checks of GBCS section 14 before any
credit is applied, one place for both meters.

A UTRN is accepted when

1. it is 20 digits with a valid check digit and a well-formed prepayment top-up token (``gbcs.utrn.parse``);
2. its tag authenticates it for this meter (``gbcs.utrn.verify``): under the key the meter's own
   key-agreement key agrees with the supplier's prepayment key in the meter's prepayment trust-anchor cell
   (the Supplier's key-agreement cell whose cell usage is prepaymentTopUp). The originator is that cell's
   entity — a UTRN keyed in at the meter has no command around it. The originator counter it was issued
   under is the command's when the command came from that supplier with a counter whose low 32 bits are zero
   and whose bits 32–41 are the UTRN's (every RTDS top-up is issued so); else the one GBCS Table 27 deduces
   from the highest UTRN counter the meter holds (``gbcs.utrn.deduce_counter``);
3. its UTRN counter (the originator counter's bits 32–63) passes the counter rule: the meter keeps the UTRN
   counters of the last 100 top-ups it accepted (the UTRN counter cache of GBCS 14.1, full of zeros when
   the meter is new) and refuses a counter that is in the cache (the UTRN was used) or not above the
   lowest one in it (stale: too old to be told apart from one used before the cache forgot it).

``check`` says whether and why not; the meter applies the credit (within its own limits) and then
``record``s the counter. The cache lives in the meter's state (``PrepaymentMeter.utrn_counters``).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

import gbcs
import gbcs.utrn
from devices import trust_anchors
from devices.state import PrepaymentMeter, Role

CACHE_SIZE = 100
PREPAYMENT_CELL = (Role.SUPPLIER, gbcs.KeyUsage.PREPAYMENT)
COUNTER_BITS = gbcs.utrn.COUNTER_SHIFT

# GBCS event codes the meters log a refused UTRN with.
DUPLICATE_UTRN = 0x8F51
UTRN_NOT_AUTHENTIC = 0x8F63


class Refusal(str, enum.Enum):
    """Why a meter refuses a UTRN."""

    MALFORMED = "malformed"             # not 20 digits, a wrong check digit, not a top-up token
    NOT_AUTHENTIC = "not authentic"     # the tag does not verify (or the meter holds no prepayment cell)
    DUPLICATE = "duplicate"             # its counter is in the UTRN counter cache
    STALE = "stale"                     # its counter is not above the lowest in the cache

    @property
    def event(self) -> int:
        return UTRN_NOT_AUTHENTIC if self in (Refusal.MALFORMED, Refusal.NOT_AUTHENTIC) else DUPLICATE_UTRN


@dataclass(frozen=True)
class Entry:
    """Where a UTRN is entered: the meter (its id and the keys it works with, a ``gbcs.KeyStore``) and, for a
    UTRN that came in a command, the command's originator and originator counter."""

    device_id: str
    keys: gbcs.KeyStore | None = None
    originator: str | None = None
    counter: int | None = None


@dataclass(frozen=True)
class Verdict:
    """A UTRN checked: the top-up to credit, or why it is refused."""

    top_up: gbcs.utrn.TopUp | None = None
    refusal: Refusal | None = None

    @property
    def accepted(self) -> bool:
        return self.top_up is not None

    @property
    def pennies(self) -> int:
        return self.top_up.pennies if self.top_up is not None else 0


def cache(state: PrepaymentMeter) -> list[int]:
    """The UTRN counters of the top-ups the meter accepted last (at most ``CACHE_SIZE``)."""
    return list(state.utrn_counters)


def lowest(state: PrepaymentMeter) -> int:
    """The lowest UTRN counter in the cache (zero until a hundred top-ups filled it)."""
    held = cache(state)
    return min(held) if len(held) >= CACHE_SIZE else 0


def highest(state: PrepaymentMeter) -> int:
    """The highest UTRN counter in the cache (zero on a new meter): what a UTRN's 10 counter bits are read near."""
    return max(cache(state), default=0)


def supplier_of(state: PrepaymentMeter) -> str | None:
    """The entity of the meter's prepayment trust-anchor cell."""
    found = trust_anchors.cell(state, *PREPAYMENT_CELL)
    return found.entity if found else None


def _counters(fields: gbcs.utrn.Utrn, entry: Entry, supplier: str, state: PrepaymentMeter) -> list[int]:
    """The originator counters the UTRN may have been issued under, in the order they are tried."""
    found = []
    command = entry.counter
    if entry.originator is not None and entry.originator.upper() == supplier and isinstance(command, int) \
            and gbcs.utrn.counter_matches(fields, command):
        found.append(command)
    deduced = gbcs.utrn.deduce_counter(fields.counter_field, highest(state))
    if deduced is not None and deduced not in found:
        found.append(deduced)
    return found


def check(state: PrepaymentMeter, utrn: str, entry: Entry) -> Verdict:
    """Whether the meter whose device state is ``state`` accepts ``utrn`` entered through ``entry``."""
    try:
        fields = gbcs.utrn.parse(utrn)
    except gbcs.GbcsError:
        return Verdict(refusal=Refusal.MALFORMED)
    supplier = supplier_of(state)
    if supplier is None or entry.keys is None:
        return Verdict(refusal=Refusal.NOT_AUTHENTIC)
    for counter in _counters(fields, entry, supplier, state):
        try:
            top_up = gbcs.utrn.verify(utrn, originator=supplier, target=entry.device_id, keys=entry.keys,
                                      counter=counter)
        except gbcs.VerificationError:
            continue
        except gbcs.UsageError:         # the meter lacks a key the tag needs
            break
        utrn_counter = top_up.counter >> COUNTER_BITS
        if utrn_counter in cache(state):
            return Verdict(refusal=Refusal.DUPLICATE)
        if utrn_counter <= lowest(state):
            return Verdict(refusal=Refusal.STALE)
        return Verdict(top_up=top_up)
    return Verdict(refusal=Refusal.NOT_AUTHENTIC)


def record(state: PrepaymentMeter, top_up: gbcs.utrn.TopUp) -> None:
    """Keep an accepted top-up's UTRN counter in the cache (the lowest leaves a full cache)."""
    held = cache(state) + [top_up.counter >> COUNTER_BITS]
    if len(held) > CACHE_SIZE:
        held.remove(min(held))
    state.utrn_counters = held
