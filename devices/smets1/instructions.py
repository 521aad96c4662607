"""What an S1SP instructs a SMETS1 device to do, typed, and the form an instruction travels in (JSON): the
S1SP's leg carries these, never GBCS."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import msgspec

from devices.smets1.state import SupplyState


class Instruction(msgspec.Struct, frozen=True, tag=True):
    """One instruction; its class says what it asks."""


class ReadImportRegister(Instruction, frozen=True, tag="read-import-register"):
    pass


class ReadDailyLog(Instruction, frozen=True, tag="read-daily-log"):
    start: datetime
    end: datetime


class ReadProfile(Instruction, frozen=True, tag="read-profile"):
    start: datetime
    end: datetime


class UpdateTariff(Instruction, frozen=True, tag="update-tariff"):
    prices: tuple[int, ...]
    thresholds: tuple[int, ...]        # as the request carries them: the meter reads them as kWh
    standing_charge: int = 0


class ReadTariff(Instruction, frozen=True, tag="read-tariff"):
    pass


class TopUp(Instruction, frozen=True, tag="top-up"):
    utrn: str


class SetSupply(Instruction, frozen=True, tag="set-supply"):
    state: SupplyState


class ReadSupply(Instruction, frozen=True, tag="read-supply"):
    pass


class ReceiveImage(Instruction, frozen=True, tag="receive-image"):
    version: str
    image_hash: str                    # hex SHA-256 of the image


class ActivateImage(Instruction, frozen=True, tag="activate-image"):
    image_hash: str | None = None      # None: the image held, whatever it is


class ReadFirmware(Instruction, frozen=True, tag="read-firmware"):
    pass


class UpdateDeviceLog(Instruction, frozen=True, tag="update-device-log"):
    device_id: str
    add: bool                          # False: remove
    install_code: str = ""             # any length: SMETS1 install codes need not be 16 octets (CR1277)


class SetGasFlowRate(Instruction, frozen=True, tag="set-gas-flow-rate"):
    rate: Decimal                      # m3/h


ANY_INSTRUCTION = (ReadImportRegister | ReadDailyLog | ReadProfile | UpdateTariff | ReadTariff | TopUp | SetSupply
                   | ReadSupply | ReceiveImage | ActivateImage | ReadFirmware | SetGasFlowRate | UpdateDeviceLog)

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(ANY_INSTRUCTION)


class InstructionFormatError(ValueError):
    """Bytes that are not an instruction (the sender's fault)."""


def encode_instruction(instruction: Instruction) -> bytes:
    return _ENCODER.encode(instruction)


def decode_instruction(raw: bytes) -> Instruction:
    try:
        return _DECODER.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise InstructionFormatError(f"not an S1SP instruction: {exc}") from None
