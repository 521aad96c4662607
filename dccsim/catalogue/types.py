"""Simple and complex types shared by many Service Request bodies (DUIS section 3.10 and its annex of
common data types)."""
from __future__ import annotations

from dccsim.catalogue.bodymodel import Attr, Choice, Complex, El, Seq, Simple

_HEX2 = "[A-Fa-f0-9]{2}"
EUI_PATTERN = "-".join([_HEX2] * 8)


def decimal_at_most(limit: int) -> str:
    """A regular expression for the decimal numbers 0..limit without leading zeros."""
    digits = str(limit)
    width = len(digits)
    alternatives = ["0", f"[1-9][0-9]{{0,{width - 2}}}"]
    for i in range(1, width):
        digit = int(digits[i])
        rest = width - i - 1
        if rest == 0:
            alternatives.append(f"{digits[:i]}[0-{digit}]")
        elif digit:
            lower = "0" if digit == 1 else f"[0-{digit - 1}]"
            alternatives.append(f"{digits[:i]}{lower}[0-9]" + (f"{{{rest}}}" if rest > 1 else ""))
    return "|".join(alternatives)


EUI = Simple("xs:token", name="EUI", pattern=EUI_PATTERN)
# The RequestID counter is a GBCS 64-bit unsigned integer.
REQUEST_ID = Simple("xs:token", name="RequestIDType",
                    pattern=f"{EUI_PATTERN}:{EUI_PATTERN}:({decimal_at_most(2 ** 64 - 1)})")
DEVICE_ID_LIST = Simple("xs:string", name="DeviceIDList", min_length=23,
                        pattern=f"({EUI_PATTERN},)*({EUI_PATTERN})")
FIRMWARE_VERSION = Simple("xs:string", name="FirmwareVersion", min_length=1, max_length=8)
DEVICE_MANUFACTURER = Simple("xs:string", name="DeviceManufacturer", max_length=30)
DEVICE_MODEL = Simple("xs:string", name="DeviceModel", max_length=30)
SMETS_CHTS_VERSION = Simple("xs:string", name="SMETSCHTSVersion", min_length=1, max_length=20)
MPXN = Simple("xs:string", name="MPxN", min_length=1, max_length=13)
IMPORT_MPXN = Simple("xs:string", name="ImportMPxN", min_length=1, max_length=13)
MPAN = Simple("xs:string", name="MPAN", length=13)
MPRN = Simple("xs:string", name="MPRN", min_length=1, max_length=10)
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
INT = Simple("xs:int")
SHORT = Simple("xs:short")
UNSIGNED_INT = Simple("xs:unsignedInt")
UNSIGNED_SHORT = Simple("xs:unsignedShort")
UNSIGNED_BYTE = Simple("xs:unsignedByte")
DECIMAL = Simple("xs:decimal")
NON_NEGATIVE = Simple("xs:nonNegativeInteger")

DEVICE_TYPE = Simple("xs:string", name="DeviceType",
                     enumeration=("ESME", "GSME", "GPF", "CHF", "HCALCS", "PPMID", "IHD", "CAD"))
# SMETS2+ ESME variants (release note V4.0 §5.1 adds the F and G components).
ESME_VARIANT = Simple("xs:string", name="ESMEVariant", enumeration=(
    "A", "B", "C", "AD", "BD", "CD", "ADE", "BDE", "CDE", "ADF", "BDF", "CDF", "ADEF", "BDEF", "CDEF",
    "ADG", "ADEG", "AF", "BF", "CF", "AEF", "BEF", "CEF", "AG", "AEG"))
# Release note V4.0 §4.2: gas block thresholds are GBCS unsigned 48-bit integers.
GAS_THRESHOLD = Simple("xs:unsignedLong", name="GasThresholdType", max_inclusive=281474976710655)
PRICE = Simple("xs:short", name="PriceType")
PRICE_SCALE = Simple("xs:integer", name="PriceScale", min_inclusive=-128, max_inclusive=127)
TOLERANCE_PERIOD = Simple("xs:int", name="tolerancePeriod", min_inclusive=0, max_inclusive=86400)
FLOOR_SEQUENCE_NUMBER = Simple("xs:nonNegativeInteger", name="floorSequenceNumber",
                               max_inclusive=2 ** 63 - 1)
ENABLE_DISABLE = Simple("xs:string", name="EnableDisableAlert", enumeration=("Disable", "Enable"))
REMOTE_PARTY_ROLE = Simple("xs:token", name="RemotePartyRole", enumeration=(
    "ACB", "NetworkOperator", "Recovery", "Root", "Supplier", "TransCoS", "LoadController"))
CREDENTIAL_TYPE = Simple("xs:string", name="CredentialType", enumeration=("Digital Signature", "Key Agreement"))
USER_REF_ID = Simple("xs:string", name="UserRefID", max_length=25)
AUXILIARY_CONTROLLER_LEVEL = Simple("xs:unsignedShort", name="AuxiliaryControllerLevel",
                                    min_inclusive=0, max_inclusive=100)


def positive_at_most(high: int, *, name: str | None = None) -> Simple:
    """A positive integer 1..high (index attributes, day and week names, slot numbers)."""
    return Simple("xs:positiveInteger", name=name, min_inclusive=1, max_inclusive=high)


