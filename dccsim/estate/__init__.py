"""Estates: users, premises with their devices, and the CPL, loaded from YAML into the inventory."""
from dccsim.estate.loader import (
    EstateError,
    demo_estate_path,
    estate_identities,
    load_estate_file,
    load_estate,
    parse_estate,
)

__all__ = ["EstateError", "demo_estate_path", "estate_identities", "load_estate", "load_estate_file",
           "parse_estate"]
