"""The S1SP's decisions without I/O: the Lead Supplier of a SMETS1 CH, who hears N57, CR1290's E060701
condition and re-scaling, how a request becomes an instruction, and the SMETS1 branch of the dispatch."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from lxml import etree

from devices import smets1
from dccsim.catalogue import CATALOGUE
from dccsim.duis.outcomes import DuisRejection
from dccsim.handlers.table import HANDLERS
from dccsim.inventory.models import Device, DeviceStatus, DeviceType
from dccsim.s1sp import dispatch, rules
from dccsim.s1sp.alert_codes import S1_DCC_ALERTS, S1DccAlert
from dccsim.s1sp.profiles import S1SP_PROFILES
from dccsim.s1sp.requests import gas_flow_rate, instruction_for
from tests.paths import DUIS_SCHEMA, DUIS_TEMPLATES

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
LEAD, GAS = "90B3D51F30010000", "90B3D51F30030000"


def _device(device_id: str, kind: DeviceType, generation: str = "SMETS1") -> Device:
    return Device(device_id, kind, DeviceStatus.COMMISSIONED, smets_generation=generation, chf_id="00DB00000000B0")


def test_the_import_supplier_leads_a_dual_fuel_installation():
    assert rules.lead_supplier({"IS": LEAD, "GS": GAS}, []) == LEAD
    assert rules.lead_supplier({}, [{"GS": GAS}, {"IS": LEAD}]) == LEAD
    assert rules.lead_supplier({}, [{"GS": GAS}]) == GAS          # gas only: the gas supplier leads
    assert rules.lead_supplier({}, []) is None


def test_n57_goes_to_the_gas_suppliers_of_the_gsmes_on_the_hub():
    premises = [_device("B0", DeviceType.CHF), _device("B1", DeviceType.ESME), _device("B2", DeviceType.GSME)]
    parties = {"B0": {"IS": LEAD, "GS": GAS}, "B1": {"IS": LEAD}, "B2": {"GS": GAS}}
    assert rules.gas_suppliers(premises, parties) == [GAS]
    assert rules.gas_suppliers(premises[:2], parties) == []
    assert rules.notifies_gas_supplier(_device("B3", DeviceType.PPMID))
    assert not rules.notifies_gas_supplier(_device("B1", DeviceType.ESME))


def test_e060701_only_where_the_s1sp_lacks_the_decimal_rate():
    decimal = {"UncontrolledGasFlowRateDecimal": Decimal("1.5")}
    assert rules.gas_flow_rate_refusal(decimal, S1SP_PROFILES["S1SP-1"]) is None
    assert "S1SP-2" in rules.gas_flow_rate_refusal(decimal, S1SP_PROFILES["S1SP-2"])
    assert rules.gas_flow_rate_refusal({"UncontrolledGasFlowRate": 15000}, S1SP_PROFILES["S1SP-2"]) is None


def test_the_integer_gas_flow_rate_is_rescaled_to_m3_per_hour():
    assert gas_flow_rate({"UncontrolledGasFlowRate": 15000}) == Decimal("1.5")
    assert gas_flow_rate({"UncontrolledGasFlowRateDecimal": Decimal("1.2345")}) == Decimal("1.2345")


@pytest.mark.skipif(not DUIS_TEMPLATES.exists(), reason="shared templates not available")
@pytest.mark.parametrize("template, thresholds, prices", [
    ("ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML", (10000, 20000), (1361, 2289, 5566)),
    ("GCS01a_1.1.1_FUTURE_DATED_BLOCK_SUCCESS_REQUEST_DUIS.XML", (1000000, 2000000, 3000000),
     (9600, 10200, 10750, 11000)),
])
def test_a_tariff_request_becomes_the_meters_tariff(template, thresholds, prices):
    body = next(etree.parse(str(DUIS_TEMPLATES / template)).getroot().iter("{*}UpdateImportTariffPrimaryElement"))
    instruction = instruction_for("1.1.1", {}, body, NOW)
    assert (instruction.thresholds, instruction.prices) == (thresholds, prices)


def test_every_s1sp_alert_code_is_a_duis_dcc_alert_code():
    schema = (DUIS_SCHEMA / "DUIS Schema V5.4.xsd").read_text()
    for code in S1DccAlert:
        assert f'<xs:enumeration value="{code.value}"/>' in schema
    assert set(S1_DCC_ALERTS) == set(S1DccAlert)


def test_a_smets1_target_goes_to_the_s1sp():
    spec = CATALOGUE.get("11.2")
    entry, checked = dispatch.choose(spec, HANDLERS["11.2"], _device("B3", DeviceType.PPMID), 1)
    assert entry is dispatch.S1SP_ENTRY and DeviceType.PPMID in checked.device_types
    entry, checked = dispatch.choose(spec, HANDLERS["11.2"], _device("A0", DeviceType.ESME, "SMETS2"), 1)
    assert entry is HANDLERS["11.2"] and checked is spec


@pytest.mark.parametrize("variant, cv, code", [
    ("4.3", 1, "501"), ("5.1", 8, "501"), ("7.1", 4, "E12"), ("4.1.1", 2, "E12"),
])
def test_what_the_s1sp_does_not_take(variant, cv, code):
    with pytest.raises(DuisRejection) as refused:
        dispatch.choose(CATALOGUE.get(variant), HANDLERS.get(variant), _device("B1", DeviceType.ESME), cv)
    assert code in str(refused.value.code)


def test_a_critical_request_with_cv1_is_refused_for_a_smets2_device():
    spec = CATALOGUE.get("1.1.1")
    assert dispatch.may_be_smets1(spec, 1)
    with pytest.raises(DuisRejection) as refused:
        dispatch.choose(spec, HANDLERS["1.1.1"], _device("A0", DeviceType.ESME, "SMETS2"), 1)
    assert "E12" in str(refused.value.code)


def test_instruction_for_an_unrouted_variant_says_so():
    with pytest.raises(ValueError, match="not carried out by the S1SP"):
        instruction_for("4.3", {}, None, NOW)
    assert isinstance(instruction_for("7.3", {}, None, NOW), smets1.SetSupply)
