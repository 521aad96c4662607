"""Every Service Request handler, registered by variant (importing this module registers them all)."""
from dccsim.handlers import (  # noqa: F401 - each module registers its handlers
    commshub,
    device_commands,
    firmware,
    inventory_srs,
    local_response,
    optin,
    prenotification,
    schedules,
    wan,
)
from dccsim.handlers.registry import HANDLERS, HandlerEntry, Reply, Target

__all__ = ["HANDLERS", "HandlerEntry", "Reply", "Target"]
