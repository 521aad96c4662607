"""GBCS command structures of the use cases the simulator sends, by message code.

Each entry is the generic payload tree (see ``gbcs.payload``) of the command a use case sends: the COSEM
attributes and methods a DLMS command addresses, the ZCL components of a GBZ command, the ASN.1 layout
of the CS use cases. They are kept per device family (``structures_esme``, ``structures_esme_config``, ``structures_gas``,
``structures_cs``); the command builders fill in what a Service Request supplies (device ids, install
codes, dates, prices, UTRNs ...) before the frame is built.
"""
from dccsim.han.commands.structures_auxiliary import STRUCTURES as _AUXILIARY
from dccsim.han.commands.structures_credentials import STRUCTURES as _CREDENTIALS
from dccsim.han.commands.structures_cs import STRUCTURES as _CS
from dccsim.han.commands.structures_esme import STRUCTURES as _ESME
from dccsim.han.commands.structures_esme_config import STRUCTURES as _ESME_CONFIG
from dccsim.han.commands.structures_esme_supply import STRUCTURES as _ESME_SUPPLY
from dccsim.han.commands.structures_gas import STRUCTURES as _GAS
from dccsim.han.commands.structures_gas_supply import STRUCTURES as _GAS_SUPPLY

STRUCTURES: dict[int, dict] = {**_CS, **_CREDENTIALS, **_ESME, **_ESME_CONFIG, **_ESME_SUPPLY, **_AUXILIARY, **_GAS,
                               **_GAS_SUPPLY}
