"""Gas (GBZ / ZigBee) commands of the supply and prepayment use cases (DUIS 1.5, 2.3, 2.5, 7.2–7.4), by
message code.

The ZCL frames GBCS prescribes: Change Supply on the Metering cluster (GCS32 closes the valve, GCS39 arms it),
the valve's SupplyStatus read (GCS33), Credit Adjustment on the Prepayment cluster (GCS40a–d by adjustment
type), Change Debt for the two time debts and the payment-based debt (GCS04) and Select Available Emergency
Credit (GCS06), Change Payment Mode (GCS02 credit, GCS03 prepayment); and what the consumer sees: a message
(GCS07), a change of tenancy (GCS09), the privacy PIN (GCS11), the Supplier's name (GCS44). The issuer event ids and what the request supplies are written by ``fills_supply``.
"""
from __future__ import annotations

from dccsim.han.commands.structures_gas import command, gbz, gbz_structure, read
from gbcs.zcl import DEVICE_MANAGEMENT, MESSAGING, METERING, PREPAYMENT

CHANGE_SUPPLY, CREDIT_ADJUSTMENT, CHANGE_DEBT, SELECT_EMERGENCY_CREDIT, CHANGE_PAYMENT_MODE = 0x0B, 0x05, 0x02, 0x00, 0x06
# ZCL Payment Control Configuration of a credit mode meter, and of a prepayment meter (to which the fill adds
# the 'debt collected while disabled' bit unless the request suspends it).
CREDIT_CONFIGURATION, PREPAYMENT_CONFIGURATION, COLLECT_DEBT_WHILE_DISABLED = 0x0C94, 0x0097, 0x0800
SUPPLY_OFF, SUPPLY_ARMED = 0, 1
# ZCL credit adjustment types: prepayment credit incremental / absolute, credit mode absolute / incremental.
PREPAY_INCREMENTAL, PREPAY_ABSOLUTE, CREDIT_ABSOLUTE, CREDIT_INCREMENTAL = 0, 1, 2, 3
# ZCL debt amount types (incremental): time debt 1, time debt 2, payment-based debt.
TIME_DEBT_1, TIME_DEBT_2, PAYMENT_DEBT = 1, 3, 5
ENERGY_SERVICE_INTERFACE = 0


def _change_supply(status: int) -> dict:
    return command(METERING, CHANGE_SUPPLY, provider_id=0, issuer_event_id=0, request_date_time=0,
                   implementation_date_time=0, proposed_supply_status=status, supply_control_bits=1)


def _credit_adjustment(adjustment_type: int) -> dict:
    return command(PREPAYMENT, CREDIT_ADJUSTMENT, issuer_event_id=0, start_time=0,
                   credit_adjustment_type=adjustment_type, credit_adjustment_value=0)


def change_debt(amount_type: int, *, method: int = 0, amount: int = 0, frequency: int = 1, recovery: int = 0,
                percentage: int = 0) -> dict:
    """One Change Debt command: a debt register's adjustment and how it is recovered."""
    return command(PREPAYMENT, CHANGE_DEBT, issuer_event_id=0, debt_label=b"", debt_amount=amount,
                   debt_recovery_method=method, debt_amount_type=amount_type, debt_recovery_start_time=0,
                   debt_recovery_collection_time=0, debt_recovery_frequency=frequency, debt_recovery_amount=recovery,
                   debt_recovery_balance_percentage=percentage)


def change_payment_mode(configuration: int, cut_off_value: int = 0, implementation: int = 0) -> dict:
    return command(PREPAYMENT, CHANGE_PAYMENT_MODE, provider_id=0, issuer_event_id=0,
                   implementation_date_time=implementation, proposed_payment_control_configuration=configuration,
                   cut_off_value=cut_off_value)


