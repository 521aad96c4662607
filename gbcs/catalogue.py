"""The message-code catalogue: GBCS message code → use case, kind, payload format, device types.

Built from the GBCS use-case list and the RTDS 4.5.0 test vectors (one folder per SR and use case).
``kind`` is "command" for command/response pairs and "alert" for alerts; ``qualifier`` tells apart
message codes that share a use case (the CS02b remote-party variants, the generic alerts).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MessageCodeInfo:
    code: int
    use_case: str
    kind: str
    qualifier: str
    service_references: tuple[str, ...]

    @property
    def payload_format(self) -> str:
        if self.use_case.startswith("ECS") or self.use_case.endswith("-DLMS"):
            return "dlms"
        if self.use_case in ("GCS28", "GCS59", "GCS62"):
            return "asn1"
        if self.use_case.startswith("GCS") or self.use_case.endswith("-ZigBee"):
            return "gbz"
        return "asn1"

    @property
    def device_types(self) -> tuple[str, ...]:
        uc = self.use_case
        if uc.startswith("ECS") or uc.endswith("-DLMS"):
            return ("ESME",)
        if uc.startswith("GCS") or uc.endswith("-ZigBee"):
            return ("GSME", "GPF")
        if uc.startswith(("CCS", "DBCH")):
            return ("CHF",)
        if uc.startswith("PCS"):
            return ("PPMID",)
        return ("ESME", "GSME", "GPF", "CHF", "PPMID", "HCALCS")


_TABLE: dict[int, tuple[str, str, str, tuple[str, ...]]] = {
    0x0001: ('CCS01', 'command', '', ('8.11',)),
    0x0002: ('CCS02', 'command', '', ('8.11',)),
    0x0003: ('CCS03', 'command', '', ('8.12.1',)),
    0x0004: ('CCS05', 'command', '', ('8.9',)),
    0x0007: ('CS01a', 'command', '', ('2.2',)),
    0x0008: ('CS02a', 'command', '', ('6.24.1',)),
    0x000A: ('CS02c', 'command', '', ('6.17',)),
    0x000B: ('CS02d', 'command', '', ('6.15.2',)),
    0x000C: ('CS02e', 'command', '', ('6.24.2',)),
    0x000D: ('CS03A1', 'command', '', ('8.7.1',)),
    0x000E: ('CS03B', 'command', '', ('8.7.2',)),
    0x000F: ('CS04AC', 'command', '', ('8.8.1', '8.8.2')),
    0x0010: ('CS04B', 'command', '', ('8.8.2',)),
    0x0012: ('CS06', 'command', '', ('11.3',)),
    0x0013: ('CS07', 'command', '', ('8.9',)),
    0x0014: ('CS10a', 'command', '', ('6.13',)),
    0x0015: ('CS11', 'command', '', ('3.3',)),
    0x0018: ('CS14', 'alert', '', ()),
    0x0019: ('ECS01a', 'command', '', ('1.1.1',)),
    0x001A: ('ECS02', 'command', '', ('1.6',)),
    0x001B: ('ECS03', 'command', '', ('1.6',)),
    0x001C: ('ECS04a', 'command', '', ('1.5',)),
    0x001D: ('ECS05', 'command', '', ('1.7',)),
    0x001E: ('ECS07', 'command', '', ('2.3',)),
    0x001F: ('ECS08', 'command', '', ('2.1',)),
    0x0020: ('ECS09', 'command', '', ('2.5',)),
    0x0021: ('ECS10', 'command', '', ('3.1',)),
    0x0022: ('ECS12', 'command', '', ('3.2',)),
    0x0023: ('ECS14', 'command', '', ('3.5',)),
    0x0024: ('ECS15a', 'command', '', ('3.3',)),
    0x0025: ('ECS16', 'command', '', ('3.4',)),
    0x0026: ('ECS17a', 'command', '', ('4.2',)),
    0x0027: ('ECS17b', 'command', '', ('4.1.1',)),
    0x0028: ('ECS17c', 'command', '', ('4.16',)),
    0x0029: ('ECS17d', 'command', '', ('4.1.2',)),
    0x002A: ('ECS17e', 'command', '', ('4.1.3',)),
    0x002B: ('ECS18a', 'command', '', ('4.12.2',)),
    0x002C: ('ECS18b', 'command', '', ('4.12.1',)),
    0x002D: ('ECS19', 'command', '', ('4.3',)),
    0x002E: ('ECS20a', 'command', '', ('4.4.4',)),
    0x002F: ('ECS20b', 'command', '', ('4.4.2',)),
    0x0030: ('ECS20c', 'command', '', ('4.4.3',)),
    0x0033: ('ECS21a', 'command', '', ('4.6.1',)),
    0x0034: ('ECS21b', 'command', '', ('4.14',)),
    0x0035: ('ECS21c', 'command', '', ('4.6.2',)),
    0x0036: ('ECS22a', 'command', '', ('4.8.3',)),
    0x0037: ('ECS22b', 'command', '', ('4.8.1',)),
    0x0038: ('ECS22c', 'command', '', ('4.8.2',)),
    0x0039: ('ECS23', 'command', '', ('4.10',)),
    0x003A: ('ECS24', 'command', '', ('4.11.1',)),
    0x003B: ('ECS26a', 'command', '', ('4.13',)),
    0x003C: ('ECS26b', 'command', '', ('6.2.1',)),
    0x003D: ('ECS26c', 'command', '', ('6.2.2',)),
    0x003E: ('ECS26d', 'command', '', ('6.2.3',)),
    0x003F: ('ECS26e', 'command', '', ('6.2.4',)),
    0x0040: ('ECS26f', 'command', '', ('6.2.5',)),
    0x0042: ('ECS27', 'command', '', ('4.15',)),
    0x0043: ('ECS28a', 'command', '', ('6.4.1',)),
    0x0044: ('ECS28b', 'command', '', ('6.4.2',)),
    0x0045: ('ECS29a', 'command', '', ('6.5',)),
    0x0046: ('ECS30', 'command', '', ('6.8',)),
    0x0047: ('ECS34', 'command', '', ('6.12',)),
    0x0048: ('ECS35a', 'command', '', ('6.13',)),
    0x0049: ('ECS35b', 'command', '', ('6.13',)),
    0x004A: ('ECS37', 'command', '', ('6.18.1',)),
    0x004B: ('ECS38', 'command', '', ('7.12',)),
    0x004C: ('ECS39a', 'command', '', ('6.20.1',)),
    0x004D: ('ECS39b', 'command', '', ('6.20.2',)),
    0x004E: ('ECS40', 'command', '', ('6.2.7',)),
    0x004F: ('ECS42', 'command', '', ('7.1',)),
    0x0050: ('ECS43', 'command', '', ('7.2',)),
    0x0051: ('ECS44', 'command', '', ('7.3',)),
    0x0052: ('ECS45', 'command', '', ('7.4',)),
    0x0053: ('ECS46a', 'command', '', ('6.14.1',)),
    0x0054: ('ECS46c', 'command', '', ('6.14.2',)),
    0x0055: ('ECS47', 'command', '', ('7.5', '7.6', '7.8')),
    0x0058: ('ECS50', 'command', '', ('9.1',)),
    0x0059: ('ECS52', 'command', '', ('11.2',)),
    0x005A: ('ECS57', 'command', '', ('6.18.2',)),
    0x005E: ('ECS61c', 'command', '', ('7.11',)),
    0x005F: ('ECS62', 'command', '', ('7.10', '7.9')),
    0x0060: ('ECS66', 'command', '', ('4.17',)),
    0x0061: ('ECS68', 'alert', '', ()),
    0x0062: ('ECS70', 'command', '', ('6.11', '8.1.1')),
    0x0067: ('ECS80', 'alert', '', ()),
    0x0068: ('ECS81', 'command', '', ('6.25',)),
    0x0069: ('ECS82', 'command', '', ('4.18',)),
    0x006B: ('GCS01a', 'command', '', ('1.1.1',)),
    0x006C: ('GCS02', 'command', '', ('1.6',)),
    0x006D: ('GCS03', 'command', '', ('1.6',)),
    0x006E: ('GCS04', 'command', '', ('2.3',)),
    0x006F: ('GCS05', 'command', '', ('2.1',)),
    0x0070: ('GCS06', 'command', '', ('2.5',)),
    0x0071: ('GCS07', 'command', '', ('3.1',)),
    0x0072: ('GCS09', 'command', '', ('3.2',)),
    0x0073: ('GCS11', 'command', '', ('3.5',)),
    0x0074: ('GCS13a', 'command', '', ('4.1.1',)),
    0x0075: ('GCS14', 'command', '', ('4.3',)),
    0x0076: ('GCS15c', 'command', '', ('4.4.3',)),
    0x0077: ('GCS16a', 'command', '', ('4.6.1',)),
    0x0078: ('GCS17', 'command', '', ('4.8.1',)),
    0x0079: ('GCS18', 'command', '', ('4.10',)),
    0x007B: ('GCS21a', 'command', '', ('6.2.8',)),
    0x007C: ('GCS23', 'command', '', ('6.6',)),
    0x007D: ('GCS24', 'command', '', ('6.7',)),
    0x007E: ('GCS25', 'command', '', ('6.8',)),
    0x007F: ('GCS28', 'command', '', ('6.11', '8.1.1')),
    0x0080: ('GCS31', 'command', '', ('14.1',)),
    0x0081: ('GCS32', 'command', '', ('7.2',)),
    0x0082: ('GCS33', 'command', '', ('7.4',)),
    0x0083: ('GCS36', 'command', '', ('9.1',)),
    0x0084: ('GCS38', 'command', '', ('11.2',)),
    0x0085: ('GCS39', 'command', '', ('7.3',)),
    0x0086: ('GCS40a', 'command', '', ('1.5',)),
    0x0087: ('GCS41', 'command', '', ('6.20.1',)),
    0x0088: ('GCS44', 'command', '', ('3.4',)),
    0x0089: ('GCS46', 'command', '', ('6.2.7',)),
    0x008B: ('GCS53', 'alert', '', ()),
    0x008C: ('GCS59', 'command', '', ('8.12.2',)),
    0x008D: ('GCS60', 'command', '', ('4.18',)),
    0x0090: ('PCS02', 'command', '', ()),
    0x0092: ('ECS26i', 'command', '', ('6.2.4',)),
    0x0093: ('ECS35c', 'command', '', ('6.13',)),
    0x0094: ('ECS35d', 'command', '', ('6.13',)),
    0x0096: ('GCS16b', 'command', '', ('4.14',)),
    0x0097: ('CS01b', 'command', '', ('2.2',)),
    0x009B: ('PCS01', 'command', '', ()),
    0x009D: ('GCS21d', 'command', '', ('6.2.3',)),
    0x009E: ('GCS21e', 'command', '', ('6.2.4',)),
    0x009F: ('GCS21f', 'command', '', ('4.11.1',)),
    0x00A0: ('GCS61', 'command', '', ('4.17',)),
    0x00A1: ('CS10b', 'command', '', ('6.13',)),
    0x00A2: ('ECS01b', 'command', '', ('1.2.1',)),
    0x00A3: ('GCS01b', 'command', '', ('1.2.1',)),
    0x00AB: ('CS03A2', 'command', '', ('8.7.1', '8.7.2')),
    0x00AC: ('ECS25a', 'command', '', ('6.22',)),
    0x00AD: ('GCS20', 'command', '', ('6.22',)),
    0x00AE: ('ECS29b', 'command', '', ('6.5',)),
    0x00AF: ('CS03C', 'command', '', ('8.7.1', '8.7.2')),
    0x00B0: ('ECS25b', 'command', '', ('6.22',)),
    0x00B2: ('GCS62', 'alert', '', ()),
    0x00B3: ('ECS04b', 'command', '', ('1.5',)),
    0x00B4: ('GCS40b', 'command', '', ('1.5',)),
    0x00B5: ('GCS21b', 'command', '', ('4.13',)),
    0x00B6: ('GCS13c', 'command', '', ('4.1.2',)),
    0x00B7: ('ECS01c', 'command', '', ('1.1.2',)),
    0x00B8: ('GCS13b', 'command', '', ('4.1.4',)),
    0x00B9: ('ECS35e', 'command', '', ('6.13',)),
    0x00BA: ('ECS35f', 'command', '', ('6.13',)),
    0x00BB: ('ECS61a', 'command', '', ('7.7',)),
    0x00BC: ('ECS23b', 'command', '', ('4.10',)),
    0x00BD: ('ECS24b', 'command', '', ('4.11.2',)),
    0x00BE: ('ECS26j', 'command', '', ('6.2.9',)),
    0x00BF: ('GCS21j', 'command', '', ('6.2.9',)),
    0x00C0: ('GCS40c', 'command', '', ('1.5',)),
    0x00C1: ('ECS15c', 'command', '', ('3.3',)),
    0x00C2: ('GCS40d', 'command', '', ('1.5',)),
    0x00C3: ('GCS15b', 'command', '', ('4.4.2',)),
    0x00C4: ('GCS15d', 'command', '', ('4.4.4',)),
    0x00C5: ('GCS15e', 'command', '', ('4.4.5',)),
    0x00C6: ('ECS26k', 'command', '', ('6.2.1',)),
    0x00C7: ('ECS01d', 'command', '', ('1.2.2',)),
    0x00C9: ('ECS20d', 'command', '', ('4.4.5',)),
    0x00CA: ('CS06', 'alert', '', ('11.3',)),
    0x00CB: ('CS02b', 'alert', '', ('6.15.1', '6.23')),
    0x00CC: ('FDA-DLMS', 'alert', 'future-dated execution alert (DLMS)', ('1.1.1', '1.1.2', '1.2.1', '1.2.2', '1.6', '2.1', '6.14.2', '6.14.3', '6.4.1')),
    0x00CD: ('FDA-ZigBee', 'alert', 'future-dated execution alert (GBZ)', ('1.1.1', '1.2.1', '1.6', '2.1')),
    0x00CE: ('FDRA-DLMS', 'alert', 'firmware distribution receipt alert (DLMS)', ()),
    0x00CF: ('FDRA-ZigBee', 'alert', 'firmware distribution receipt alert (GBZ)', ()),
    0x00D1: ('ECS29c', 'command', '', ('6.5',)),
    0x00D2: ('ECS29d', 'command', '', ('6.5',)),
    0x00D3: ('ECS29e', 'command', '', ('6.27',)),
    0x00D4: ('ECS29f', 'command', '', ('6.27',)),
    0x00D7: ('ECS30a', 'command', '', ('6.8',)),
    0x00D8: ('GCS25a', 'command', '', ('6.8',)),
    0x00D9: ('ECS26l', 'command', '', ('6.2.3',)),
    0x00DA: ('GCS21k', 'command', '', ('6.2.3',)),
    0x00DB: ('ECS48', 'command', '', ('6.26',)),
    0x00DE: ('ECS08a', 'command', '', ('2.1',)),
    0x00EA: ('ECS25a1', 'command', '', ('6.22',)),
    0x00EB: ('ECS25a2', 'command', '', ('6.22',)),
    0x00EC: ('ECS25a3', 'command', '', ('6.22',)),
    0x00ED: ('ECS25b3', 'command', '', ('6.22',)),
    0x00EE: ('ECS25r1', 'command', '', ('6.2.10',)),
    0x00EF: ('ECS25r2', 'command', '', ('6.2.10',)),
    0x00F0: ('MIIWA-DLMS', 'alert', 'meter integrity issue warning alert (DLMS)', ()),
    0x00F1: ('GCS20r', 'command', '', ('6.2.10',)),
    0x00F2: ('MIIWA-ZigBee', 'alert', 'meter integrity issue warning alert (GBZ)', ()),
    0x00F9: ('ECS26m', 'command', '', ('6.2.4',)),
    0x00FA: ('ECS26n', 'command', '', ('6.2.4',)),
    0x00FB: ('GCS21m', 'command', '', ('6.2.4',)),
    0x00FC: ('GCS24a', 'command', '', ('6.7',)),
    0x00FD: ('ECS35g', 'command', '', ('6.13',)),
    0x00FE: ('CCS07', 'command', '', ('8.9',)),
    0x0102: ('CS02b', 'command', 'SupplierBySupplier', ('6.15.1', '6.21')),
    0x0103: ('CS02b', 'command', 'NetworkOperatorByNetworkOperator', ('6.15.1', '6.21')),
    0x0104: ('CS02b', 'command', 'ACBByACB', ('8.5',)),
    0x0105: ('CS02b', 'command', 'WANProviderByWANProvider', ()),
    0x0106: ('CS02b', 'command', 'TransCoSByTransCoS', ()),
    0x0107: ('CS02b', 'command', 'SupplierByTransCoS', ('6.23',)),
    0x0108: ('CS02b', 'command', 'AnyExceptAbnormalRootByRecovery', ()),
    0x0109: ('CS02b', 'command', 'AnyByContingency', ()),
    0x010A: ('DBCH01', 'command', '', ('6.31',)),
    0x010B: ('DBCH02', 'command', '', ('6.32',)),
    0x010C: ('DBCH03', 'command', '', ('6.30',)),
    0x010D: ('DBCH04', 'command', '', ('6.28',)),
    0x010E: ('DBCH05', 'command', '', ('6.29',)),
    0x010F: ('CCS06', 'command', '', ('8.9',)),
    0x0110: ('DBCH06', 'alert', '', ()),
    0x0111: ('DBCH07', 'alert', '', ()),
    0x0112: ('DBCH08', 'alert', '', ()),
    0x0113: ('DBCH09', 'alert', '', ('6.28',)),
    0x0114: ('DBCH10', 'alert', '', ()),
    0x0115: ('DBCH11', 'alert', '', ()),
    0x011A: ('ECS46d', 'command', '', ('6.14.3',)),
    0x011B: ('CS02f', 'command', '', ('6.24.1',)),
    0x011C: ('ECS61d', 'command', '', ('7.14',)),
    0x011D: ('ECS61e', 'command', '', ('7.15',)),
    0x011E: ('ECS47a', 'command', '', ('7.13',)),
    0x011F: ('ECS47e', 'command', '', ('7.16',)),
    0x0120: ('ECS100', 'alert', '', ()),
    0x0121: ('ECS101', 'alert', '', ()),
    0x0122: ('ECS102', 'alert', '', ()),
    0x0123: ('ECS200', 'alert', '', ()),
    0x0124: ('CS02g', 'alert', '', ('6.15.1',)),
    0x0125: ('CS02g', 'command', 'LoadControllerByLoadController', ()),
    0x0126: ('CS02g', 'command', 'LoadControllerBySupplier', ('6.15.1',)),
    0x0128: ('CCS08', 'alert', '', ()),
    0x0129: ('CS08', 'command', '', ('11.2',)),
    0x012A: ('GCS60a', 'command', '', ('4.18',)),
    0x012B: ('CS09', 'alert', '', ()),
    0x1000: ('GCA', 'alert', 'generic critical alert', ()),
    0x1001: ('GNCA', 'alert', 'generic non-critical alert', ()),
}

MESSAGE_CODES: dict[int, MessageCodeInfo] = {
    code: MessageCodeInfo(code, use_case, kind, qualifier, refs)
    for code, (use_case, kind, qualifier, refs) in _TABLE.items()
}


def lookup(code: int) -> MessageCodeInfo | None:
    return MESSAGE_CODES.get(code)


def codes_for(use_case: str) -> list[int]:
    return [c for c, info in MESSAGE_CODES.items() if info.use_case == use_case]