def index(high: int) -> Attr:
    """The required ``index`` attribute (1..high) of a repeated element."""
    return Attr("index", positive_at_most(high, name=f"range_1_{high}"))


def indexed_value(value: Simple, high: int, *, name: str | None = None) -> Complex:
    """A value carried with an ``index`` attribute (1..high)."""
    return Complex(simple_content=value, attributes=(index(high),), name=name)


PARTIAL_ADDRESS = Complex(Seq(El("PostCode", POSTCODE), El("AddressIdentifier", ADDRESS_IDENTIFIER)),
                          name="PartialAddress")
PROPERTY_FILTER = Complex(Seq(El("PostCode", POSTCODE), El("AddressIdentifier", ADDRESS_IDENTIFIER)),
                          name="PropertyFilter")
READ_LOG_PERIOD_OFFSET = Complex(Seq(
    El("StartDateOffset", LOG_PERIOD_OFFSET), El("StartTime", TIME),
    El("EndDateOffset", LOG_PERIOD_OFFSET), El("EndTime", TIME)), name="ReadLogPeriodOffset")
READ_LOG_PERIOD = Complex(Seq(El("StartDateTime", DATETIME), El("EndDateTime", DATETIME)), name="ReadLogPeriod")
EMPTY = Complex(None, name="Empty")

# Future dating (DUIS 3.5): most device Service Requests may carry an execution time.
EXECUTION_DATE_TIME = El("ExecutionDateTime", DATETIME, min=0)


def future_dated(*items, name: str | None = None) -> Complex:
    """A body that may be future dated: an optional ExecutionDateTime, then its own content."""
    return Complex(Seq(EXECUTION_DATE_TIME, *items), name=name)


def must_be_dated(*items, name: str | None = None) -> Complex:
    """A body whose ExecutionDateTime is mandatory."""
    return Complex(Seq(El("ExecutionDateTime", DATETIME), *items), name=name)


READ_NOW = Complex(None, name="ReadDataOnDemand")
READ_NOW_OR_LATER = future_dated(name="ReadDataOnDemandOrFutureDated")
READ_LOG = future_dated(El("ReadLogPeriod", READ_LOG_PERIOD), name="ReadLogFutureDatable")
# Log reads whose response may be encrypted for an Unknown Remote Party (DUIS 3.2.3): the URP's key
# agreement certificate.
READ_LOG_URP = future_dated(El("ReadLogPeriod", READ_LOG_PERIOD),
                            Seq(El("KAPublicSecurityCredentials", CERTIFICATE), min=0),
                            name="ReadLogFutureDatableAndURPCredentials")


def _wildcard(name: str, specified: str, value: Simple, *others: str) -> Complex:
    """A date part that is either a number or one of the wildcards (empty elements)."""
    return Complex(Choice(El(specified, value), *(El(other, EMPTY) for other in others)), name=name)


_YEAR_VALUE = Simple("xs:nonNegativeInteger", min_inclusive=2014, total_digits=4)
_MONTH_VALUE = Simple("xs:nonNegativeInteger", min_inclusive=1, max_inclusive=12, total_digits=2)
_DAY_VALUE = Simple("xs:nonNegativeInteger", min_inclusive=1, max_inclusive=31, total_digits=2)
_WEEKDAY_VALUE = Simple("xs:nonNegativeInteger", min_inclusive=1, max_inclusive=7)

YEAR = _wildcard("Year", "SpecifiedYear", _YEAR_VALUE, "NonSpecifiedYear")
MONTH = _wildcard("Month", "SpecifiedMonth", _MONTH_VALUE, "NonSpecifiedMonth")
DAY_OF_MONTH = _wildcard("DayOfMonth", "SpecifiedDayOfMonth", _DAY_VALUE,
                         "LastDayOfMonth", "SecondLastDayOfMonth", "NonSpecifiedDayOfMonth")
DAY_OF_WEEK = _wildcard("DayOfWeek", "SpecifiedDayOfWeek", _WEEKDAY_VALUE, "NonSpecifiedDayOfWeek")
# A date with wildcards (electricity calendars).
WILDCARD_DATE = Complex(Seq(El("Year", YEAR), El("Month", MONTH), El("DayOfMonth", DAY_OF_MONTH),
                            El("DayOfWeek", DAY_OF_WEEK)), name="Date")
# The gas calendars name the same parts differently and have no last-day wildcards.
GAS_WILDCARD_DATE = Complex(Seq(
    El("GasYearWithWildcards", _wildcard("GasYearWithWildcards", "SpecifiedYear", _YEAR_VALUE,
                                         "NonSpecifiedYear")),
    El("GasMonthWithWildcards", _wildcard("GasMonthWithWildcards", "SpecifiedMonth", _MONTH_VALUE,
                                          "NonSpecifiedMonth")),
    El("GasDayOfMonthWithWildcards", _wildcard("GasDayOfMonthWithWildcards", "SpecifiedDayOfMonth",
                                               _DAY_VALUE, "GasNonSpecifiedDayOfMonth")),
    El("GasDayOfWeekWithWildcards", _wildcard("GasDayOfWeekWithWildcards", "SpecifiedDayOfWeek",
                                              _WEEKDAY_VALUE, "NonSpecifiedDayOfWeek")),
), name="GasDateWithWildcards")
