"""Bodies of the tariff and price Service Requests (DUIS 1.x).

Electricity tariffs switch between up to 48 time-of-use registers (primary element) or 4 (secondary
element) on a calendar of day profiles, week profiles, seasons and special days; gas tariffs have 4
registers, 2 week profiles and 3 seasons. Block tariffs add thresholds (gas: GBCS 48-bit values).
"""
from __future__ import annotations

from dccsim.catalogue import types as t
from dccsim.catalogue.bodymodel import BodyModel, Choice, Complex, El, Seq, Simple

_CURRENCY = Simple("xs:string", enumeration=("GBP", "ECB"))

# --- electricity calendar ------------------------------------------------------------------------
_ELEC_DAY_NAME = t.positive_at_most(16, name="ElecDayName")
_ELEC_WEEK_NAME = t.positive_at_most(4, name="ElecWeekName")
_ELEC_WEEK_PROFILES = Complex(Seq(El("WeekProfile", Complex(Seq(
    El("WeekName", _ELEC_WEEK_NAME),
    El("ReferencedDayName", t.indexed_value(_ELEC_DAY_NAME, 7), min=7, max=7),
)), min=1, max=4)), name="ElecWeekProfiles")


def _elec_day_profiles(schedule: Complex, name: str) -> Complex:
    return Complex(Seq(El("DayProfile", Complex(Seq(
        El("DayName", _ELEC_DAY_NAME), El("ProfileSchedule", schedule, min=1, max=48))), min=1, max=16)),
        name=name)


def _elec_seasons(name: str) -> Complex:
    return Complex(Seq(El("Season", Complex(Seq(
        El("SeasonName", Simple("xs:string", max_length=8)),
        El("SeasonStartDate", t.WILDCARD_DATE),
        El("ReferencedWeekName", _ELEC_WEEK_NAME))), min=1, max=4)), name=name)


_ELEC_SPECIAL_DAYS = Complex(Seq(El("SpecialDay", Complex(Seq(
    El("Date", t.WILDCARD_DATE), El("ReferencedDayName", _ELEC_DAY_NAME))), min=0, max=50)),
    name="ElecSpecialDays")

_PRIMARY_SCHEDULE = Complex(Seq(El("StartTime", t.TIME), Choice(
    El("TOUTariffAction", t.positive_at_most(48)), El("BlockTariffAction", t.positive_at_most(8)))))
_SECONDARY_SCHEDULE = Complex(Seq(El("StartTime", t.TIME), El("TOUTariffAction", t.positive_at_most(4))))

_ELEC_THRESHOLDS = Complex(Seq(El("Thresholds", Complex(
    Seq(El("BlockThreshold", t.indexed_value(t.UNSIGNED_INT, 3), min=1, max=3)),
    attributes=(t.index(8),)), min=8, max=8)))

_ELEC_TARIFF = Complex(Seq(
    El("CurrencyUnits", _CURRENCY),
    El("SwitchingTable", Complex(Seq(
        El("DayProfiles", _elec_day_profiles(_PRIMARY_SCHEDULE, "ElecDayProfilesPrimary")),
        El("WeekProfiles", _ELEC_WEEK_PROFILES),
        El("Seasons", _elec_seasons("ElecSeasons"))))),
    El("SpecialDays", _ELEC_SPECIAL_DAYS),
    El("ThresholdMatrix", _ELEC_THRESHOLDS),
))

