"""Simulated consumption: what flows through a meter in each half hour, as pure functions of time.

Every quantity is a deterministic function of the device's seed and the half-hour slot (UTC seconds since
2000 // 1800), so registers can advance with it and any past profile can be recomputed without storing
it. A household uses about 10 kWh a day with morning and evening peaks; a twin element meter's secondary
element heats storage overnight; a little solar generation is exported around midday; voltage wanders
around 240 V.
"""
from __future__ import annotations

SLOT = 1800                    # seconds in a half hour
SLOTS_PER_DAY = 48
DAY = 86400

# Relative load of each half hour of the day (00:00 .. 23:30), averaging 1.0.
_SHAPE = (
    0.55, 0.50, 0.48, 0.46, 0.45, 0.45, 0.46, 0.48, 0.50, 0.55, 0.60, 0.70, 0.95, 1.35, 1.55, 1.45,
    1.20, 1.00, 0.90, 0.85, 0.85, 0.90, 0.95, 1.00, 0.95, 0.90, 0.85, 0.85, 0.90, 1.00, 1.20, 1.45,
    1.75, 1.95, 2.00, 1.90, 1.70, 1.50, 1.35, 1.25, 1.15, 1.05, 0.95, 0.85, 0.75, 0.68, 0.62, 0.58,
)
_NORM = SLOTS_PER_DAY / sum(_SHAPE)
MEAN_IMPORT_WH = 208           # per half hour: ~10 kWh a day


def _mix(*values: int) -> int:
    """A 32-bit hash of integers. Python hashes tuples of ints the same in every process (only strings and
    bytes are salted), so the consumption of a half hour never changes between runs."""
    return hash(values) & 0xFFFFFFFF


def _unit(*values: int) -> float:
    """A uniform number in [0, 1) from the hash of the values."""
    return _mix(*values) / 4294967296.0


def seed_of(device_id: str | None) -> int:
    return int(device_id, 16) & 0xFFFFFFFF if device_id else 0x5EED


def _day_factor(seed: int, day: int) -> float:
    return 0.8 + 0.4 * _unit(seed, day, 1)


def import_wh(seed: int, slot: int) -> int:
    """Active import of the primary element in one half hour (Wh)."""
    day, part = divmod(slot, SLOTS_PER_DAY)
    noise = 0.85 + 0.3 * _unit(seed, slot, 2)
    return int(MEAN_IMPORT_WH * _SHAPE[part] * _NORM * _day_factor(seed, day) * noise)


def secondary_wh(seed: int, slot: int) -> int:
    """Active import of a twin element meter's secondary element: storage heating from 00:30 to 07:00."""
    day, part = divmod(slot, SLOTS_PER_DAY)
    if 1 <= part < 14:
        return int(700 * _day_factor(seed, day) * (0.9 + 0.2 * _unit(seed, slot, 3)))
    return int(10 * _unit(seed, slot, 4))


def reactive_import_varh(seed: int, slot: int) -> int:
    return import_wh(seed, slot) // 4


def export_wh(seed: int, slot: int) -> int:
    """Active export (solar generation) in one half hour: 08:00 to 17:00, peaking at 12:30."""
    day, part = divmod(slot, SLOTS_PER_DAY)
    if not 16 <= part < 34:
        return 0
    peak = 1.0 - abs(part - 25) / 9.0
    return int(320 * peak * _day_factor(seed, day + 7) * (0.7 + 0.3 * _unit(seed, slot, 5)))


def reactive_export_varh(seed: int, slot: int) -> int:
    return export_wh(seed, slot) // 10


def voltage(seed: int, hour: int, phase: int = 1) -> int:
    """Average RMS voltage (V) of a phase over one hour (hours since 2000)."""
    return 236 + int(10 * _unit(seed, hour, 10 + phase))


def power_w(seed: int, moment_seconds: int, secondary: bool = False) -> int:
    """Instantaneous active power import (W): the mean power of the current half hour."""
    slot = moment_seconds // SLOT
    return (secondary_wh if secondary else import_wh)(seed, slot) * 2


def energy_between(quantity, seed: int, start: int, end: int) -> int:
    """The quantity accumulated from ``start`` to ``end`` (UTC seconds), pro rata within half hours."""
    if end <= start:
        return 0
    total = 0.0
    slot = start // SLOT
    while slot * SLOT < end:
        lo, hi = max(start, slot * SLOT), min(end, (slot + 1) * SLOT)
        total += quantity(seed, slot) * (hi - lo) / SLOT
        slot += 1
    return int(total)
