"""Simple and complex types shared by many Service Request bodies (DUIS section 3.10)."""
from __future__ import annotations

from dccsim.catalogue.bodymodel import Complex, El, Seq, Simple

_HEX2 = "[A-Fa-f0-9]{2}"
EUI_PATTERN = "-".join([_HEX2] * 8)

EUI = Simple("xs:token", name="EUI", pattern=EUI_PATTERN)
REQUEST_ID = Simple("xs:token", name="RequestIDType",
                    pattern=f"{EUI_PATTERN}:{EUI_PATTERN}:(0|[1-9][0-9]{{0,19}})")
DEVICE_ID_LIST = Simple("xs:string", name="DeviceIDList", min_length=23,
                        pattern=f"({EUI_PATTERN},)*({EUI_PATTERN})")
FIRMWARE_VERSION = Simple("xs:string", name="FirmwareVersion", min_length=1, max_length=8)
DEVICE_MANUFACTURER = Simple("xs:string", name="DeviceManufacturer", max_length=30)
DEVICE_MODEL = Simple("xs:string", name="DeviceModel", max_length=30)
SMETS_CHTS_VERSION = Simple("xs:string", name="SMETSCHTSVersion", min_length=1, max_length=20)
MPXN = Simple("xs:string", name="MPxN", min_length=1, max_length=13)
IMPORT_MPXN = Simple("xs:string", name="ImportMPxN", min_length=1, max_length=13)
MPAN = Simple("xs:string", name="MPAN", length=13)
UPRN = Simple("xs:positiveInteger", name="UPRN", total_digits=12)
POSTCODE = Simple("xs:string", name="PostCode", min_length=6, max_length=8)
ADDRESS_IDENTIFIER = Simple("xs:string", name="AddressIdentifier", max_length=30)
SCHEDULE_ID = Simple("xs:nonNegativeInteger", name="scheduleID", max_inclusive=1000000000000)
LOG_PERIOD_OFFSET = Simple("xs:nonPositiveInteger", name="logPeriodOffset", min_inclusive=-400)
CERTIFICATE = Simple("xs:base64Binary", name="Certificate")
DATE = Simple("xs:date")
DATETIME = Simple("xs:dateTime")
TIME = Simple("xs:time")
BOOLEAN = Simple("xs:boolean")
BASE64 = Simple("xs:base64Binary")
STRING = Simple("xs:string")

DEVICE_TYPE = Simple("xs:string", name="DeviceType",
                     enumeration=("ESME", "GSME", "GPF", "CHF", "HCALCS", "PPMID", "IHD", "CAD"))
# SMETS2+ ESME variants (release note V4.0 §5.1 adds the F and G components).
ESME_VARIANT = Simple("xs:string", name="ESMEVariant", enumeration=(
    "A", "B", "C", "AD", "BD", "CD", "ADE", "BDE", "CDE", "ADF", "BDF", "CDF", "ADEF", "BDEF", "CDEF",
    "ADG", "ADEG", "AF", "BF", "CF", "AEF", "BEF", "CEF", "AG", "AEG"))
# Release note V4.0 §4.2: gas block thresholds are GBCS unsigned 48-bit integers.
GAS_THRESHOLD = Simple("xs:unsignedLong", name="GasThresholdType", max_inclusive=281474976710655)

PARTIAL_ADDRESS = Complex(Seq(El("PostCode", POSTCODE), El("AddressIdentifier", ADDRESS_IDENTIFIER)),
                          name="PartialAddress")
PROPERTY_FILTER = Complex(Seq(El("PostCode", POSTCODE), El("AddressIdentifier", ADDRESS_IDENTIFIER)),
                          name="PropertyFilter")
READ_LOG_PERIOD_OFFSET = Complex(Seq(
    El("StartDateOffset", LOG_PERIOD_OFFSET), El("StartTime", TIME),
    El("EndDateOffset", LOG_PERIOD_OFFSET), El("EndTime", TIME)), name="ReadLogPeriodOffset")
EMPTY = Complex(None, name="Empty")
