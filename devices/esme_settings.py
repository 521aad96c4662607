"""The ESME's device-configuration objects (what DUIS 6.x reads and sets): their factory values, and the
ones the meter derives from its state (its identity, payment mode, the load limiter's active settings).

A set (ECS28a, ECS29x, ECS30a, ECS34, ECS37, ECS39x, ECS48, ECS81) stores a new value in the
attribute store, which the matching read (ECS26x, ECS40, ECS27) returns afterwards; the alert behaviours
(ECS25x, read by ECS25r) are ``devices.alert_behaviour``'s.
"""
from __future__ import annotations

from gbcs import dlms as x
from gbcs.dlms import Node
from devices import alert_behaviour
from devices.attribute_store import key
from devices.esme_variant import Capabilities

PHASES = ("20", "34", "48")
# Limiter thresholds (V) and measurement periods (s): extreme over, extreme under, sag, swell.
_LIMITERS = {"0000110001FF": (287, 30), "0000110002FF": (180, 30), "0000110003FF": (216, 30),
             "0000110004FF": (253, 30)}
_AVERAGE_RMS = (264, 200)                       # over, under (V)
# GBCS extended data objects of load limiting: supply disabled on a trip, threshold (W), period and
# restoration period (s); the limiter object 0-0:17.0.0 reads them (ECS27).
LOAD_LIMIT_SUPPLY, LOAD_LIMIT_THRESHOLD, LOAD_LIMIT_PERIOD, LOAD_LIMIT_RESTORATION = (
    "00005E2C0003", "00005E2C8007", "00005E2C8006", "00005E2C8008")
LOAD_LIMITER = {4: LOAD_LIMIT_THRESHOLD, 6: LOAD_LIMIT_PERIOD, 7: LOAD_LIMIT_RESTORATION}
IDENTITY = "0000600101FF"
PAYMENT_MODE = (111, "0000130000FF", 2)
MANUFACTURER, MODEL, FIRMWARE_ID = b"D", b"DCCSIM-E", b"SIM "


def factory_values(caps: Capabilities) -> dict[str, Node]:
    """Configuration values as the meter leaves the factory."""
    k = key
    values: dict[str, Node] = {}
    for obis, (threshold, period) in _LIMITERS.items():
        values[k(71, obis, 4)], values[k(71, obis, 6)] = x.dlu(threshold), x.dlu(period)
    for phase in PHASES if caps.polyphase else PHASES[:1]:
        values[k(1, f"0100{phase}230004", 2)] = x.dlu(_AVERAGE_RMS[0])
        values[k(1, f"0100{phase}1F0004", 2)] = x.dlu(_AVERAGE_RMS[1])
        values[k(7, f"0100{phase}1800FF", 4)] = x.dlu(3600)
    values.update({
        # randomisation offsets (s): billing, tariff, ... (ECS26c)
        k(1, "00005E2C0000", 2): x.long_unsigned(200), k(1, "00005E2C0002", 2): x.long_unsigned(2000),
        k(1, "00005E2C0001", 2): x.long_unsigned(1000),
        # billing calendar: monthly on the 1st at midnight (ECS26l); no daily block counter reset (ECS48)
        k(22, "00000F0000FF", 4): x.array([x.structure(x.octets("00000000"), x.octets("ffffff01ff"))]),
        k(22, "00000F0100FF", 4): x.array([]),
        # identity (ECS26m) and supply tamper state: supply left unchanged on a tamper (ECS81)
        k(1, "0000600102FF", 2): x.octets(MANUFACTURER), k(1, "0000600104FF", 2): x.octets(MODEL),
        k(1, "0000600106FF", 2): x.octets(FIRMWARE_ID), k(1, "00005E2C0004", 2): x.boolean(False),
        # instantaneous power thresholds (W, ECS26f / ECS34)
        k(21, "0000100000FF", 2): x.array([x.dlu(2300), x.dlu(4600)]),
        # MPxNs (ECS40 / ECS39a / ECS39b): none set
        k(1, "00005E2C220B", 2): x.octets(b""), k(1, "0100000002FF", 2): x.octets(b""),
        # load limiting (ECS27 / ECS28a)
        k(9000, LOAD_LIMIT_SUPPLY, 2): x.boolean(False), k(9000, LOAD_LIMIT_THRESHOLD, 2): x.dlu(6900),
        k(9000, LOAD_LIMIT_PERIOD, 2): x.dlu(300), k(9000, LOAD_LIMIT_RESTORATION, 2): x.dlu(30),
    })
    for obis, node in alert_behaviour.factory_maps().items():     # read by ECS25r1 / ECS25r2, set by ECS25x
        values[k(1, obis, 2)] = node
    return values
