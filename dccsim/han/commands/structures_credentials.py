"""Security credential commands, by message code: Update Security Credentials (CS02b / CS02g), one per
credentials replacement mode the DCC sends (8.5 Service Opt Out's ACB by ACB included), named as the RTDS names them, and the device's own credentials
(CS02c, CS02d). Their payload is written whole by ``fills_credentials``."""
from __future__ import annotations

# Structure names (as the RTDS folders name them) → the GBCS message code of each credentials replacement mode.
SUPPLIER_BY_TRANS_COS, SUPPLIER_BY_SUPPLIER = "CS02bSupplierByTransCoS", "CS02bSupplierBySupplier"
NETWORK_OPERATOR_BY_NETWORK_OPERATOR, LOAD_CONTROLLER_BY_SUPPLIER = "CS02bNOByNO", "CS02gLoadControllerBySupplier"
ACB_BY_ACB = "CS02bACBByACB"
MODES: dict[str, tuple[int, str, str]] = {       # structure → (message code, mode, remote-party role of the cells)
    SUPPLIER_BY_TRANS_COS: (0x0107, "supplierByTransCoS", "supplier"),
    SUPPLIER_BY_SUPPLIER: (0x0102, "supplierBySupplier", "supplier"),
    NETWORK_OPERATOR_BY_NETWORK_OPERATOR: (0x0103, "networkOperatorByNetworkOperator", "networkOperator"),
    LOAD_CONTROLLER_BY_SUPPLIER: (0x0126, "loadControllerBySupplier", "loadController"),
    ACB_BY_ACB: (0x0104, "accessControlBrokerByACB", "accessControlBroker"),
}
# The device's own credentials: a new key pair (6.17) and its certificate (6.15.2).
OWN_CREDENTIALS = {"CS02c": 0x000A, "CS02d": 0x000B}

STRUCTURES: dict[int, dict] = {
    code: {"use_case": name, "kind": "asn1", "sign": True, "extra": "", "tree": []}
    for name, code in [*((name, code) for name, (code, _mode, _role) in MODES.items()), *OWN_CREDENTIALS.items()]
}