# --- gas calendar --------------------------------------------------------------------------------
_GAS_DAY_NAME = t.positive_at_most(4, name="GasDayName")
_GAS_WEEK_NAME = t.positive_at_most(2, name="GasWeekName")
_GAS_TARIFF = Complex(Seq(
    El("SwitchingTable", Complex(Seq(
        El("DayProfiles", Complex(Seq(El("DayProfile", Complex(Seq(
            El("DayName", _GAS_DAY_NAME),
            Choice(El("TOUTariffAction", t.positive_at_most(4)), El("BlockTariff", t.EMPTY)))),
            min=1, max=4)))),
        El("WeekProfiles", Complex(Seq(El("WeekProfile", Complex(Seq(
            El("WeekName", _GAS_WEEK_NAME),
            El("ReferencedDayName", t.indexed_value(_GAS_DAY_NAME, 7), min=7, max=7))), min=1, max=2)))),
        El("Seasons", Complex(Seq(El("Season", Complex(Seq(
            El("SeasonStartDate", t.GAS_WILDCARD_DATE), El("ReferencedWeekName", _GAS_WEEK_NAME))),
            min=1, max=3)))),
    ))),
    El("SpecialDays", Complex(Seq(El("SpecialDay", Complex(Seq(
        El("Date", t.GAS_WILDCARD_DATE), El("ReferencedDayName", _GAS_DAY_NAME))), min=0, max=20)))),
    El("ThresholdMatrix", Complex(Seq(
        El("BlockThreshold", t.indexed_value(t.GAS_THRESHOLD, 3), min=1, max=3)))),
))

# --- prices --------------------------------------------------------------------------------------
_ELEC_BLOCK_PRICES = El("BlockPrices", Complex(
    Seq(El("BlockPrice", t.indexed_value(t.PRICE, 4), min=1, max=4)), attributes=(t.index(8),)), min=1, max=8)
_ELEC_TOU_PRICES = El("TOUPrice", t.indexed_value(t.PRICE, 48), min=1, max=48)
_PRICE_PRIMARY = Complex(Choice(
    El("ElectricityPriceElements", Complex(Seq(
        El("StandingCharge", t.PRICE),
        El("StandingChargeScale", t.PRICE_SCALE),
        El("PriceScale", t.PRICE_SCALE),
        Choice(
            El("BlockTariff", Complex(Seq(_ELEC_BLOCK_PRICES))),
            El("TOUTariff", Complex(Seq(_ELEC_TOU_PRICES))),
            El("HybridTariff", Complex(Seq(_ELEC_BLOCK_PRICES, _ELEC_TOU_PRICES))),
        )))),
    El("GasPriceElements", Complex(Seq(
        El("CurrencyUnits", _CURRENCY),
        El("StandingCharge", t.UNSIGNED_INT),
        Choice(
            El("BlockTariff", Complex(Seq(
                El("BlockPrice", t.indexed_value(t.UNSIGNED_INT, 4), min=1, max=4),
                El("NumberOfThresholds", t.positive_at_most(3))))),
            El("TOUTariff", Complex(Seq(El("TOUPrice", t.indexed_value(t.UNSIGNED_INT, 4), min=1, max=4)))),
        )))),
), name="PricePrimary")
_PRICE_SECONDARY = Complex(Seq(
    El("PriceScale", t.PRICE_SCALE),
    El("ElectricityPriceElement", t.indexed_value(t.PRICE, 4), min=1, max=4)), name="PriceSecondary")

MODELS = (
    BodyModel("UpdateImportTariffPrimaryElement", t.future_dated(
        Choice(El("ElecTariffElements", _ELEC_TARIFF), El("GasTariffElements", _GAS_TARIFF)),
        El("PriceElements", _PRICE_PRIMARY))),
    BodyModel("UpdateImportTariffSecondaryElement", t.future_dated(
        El("SwitchingTable", Complex(Seq(
            El("DayProfiles", _elec_day_profiles(_SECONDARY_SCHEDULE, "ElecDayProfilesSecondary")),
            El("WeekProfiles", _ELEC_WEEK_PROFILES),
            El("Seasons", _elec_seasons("ElecSeasons"))))),
        El("SpecialDays", _ELEC_SPECIAL_DAYS),
        El("PriceElements", _PRICE_SECONDARY))),
    BodyModel("UpdatePricePrimaryElement", t.future_dated(El("PriceElements", _PRICE_PRIMARY))),
    BodyModel("UpdatePriceSecondaryElement", t.future_dated(El("PriceElements", _PRICE_SECONDARY))),
    BodyModel("ResetTariffBlockCounterMatrix", Complex(None)),
)
