"""Bodies of the prepayment and debt Service Requests (DUIS 1.5–1.6, 2.x)."""
from __future__ import annotations

from dccsim.catalogue import types as t
from dccsim.catalogue.bodymodel import BodyModel, Choice, Complex, El, Seq, Simple

_ADJUST_OR_RESET = Complex(Choice(El("AdjustMeterBalance", t.INT), El("ResetMeterBalance", Complex(None))),
                           name="AdjustOrReset")
_START_STOP = Simple("xs:string", enumeration=("START", "STOP"))
_WEEKDAY = Simple("xs:string", enumeration=(
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
DAYS_OF_WEEK_APPLICABILITY = Complex(Seq(El("DayOfWeekApplicability", Complex(Seq(
    El("DayOfWeekID", _WEEKDAY))), min=0, max=7)), name="DaysOfWeekApplicability")

# Electricity non-disablement calendar: special days, then up to 22 start/stop scripts.
_ELEC_NON_DISABLEMENT = Complex(Seq(
    El("ElectricitySpecialDays", Complex(Seq(El("SpecialDay", Complex(
        Seq(El("Date", t.WILDCARD_DATE)), attributes=(t.index(20),)), min=0, max=20)))),
    El("ElectricityNonDisablementSchedule", Complex(Seq(
        El("NonDisablementScript", _START_STOP),
        El("SpecialDaysApplicability", Complex(Seq(El("SpecialDayApplicability", Complex(Seq(
            El("SpecialDayID", t.positive_at_most(20)))), min=0, max=20)))),
        El("DaysOfWeekApplicability", DAYS_OF_WEEK_APPLICABILITY),
        El("ScheduleDatesAndTime", Complex(Seq(
            El("SwitchTime", t.TIME), El("StartDate", t.DATE), El("EndDate", t.DATE)))),
    )), min=1, max=22),
))

# Gas non-disablement calendar: day profiles of start/stop times, week profiles, seasons, special days.
_GAS_DAY_NAME = t.positive_at_most(5, name="GasDayNameNonDisablement")
_GAS_NON_DISABLEMENT = Complex(Seq(
    El("DayProfiles", Complex(Seq(El("GasNonDisablementDayProfile", Complex(Seq(
        El("TimeStartAction", Complex(Seq(El("StartTime", t.TIME), El("NonDisablementAction", _START_STOP))),
           min=1, max=3),
        El("GasDayName", _GAS_DAY_NAME))), min=1, max=5)))),
    El("WeekProfiles", Complex(Seq(El("WeekProfile", Complex(Seq(
        El("WeekName", t.positive_at_most(2, name="GasWeekName")),
        El("ReferencedDayName", t.indexed_value(_GAS_DAY_NAME, 7), min=7, max=7))), min=1, max=2)))),
    El("SeasonProfiles", Complex(Seq(El("Season", Complex(Seq(
        El("SeasonStartDate", t.GAS_WILDCARD_DATE),
        El("ReferencedWeekName", t.positive_at_most(2, name="GasWeekNameNonDisablement")))), min=1, max=3)))),
    El("SpecialDays", Complex(Seq(El("SpecialDay", Complex(Seq(
        El("Date", t.GAS_WILDCARD_DATE), El("ReferencedDayName", _GAS_DAY_NAME))), min=0, max=20)))),
))

_RECOVERY_PERIOD = Simple("xs:string", enumeration=("HOURLY", "DAILY"))
_ELEC_DEBT_RECOVERY = Complex(Seq(
    El("DebtRecoveryRate", t.SHORT), El("DebtRecoveryRatePriceScale", t.PRICE_SCALE),
    El("DebtRecoveryRatePeriod", _RECOVERY_PERIOD)), name="ElecDebtRecovery")
_GAS_DEBT_RECOVERY = Complex(Seq(
    El("DebtRecoveryRate", t.INT), El("DebtRecoveryRatePeriod", _RECOVERY_PERIOD)), name="GasDebtRecovery")

MODELS = (
    BodyModel("UpdateMeterBalance", Complex(Choice(
        El("PrepaymentMode", _ADJUST_OR_RESET), El("CreditMode", _ADJUST_OR_RESET)))),
    BodyModel("UpdatePaymentMode", t.future_dated(Choice(
        El("Credit", t.EMPTY),
        El("Prepayment", Complex(Seq(
            El("SuspendDebtDisabled", t.BOOLEAN), El("SuspendDebtEmergency", t.BOOLEAN),
            El("DisablementThreshold", t.INT))))))),
    BodyModel("UpdatePrepayConfiguration", t.future_dated(Choice(
        El("UpdatePrepayConfigElectricity", Complex(Seq(
            El("DebtRecoveryRateCap", t.UNSIGNED_SHORT),
            El("EmergencyCreditLimit", t.INT),
            El("EmergencyCreditThreshold", t.INT),
            El("LowCreditThreshold", t.INT),
            El("ElectricityNonDisablementCalendar", _ELEC_NON_DISABLEMENT),
            El("MaxMeterBalance", t.INT),
            El("MaxCreditThreshold", t.INT)))),
        El("UpdatePrepayConfigGas", Complex(Seq(
            El("DebtRecoveryRateCap", t.INT),
            El("EmergencyCreditLimit", t.UNSIGNED_INT),
            El("EmergencyCreditThreshold", t.UNSIGNED_INT),
            El("LowCreditThreshold", t.UNSIGNED_INT),
            El("GasNonDisablementCalendar", _GAS_NON_DISABLEMENT),
            El("MaxMeterBalance", t.UNSIGNED_INT),
            El("MaxCreditThreshold", t.UNSIGNED_INT)))),
    ))),
    # 2.2: a UTRN is 20 decimal digits.
    BodyModel("TopUpDevice", Complex(Seq(El("UTRN", Simple("xs:string", length=20, pattern="[0-9]{20}"))))),
    BodyModel("UpdateDebt", Complex(Seq(
        El("TimeDebtRegister1", t.INT), El("TimeDebtRegister2", t.INT), El("PaymentDebtRegister", t.INT),
        El("DebtRecoveryPerPayment", Simple("xs:unsignedShort", min_inclusive=0, max_inclusive=10000)),
        Choice(
            Seq(El("ElecDebtRecovery1", _ELEC_DEBT_RECOVERY), El("ElecDebtRecovery2", _ELEC_DEBT_RECOVERY)),
            Seq(El("GasDebtRecovery1", _GAS_DEBT_RECOVERY), El("GasDebtRecovery2", _GAS_DEBT_RECOVERY)),
        )))),
    BodyModel("ActivateEmergencyCredit", Complex(None)),
)
