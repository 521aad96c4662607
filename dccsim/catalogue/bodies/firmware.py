"""Bodies of the firmware Service Requests (DUIS 11.x)."""
from __future__ import annotations

from dccsim.catalogue import types as t
from dccsim.catalogue.bodymodel import BodyModel, Complex, El, Seq, Simple

_FIRMWARE_IMAGE = Simple("xs:base64Binary", max_length=10240000)
_FIRMWARE_DEVICE_LIST = Simple("xs:string", min_length=23, max_length=1199999, pattern=t.DEVICE_ID_LIST.pattern)
_UPDATE_FIRMWARE = Complex(Seq(El("FirmwareImage", _FIRMWARE_IMAGE), El("FirmwareVersion", t.FIRMWARE_VERSION),
                               El("DeviceIDList", _FIRMWARE_DEVICE_LIST)))

MODELS = (
    BodyModel("UpdateFirmware", _UPDATE_FIRMWARE),
    BodyModel("UpdatePPMIDFirmware", _UPDATE_FIRMWARE),
    BodyModel("ReadFirmwareVersion", t.future_dated()),
    # 11.3: the SHA-256 hash of the image to activate (32 octets, hex).
    BodyModel("ActivateFirmware", t.future_dated(
        El("FirmwareHash", Simple("xs:hexBinary", min_length=32, max_length=32)))),
)
