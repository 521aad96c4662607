"""Gas commands (GCS use cases on GSME / GPF, CS01b, CS11): what a Service Request puts into them."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from devices.clock import generalized_time
from dccsim.commands.values import as_datetime
from dccsim.inventory.models import Device

# Preferred use case per (variant, device type) where several apply.
PREFERRED: dict[tuple[str, str], str] = {
    ("4.1.1", "GSME"): "GCS13a", ("4.1.1", "GPF"): "GCS13a", ("4.1.2", "GSME"): "GCS13c",
    ("4.1.2", "GPF"): "GCS13c", ("4.18", "GSME"): "GCS60", ("4.18", "GPF"): "GCS60a", ("2.2", "GSME"): "CS01b",
    ("11.2", "GSME"): "GCS38", ("11.2", "GPF"): "GCS38", ("8.1.1", "GSME"): "GCS28", ("1.1.1", "GSME"): "GCS01a",
}


def _fill_time(tree: list, body: dict, device: Device, now: datetime) -> list:
    """GCS28: synchronise the clock to the request's CurrentDateTime (or now)."""
    moment = as_datetime(body.get("CurrentDateTime")) or now
    for node in tree[0]["children"]:
        if node["tag"] == "18":
            node["hex"] = generalized_time(moment).hex()
    return tree


FILLS: dict[str, Callable[[Any, dict, Device, datetime], Any]] = {
    "GCS28": _fill_time,
}