# What the consumer sees (3.1, 3.2, 3.4, 3.5): ZCL commands the DCC sends as the energy service interface.
PRIVACY_PIN, UNTIL_CHANGED = 0x02, 0xFFFF
_CONSUMER: dict[int, dict] = {
    0x0071: gbz_structure("GCS07", gbz(command(MESSAGING, 0x00, from_server=True, message_id=0, message_control=0,
                                                start_time=0, duration_in_minutes=UNTIL_CHANGED, message=b"",
                                                extended_message_control=b""))),
    0x0072: gbz_structure("GCS09", gbz(command(DEVICE_MANAGEMENT, 0x00, from_server=True, provider_id=0,
                                                issuer_event_id=0, tariff_type=0, implementation_date_time=0,
                                                proposed_tenancy_change_control=0x200))),
    0x0073: gbz_structure("GCS11", gbz(command(DEVICE_MANAGEMENT, 0x02, from_server=True, issuer_event_id=0,
                                                implementation_date_time=0, duration_in_minutes=0,
                                                password_type=PRIVACY_PIN, password=b""))),
    0x0088: gbz_structure("GCS44", gbz(command(DEVICE_MANAGEMENT, 0x01, from_server=True, current_provider_id=0,
                                                issuer_event_id=0, tariff_type=0, proposed_provider_id=0,
                                                provider_change_implementation_time=0, provider_change_control=0x1800,
                                                proposed_provider_name=b"", proposed_provider_contact_details=b""))),
}

STRUCTURES: dict[int, dict] = {
    **_CONSUMER,
    # 9.1: the Customer Identification Number the DCC issues; 14.1: the Gas Transporter's network data log.
    0x0083: gbz_structure("GCS36", gbz(command(DEVICE_MANAGEMENT, 0x06, from_server=True, issuer_event_id=0,
                                                cin_implementation_time=0, provider_id=0, customer_id_number=b""))),
    0x0080: gbz_structure("GCS31", gbz(command(METERING, 0x07, issuer_event_id=0, start_sampling_time=0,
                                                sample_type=0, sample_request_interval=360,
                                                max_number_of_samples=41))),
    0x00A3: gbz_structure("GCS01b", gbz(), sign=True),          # prices: written by ``fills_gas``
    0x006F: gbz_structure("GCS05", gbz(), sign=True),           # prepayment configuration: ``fills_gas``
    0x006C: gbz_structure("GCS02", gbz(change_payment_mode(CREDIT_CONFIGURATION, -1)), sign=True),
    0x006D: gbz_structure("GCS03", gbz(change_payment_mode(PREPAYMENT_CONFIGURATION)), sign=True),
    0x0081: gbz_structure("GCS32", gbz(_change_supply(SUPPLY_OFF)), sign=True),
    0x0085: gbz_structure("GCS39", gbz(_change_supply(SUPPLY_ARMED)), sign=True),
    0x0082: gbz_structure("GCS33", gbz(read(METERING, 0x0205, 0x0014))),
    0x0086: gbz_structure("GCS40a", gbz(_credit_adjustment(PREPAY_INCREMENTAL)), sign=True),
    0x00B4: gbz_structure("GCS40b", gbz(_credit_adjustment(PREPAY_ABSOLUTE)), sign=True),
    0x00C0: gbz_structure("GCS40c", gbz(_credit_adjustment(CREDIT_INCREMENTAL)), sign=True),
    0x00C2: gbz_structure("GCS40d", gbz(_credit_adjustment(CREDIT_ABSOLUTE)), sign=True),
    0x006E: gbz_structure("GCS04", gbz(change_debt(TIME_DEBT_1), change_debt(TIME_DEBT_2),
                                    change_debt(PAYMENT_DEBT, method=1)), sign=True),
    0x0070: gbz_structure("GCS06", gbz(command(PREPAYMENT, SELECT_EMERGENCY_CREDIT, command_issue_date_time=0,
                                            originating_device=ENERGY_SERVICE_INTERFACE)), sign=True),
}
# 14.1 goes through the Access Control Broker for the Gas Transporter, the User and its counter in the
# other-information (as the RTDS command has it): a placeholder of that length marks it so for the builder.
STRUCTURES[0x0080]["extra"] = "00" * 16
