"""SMETS1 devices behind an emulated SMETS1 Service Provider: their typed state and what they do with an S1SP
instruction. No GBCS: the S1SP's leg carries typed instructions (``instructions``), and a device answers
with an ``Outcome``.

This module is the package's public API (``__all__``)."""
from devices.smets1.device import (FIRMWARE_RECEIVED, LogReading, Outcome, Register, S1Alert, TariffReading,
                                   UnsupportedInstruction, execute, first_contact)
from devices.smets1.instructions import (ActivateImage, Instruction, InstructionFormatError, ReadDailyLog,
                                         ReadFirmware, ReadImportRegister, ReadProfile, ReadSupply, ReadTariff,
                                         ReceiveImage, SetGasFlowRate, SetSupply, TopUp, UpdateDeviceLog,
                                         UpdateTariff, decode_instruction, encode_instruction)
from devices.smets1.state import SMETS1_KINDS, SMETS1_STATE_CLASSES, S1Tariff, SupplyState

__all__ = [
    "ActivateImage", "FIRMWARE_RECEIVED", "Instruction", "InstructionFormatError", "LogReading", "Outcome",
    "ReadDailyLog", "ReadFirmware", "ReadImportRegister", "ReadProfile", "ReadSupply", "ReadTariff", "ReceiveImage",
    "Register", "S1Alert", "S1Tariff", "SMETS1_KINDS", "SMETS1_STATE_CLASSES", "SetGasFlowRate", "SetSupply",
    "SupplyState", "TariffReading", "TopUp", "UnsupportedInstruction", "UpdateDeviceLog", "UpdateTariff",
    "decode_instruction", "encode_instruction", "execute", "first_contact",
]
