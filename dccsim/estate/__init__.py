"""Estates: users, premises with their devices, and the CPL, loaded from YAML into the inventory."""
from dccsim.estate.bulk import EstateLoaded, load_estate_file, write_estate
from dccsim.estate.loader import (
    EstateError,
    demo_estate_path,
    estate_identities,
    load_estate,
    parse_estate,
)
from dccsim.estate.stream import DeviceEntry, read_estate

__all__ = ["DeviceEntry", "EstateError", "EstateLoaded", "demo_estate_path", "estate_identities", "load_estate",
           "load_estate_file", "parse_estate", "read_estate", "write_estate"]
