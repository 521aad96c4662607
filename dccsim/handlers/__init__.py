"""Service Request handlers, registered by variant; importing this package registers them all."""
from dccsim.handlers.registry import HANDLERS, Reply, handles

__all__ = ["HANDLERS", "Reply", "handles", "load_all"]


def load_all() -> None:
    """Import every handler module so that each registers itself."""
    from dccsim.handlers import device_commands as device_requests  # noqa: F401
    from dccsim.handlers import (  # noqa: F401
        commshub,
        firmware,
        inventory_srs,
        local_response,
        optin,
        prenotification,
        schedules,
        wan,
    )
